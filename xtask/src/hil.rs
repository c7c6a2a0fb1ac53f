//! `cargo xtask hil --chip esp32c3 [--probe VID:PID[:SERIAL]] [filter] [--repeat N]`: looks for the
//! debug probe first (in `/sys/bus/usb/devices`, before anything is built; without one it exits 2 in
//! seconds), then builds the board firmware and its flash image, flashes the board through the probe
//! and replays the vector set over RTT. The runner's exit status is xtask's.

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::install::{self, RISCV_TARGET};
use crate::qemu::{FIRMWARE_MANIFEST, REPORT_DIR, firmware_elf};
use crate::{Exit, Result, shell, step};

/// USB ids of debug probes probe-rs drives: (vendor, product, what it is); product 0 is any product
/// of the vendor.
const PROBES: [(u16, u16, &str); 10] = [
    (
        0x303a,
        0x1001,
        "Espressif USB-Serial-JTAG (ESP32-C3, -S3, -C6 built in)",
    ),
    (0x303a, 0x1002, "Espressif USB Bridge"),
    (0x1366, 0, "SEGGER J-Link"),
    (0x0403, 0x6010, "FTDI FT2232 (ESP-Prog)"),
    (0x0403, 0x6014, "FTDI FT232H"),
    (0x0483, 0x3748, "ST-Link/V2"),
    (0x0483, 0x374b, "ST-Link/V2-1"),
    (0x0483, 0x374f, "ST-Link/V3"),
    (0x0d28, 0x0204, "Arm DAPLink (CMSIS-DAP)"),
    (0x2e8a, 0x000c, "Raspberry Pi Debug Probe (CMSIS-DAP)"),
];

/// A USB device as sysfs shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsbDevice {
    /// `idVendor`.
    pub vendor: u16,
    /// `idProduct`.
    pub product: u16,
    /// `serial`, when the device has one.
    pub serial: Option<String>,
}

impl std::fmt::Display for UsbDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vendor, self.product)?;
        if let Some(s) = &self.serial {
            write!(f, ":{s}")?;
        }
        Ok(())
    }
}

/// `--probe VID:PID[:SERIAL]`, ids in hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSelector {
    vendor: u16,
    product: u16,
    serial: Option<String>,
}

impl ProbeSelector {
    /// Parses `VID:PID[:SERIAL]`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut parts = text.splitn(3, ':');
        let hex = |p: Option<&str>| p.and_then(|h| u16::from_str_radix(h, 16).ok());
        match (hex(parts.next()), hex(parts.next()), parts.next()) {
            (Some(vendor), Some(product), serial) => Ok(Self {
                vendor,
                product,
                serial: serial.filter(|s| !s.is_empty()).map(str::to_owned),
            }),
            _ => Err(format!(
                "--probe takes VID:PID[:SERIAL] in hex, e.g. 303a:1001, got `{text}`"
            )),
        }
    }

    fn matches(&self, d: &UsbDevice) -> bool {
        d.vendor == self.vendor
            && d.product == self.product
            && self.serial.as_ref().is_none_or(|s| d.serial.as_ref() == Some(s))
    }
}

/// The USB devices under `root` (`/sys/bus/usb/devices`).
pub fn usb_devices(root: &Path) -> Vec<UsbDevice> {
    let Ok(dir) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let read = |p: &Path, f: &str| {
        std::fs::read_to_string(p.join(f))
            .ok()
            .map(|s| s.trim().to_owned())
    };
    let mut found: Vec<UsbDevice> = dir
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let id = |f| read(&p, f).and_then(|h| u16::from_str_radix(&h, 16).ok());
            Some(UsbDevice {
                vendor: id("idVendor")?,
                product: id("idProduct")?,
                serial: read(&p, "serial"),
            })
        })
        .collect();
    found.sort_by_key(ToString::to_string);
    found
}

/// The debug probes among `devices`: those `selector` names, or (without one) every known probe.
pub fn probes(devices: &[UsbDevice], selector: Option<&ProbeSelector>) -> Vec<UsbDevice> {
    devices
        .iter()
        .filter(|d| match selector {
            Some(s) => s.matches(d),
            None => PROBES
                .iter()
                .any(|(v, p, _)| d.vendor == *v && (*p == 0 || d.product == *p)),
        })
        .cloned()
        .collect()
}

/// Looks for the probe before anything is built: exit status 2 and "no probe" when there is none.
fn find_probe(selector: Option<&ProbeSelector>) -> Result<UsbDevice> {
    step("looking for a debug probe (/sys/bus/usb/devices)");
    let devices = usb_devices(Path::new("/sys/bus/usb/devices"));
    let found = probes(&devices, selector);
    match (found.as_slice(), selector) {
        ([one], _) | ([one, ..], Some(_)) => {
            println!("probe: {one}");
            Ok(one.clone())
        }
        ([], _) => {
            let wanted = match selector {
                Some(s) => format!(
                    "no USB device {:04x}:{:04x}{}",
                    s.vendor,
                    s.product,
                    s.serial
                        .as_ref()
                        .map_or_else(String::new, |x| format!(" with serial {x}"))
                ),
                None => {
                    let known: Vec<String> = PROBES
                        .iter()
                        .map(|(v, p, n)| {
                            if *p == 0 {
                                format!("{v:04x}:* {n}")
                            } else {
                                format!("{v:04x}:{p:04x} {n}")
                            }
                        })
                        .collect();
                    format!(
                        "none of the debug probes probe-rs drives is attached ({})",
                        known.join(", ")
                    )
                }
            };
            Err(Exit::new(2, format!(
                "no probe: {wanted}. Connect the ESP32-C3 board's USB port wired to the chip's own USB-Serial-JTAG (303a:1001), install the udev rules from hil/README.md, and try again; nothing was built"
            )).into())
        }
        (many, None) => {
            let names: Vec<String> = many.iter().map(ToString::to_string).collect();
            Err(Exit::new(
                2,
                format!(
                    "{} debug probes are attached ({}); pick one with --probe VID:PID[:SERIAL]",
                    many.len(),
                    names.join(", ")
                ),
            )
            .into())
        }
    }
}

/// The chips a firmware exists for, and its package.
const CHIPS: [(&str, &str); 1] = [("esp32c3", "memspec-fw-esp32c3")];

fn package(chip: &str) -> Result<&'static str> {
    CHIPS
        .iter()
        .find(|(c, _)| *c == chip)
        .map(|(_, p)| *p)
        .ok_or_else(|| {
            let known: Vec<&str> = CHIPS.iter().map(|(c, _)| *c).collect();
            format!("unknown chip `{chip}`; known: {}", known.join(", ")).into()
        })
}

/// The one profile a small-board firmware holds (its feature of the same name), beside the
/// firmware of every profile.
pub const SINGLE_PROFILE: &str = "micropython-a32";

/// Ceilings on an image's flash code+rodata in bytes, checked each time xtask writes the image: a
/// guard against growth, a few percent above the figures in hil/README.md. (chip, profile or `None`
/// for every profile, bytes.)
const FLASH_CEILINGS: [(&str, Option<&str>, u64); 2] = [
    ("esp32c3", None, 256_000),
    ("esp32c3", Some(SINGLE_PROFILE), 132_000),
];

/// Builds the firmware of `chip`, of every profile or of `profile` alone (its feature, into a
/// target folder of its own); returns its ELF.
pub fn build_firmware(sh: &Shell, chip: &str, profile: Option<&str>) -> Result<PathBuf> {
    let pkg = package(chip)?;
    let mut dir = crate::target_dir::firmware();
    let mut features: Vec<&str> = Vec::new();
    match profile {
        Some(p) => {
            step(&format!("{chip} firmware, {p} only"));
            dir = dir.join(p);
            features.extend(["--features", p]);
        }
        None => step(&format!("{chip} firmware")),
    }
    cmd!(
        sh,
        "cargo build --manifest-path {FIRMWARE_MANIFEST} -p {pkg} --target {RISCV_TARGET} --release --locked {features...} --target-dir {dir}"
    )
    .run()?;
    Ok(firmware_elf(&dir, pkg))
}

/// Builds the host runner with the probe-rs board support (release: probe-rs builds in minutes).
pub fn build_runner(sh: &Shell) -> Result {
    step("board runner (probe-rs)");
    cmd!(
        sh,
        "cargo build -p memspec-hil --features board --release --locked"
    )
    .run()?;
    Ok(())
}

fn runner() -> PathBuf {
    crate::target_dir::host().join("release/memspec-hil")
}

/// Writes the flash image of `chip`'s firmware (of every profile, or of `profile` alone), prints its
/// flash and RAM size, and fails when its flash code+rodata is over its ceiling.
pub fn image(sh: &Shell, chip: &str, profile: Option<&str>, elf: &std::path::Path) -> Result {
    let name = match profile {
        Some(p) => format!("{chip}-{p}"),
        None => chip.to_string(),
    };
    step(&format!("{name} flash image and sizes"));
    let out = format!("{REPORT_DIR}/{name}.bin");
    sh.create_dir(REPORT_DIR)?;
    let runner = runner();
    let max = flash_ceiling(chip, profile)?.to_string();
    cmd!(
        sh,
        "{runner} image --chip {chip} --elf {elf} --out {out} --max-flash {max}"
    )
    .run()?;
    Ok(())
}

fn flash_ceiling(chip: &str, profile: Option<&str>) -> Result<u64> {
    FLASH_CEILINGS
        .iter()
        .find(|(c, p, _)| *c == chip && *p == profile)
        .map(|(_, _, bytes)| *bytes)
        .ok_or_else(|| format!("no flash ceiling for {chip} {profile:?}").into())
}

/// Checks that asking for a board without a probe ends with a clear message and a non-zero exit.
pub fn check_no_probe(sh: &Shell, chip: &str, elf: &std::path::Path) -> Result {
    step("board runner without a probe: a clear message and a non-zero exit");
    let runner = runner();
    let out = cmd!(sh, "{runner} board --chip {chip} --elf {elf}")
        .ignore_status()
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stderr}");
    if out.status.success() {
        return Err(
            "`memspec-hil board` succeeded: a probe is attached, so this check cannot run here".into(),
        );
    }
    if out.status.code() != Some(2) || !stderr.contains("no debug probe found") {
        return Err(format!(
            "expected exit code 2 and \"no debug probe found\", got {:?}: {stderr}",
            out.status.code()
        )
        .into());
    }
    println!("ok: exit code 2, the message names the missing probe");
    Ok(())
}

struct Args {
    chip: String,
    probe: Option<ProbeSelector>,
    filter: Option<String>,
    repeat: Option<String>,
}

fn parse(args: &[String]) -> Result<Args> {
    let usage = "usage: cargo xtask hil --chip esp32c3 [--probe VID:PID[:SERIAL]] [filter] [--repeat N]";
    let (mut chip, mut filter, mut repeat, mut probe) = (None, None, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--chip" => chip = Some(it.next().ok_or(usage)?.clone()),
            "--probe" => probe = Some(ProbeSelector::parse(it.next().ok_or(usage)?)?),
            "--repeat" => {
                let n = it.next().ok_or(usage)?;
                if !n.parse::<u32>().is_ok_and(|n| n > 0) {
                    return Err(format!("--repeat takes a positive count, got `{n}`").into());
                }
                repeat = Some(n.clone());
            }
            f if f.starts_with('-') => return Err(format!("unknown option `{f}`\n{usage}").into()),
            f if filter.is_none() => filter = Some(f.to_string()),
            _ => return Err(usage.into()),
        }
    }
    let chip = chip.ok_or(format!("--chip is required\n{usage}"))?;
    package(&chip)?;
    Ok(Args {
        chip,
        probe,
        filter,
        repeat,
    })
}

/// `cargo xtask hil --chip esp32c3 [filter] [--repeat N]`.
pub fn run(args: &[String]) -> Result {
    let a = parse(args).map_err(|e| Exit::new(2, e.to_string()))?;
    let probe = find_probe(a.probe.as_ref())?;
    let sh = shell()?;
    install::rustup_target(&sh)?;
    let elf = build_firmware(&sh, &a.chip, None)?;
    build_runner(&sh)?;
    image(&sh, &a.chip, None, &elf)?;
    step(&format!("replay on the {} board, compared with the host", a.chip));
    let runner = runner();
    let chip = &a.chip;
    let report = format!("{REPORT_DIR}/{chip}-report.json");
    let mut extra: Vec<String> = Vec::new();
    if let Some(n) = &a.repeat {
        extra.extend(["--repeat".into(), n.clone()]);
    }
    extra.extend(a.filter.clone());
    let mut board: std::process::Command = cmd!(
        sh,
        "{runner} board --chip {chip} --elf {elf} --report {report} {extra...}"
    )
    .env("MEMSPEC_HIL_PROBE", probe.to_string())
    .into();
    println!("$ {board:?}");
    let status = board.status()?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Exit::new(
            u8::try_from(code).unwrap_or(1),
            format!("the board runner exited with status {code}"),
        )
        .into()),
        None => Err(Exit::new(1, "the board runner was stopped by a signal".into()).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chip_has_flash_ceilings_for_both_firmwares() {
        for (chip, _) in CHIPS {
            for profile in [None, Some(SINGLE_PROFILE)] {
                assert!(flash_ceiling(chip, profile).unwrap() > 0, "{chip} {profile:?}");
            }
        }
    }

    #[test]
    fn a_probe_selector_is_hex_vendor_product_and_an_optional_serial() {
        let s = ProbeSelector::parse("303a:1001:F4:12:FA").unwrap();
        assert_eq!(
            (s.vendor, s.product, s.serial.as_deref()),
            (0x303a, 0x1001, Some("F4:12:FA"))
        );
        assert!(ProbeSelector::parse("303a").is_err());
        assert!(ProbeSelector::parse("zz:1001").is_err());
    }

    #[test]
    fn only_known_probes_are_found_and_a_selector_picks_one_by_serial() {
        let dev = |v, p, s: &str| UsbDevice {
            vendor: v,
            product: p,
            serial: Some(s.into()),
        };
        let devices = [
            dev(0x1d6b, 2, "hub"),
            dev(0x303a, 0x1001, "A"),
            dev(0x303a, 0x1001, "B"),
        ];
        assert_eq!(probes(&devices, None).len(), 2, "the root hub is no probe");
        let b = ProbeSelector::parse("303a:1001:B").unwrap();
        assert_eq!(probes(&devices, Some(&b)), [dev(0x303a, 0x1001, "B")]);
        assert!(probes(&devices[..1], None).is_empty());
    }
}

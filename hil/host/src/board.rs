//! The board runner: an ESP32-C3 through the probe-rs library and its Espressif plugin. It finds the
//! probe (the C3's built-in USB-Serial-JTAG), flashes the firmware as an ESP-IDF image, resets, and
//! streams the set down RTT down channel 0 while reading the records from up channel 0.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use probe_rs::probe::DebugProbeInfo;
use probe_rs::probe::list::Lister;
use probe_rs::rtt::{Rtt, ScanRegion};
use probe_rs::{Permissions, Session};

use crate::set::{VectorSet, replay_on_host};
use crate::transcript::Transcript;
use crate::verdict::{self, Figures, Report, RunEnd, Trial};

/// The boards the runner knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chip {
    /// ESP32-C3 (RV32IMC), through its built-in USB-Serial-JTAG.
    Esp32c3,
}

impl Chip {
    /// Every chip.
    pub const ALL: [Chip; 1] = [Chip::Esp32c3];

    /// The name on the command line, in trial names, and probe-rs's target name.
    pub const fn name(self) -> &'static str {
        match self {
            Chip::Esp32c3 => "esp32c3",
        }
    }

    /// The chip named `name`.
    pub fn from_name(name: &str) -> Result<Chip, String> {
        Self::ALL.into_iter().find(|c| c.name() == name).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|c| c.name()).collect();
            format!(
                "unknown chip `{name}`: give --chip with one of {}",
                known.join(", ")
            )
        })
    }

    fn espflash(self) -> espflash::target::Chip {
        match self {
            Chip::Esp32c3 => espflash::target::Chip::Esp32c3,
        }
    }

    /// Address ranges of the chip's RAM on the data bus (ESP32-C3 TRM, "System and Memory":
    /// internal SRAM 0x3FC8_0000..0x3FCE_0000, RTC fast memory 0x5000_0000..0x5000_2000). Code run
    /// from RAM sits in the same SRAM seen through the instruction bus; esp-hal's linker script
    /// reserves its data-bus alias as `.rwdata_dummy`, so counting the data bus counts it once.
    fn data_ram(self) -> &'static [std::ops::Range<u64>] {
        match self {
            Chip::Esp32c3 => &[0x3FC8_0000..0x3FCE_0000, 0x5000_0000..0x5000_2000],
        }
    }

    /// Address ranges where the chip maps flash (ESP32-C3 TRM: instruction bus 0x4200_0000..
    /// 0x4280_0000, data bus 0x3C00_0000..0x3C80_0000).
    fn flash(self) -> &'static [std::ops::Range<u64>] {
        match self {
            Chip::Esp32c3 => &[0x4200_0000..0x4280_0000, 0x3C00_0000..0x3C80_0000],
        }
    }
}

/// RTT channel 0 carries the frames both ways.
const CHANNEL: usize = 0;
/// How long the firmware may take to set up RTT after a reset.
const RTT_ATTACH: Duration = Duration::from_secs(5);
/// Bytes read from the up channel per poll.
const READ_BYTES: usize = 4096;

/// How to run on a board.
#[derive(Clone, Debug)]
pub struct Config {
    /// The chip.
    pub chip: Chip,
    /// The firmware ELF.
    pub elf: PathBuf,
    /// The hard timeout of each pass over the set.
    pub timeout: Duration,
    /// How many times the set is replayed (without a reset in between).
    pub repeat: u32,
}

impl Config {
    /// One pass, a 120 s timeout.
    pub fn new(chip: Chip, elf: PathBuf) -> Self {
        Self {
            chip,
            elf,
            timeout: Duration::from_secs(120),
            repeat: 1,
        }
    }
}

/// What went wrong with the board before any trial could run.
#[derive(Debug)]
pub struct BoardError(pub String);

impl std::fmt::Display for BoardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BoardError {}

fn err(what: &str, e: impl std::fmt::Display) -> BoardError {
    BoardError(format!("{what}: {e}"))
}

/// The first debug probe attached, with the Espressif plugin registered first (without it the
/// `esp32c3` target and the `idf` image format are unknown).
/// With `MEMSPEC_HIL_PROBE=VID:PID[:SERIAL]` (hex ids, set by `cargo xtask hil --probe`), the probe
/// that matches it.
pub fn find_probe() -> Result<DebugProbeInfo, BoardError> {
    probe_rs_espressif::register_plugin();
    let wanted = std::env::var("MEMSPEC_HIL_PROBE").ok().filter(|w| !w.is_empty());
    let probes = Lister::new().list_all();
    let matches = |p: &DebugProbeInfo| match &wanted {
        None => true,
        Some(w) => {
            let mut parts = w.splitn(3, ':');
            let id = |x: Option<&str>| x.and_then(|h| u16::from_str_radix(h, 16).ok());
            id(parts.next()) == Some(p.vendor_id)
                && id(parts.next()) == Some(p.product_id)
                && parts.next().is_none_or(|s| p.serial_number.as_deref() == Some(s))
        }
    };
    match probes.into_iter().find(matches) {
        Some(p) => {
            println!("probe: {p}");
            Ok(p)
        }
        None => Err(BoardError(
            "no debug probe found. Connect the ESP32-C3 board's USB port wired to the chip's own \
             USB-Serial-JTAG (USB id 303a:1001; `lsusb` lists it as \"Espressif USB JTAG/serial \
             debug unit\"), install the udev rules from hil/README.md, and try again"
                .into(),
        )),
    }
}

fn flash(session: &mut Session, elf: &Path) -> Result<(), BoardError> {
    let format = probe_rs::flashing::image_format("idf").ok_or_else(|| {
        BoardError("probe-rs has no `idf` image format: the Espressif plugin is missing".into())
    })?;
    let mut flashing = FlashCounts::default();
    let mut options = probe_rs::flashing::DownloadOptions::new();
    options.progress = probe_rs::flashing::FlashProgress::new(|e| flashing.on(e));
    probe_rs::flashing::download_file_with_options(session, elf, format.create_loader(None), options)
        .map_err(|e| err("flashing the firmware", e))
}

/// Bytes done and to do of each flashing operation (erase, program, verify, fill), printed as they
/// pass each tenth: `flash: program 40960/122880 bytes`.
#[derive(Debug, Default)]
struct FlashCounts {
    /// Per operation (by its name): bytes done, bytes in all (0: not known), tenths printed.
    ops: Vec<(String, u64, u64, u64)>,
}

impl FlashCounts {
    fn op(&mut self, op: probe_rs::flashing::ProgressOperation) -> &mut (String, u64, u64, u64) {
        let name = format!("{op:?}").to_lowercase();
        let at = match self.ops.iter().position(|o| o.0 == name) {
            Some(at) => at,
            None => {
                self.ops.push((name, 0, 0, 0));
                self.ops.len() - 1
            }
        };
        &mut self.ops[at]
    }

    fn on(&mut self, e: probe_rs::flashing::ProgressEvent) {
        use probe_rs::flashing::ProgressEvent as E;
        match e {
            E::AddProgressBar { operation, total } => self.op(operation).2 = total.unwrap_or(0),
            E::Progress { operation, size, .. } => {
                let o = self.op(operation);
                o.1 += size;
                let tenths = (o.1 * 10).checked_div(o.2).unwrap_or(o.3 + 1);
                if tenths > o.3 {
                    o.3 = tenths;
                    println!("flash: {} {}/{} bytes", o.0, o.1, o.2);
                }
            }
            E::Finished(operation) => {
                let o = self.op(operation);
                println!("flash: {} done, {} bytes", o.0, o.1);
            }
            E::Failed(operation) => println!("flash: {} failed", self.op(operation).0),
            _ => {}
        }
    }
}

fn attach_rtt(session: &mut Session, at: u64) -> Result<Rtt, BoardError> {
    let started = Instant::now();
    loop {
        let mut core = session.core(0).map_err(|e| err("opening core 0", e))?;
        match Rtt::attach_region(&mut core, &ScanRegion::Exact(at)) {
            Ok(rtt) => return Ok(rtt),
            Err(e) if started.elapsed() > RTT_ATTACH => {
                return Err(err("the firmware's RTT control block never appeared", e));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// How often a pass prints its progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Which pass of how many, and how many vectors each holds: for the progress lines.
#[derive(Clone, Copy, Debug)]
struct PassOf {
    k: u32,
    n: u32,
    vectors: usize,
}

impl PassOf {
    /// `replay 1/3: 120/412 vectors answered, 20480/61234 bytes sent`.
    fn print(self, t: &Transcript, sent: usize, bytes: usize) {
        let answered = t.vectors.values().filter(|v| v.ended).count();
        println!(
            "replay {}/{}: {answered}/{} vectors answered, {sent}/{bytes} bytes sent",
            self.k, self.n, self.vectors
        );
    }
}

/// Streams `bytes` down and reads until the set's `done` record, or the timeout, printing its
/// progress every [`PROGRESS_EVERY`].
fn pass(
    session: &mut Session,
    rtt: &mut Rtt,
    bytes: &[u8],
    timeout: Duration,
    t: &mut Transcript,
    of: PassOf,
) -> Result<RunEnd, BoardError> {
    let started = Instant::now();
    let mut shown = started;
    let mut sent = 0;
    let mut buf = vec![0u8; READ_BYTES];
    let mut core = session.core(0).map_err(|e| err("opening core 0", e))?;
    loop {
        if sent < bytes.len() {
            let down = rtt
                .down_channel(CHANNEL)
                .ok_or_else(|| BoardError("the firmware has no RTT down channel 0".into()))?;
            sent += down
                .write(&mut core, &bytes[sent..])
                .map_err(|e| err("writing RTT", e))?;
        }
        let up = rtt
            .up_channel(CHANNEL)
            .ok_or_else(|| BoardError("the firmware has no RTT up channel 0".into()))?;
        let n = up.read(&mut core, &mut buf).map_err(|e| err("reading RTT", e))?;
        t.push(&buf[..n]);
        if t.done.is_some() {
            of.print(t, sent, bytes.len());
            return Ok(RunEnd::Exited(Some(0)));
        }
        if shown.elapsed() >= PROGRESS_EVERY {
            of.print(t, sent, bytes.len());
            shown = Instant::now();
        }
        if started.elapsed() > timeout {
            return Ok(RunEnd::TimedOut(timeout));
        }
        if n == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Flashes the firmware, replays `set` `cfg.repeat` times, and judges every vector against the host.
pub fn replay(cfg: &Config, probe: DebugProbeInfo, set: &VectorSet) -> Result<Report, BoardError> {
    let elf = std::fs::read(&cfg.elf).map_err(|e| err(&format!("reading {}", cfg.elf.display()), e))?;
    let rtt_at = probe_rs::rtt::find_rtt_control_block_in_raw_file(&elf)
        .map_err(|e| err("reading the firmware ELF", e))?
        .ok_or_else(|| BoardError("the firmware ELF has no _SEGGER_RTT symbol".into()))?;
    let probe = probe.open().map_err(|e| err("opening the probe", e))?;
    let mut session = probe
        .attach(cfg.chip.name(), Permissions::default())
        .map_err(|e| err(&format!("attaching to the {}", cfg.chip.name()), e))?;
    println!("flashing {}", cfg.elf.display());
    flash(&mut session, &cfg.elf)?;
    session
        .core(0)
        .and_then(|mut c| c.reset())
        .map_err(|e| err("resetting the chip", e))?;
    let mut rtt = attach_rtt(&mut session, rtt_at)?;

    let host = Transcript::of(&replay_on_host(&set.file_bytes()));
    let bytes = set.file_bytes();
    let subject = cfg.chip.name();
    let mut trials: Vec<Trial> = Vec::new();
    let mut hello = None;
    let started = Instant::now();
    let mut transcripts = Vec::new();
    let mut last_end = RunEnd::Exited(Some(0));
    for k in 1..=cfg.repeat {
        let mut t = Transcript::new();
        let of = PassOf {
            k,
            n: cfg.repeat,
            vectors: set.vectors.len(),
        };
        let end = pass(&mut session, &mut rtt, &bytes, cfg.timeout, &mut t, of)?;
        t.finish();
        // The greeting comes once, after the reset.
        if t.hello.is_none() {
            t.hello = hello.clone();
        }
        hello = t.hello.clone();
        let clean = end == RunEnd::Exited(Some(0));
        let this = verdict::judge(subject, set, &host, &t, &end, clean);
        merge(&mut trials, this, k, cfg.repeat);
        transcripts.push(t);
        last_end = end;
        if !clean {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let vectors = set.vectors.len() * transcripts.len();
    Ok(Report {
        subject: subject.into(),
        firmware: hello.map(|h| h.firmware),
        end: last_end.to_string(),
        figures: Figures::of(
            vectors,
            bytes.len() * transcripts.len(),
            secs,
            &transcripts.iter().collect::<Vec<_>>(),
        ),
        trials,
    })
}

/// Folds pass `k` of `n` into `acc`: a trial passes only if it passed in every pass.
fn merge(acc: &mut Vec<Trial>, pass: Vec<Trial>, k: u32, n: u32) {
    if acc.is_empty() {
        *acc = pass;
        if n > 1 {
            for t in acc.iter_mut().filter(|t| !t.passed) {
                t.message = format!("pass {k} of {n}: {}", t.message);
            }
        }
        return;
    }
    for (a, p) in acc.iter_mut().zip(pass) {
        if a.passed && !p.passed {
            a.passed = false;
            a.status = p.status;
            a.message = format!("pass {k} of {n}: {}", p.message);
        }
    }
}

/// The flash and RAM an image takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// The chip.
    pub chip: Chip,
    /// Bytes of the application image (what goes to the app partition).
    pub app_image_bytes: usize,
    /// Bytes of the second-stage bootloader espflash writes with it.
    pub bootloader_bytes: usize,
    /// Bytes of the partition table.
    pub partition_table_bytes: usize,
    /// Bytes of code and read-only data run from flash (sections with contents at flash addresses).
    pub flash_sections_bytes: u64,
    /// Bytes of RAM taken before `main` runs: RAM code, initialised and zeroed data (the stack
    /// excluded).
    pub static_ram_bytes: u64,
    /// Bytes left to the stack (esp-hal gives it the rest of RAM).
    pub stack_bytes: u64,
    /// Every allocated section: name, address, bytes.
    pub sections: Vec<(String, u64, u64)>,
}

impl std::fmt::Display for Sizes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} image:", self.chip.name())?;
        writeln!(f, "  app image        {:>8} bytes", self.app_image_bytes)?;
        writeln!(f, "  bootloader       {:>8} bytes", self.bootloader_bytes)?;
        writeln!(f, "  partition table  {:>8} bytes", self.partition_table_bytes)?;
        writeln!(f, "  flash code+rodata {:>7} bytes", self.flash_sections_bytes)?;
        writeln!(f, "  static RAM       {:>8} bytes", self.static_ram_bytes)?;
        writeln!(
            f,
            "  stack            {:>8} bytes (the {}-byte arena lives here)",
            self.stack_bytes,
            memspec_replay::ARENA_BYTES
        )?;
        writeln!(f, "  sections:")?;
        for (name, addr, bytes) in &self.sections {
            writeln!(f, "    {name:<20} {addr:#010x} {bytes:>8} bytes")?;
        }
        Ok(())
    }
}

/// Writes the application image of `elf` to `out` and measures it.
pub fn write_image(chip: Chip, elf: &Path, out: &Path) -> Result<Sizes, BoardError> {
    use espflash::flasher::{FlashData, FlashSettings};
    use espflash::image_format::idf::IdfBootloaderFormat;
    use object::{Object, ObjectSection, SectionFlags, SectionKind};

    let data = std::fs::read(elf).map_err(|e| err(&format!("reading {}", elf.display()), e))?;
    let c = chip.espflash();
    let flash_data = FlashData::new(FlashSettings::default(), 0, None, c, c.default_xtal_frequency());
    let image = IdfBootloaderFormat::new(&data, &flash_data, None, None, None, None)
        .map_err(|e| err("making the ESP-IDF image", e))?;
    let segments: Vec<_> = image.flash_segments().collect();
    let [boot, table, app] = segments.as_slice() else {
        return Err(BoardError(format!(
            "espflash made {} segments, expected bootloader, partition table and app",
            segments.len()
        )));
    };
    std::fs::write(out, &app.data).map_err(|e| err(&format!("writing {}", out.display()), e))?;

    let file = object::File::parse(&*data).map_err(|e| err("reading the firmware ELF", e))?;
    let mut sizes = Sizes {
        chip,
        app_image_bytes: app.data.len(),
        bootloader_bytes: boot.data.len(),
        partition_table_bytes: table.data.len(),
        flash_sections_bytes: 0,
        static_ram_bytes: 0,
        stack_bytes: 0,
        sections: Vec::new(),
    };
    /// ELF `SHF_ALLOC`: the section occupies memory at run time.
    const SHF_ALLOC: u64 = 0x2;
    for s in file.sections() {
        let alloc = matches!(s.flags(), SectionFlags::Elf { sh_flags } if sh_flags & SHF_ALLOC != 0);
        if !alloc || s.size() == 0 {
            continue;
        }
        let name = s.name().unwrap_or("?");
        let at = s.address();
        sizes.sections.push((name.to_string(), at, s.size()));
        if name == ".stack" {
            sizes.stack_bytes += s.size();
        } else if chip.data_ram().iter().any(|r| r.contains(&at)) {
            sizes.static_ram_bytes += s.size();
        } else if chip.flash().iter().any(|r| r.contains(&at)) && s.kind() != SectionKind::UninitializedData {
            sizes.flash_sections_bytes += s.size();
        }
    }
    Ok(sizes)
}

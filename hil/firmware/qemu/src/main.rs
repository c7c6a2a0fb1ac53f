//! memspec replay firmware for QEMU's riscv32 `virt` machine.
//!
//! Started as `qemu-system-riscv32 -machine virt -cpu rv32,a=off,f=off,d=off -nographic -bios none
//! -semihosting-config enable=on,target=native -kernel <elf>` (the cpu flags leave the ESP32-C3's
//! RV32IMC, so a stray atomic or float instruction traps). It reads the vector set from the host file
//! `memspec-vectors.bin` in QEMU's working directory, replays it on the reference implementation, and
//! writes the framed observation records to semihosting stdout. It exits 0 when every frame was read,
//! 1 when some were rejected, 2 when the vector file cannot be opened, 3 on a trap; a panic exits 101.
//! The host reads the records, never the exit code alone.
#![no_std]
#![no_main]

use memspec_impl::reference::Reference;
use memspec_replay::{ARENA_BYTES, Emitter, Flow, RECEIVE_BYTES, Replayer};
use memspec_vector::frame::Deframer;
use semihosting::io::{Read, Write};

/// The firmware's name in the greeting and in trial names.
const FIRMWARE: &str = "qemu-virt";
/// The vector set, in QEMU's working directory.
const VECTORS: &core::ffi::CStr = c"memspec-vectors.bin";

// The start routine: no runtime crate. Stack below the code (see `virt.ld`), `.bss` zeroed, traps to
// `firmware_trap`.
#[allow(unsafe_code)] // Setting up the stack and trap vector before any Rust code can run.
mod start {
    core::arch::global_asm!(
        r#"
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la sp, _stack_top
    .option pop
    la t0, _trap_entry
    csrw mtvec, t0
    la t0, _bss_start
    la t1, _bss_end
1:
    bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:
    call firmware_main
3:
    j 3b

    .section .text.trap, "ax"
    .balign 4
_trap_entry:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    call firmware_trap
4:
    j 4b
"#
    );
}

/// Reports a trap (an illegal instruction, a misaligned or faulting access) and exits 3.
#[allow(unsafe_code)] // The start routine's trap entry calls it by this name.
#[unsafe(no_mangle)]
extern "C" fn firmware_trap(mcause: u32, mepc: u32, mtval: u32) -> ! {
    if let Ok(mut err) = semihosting::io::stderr() {
        let _ = writeln_to(
            &mut err,
            format_args!("trap: mcause {mcause:#010x} mepc {mepc:#010x} mtval {mtval:#010x}"),
        );
    }
    semihosting::process::exit(3)
}

fn writeln_to(out: &mut impl Write, args: core::fmt::Arguments<'_>) -> semihosting::io::Result<()> {
    let t = memspec::text::Text::<160>::from_fmt(args);
    out.write_all(t.as_str().as_bytes())?;
    out.write_all(b"\n")
}

#[allow(unsafe_code)] // The start routine calls it by this name.
#[unsafe(no_mangle)]
extern "C" fn firmware_main() -> ! {
    // The arena lives on the stack of this never-returning function: 128 KiB of the 256 KiB stack.
    let mut arena = [0u8; ARENA_BYTES];
    let mut subject = Reference::new(&mut arena);
    let mut replayer = Replayer::new(&mut subject);

    let Ok(mut stdout) = semihosting::io::stdout() else {
        semihosting::process::exit(2)
    };
    let mut send = |bytes: &[u8]| {
        // A failed write shows on the host as a missing or truncated frame.
        let _ = stdout.write_all(bytes);
    };
    let mut em = Emitter::new(&mut send);
    replayer.hello(&mut em, FIRMWARE);

    let Ok(mut file) = semihosting::fs::File::open(VECTORS) else {
        em.emit(|w| {
            memspec_vector::record::write_rejected(
                w,
                None,
                format_args!("cannot open {VECTORS:?} in QEMU's working directory"),
            )
        });
        semihosting::process::exit(2)
    };

    let mut rx = Deframer::<RECEIVE_BYTES>::new();
    'read: loop {
        // A read error ends the input like the end of the file: the host sees which vectors are
        // missing.
        let n = file.read(rx.room()).unwrap_or_default();
        rx.commit(n);
        while let Some(flow) = memspec_replay::pump_one(&mut rx, &mut replayer, &mut em) {
            if flow == Flow::SetEnded {
                break 'read;
            }
            if cfg!(feature = "hang-after-first-vector") && replayer.replayed() >= 1 {
                hang();
            }
        }
        if n == 0 {
            memspec_replay::finish(&mut rx, &mut replayer, &mut em);
            break;
        }
    }
    semihosting::process::exit(if replayer.rejected() == 0 { 0 } else { 1 })
}

/// Spins for ever (the `hang-after-first-vector` test build).
fn hang() -> ! {
    #[allow(clippy::empty_loop)] // The point of this build: a firmware that stops answering.
    loop {}
}

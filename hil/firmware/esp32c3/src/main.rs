//! memspec replay firmware for the ESP32-C3.
//!
//! Vectors arrive on RTT down channel 0 (`memspec`), observation records leave on RTT up channel 0
//! (`memspec`, blocking when full so nothing is lost); a panic message goes to up channel 1
//! (`panic`). The frames are the ones the QEMU firmware uses, so one host decoder serves both. After
//! a set ends the firmware waits for the next one, so the host can repeat a set without a reset.
//!
//! With the feature `micropython-a32` the firmware holds only the MicroPython model and the
//! `micropython-a32` tables: vectors of the other engines are answered as unsupported.
#![no_std]
#![no_main]

use core::fmt::Write as _;

#[cfg(feature = "micropython-a32")]
use memspec_impl::micropython::MicroPython as Model;
#[cfg(not(feature = "micropython-a32"))]
use memspec_impl::reference::Reference as Model;
use memspec_replay::{ARENA_BYTES, Emitter, RECEIVE_BYTES, Replayer};
use memspec_vector::frame::Deframer;
use rtt_target::ChannelMode::{BlockIfFull, NoBlockTrim};

/// The firmware's name in the greeting.
#[cfg(not(feature = "micropython-a32"))]
const FIRMWARE: &str = "esp32c3";
/// The firmware's name in the greeting.
#[cfg(feature = "micropython-a32")]
const FIRMWARE: &str = "esp32c3-micropython-a32";
/// The profile tables the laws are checked against, holding only what the laws read.
#[cfg(not(feature = "micropython-a32"))]
const TABLES: memspec_replay::ProfileTables = memspec_replay::laws::LAW_PROFILES;
/// The profile tables the laws are checked against, holding only what the laws read.
#[cfg(feature = "micropython-a32")]
const TABLES: memspec_replay::ProfileTables = &[memspec_replay::law_profile!(memspec::micropython::A32)];

esp_bootloader_esp_idf::esp_app_desc!();

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    rtt_target::with_terminal_channel(|t| {
        let _ = writeln!(t.write(0), "panic: {info}");
    });
    #[allow(clippy::empty_loop)] // Stop here; the host reports the vector without an end.
    loop {}
}

#[esp_hal::main]
fn main() -> ! {
    let _peripherals = esp_hal::init(esp_hal::Config::default());
    let channels = rtt_target::rtt_init! {
        up: {
            0: { size: 4096, mode: BlockIfFull, name: "memspec" }
            1: { size: 256, mode: NoBlockTrim, name: "panic" }
        }
        down: {
            0: { size: 4096, name: "memspec" }
        }
    };
    let (mut up, panic_channel) = channels.up;
    let (mut down,) = channels.down;
    rtt_target::set_print_channel(panic_channel);

    // The arena lives on the stack of this never-returning function.
    let mut arena = [0u8; ARENA_BYTES];
    let mut subject = Model::new(&mut arena);
    let mut replayer = Replayer::with_tables(&mut subject, TABLES);
    let mut send = |bytes: &[u8]| {
        up.write(bytes);
    };
    let mut em = Emitter::new(&mut send);
    replayer.hello(&mut em, FIRMWARE);

    let mut rx = Deframer::<RECEIVE_BYTES>::new();
    loop {
        let n = down.read(rx.room());
        rx.commit(n);
        if n > 0 {
            // A set's end is only a pause: the next set may follow.
            let _ = memspec_replay::pump(&mut rx, &mut replayer, &mut em);
        }
    }
}

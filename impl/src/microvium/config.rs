//! The port configuration a case's heap is built with: host pointer width and the port file's
//! settings, from a [`HeapConfig`].

use memspec::subject::{ErrorKind, HeapConfig, ParamValue, SubjectError, SubjectResult};
use memspec::wide::Wide;

/// The host's pointer width. It decides the size of host-side structures only (bucket headers, the VM
/// struct); values and the virtual heap are the same on every host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// 32-bit pointers (`host32`), e.g. an ESP32 or a Cortex-M.
    Host32,
    /// 64-bit pointers (`host64`), e.g. the npm package's addon on x86-64: the default.
    Host64,
}

impl Host {
    /// Bytes of a host pointer.
    pub const fn pointer_bytes(self) -> usize {
        match self {
            Host::Host32 => 4,
            Host::Host64 => 8,
        }
    }

    /// The port name: `host32` or `host64`.
    pub const fn name(self) -> &'static str {
        match self {
            Host::Host32 => "host32",
            Host::Host64 => "host64",
        }
    }
}

/// Which figures the engine's statistics names carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsMode {
    /// What 8.0.0's `mvm_getMemoryStats` reports, bugs included (`stats="reported"`, the default); the
    /// corrected figures are reported too, named `true.*`.
    Reported,
    /// The corrected figures (`stats="true"`); what 8.0.0 reports is named `reported.*`.
    True,
}

/// The configuration of one heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Host pointer width (`port`: `host32` or `host64`).
    pub host: Host,
    /// `MVM_MAX_HEAP_SIZE` in bytes (`max-heap=`, default 0xFFFE as in the npm package's addon).
    pub max_heap: u16,
    /// `MVM_ALLOCATION_BUCKET_SIZE` in bytes (`bucket=`, default 256).
    pub bucket_bytes: u16,
    /// `MVM_SAFE_MODE` (`safe-mode=`, default 1): new buckets are filled with `0x7E`, the VM struct has a
    /// cycle counter byte, and a zero-length Uint8Array is refused as the engine's assertion does.
    pub safe_mode: bool,
    /// `MVM_INCLUDE_DEBUG_CAPABILITY` (`debug=`, default 1): two more pointers in the VM struct.
    pub debug_capability: bool,
    /// `MVM_GAS_COUNTER` (`gas-counter=`, default 1): an `int32_t` in the VM struct.
    pub gas_counter: bool,
    /// Reproduce 8.0.0's behavioural bugs (`engine-bugs=`, default 0): the `"length"` key interning and
    /// the unchanged array length error, and the under-sized room check when merging property cells.
    pub engine_bugs: bool,
    /// Which figures the statistics names carry (`stats=`).
    pub stats: StatsMode,
    /// Whether the subject's `collect` squeezes (`squeeze=`, default 1).
    pub squeeze: bool,
    /// The host address of the arena's first byte (`host-base=`, default 0x10000); decides where buckets
    /// cross 64 KiB-aligned addresses, which 8.0.0's capacity figure depends on.
    pub host_base: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: Host::Host64,
            max_heap: 0xFFFE,
            bucket_bytes: 256,
            safe_mode: true,
            debug_capability: true,
            gas_counter: true,
            engine_bugs: false,
            stats: StatsMode::Reported,
            squeeze: true,
            host_base: 0x1_0000,
        }
    }
}

fn bad(detail: core::fmt::Arguments<'_>) -> SubjectError {
    SubjectError::new(ErrorKind::BadArgument, detail)
}

fn int_in(name: &str, value: ParamValue<'_>, lo: i128, hi: i128) -> SubjectResult<i128> {
    match value {
        ParamValue::Int(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(bad(format_args!(
            "option {name} must be an integer in {} ..= {}, got {value:?}",
            Wide(lo),
            Wide(hi)
        ))),
    }
}

fn flag(name: &str, value: ParamValue<'_>) -> SubjectResult<bool> {
    Ok(int_in(name, value, 0, 1)? == 1)
}

impl Config {
    /// The configuration `config` asks for: `port` `host32`/`host64`, and options `max-heap`, `bucket`,
    /// `safe-mode`, `debug`, `gas-counter`, `engine-bugs`, `stats` (`"reported"`/`"true"`), `squeeze`,
    /// `host-base`.
    pub fn from_heap_config(config: &HeapConfig<'_>) -> SubjectResult<Config> {
        let host = match config.port {
            None | Some("host64") => Host::Host64,
            Some("host32") => Host::Host32,
            Some(other) => {
                return Err(bad(format_args!(
                    "microvium has no port {other:?}: use host32 or host64"
                )));
            }
        };
        let mut c = Config {
            host,
            ..Config::default()
        };
        for p in config.options {
            let v = p.value;
            match p.name {
                // At least one allocation of the smallest footprint; at most what 16-bit offsets reach.
                "max-heap" => c.max_heap = int_in(p.name, v, 4, 0xFFFE)? as u16,
                "bucket" => c.bucket_bytes = int_in(p.name, v, 4, 0xFFFE)? as u16,
                "safe-mode" => c.safe_mode = flag(p.name, v)?,
                "debug" => c.debug_capability = flag(p.name, v)?,
                "gas-counter" => c.gas_counter = flag(p.name, v)?,
                "engine-bugs" => c.engine_bugs = flag(p.name, v)?,
                "squeeze" => c.squeeze = flag(p.name, v)?,
                "host-base" => c.host_base = int_in(p.name, v, 0x10, 1 << 40)? as u64,
                "stats" => {
                    c.stats = match v {
                        ParamValue::Text(b"reported") => StatsMode::Reported,
                        ParamValue::Text(b"true") => StatsMode::True,
                        _ => return Err(bad(format_args!("option stats must be \"reported\" or \"true\""))),
                    }
                }
                other => return Err(bad(format_args!("microvium has no heap option {other:?}"))),
            }
        }
        Ok(c)
    }

    /// `sizeof(mvm_VM)` for this host and port settings: seven pointers (globals, bytecode, stack,
    /// last bucket, its end of capacity, handles, context), two more with the debug capability, an
    /// `int32_t` gas counter, three `uint16_t` counters, a safe-mode byte, padded to pointer alignment.
    pub const fn vm_struct_bytes(&self) -> usize {
        let p = self.host.pointer_bytes();
        let mut size = 7 * p;
        if self.debug_capability {
            size += 2 * p;
        }
        if self.gas_counter {
            size += 4;
        }
        size += 3 * 2;
        if self.safe_mode {
            size += 1;
        }
        size.div_ceil(p) * p
    }

    /// `sizeof(TsBucket)`: `uint16_t offsetStart` padded to a pointer, then `prev`, `next`,
    /// `pEndOfUsedSpace`.
    pub const fn bucket_header_bytes(&self) -> usize {
        4 * self.host.pointer_bytes()
    }

    /// `sizeof(mvm_TfHostFunction)`: a function pointer.
    pub const fn host_function_bytes(&self) -> usize {
        self.host.pointer_bytes()
    }
}

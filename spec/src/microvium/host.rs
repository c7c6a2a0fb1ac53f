//! # Host memory outside the heap
//!
//! ## The VM block
//!
//! `mvm_restore` makes one host allocation for the VM: `sizeof(mvm_VM)`, then the resolved import
//! table (one host function pointer per import), then the global variables, 2 bytes each, copied from
//! the image's GLOBALS section. Globals include the handles that let ROM point into RAM and a padding
//! slot (`deleted`) that keeps handles 4-byte aligned; even an empty program has two slots (4 bytes):
//! the padding and the handle of the intern list. `sizeof(mvm_VM)` is 7 pointers and three 16-bit
//! counters: 36 bytes on a 32-bit host; the debug capability (2 pointers), the gas counter (4 bytes)
//! and safe mode (1 byte) add to it, which is why the npm package's 64-bit addon reports 88.
//!
//! ## Stack and registers
//!
//! While the host is calling into the VM, the VM holds one more host allocation: the registers
//! (`vm_TsRegisters`: 28 bytes on a 32-bit host, 32 with safe mode, 56 on the 64-bit addon) and the
//! stack (`MVM_STACK_SIZE`, 256 bytes in the example port file; the engine's own default of 256
//! applies only to a port file that does not define `MVM_PORT_VERSION`). It is freed when the
//! outermost call returns, so an idle VM holds none.
//!
//! Each call pushes the function (2 bytes), the arguments including `this` (2 bytes each) and a frame
//! boundary of 4 words (8 bytes: the previous frame's size, the closure scope, the argument count and
//! flags, the return address); locals and temporaries take 2 bytes each. A recursive call of a
//! one-parameter function costs 14 bytes of stack (measured).

use super::evidence::{FRAMES, STATS, measured, src};
use crate::evidence::Evidence;

/// `sizeof(mvm_VM)` on the npm package's 64-bit addon, in bytes (`coreSize`).
pub const NPM_VM_STRUCT_BYTES: u16 = 88;

/// Where [`NPM_VM_STRUCT_BYTES`] comes from.
pub const NPM_VM_STRUCT_SOURCE: Evidence = measured(STATS);

/// `sizeof(mvm_VM)` on a 32-bit host without the debug capability and gas counter, in bytes:
/// 7 pointers (28) + 3 x u16 (6), padded to 4.
pub const VM_STRUCT_BYTES_32: u16 = 36;

/// Where the VM struct's layout comes from.
pub const VM_STRUCT_SOURCE: Evidence = src("native-vm/microvium_internals.h", "struct mvm_VM");

/// Bytes of one global slot.
pub const GLOBAL_SLOT_BYTES: u16 = 2;

/// Bytes of globals of the empty program: the `deleted` padding slot and the intern-list handle.
pub const EMPTY_PROGRAM_GLOBALS_BYTES: u16 = 4;

/// `sizeof(vm_TsRegisters)` on the 64-bit addon (safe mode), in bytes.
pub const NPM_REGISTERS_BYTES: u16 = 56;

/// `MVM_STACK_SIZE` of the example port file and the addon, in bytes.
pub const STACK_BYTES: u16 = 256;

/// Words of a frame boundary (`VM_FRAME_BOUNDARY_SAVE_SIZE_WORDS`).
pub const FRAME_BOUNDARY_WORDS: u16 = 4;

/// Stack bytes of one recursive call of a one-parameter function: boundary 8 + function 2 + `this`
/// and the argument 4.
pub const ONE_PARAMETER_CALL_STACK_BYTES: u16 = 14;

/// Where the stack figures come from.
pub const FRAMES_SOURCE: Evidence = measured(FRAMES);

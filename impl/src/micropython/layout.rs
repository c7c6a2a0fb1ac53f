//! Struct layouts of the engine's objects, computed as a C compiler lays them out for the build.
//!
//! Pointers and `size_t` are `sizeof(void *)` wide; `mp_obj_t` is 8 bytes in REPR_D (on a 32-bit CPU)
//! and pointer-wide otherwise; 8-byte scalars (`double`, `long long`, REPR_D `mp_obj_t`) are aligned to
//! 4 bytes on i386 and to 8 elsewhere. A variable-length object (`mp_obj_malloc_var`) takes
//! `sizeof(struct) + n * sizeof(item)` bytes, its items starting at the flexible array member.
//!
//! | object | fields (source) |
//! |---|---|
//! | list | base, `alloc`, `len`, `items` (`py/objlist.h`) |
//! | tuple | base, `len`, `items[]` (`py/objtuple.h`) |
//! | dict | base, map {`all_keys_are_qstrs:1 is_fixed:1 is_ordered:1 used:W-3`, `alloc`, `table`} (`py/obj.h`) |
//! | set | base, set {`alloc`, `used`, `table`} (`py/objset.c`) |
//! | str, bytes | base, `hash`, `len`, `data` (`py/objstr.h`) |
//! | bytearray | base, {`typecode:8 free:W-8`}, `len`, `items` (`py/objarray.h`) |
//! | float | base, `value` (`py/objfloat.c`) |
//! | int (mpz) | base, mpz {`neg:1 fixed_dig:1 alloc:W-2`, `len`, `dig`} (`py/mpz.h`) |
//! | int (long long) | base, `val` (`py/objint.h`) |
//! | fun_bc | base, `context`, `child_table`, `bytecode`, [`rc` with settrace], `extra_args[]` (`py/objfun.h`) |
//! | closure | base, `fun`, `n_closed`, `closed[]` (`py/objclosure.c`) |
//! | cell | base, `obj` (`py/objcell.c`) |
//! | bound method | base, `meth`, `self` (`py/objboundmeth.c`) |
//! | instance | base, members map (3 words), `subobj[]` (`py/objtype.h`) |

use super::config::{Config, FloatImpl};

/// A field's C type, as far as size and alignment go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// A pointer or `size_t`.
    Ptr,
    /// An `mp_obj_t`.
    Obj,
    /// A `float`.
    F32,
    /// A `double`.
    F64,
    /// A `long long`.
    I64,
}

impl Field {
    /// Bytes and alignment of the field in `cfg`'s build.
    pub const fn size_align(self, cfg: &Config) -> (usize, usize) {
        match self {
            Field::Ptr => (cfg.ptr_bytes.get(), cfg.ptr_bytes.get()),
            Field::Obj => (cfg.obj_bytes.get(), cfg.obj_align()),
            Field::F32 => (4, 4),
            Field::F64 | Field::I64 => (8, cfg.align8_bytes),
        }
    }
}

/// A struct laid out field by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Struct<const N: usize> {
    /// Byte offset of each fixed field.
    pub offsets: [usize; N],
    /// Offset of the flexible array member (the items), or the size when there is none.
    pub items: usize,
    /// Bytes of one item.
    pub item_bytes: usize,
    /// `sizeof` the struct (without items).
    pub size: usize,
}

impl<const N: usize> Struct<N> {
    /// Lays out `fields`, then an optional flexible array of `item`.
    pub const fn new(cfg: &Config, fields: [Field; N], item: Option<Field>) -> Self {
        let mut offsets = [0; N];
        let mut off: usize = 0;
        let mut max_align: usize = 1;
        let mut i = 0;
        while i < N {
            let (size, align) = fields[i].size_align(cfg);
            off = off.next_multiple_of(align);
            offsets[i] = off;
            off += size;
            if align > max_align {
                max_align = align;
            }
            i += 1;
        }
        let (items, item_bytes) = match item {
            Some(f) => {
                let (size, align) = f.size_align(cfg);
                if align > max_align {
                    max_align = align;
                }
                (off.next_multiple_of(align), size)
            }
            None => (off.next_multiple_of(max_align), 0),
        };
        Self {
            offsets,
            items,
            item_bytes,
            size: off.next_multiple_of(max_align),
        }
    }

    /// Bytes of the struct with `n` items (`sizeof(struct) + n * sizeof(item)`).
    pub const fn bytes_with(&self, n: usize) -> Option<usize> {
        match n.checked_mul(self.item_bytes) {
            Some(v) => self.size.checked_add(v),
            None => None,
        }
    }

    /// Offset of item `i`.
    pub const fn item(&self, i: usize) -> usize {
        self.items + i * self.item_bytes
    }
}

/// Four pointer-wide fields: list, str, bytes, bytearray, mpz int, dict, set, instance.
pub const fn four_words(cfg: &Config) -> Struct<4> {
    Struct::new(cfg, [Field::Ptr; 4], None)
}

/// `mp_obj_tuple_t`.
pub const fn tuple(cfg: &Config) -> Struct<2> {
    Struct::new(cfg, [Field::Ptr, Field::Ptr], Some(Field::Obj))
}

/// `mp_obj_float_t`, for builds whose floats are boxed.
pub const fn float(cfg: &Config) -> Option<Struct<2>> {
    match cfg.float {
        FloatImpl::None => None,
        FloatImpl::Single => Some(Struct::new(cfg, [Field::Ptr, Field::F32], None)),
        FloatImpl::Double => Some(Struct::new(cfg, [Field::Ptr, Field::F64], None)),
    }
}

/// `mp_obj_int_t` of the long-long implementation.
pub const fn long_long(cfg: &Config) -> Struct<2> {
    Struct::new(cfg, [Field::Ptr, Field::I64], None)
}

/// `mp_obj_fun_bc_t`: base, context, child_table, bytecode, and `rc` with `MICROPY_PY_SYS_SETTRACE`.
pub const fn fun_bc(cfg: &Config) -> Struct<5> {
    if cfg.settrace {
        Struct::new(cfg, [Field::Ptr; 5], Some(Field::Obj))
    } else {
        let s = Struct::new(cfg, [Field::Ptr; 4], Some(Field::Obj));
        Struct {
            offsets: [s.offsets[0], s.offsets[1], s.offsets[2], s.offsets[3], s.items],
            items: s.items,
            item_bytes: s.item_bytes,
            size: s.size,
        }
    }
}

/// `mp_obj_closure_t`.
pub const fn closure(cfg: &Config) -> Struct<3> {
    Struct::new(cfg, [Field::Ptr, Field::Obj, Field::Ptr], Some(Field::Obj))
}

/// `mp_obj_cell_t`.
pub const fn cell(cfg: &Config) -> Struct<2> {
    Struct::new(cfg, [Field::Ptr, Field::Obj], None)
}

/// `mp_obj_bound_meth_t`.
pub const fn bound_meth(cfg: &Config) -> Struct<3> {
    Struct::new(cfg, [Field::Ptr, Field::Obj, Field::Obj], None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use memspec::ProfileId;

    fn cfg(p: ProfileId) -> Config {
        Config::new(p, None).unwrap()
    }

    #[test]
    fn repr_d_on_i386_packs_8_byte_words_at_4_byte_alignment() {
        let d = cfg(ProfileId::MicropythonD32);
        // py/objtuple.h mp_obj_tuple_t: base 4 + len 4 (pointer and size_t stay 4 bytes), items of
        // 8 bytes (mp_obj_t is uint64_t under MICROPY_OBJ_REPR_D).
        let t = tuple(&d);
        assert_eq!((t.size, t.items, t.item_bytes), (8, 8, 8));
        // base 4, fun at 4, n_closed at 12, closed[] at 16.
        let c = closure(&d);
        assert_eq!((c.offsets, c.items, c.size), ([0, 4, 12], 16, 16));
    }

    #[test]
    fn a_double_is_8_aligned_on_wasm32() {
        // py/objfloat.c mp_obj_float_t {base, value}: the double sits at 8 where alignof(double) = 8
        // (wasm32), so the struct is 16 bytes.
        let a = cfg(ProfileId::MicropythonA32);
        assert_eq!(float(&a).map(|f| (f.offsets[1], f.size)), Some((8, 16)));
    }
}

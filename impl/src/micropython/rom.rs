//! Static objects: the types every heap object points at, and the constants that live outside the heap.
//!
//! Every Python object begins with `mp_obj_base_t`, one word holding a pointer to its type
//! (`py/obj.h`). The types themselves are `const` objects in ROM, and so are `()`, `b''`, `Ellipsis`,
//! `NotImplemented` and, in REPR_D, `None`, `False` and `True`. The model gives each a fixed address
//! at [`Config::rom_base`](super::config::Config::rom_base) plus a multiple of [`ROM_STRIDE_BYTES`];
//! the addresses are the model's choice, the point is that they are real-looking pointers outside the
//! heap.
//!
//! `gc_dump_alloc_table` (`py/gc.c`) prints a HEAD block by its first word: see [`Type::map_char`].

/// Bytes between two static objects in the model's ROM.
pub const ROM_STRIDE_BYTES: u64 = 0x40;

/// A type a heap object can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `mp_type_tuple`.
    Tuple,
    /// `mp_type_list`.
    List,
    /// `mp_type_dict`.
    Dict,
    /// `mp_type_str`.
    Str,
    /// `mp_type_bytes`.
    Bytes,
    /// `mp_type_bytearray`.
    Bytearray,
    /// `mp_type_float`.
    Float,
    /// `mp_type_fun_bc`: a bytecode function.
    FunBc,
    /// `mp_type_module`.
    Module,
    /// `mp_type_int` (the boxed int).
    Int,
    /// `mp_type_set`.
    Set,
    /// `mp_type_closure`.
    Closure,
    /// `mp_type_cell`.
    Cell,
    /// `mp_type_bound_meth`.
    BoundMeth,
    /// A user class: in the engine a heap object of its own; the model keeps it outside the heap.
    UserClass,
}

impl Type {
    /// Every type, in ROM order.
    pub const ALL: [Type; 15] = [
        Type::Tuple,
        Type::List,
        Type::Dict,
        Type::Str,
        Type::Bytes,
        Type::Bytearray,
        Type::Float,
        Type::FunBc,
        Type::Module,
        Type::Int,
        Type::Set,
        Type::Closure,
        Type::Cell,
        Type::BoundMeth,
        Type::UserClass,
    ];

    /// The type's address, given the ROM base.
    pub const fn addr(self, rom_base: u64) -> u64 {
        rom_base + self as u64 * ROM_STRIDE_BYTES
    }

    /// The type whose address is `addr`.
    pub fn at(addr: u64, rom_base: u64) -> Option<Type> {
        Self::ALL.into_iter().find(|t| t.addr(rom_base) == addr)
    }

    /// The character `gc_dump_alloc_table` prints for a HEAD block whose first word points at this
    /// type (`py/gc.c`): `T` tuple, `L` list, `D` dict, `S` str or bytes, `A` bytearray or array,
    /// `F` float, `B` bytecode function, `M` module, `h` anything else.
    pub const fn map_char(self) -> char {
        match self {
            Type::Tuple => 'T',
            Type::List => 'L',
            Type::Dict => 'D',
            Type::Str | Type::Bytes => 'S',
            Type::Bytearray => 'A',
            Type::Float => 'F',
            Type::FunBc => 'B',
            Type::Module => 'M',
            _ => 'h',
        }
    }
}

/// A constant object outside the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Const {
    /// `mp_const_none_obj` (a pointer only in REPR_D).
    None,
    /// `mp_const_false_obj` (REPR_D).
    False,
    /// `mp_const_true_obj` (REPR_D).
    True,
    /// `mp_const_ellipsis_obj`.
    Ellipsis,
    /// `mp_const_notimplemented_obj`.
    NotImplemented,
    /// `mp_const_empty_tuple_obj`: `()`.
    EmptyTuple,
    /// `mp_const_empty_bytes_obj`: `b''`.
    EmptyBytes,
}

impl Const {
    /// Every constant, in ROM order after the types.
    pub const ALL: [Const; 7] = [
        Const::None,
        Const::False,
        Const::True,
        Const::Ellipsis,
        Const::NotImplemented,
        Const::EmptyTuple,
        Const::EmptyBytes,
    ];

    /// The constant's address, given the ROM base.
    pub const fn addr(self, rom_base: u64) -> u64 {
        rom_base + (Type::ALL.len() as u64 + self as u64) * ROM_STRIDE_BYTES
    }

    /// The constant at `addr`.
    pub fn at(addr: u64, rom_base: u64) -> Option<Const> {
        Self::ALL.into_iter().find(|c| c.addr(rom_base) == addr)
    }

    /// The engine's name for it.
    pub const fn name(self) -> &'static str {
        match self {
            Const::None => "None",
            Const::False => "False",
            Const::True => "True",
            Const::Ellipsis => "Ellipsis",
            Const::NotImplemented => "NotImplemented",
            Const::EmptyTuple => "()",
            Const::EmptyBytes => "b''",
        }
    }

    /// The constant named `name`.
    pub fn from_name(name: &str) -> Option<Const> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Bytes of ROM the model uses from its base.
pub const ROM_BYTES: u64 = (Type::ALL.len() + Const::ALL.len()) as u64 * ROM_STRIDE_BYTES;

//! `LayoutId`: the number in every header that names the object's layout, and so its type.
//!
//! Immediates use their 5-bit tag as layout id, and every even word is a SmallInt, so ids below 32
//! are the immediates'. Heap classes follow from 32 in the order of `HEAP_CLASS_NAMES`, then
//! `INSTANCE_CLASS_NAMES` and `EXCEPTION_CLASS_NAMES`. The instance and exception lists are
//! alphabetical, so adding a builtin type renumbers every id after it: these numbers hold for the
//! pinned commit only.
//!
//! The first id the runtime hands out for a new layout is `kLastBuiltinId + 1 = 191`, which is also
//! `kSentinelId` (`Runtime::num_layouts_` starts at `kLastBuiltinId + 1` and
//! `Runtime::reserveLayoutId` returns it before counting up), so ids from 191 on are user layouts,
//! 191 included.

/// Which list of `runtime/objects.h` a layout id comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// `IMMEDIATE_CLASS_NAMES` and `kError`: the id is the 5-bit tag.
    Immediate,
    /// `HEAP_CLASS_NAMES`: heap types that are not instances (`id <= kLastNonInstance`).
    Heap,
    /// `INSTANCE_CLASS_NAMES`.
    Instance,
    /// `EXCEPTION_CLASS_NAMES`.
    Exception,
}

/// One builtin layout id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutIdEntry {
    /// The enumerator without its `k`: `Tuple` for `LayoutId::kTuple`.
    pub name: &'static str,
    /// Its value.
    pub id: u32,
    /// The list it comes from.
    pub group: Group,
}

/// `LayoutId::kLastNonInstance`: the last heap type that is not an instance (`Tuple`).
pub const LAST_NON_INSTANCE: u32 = 43;
/// `LayoutId::kFirstException` (`ArithmeticError`).
pub const FIRST_EXCEPTION: u32 = 127;
/// `LayoutId::kLastException` and `LayoutId::kLastBuiltinId` (`ZeroDivisionError`).
pub const LAST_BUILTIN: u32 = 190;
/// `LayoutId::kSentinelId = kLastBuiltinId + 1`, also the first id `Runtime::reserveLayoutId` gives.
pub const SENTINEL: u32 = LAST_BUILTIN + 1;

const fn e(name: &'static str, id: u32, group: Group) -> LayoutIdEntry {
    LayoutIdEntry { name, id, group }
}

/// Every builtin layout id of the pinned commit (`enum class LayoutId`, `runtime/objects.h`).
pub static LAYOUT_IDS: &[LayoutIdEntry] = &[
    e("SmallInt", 0, Group::Immediate),
    e("SmallBytes", 5, Group::Immediate),
    e("Bool", 7, Group::Immediate),
    e("SmallStr", 13, Group::Immediate),
    e("NotImplementedType", 15, Group::Immediate),
    e("Error", 21, Group::Immediate),
    e("Unbound", 23, Group::Immediate),
    e("NoneType", 31, Group::Immediate),
    e("Bytes", 32, Group::Heap),
    e("Complex", 33, Group::Heap),
    e("Ellipsis", 34, Group::Heap),
    e("Float", 35, Group::Heap),
    e("Int", 36, Group::Heap),
    e("LargeBytes", 37, Group::Heap),
    e("LargeInt", 38, Group::Heap),
    e("LargeStr", 39, Group::Heap),
    e("MutableBytes", 40, Group::Heap),
    e("MutableTuple", 41, Group::Heap),
    e("Str", 42, Group::Heap),
    e("Tuple", 43, Group::Heap),
    e("Array", 44, Group::Instance),
    e("AsyncGenerator", 45, Group::Instance),
    e("AsyncGeneratorAclose", 46, Group::Instance),
    e("AsyncGeneratorAsend", 47, Group::Instance),
    e("AsyncGeneratorAthrow", 48, Group::Instance),
    e("AsyncGeneratorOpIterBase", 49, Group::Instance),
    e("AsyncGeneratorWrappedValue", 50, Group::Instance),
    e("BoundMethod", 51, Group::Instance),
    e("BufferedRandom", 52, Group::Instance),
    e("BufferedReader", 53, Group::Instance),
    e("BufferedWriter", 54, Group::Instance),
    e("Bytearray", 55, Group::Instance),
    e("BytearrayIterator", 56, Group::Instance),
    e("BytesIO", 57, Group::Instance),
    e("BytesIterator", 58, Group::Instance),
    e("Cell", 59, Group::Instance),
    e("ClassMethod", 60, Group::Instance),
    e("Code", 61, Group::Instance),
    e("Context", 62, Group::Instance),
    e("ContextVar", 63, Group::Instance),
    e("Coroutine", 64, Group::Instance),
    e("CoroutineWrapper", 65, Group::Instance),
    e("Deque", 66, Group::Instance),
    e("DequeIterator", 67, Group::Instance),
    e("DequeReverseIterator", 68, Group::Instance),
    e("Dict", 69, Group::Instance),
    e("DictItemIterator", 70, Group::Instance),
    e("DictItems", 71, Group::Instance),
    e("DictKeyIterator", 72, Group::Instance),
    e("DictKeys", 73, Group::Instance),
    e("DictValueIterator", 74, Group::Instance),
    e("DictValues", 75, Group::Instance),
    e("Enumerate", 76, Group::Instance),
    e("ExceptionState", 77, Group::Instance),
    e("FileIO", 78, Group::Instance),
    e("FrameProxy", 79, Group::Instance),
    e("FrozenSet", 80, Group::Instance),
    e("Function", 81, Group::Instance),
    e("Generator", 82, Group::Instance),
    e("GeneratorFrame", 83, Group::Instance),
    e("IncrementalNewlineDecoder", 84, Group::Instance),
    e("InstanceMethod", 85, Group::Instance),
    e("InstanceProxy", 86, Group::Instance),
    e("Layout", 87, Group::Instance),
    e("List", 88, Group::Instance),
    e("ListIterator", 89, Group::Instance),
    e("LongRangeIterator", 90, Group::Instance),
    e("MappingProxy", 91, Group::Instance),
    e("MemoryView", 92, Group::Instance),
    e("Mmap", 93, Group::Instance),
    e("Module", 94, Group::Instance),
    e("ModuleProxy", 95, Group::Instance),
    e("Object", 96, Group::Instance),
    e("Pointer", 97, Group::Instance),
    e("Property", 98, Group::Instance),
    e("Range", 99, Group::Instance),
    e("RangeIterator", 100, Group::Instance),
    e("SeqIterator", 101, Group::Instance),
    e("Set", 102, Group::Instance),
    e("SetIterator", 103, Group::Instance),
    e("Slice", 104, Group::Instance),
    e("SlotDescriptor", 105, Group::Instance),
    e("StaticMethod", 106, Group::Instance),
    e("StrArray", 107, Group::Instance),
    e("StrIterator", 108, Group::Instance),
    e("StringIO", 109, Group::Instance),
    e("Super", 110, Group::Instance),
    e("TextIOWrapper", 111, Group::Instance),
    e("Token", 112, Group::Instance),
    e("Traceback", 113, Group::Instance),
    e("TupleIterator", 114, Group::Instance),
    e("Type", 115, Group::Instance),
    e("TypeProxy", 116, Group::Instance),
    e("UnderBufferedIOBase", 117, Group::Instance),
    e("UnderBufferedIOMixin", 118, Group::Instance),
    e("UnderIOBase", 119, Group::Instance),
    e("UnderRawIOBase", 120, Group::Instance),
    e("UnderTextIOBase", 121, Group::Instance),
    e("ValueCell", 122, Group::Instance),
    e("WeakCallableProxy", 123, Group::Instance),
    e("WeakProxy", 124, Group::Instance),
    e("WeakLink", 125, Group::Instance),
    e("WeakRef", 126, Group::Instance),
    e("ArithmeticError", 127, Group::Exception),
    e("AssertionError", 128, Group::Exception),
    e("AttributeError", 129, Group::Exception),
    e("BaseException", 130, Group::Exception),
    e("BlockingIOError", 131, Group::Exception),
    e("BrokenPipeError", 132, Group::Exception),
    e("BufferError", 133, Group::Exception),
    e("BytesWarning", 134, Group::Exception),
    e("ChildProcessError", 135, Group::Exception),
    e("ConnectionAbortedError", 136, Group::Exception),
    e("ConnectionError", 137, Group::Exception),
    e("ConnectionRefusedError", 138, Group::Exception),
    e("ConnectionResetError", 139, Group::Exception),
    e("DeprecationWarning", 140, Group::Exception),
    e("EOFError", 141, Group::Exception),
    e("Exception", 142, Group::Exception),
    e("FileExistsError", 143, Group::Exception),
    e("FileNotFoundError", 144, Group::Exception),
    e("FloatingPointError", 145, Group::Exception),
    e("FutureWarning", 146, Group::Exception),
    e("GeneratorExit", 147, Group::Exception),
    e("ImportError", 148, Group::Exception),
    e("ImportWarning", 149, Group::Exception),
    e("IndentationError", 150, Group::Exception),
    e("IndexError", 151, Group::Exception),
    e("InterruptedError", 152, Group::Exception),
    e("IsADirectoryError", 153, Group::Exception),
    e("KeyboardInterrupt", 154, Group::Exception),
    e("KeyError", 155, Group::Exception),
    e("LookupError", 156, Group::Exception),
    e("MemoryError", 157, Group::Exception),
    e("ModuleNotFoundError", 158, Group::Exception),
    e("NameError", 159, Group::Exception),
    e("NotADirectoryError", 160, Group::Exception),
    e("NotImplementedError", 161, Group::Exception),
    e("OSError", 162, Group::Exception),
    e("OverflowError", 163, Group::Exception),
    e("PendingDeprecationWarning", 164, Group::Exception),
    e("PermissionError", 165, Group::Exception),
    e("ProcessLookupError", 166, Group::Exception),
    e("RecursionError", 167, Group::Exception),
    e("ReferenceError", 168, Group::Exception),
    e("ResourceWarning", 169, Group::Exception),
    e("RuntimeError", 170, Group::Exception),
    e("RuntimeWarning", 171, Group::Exception),
    e("StopAsyncIteration", 172, Group::Exception),
    e("StopIteration", 173, Group::Exception),
    e("SyntaxError", 174, Group::Exception),
    e("SyntaxWarning", 175, Group::Exception),
    e("SystemError", 176, Group::Exception),
    e("SystemExit", 177, Group::Exception),
    e("TabError", 178, Group::Exception),
    e("TimeoutError", 179, Group::Exception),
    e("TypeError", 180, Group::Exception),
    e("UnboundLocalError", 181, Group::Exception),
    e("UnicodeDecodeError", 182, Group::Exception),
    e("UnicodeEncodeError", 183, Group::Exception),
    e("UnicodeError", 184, Group::Exception),
    e("UnicodeTranslateError", 185, Group::Exception),
    e("UnicodeWarning", 186, Group::Exception),
    e("UserWarning", 187, Group::Exception),
    e("ValueError", 188, Group::Exception),
    e("Warning", 189, Group::Exception),
    e("ZeroDivisionError", 190, Group::Exception),
];

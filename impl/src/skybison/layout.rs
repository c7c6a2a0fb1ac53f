//! Builtin layout ids (`enum class LayoutId`, `runtime/objects.h`), derived from the position of each
//! name in the engine's class lists, the way the enum numbers them.
//!
//! Immediates use their 5-bit tag. Heap classes count on from 32 (`kNoneType + 1`) through
//! `HEAP_CLASS_NAMES`, then `INSTANCE_CLASS_NAMES`, then `EXCEPTION_CLASS_NAMES`. The two last lists
//! are alphabetical, so a builtin added upstream renumbers all later ids: these lists are those of
//! the pinned commit.

/// `LayoutId::kSmallInt`, also the id of every even word.
pub const SMALL_INT: u32 = 0;
/// `LayoutId::kSmallBytes`.
pub const SMALL_BYTES: u32 = 5;
/// `LayoutId::kBool`.
pub const BOOL: u32 = 7;
/// `LayoutId::kSmallStr`.
pub const SMALL_STR: u32 = 13;
/// `LayoutId::kNotImplementedType`.
pub const NOT_IMPLEMENTED_TYPE: u32 = 15;
/// `LayoutId::kError` (a placeholder: Error has no type).
pub const ERROR: u32 = 21;
/// `LayoutId::kUnbound`.
pub const UNBOUND: u32 = 23;
/// `LayoutId::kNoneType`.
pub const NONE_TYPE: u32 = 31;

/// The immediates' ids with their names.
pub const IMMEDIATES: [(&str, u32); 8] = [
    ("SmallInt", SMALL_INT),
    ("SmallBytes", SMALL_BYTES),
    ("Bool", BOOL),
    ("SmallStr", SMALL_STR),
    ("NotImplementedType", NOT_IMPLEMENTED_TYPE),
    ("Error", ERROR),
    ("Unbound", UNBOUND),
    ("NoneType", NONE_TYPE),
];

/// `HEAP_CLASS_NAMES`.
pub const HEAP_CLASSES: [&str; 12] = [
    "Bytes",
    "Complex",
    "Ellipsis",
    "Float",
    "Int",
    "LargeBytes",
    "LargeInt",
    "LargeStr",
    "MutableBytes",
    "MutableTuple",
    "Str",
    "Tuple",
];

/// `INSTANCE_CLASS_NAMES`.
pub const INSTANCE_CLASSES: [&str; 83] = [
    "Array",
    "AsyncGenerator",
    "AsyncGeneratorAclose",
    "AsyncGeneratorAsend",
    "AsyncGeneratorAthrow",
    "AsyncGeneratorOpIterBase",
    "AsyncGeneratorWrappedValue",
    "BoundMethod",
    "BufferedRandom",
    "BufferedReader",
    "BufferedWriter",
    "Bytearray",
    "BytearrayIterator",
    "BytesIO",
    "BytesIterator",
    "Cell",
    "ClassMethod",
    "Code",
    "Context",
    "ContextVar",
    "Coroutine",
    "CoroutineWrapper",
    "Deque",
    "DequeIterator",
    "DequeReverseIterator",
    "Dict",
    "DictItemIterator",
    "DictItems",
    "DictKeyIterator",
    "DictKeys",
    "DictValueIterator",
    "DictValues",
    "Enumerate",
    "ExceptionState",
    "FileIO",
    "FrameProxy",
    "FrozenSet",
    "Function",
    "Generator",
    "GeneratorFrame",
    "IncrementalNewlineDecoder",
    "InstanceMethod",
    "InstanceProxy",
    "Layout",
    "List",
    "ListIterator",
    "LongRangeIterator",
    "MappingProxy",
    "MemoryView",
    "Mmap",
    "Module",
    "ModuleProxy",
    "Object",
    "Pointer",
    "Property",
    "Range",
    "RangeIterator",
    "SeqIterator",
    "Set",
    "SetIterator",
    "Slice",
    "SlotDescriptor",
    "StaticMethod",
    "StrArray",
    "StrIterator",
    "StringIO",
    "Super",
    "TextIOWrapper",
    "Token",
    "Traceback",
    "TupleIterator",
    "Type",
    "TypeProxy",
    "UnderBufferedIOBase",
    "UnderBufferedIOMixin",
    "UnderIOBase",
    "UnderRawIOBase",
    "UnderTextIOBase",
    "ValueCell",
    "WeakCallableProxy",
    "WeakProxy",
    "WeakLink",
    "WeakRef",
];

/// `EXCEPTION_CLASS_NAMES`.
pub const EXCEPTION_CLASSES: [&str; 64] = [
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Exception",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyboardInterrupt",
    "KeyError",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
];

/// The first heap layout id: the one after `kNoneType`.
pub const FIRST_HEAP: u32 = NONE_TYPE + 1;
/// `LayoutId::kLastNonInstance`.
pub const LAST_NON_INSTANCE: u32 = FIRST_HEAP + HEAP_CLASSES.len() as u32 - 1;
/// The first instance layout id.
pub const FIRST_INSTANCE: u32 = LAST_NON_INSTANCE + 1;
/// `LayoutId::kFirstException`.
pub const FIRST_EXCEPTION: u32 = FIRST_INSTANCE + INSTANCE_CLASSES.len() as u32;
/// `LayoutId::kLastBuiltinId`.
pub const LAST_BUILTIN: u32 = FIRST_EXCEPTION + EXCEPTION_CLASSES.len() as u32 - 1;
/// The first id `Runtime::reserveLayoutId` hands out: `num_layouts_` starts at `kLastBuiltinId + 1`.
pub const FIRST_USER: u32 = LAST_BUILTIN + 1;

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The id of `name` in `list` starting at `first`; fails the build if `name` is not there.
const fn in_list(list: &[&str], first: u32, name: &str) -> u32 {
    let mut i = 0;
    while i < list.len() {
        if same(list[i], name) {
            return first + i as u32;
        }
        i += 1;
    }
    panic!("no such builtin layout")
}

const fn heap(name: &str) -> u32 {
    in_list(&HEAP_CLASSES, FIRST_HEAP, name)
}

/// `LayoutId::kComplex`.
pub const COMPLEX: u32 = heap("Complex");
/// `LayoutId::kEllipsis`.
pub const ELLIPSIS: u32 = heap("Ellipsis");
/// `LayoutId::kFloat`.
pub const FLOAT: u32 = heap("Float");
/// `LayoutId::kLargeBytes`.
pub const LARGE_BYTES: u32 = heap("LargeBytes");
/// `LayoutId::kLargeInt`.
pub const LARGE_INT: u32 = heap("LargeInt");
/// `LayoutId::kLargeStr`.
pub const LARGE_STR: u32 = heap("LargeStr");
/// `LayoutId::kMutableBytes`.
pub const MUTABLE_BYTES: u32 = heap("MutableBytes");
/// `LayoutId::kMutableTuple`.
pub const MUTABLE_TUPLE: u32 = heap("MutableTuple");
/// `LayoutId::kTuple`.
pub const TUPLE: u32 = heap("Tuple");
/// `LayoutId::kObject`.
pub const OBJECT: u32 = in_list(&INSTANCE_CLASSES, FIRST_INSTANCE, "Object");

/// The name of builtin layout `id` (without the `k`), if it is one.
pub fn builtin_name(id: u32) -> Option<&'static str> {
    if let Some((name, _)) = IMMEDIATES.iter().find(|(_, i)| *i == id) {
        return Some(name);
    }
    let lists: [(&[&'static str], u32); 3] = [
        (&HEAP_CLASSES, FIRST_HEAP),
        (&INSTANCE_CLASSES, FIRST_INSTANCE),
        (&EXCEPTION_CLASSES, FIRST_EXCEPTION),
    ];
    lists
        .iter()
        .find_map(|(list, first)| list.get(usize::try_from(id.checked_sub(*first)?).ok()?).copied())
}

/// Whether objects of layout `id` are instances (`isInstanceLayout`: `id > kLastNonInstance`).
pub const fn is_instance(id: u32) -> bool {
    id > LAST_NON_INSTANCE
}

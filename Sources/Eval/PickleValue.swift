/// The values the verification-file reader builds from a pickle: only what insightface `.bin`
/// files hold (bytes, text, booleans, small integers, tuples, lists and numpy arrays). Nothing
/// is ever constructed from a pickled class name: the few allowed globals are markers.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case bytes([UInt8])
    case text(String)
    case tuple([PickleValue])
    case list([PickleValue])
    /// One of the allowed globals (see `PickleGlobal`).
    case global(PickleGlobal)
    /// A numpy dtype (`numpy.dtype(code, False, True)`), by its type code, e.g. `u1`, `b1`.
    case dtype(String)
    /// A numpy array: complete after `BUILD` (or `_frombuffer`), empty right after `_reconstruct`.
    case array(NumpyArray)

    /// A few words naming the kind of value, for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .bytes: return "bytes"
        case .text: return "a text string"
        case .tuple(let items): return "a tuple of \(items.count)"
        case .list(let items): return "a list of \(items.count)"
        case .global(let global): return "the global \(global.name)"
        case .dtype(let code): return "numpy dtype \(code)"
        case .array(let array): return "a numpy \(array.dtype ?? "untyped") array"
        }
    }
}

/// A one-dimensional-or-more numpy array of one-byte elements, as pickled by numpy.
struct NumpyArray {
    /// The dtype code (`u1`, `b1`), nil until `BUILD` sets the state.
    var dtype: String?
    var shape: [Int]
    /// The raw element bytes, C order.
    var data: [UInt8]
}

/// The globals a verification file may name. Anything else is refused before it is used.
enum PickleGlobal: Equatable {
    case reconstruct, ndarray, dtype, frombuffer, codecsEncode

    /// Recognizes `module.name`, or nil for a global the reader does not allow.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"): self = .reconstruct
        case ("numpy", "ndarray"): self = .ndarray
        case ("numpy", "dtype"): self = .dtype
        case ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"): self = .frombuffer
        case ("_codecs", "encode"): self = .codecsEncode
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .reconstruct: return "numpy.core.multiarray._reconstruct"
        case .ndarray: return "numpy.ndarray"
        case .dtype: return "numpy.dtype"
        case .frombuffer: return "numpy.core.numeric._frombuffer"
        case .codecsEncode: return "_codecs.encode"
        }
    }
}

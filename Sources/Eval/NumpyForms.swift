import Support

/// The calls and state updates numpy pickles use, recognized exactly and evaluated without
/// running anything: `_reconstruct(ndarray, (0,), b'b')` then `BUILD` with the array state,
/// `dtype(code, False, True)` then `BUILD` with the dtype state, `_frombuffer(data, dtype,
/// shape, 'C')` (protocol 5), and `_codecs.encode(text, 'latin1')` (bytes in a protocol 2
/// pickle written by Python 3).
enum NumpyForms {
    /// One-byte dtypes a verification file uses: encoded image bytes and boolean labels.
    static let dtypes: Set<String> = ["u1", "b1", "i1"]

    static func reduce(_ callable: PickleGlobal, _ arguments: [PickleValue], fail: (String) -> FileError) throws -> PickleValue {
        switch (callable, arguments.count) {
        case (.reconstruct, 3):
            guard case .global(.ndarray) = arguments[0], case .tuple(let shape) = arguments[1], shape.count == 1 else {
                throw fail("numpy _reconstruct is not called as numpy pickles call it")
            }
            return .array(NumpyArray(dtype: nil, shape: [], data: []))
        case (.dtype, 3):
            guard case .text(let code) = arguments[0], dtypes.contains(code) else {
                throw fail("a numpy dtype \(arguments[0].kind) that is not a one-byte type (u1 or b1)")
            }
            return .dtype(code)
        case (.frombuffer, 4):
            guard case .bytes(let data) = arguments[0], case .dtype(let code) = arguments[1],
                  case .tuple(let dims) = arguments[2], case .text(let order) = arguments[3], order == "C" || order == "F" else {
                throw fail("numpy _frombuffer is not called as numpy pickles call it")
            }
            return .array(try array(code, dims: dims, data: data, fail: fail))
        case (.codecsEncode, 2):
            guard case .text(let text) = arguments[0], case .text("latin1") = arguments[1] else {
                throw fail("_codecs.encode is called on something other than latin-1 text")
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.utf8.count)
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { throw fail("latin-1 bytes hold a character above U+00FF") }
                bytes.append(UInt8(scalar.value))
            }
            return .bytes(bytes)
        default:
            throw fail("\(callable.name) is called with \(arguments.count) arguments")
        }
    }

    static func build(_ object: PickleValue, state: PickleValue, fail: (String) -> FileError) throws -> PickleValue {
        switch (object, state) {
        case (.dtype(let code), .tuple(let items)):
            // (version, byte order, subarray, names, fields, elsize, alignment, flags)
            guard items.count >= 2, case .text(let order) = items[1], ["|", "<", ">", "="].contains(order) else {
                throw fail("numpy dtype \(code) has an unexpected state")
            }
            return .dtype(code)
        case (.array(let array), .tuple(let items)):
            // (version, shape, dtype, is_fortran, raw data)
            guard array.dtype == nil, items.count == 5, case .tuple(let dims) = items[1],
                  case .dtype(let code) = items[2], case .bool = items[3], case .bytes(let data) = items[4] else {
                throw fail("a numpy array with a state other than (version, shape, dtype, fortran, bytes)")
            }
            return .array(try Self.array(code, dims: dims, data: data, fail: fail))
        default:
            throw fail("BUILD of \(object.kind) with \(state.kind)")
        }
    }

    private static func array(_ code: String, dims: [PickleValue], data: [UInt8], fail: (String) -> FileError) throws -> NumpyArray {
        var shape: [Int] = []
        for dim in dims {
            guard case .int(let size) = dim, size >= 0 else { throw fail("a numpy array with a shape that is not whole numbers") }
            shape.append(size)
        }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count == data.count else {
            throw fail("a numpy array of shape \(shape) holds \(data.count) bytes")
        }
        return NumpyArray(dtype: code, shape: shape, data: data)
    }
}

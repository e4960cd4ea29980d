import Support

/// A dense tensor: element type, shape and little-endian row-major bytes.
public struct Tensor: Equatable, Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// A tensor over `bytes`; fails when their count does not match the shape.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw GraphError("tensor shape \(shape) has a negative dimension")
        }
        let expected = shape.reduce(1, *) * dtype.byteSize
        guard bytes.count == expected else {
            throw GraphError("tensor of \(dtype) \(shape) needs \(expected) bytes, has \(bytes.count)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An int64 tensor; `shape` defaults to 1-D.
    public init(int64s values: [Int64], shape: [Int]? = nil) {
        dtype = .int64
        self.shape = shape ?? [values.count]
        bytes = values.withUnsafeBytes { Array($0) }
    }

    /// A float32 tensor; `shape` defaults to 1-D.
    public init(floats values: [Float], shape: [Int]? = nil) {
        dtype = .float32
        self.shape = shape ?? [values.count]
        bytes = values.withUnsafeBytes { Array($0) }
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as Int64, for integer and bool tensors; nil for floating point ones.
    public func int64s() -> [Int64]? {
        bytes.withUnsafeBytes { raw -> [Int64]? in
            switch dtype {
            case .int64: return Array(raw.bindMemory(to: Int64.self))
            case .int32: return raw.bindMemory(to: Int32.self).map { Int64($0) }
            case .int16: return raw.bindMemory(to: Int16.self).map { Int64($0) }
            case .int8: return raw.bindMemory(to: Int8.self).map { Int64($0) }
            case .uint8, .bool: return raw.map { Int64($0) }
            case .uint16: return raw.bindMemory(to: UInt16.self).map { Int64($0) }
            case .uint32: return raw.bindMemory(to: UInt32.self).map { Int64($0) }
            case .uint64: return raw.bindMemory(to: UInt64.self).map { Int64(truncatingIfNeeded: $0) }
            case .float32, .float16, .float64: return nil
            }
        }
    }

    /// The elements as Float, for floating point tensors; nil for integer ones.
    public func floats() -> [Float]? {
        bytes.withUnsafeBytes { raw -> [Float]? in
            switch dtype {
            case .float32: return Array(raw.bindMemory(to: Float.self))
            case .float16: return raw.bindMemory(to: UInt16.self).map { Float(Float16(bitPattern: $0)) }
            case .float64: return raw.bindMemory(to: Double.self).map { Float($0) }
            default: return nil
            }
        }
    }

    /// The same elements under another shape of the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(dtype: dtype, shape: newShape, bytes: bytes)
    }
}

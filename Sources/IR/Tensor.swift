import Foundation
import Support

/// A dense tensor: element type, shape and little-endian row-major bytes. Copies share the
/// bytes, which never change.
public struct Tensor: Equatable, Sendable {
    public let dtype: DType
    public let shape: [Int]
    private let storage: TensorStorage

    private static func checked(_ dtype: DType, _ shape: [Int], byteCount: Int) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw GraphError("tensor shape \(shape) has a negative dimension")
        }
        let expected = shape.reduce(1, *) * dtype.byteSize
        guard byteCount == expected else {
            throw GraphError("tensor of \(dtype) \(shape) needs \(expected) bytes, has \(byteCount)")
        }
    }

    /// A tensor holding a copy of `bytes`; fails when their count does not match the shape.
    public init(dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) throws {
        try Self.checked(dtype, shape, byteCount: bytes.count)
        self.dtype = dtype
        self.shape = shape
        storage = TensorStorage(copying: bytes)
    }

    /// A tensor holding a copy of `bytes`; fails when their count does not match the shape.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        try self = bytes.withUnsafeBytes { try Tensor(dtype: dtype, shape: shape, bytes: $0) }
    }

    /// A tensor that takes ownership of `byteCount` bytes at `base`, memory from `malloc`
    /// (as protobuf-c allocates it). On error the memory is still freed.
    public init(dtype: DType, shape: [Int], adopting base: UnsafeMutableRawPointer?, byteCount: Int) throws {
        let storage = TensorStorage(adopting: base, count: byteCount)
        try Self.checked(dtype, shape, byteCount: byteCount)
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    private init(dtype: DType, shape: [Int], storage: TensorStorage) {
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    /// An int64 tensor; `shape` defaults to 1-D.
    public init(int64s values: [Int64], shape: [Int]? = nil) {
        self.init(dtype: .int64, shape: shape ?? [values.count], storage: values.withUnsafeBytes { TensorStorage(copying: $0) })
    }

    /// A float32 tensor; `shape` defaults to 1-D.
    public init(floats values: [Float], shape: [Int]? = nil) {
        self.init(dtype: .float32, shape: shape ?? [values.count], storage: values.withUnsafeBytes { TensorStorage(copying: $0) })
    }

    public var elementCount: Int { shape.reduce(1, *) }

    public var byteCount: Int { storage.count }

    /// Calls `body` with the tensor's bytes, valid only during the call.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(storage.buffer)
    }

    /// A copy of the bytes, for small tensors and tests.
    public var bytes: [UInt8] { Array(storage.buffer) }

    public static func == (left: Tensor, right: Tensor) -> Bool {
        guard left.dtype == right.dtype, left.shape == right.shape, left.byteCount == right.byteCount else { return false }
        if left.storage === right.storage { return true }
        guard let a = left.storage.base, let b = right.storage.base else { return left.byteCount == 0 }
        return memcmp(a, b, left.byteCount) == 0
    }

    /// The elements as Int64, for integer and bool tensors; nil for floating point ones.
    public func int64s() -> [Int64]? {
        withUnsafeBytes { raw -> [Int64]? in
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
        withUnsafeBytes { raw -> [Float]? in
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
        try Self.checked(dtype, newShape, byteCount: byteCount)
        return Tensor(dtype: dtype, shape: newShape, storage: storage)
    }
}

import Support

/// What shape inference knows of a value: its type and shape at the inferred batch size, and
/// its contents when they are known before running (weights and shape computations).
public struct InferredValue: Equatable, Sendable {
    public var dtype: DType
    public var shape: [Int]
    public var constant: Tensor?

    public init(dtype: DType, shape: [Int], constant: Tensor? = nil) {
        self.dtype = dtype
        self.shape = shape
        self.constant = constant
    }

    public init(_ tensor: Tensor) {
        dtype = tensor.dtype
        shape = tensor.shape
        constant = tensor
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

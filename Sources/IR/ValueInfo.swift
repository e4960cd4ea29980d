import Support

/// A dimension of a graph input or output as the model declares it.
public enum Dim: Equatable, Sendable, CustomStringConvertible {
    case fixed(Int)
    /// A named dimension such as `batch`, or an unnamed unknown one (empty name).
    case symbolic(String)

    public var description: String {
        switch self {
        case .fixed(let value): return String(value)
        case .symbolic(let name): return name.isEmpty ? "?" : name
        }
    }
}

/// A declared graph input or output.
public struct ValueInfo: Equatable, Sendable {
    public var name: String
    public var dtype: DType
    public var dims: [Dim]

    public init(name: String, dtype: DType, dims: [Dim]) {
        self.name = name
        self.dtype = dtype
        self.dims = dims
    }

    /// The shape at batch size `batch`: the first dimension may be symbolic (the batch); any
    /// other symbolic dimension is an error, as pnconv runs faces of a fixed size.
    public func shape(batch: Int) throws -> [Int] {
        try dims.enumerated().map { index, dim in
            switch dim {
            case .fixed(let value): return value
            case .symbolic(let name) where index == 0: _ = name; return batch
            case .symbolic(let name):
                throw GraphError("input '\(self.name)' has a symbolic dimension '\(name)' at axis \(index); only the batch (axis 0) may vary")
            }
        }
    }

    /// Whether axis 0 is the variable batch.
    public var hasDynamicBatch: Bool {
        if case .symbolic? = dims.first { return true }
        return false
    }
}

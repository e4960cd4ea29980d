/// How an exported file stores its weights.
public enum Precision: String, CaseIterable, Sendable {
    /// Every float tensor as float32.
    case fp32
    /// Every float tensor as float16.
    case fp16
    /// Conv, Gemm and MatMul weights as int8 with one float32 scale per slice of axis 0 (a
    /// convolution's output channels; symmetric), the other float tensors as float16.
    case int8

    /// The lowest cosine between a model's embeddings and its export's that `verify` accepts.
    public var defaultMinimumCosine: Double {
        switch self {
        case .fp32: return 0.99999
        case .fp16: return 0.9999
        case .int8: return 0.995
        }
    }
}

/// A node attribute, typed as in ONNX (graphs and sparse tensors are not supported).
public enum Attribute: Equatable, Sendable {
    case int(Int)
    case float(Float)
    case string(String)
    case ints([Int])
    case floats([Float])
    case strings([String])
    case tensor(Tensor)
}

import Support

extension DType {
    /// The element type of an ONNX TensorProto.DataType code; nil for types pnconv does not hold.
    public init?(onnxCode code: Int) {
        switch code {
        case 1: self = .float32
        case 2: self = .uint8
        case 3: self = .int8
        case 4: self = .uint16
        case 5: self = .int16
        case 6: self = .int32
        case 7: self = .int64
        case 9: self = .bool
        case 10: self = .float16
        case 11: self = .float64
        case 12: self = .uint32
        case 13: self = .uint64
        default: return nil
        }
    }

    /// The ONNX TensorProto.DataType code.
    public var onnxCode: Int {
        switch self {
        case .float32: return 1
        case .uint8: return 2
        case .int8: return 3
        case .uint16: return 4
        case .int16: return 5
        case .int32: return 6
        case .int64: return 7
        case .bool: return 9
        case .float16: return 10
        case .float64: return 11
        case .uint32: return 12
        case .uint64: return 13
        }
    }
}

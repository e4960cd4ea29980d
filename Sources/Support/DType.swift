/// Element types of tensors, as pnconv stores them in memory and in its files (little-endian).
public enum DType: String, CaseIterable, Sendable {
    case float32, float16, float64
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64
    case bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    public var isFloatingPoint: Bool {
        self == .float32 || self == .float16 || self == .float64
    }
}

import IR
import Support

/// The graph of a .pnm file as JSON (stored in its `/graph` dataset): everything but the
/// tensors, which are datasets named in `tensorAttributes` and by the node inputs.
struct GraphDocument: Codable, Equatable {
    struct Value: Codable, Equatable {
        var name: String
        var dtype: String
        /// Fixed dimensions as numbers, symbolic ones as their names.
        var dims: [DimValue]
    }

    enum DimValue: Codable, Equatable {
        case fixed(Int)
        case symbolic(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                self = .fixed(number)
            } else {
                self = .symbolic(try container.decode(String.self))
            }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .fixed(let number): try container.encode(number)
            case .symbolic(let name): try container.encode(name)
            }
        }
    }

    /// One attribute; exactly one field is set. Floats travel as bit patterns so that they
    /// come back identical, tensors as the name of their dataset under /attribute_tensors.
    struct AttributeValue: Codable, Equatable {
        var int: Int?
        var ints: [Int]?
        var floatBits: UInt32?
        var floatsBits: [UInt32]?
        var string: String?
        var strings: [String]?
        var tensor: String?
    }

    struct NodeEntry: Codable, Equatable {
        var name: String
        var op: String
        var domain: String
        var inputs: [String]
        var outputs: [String]
        var attributes: [String: AttributeValue]
    }

    var name: String
    var inputs: [Value]
    var outputs: [Value]
    var nodes: [NodeEntry]
}

extension GraphDocument.Value {
    init(_ info: ValueInfo) {
        name = info.name
        dtype = info.dtype.rawValue
        dims = info.dims.map {
            switch $0 {
            case .fixed(let size): return .fixed(size)
            case .symbolic(let name): return .symbolic(name)
            }
        }
    }

    func valueInfo(path: String) throws -> ValueInfo {
        guard let type = DType(rawValue: dtype) else {
            throw FileError(path: path, problem: "value '\(name)' has unknown element type '\(dtype)'")
        }
        return ValueInfo(name: name, dtype: type, dims: dims.map {
            switch $0 {
            case .fixed(let size): return .fixed(size)
            case .symbolic(let name): return .symbolic(name)
            }
        })
    }
}

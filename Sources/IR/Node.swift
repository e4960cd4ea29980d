/// One operator application. Inputs and outputs are value names; an empty input name
/// stands for an omitted optional input, as in ONNX.
public struct Node: Equatable, Sendable {
    public var name: String
    public var opType: String
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: Attribute] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// The name of input `index`, nil when absent or omitted.
    public func input(_ index: Int) -> String? {
        index < inputs.count && !inputs[index].isEmpty ? inputs[index] : nil
    }

    public func int(_ key: String) throws -> Int? {
        switch attributes[key] {
        case nil: return nil
        case .int(let value)?: return value
        default: throw GraphError.at(self, "attribute \(key) should be an integer")
        }
    }

    public func int(_ key: String, default fallback: Int) throws -> Int {
        try int(key) ?? fallback
    }

    public func ints(_ key: String) throws -> [Int]? {
        switch attributes[key] {
        case nil: return nil
        case .ints(let values)?: return values
        case .int(let value)?: return [value]
        default: throw GraphError.at(self, "attribute \(key) should be a list of integers")
        }
    }

    public func float(_ key: String, default fallback: Float) throws -> Float {
        switch attributes[key] {
        case nil: return fallback
        case .float(let value)?: return value
        default: throw GraphError.at(self, "attribute \(key) should be a float")
        }
    }

    public func string(_ key: String, default fallback: String) throws -> String {
        switch attributes[key] {
        case nil: return fallback
        case .string(let value)?: return value
        default: throw GraphError.at(self, "attribute \(key) should be a string")
        }
    }
}

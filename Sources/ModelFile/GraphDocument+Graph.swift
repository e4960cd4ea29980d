import Support
import IR

extension GraphDocument {
    /// The document of `graph`; `storeTensor(node, attribute, tensor)` saves an attribute's
    /// tensor and returns the name it is stored under.
    init(_ graph: Graph, storeTensor: (String, String, Tensor) throws -> String) throws {
        name = graph.name
        inputs = graph.inputs.map(Value.init)
        outputs = graph.outputs.map(Value.init)
        nodes = try graph.nodes.map { node in
            var attributes: [String: AttributeValue] = [:]
            for (key, attribute) in node.attributes {
                var entry = AttributeValue()
                switch attribute {
                case .int(let value): entry.int = value
                case .ints(let values): entry.ints = values
                case .float(let value): entry.floatBits = value.bitPattern
                case .floats(let values): entry.floatsBits = values.map(\.bitPattern)
                case .string(let value): entry.string = value
                case .strings(let values): entry.strings = values
                case .tensor(let tensor): entry.tensor = try storeTensor(node.name, key, tensor)
                }
                attributes[key] = entry
            }
            return NodeEntry(name: node.name, op: node.opType, domain: node.domain, inputs: node.inputs,
                             outputs: node.outputs, attributes: attributes)
        }
    }

    /// The graph this document describes, with `initializers`; `loadTensor` reads attribute tensors.
    func graph(initializers: [String: Tensor], path: String, loadTensor: (String) throws -> Tensor) throws -> Graph {
        let graphNodes = try nodes.map { entry in
            var attributes: [String: Attribute] = [:]
            for (key, value) in entry.attributes {
                if let int = value.int { attributes[key] = .int(int) }
                else if let ints = value.ints { attributes[key] = .ints(ints) }
                else if let bits = value.floatBits { attributes[key] = .float(Float(bitPattern: bits)) }
                else if let bits = value.floatsBits { attributes[key] = .floats(bits.map { Float(bitPattern: $0) }) }
                else if let string = value.string { attributes[key] = .string(string) }
                else if let strings = value.strings { attributes[key] = .strings(strings) }
                else if let tensor = value.tensor { attributes[key] = .tensor(try loadTensor(tensor)) }
                else { throw FileError(path: path, problem: "node '\(entry.name)': attribute \(key) has no value") }
            }
            return Node(name: entry.name, opType: entry.op, domain: entry.domain, inputs: entry.inputs,
                        outputs: entry.outputs, attributes: attributes)
        }
        return Graph(name: name, inputs: try inputs.map { try $0.valueInfo(path: path) },
                     outputs: try outputs.map { try $0.valueInfo(path: path) }, nodes: graphNodes, initializers: initializers)
    }
}

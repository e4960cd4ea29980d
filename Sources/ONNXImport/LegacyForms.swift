import IR

/// Rewrites operators whose form changed across opsets to the form of the newest opset, which
/// is the only one the IR knows: attributes that became inputs (Slice before 10, Squeeze and
/// Unsqueeze before 13) and Softmax's old flatten-to-2-D semantics (before 13).
enum LegacyForms {
    static func rewrite(_ graph: Graph, opset: Int) throws -> Graph {
        var graph = graph
        var nodes: [Node] = []
        for var node in graph.nodes {
            switch node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : "" {
            case "Slice" where opset < 10:
                guard let starts = try node.ints("starts"), let ends = try node.ints("ends") else {
                    throw GraphError.at(node, "starts and ends attributes are required")
                }
                var extra = [starts, ends]
                if let axes = try node.ints("axes") { extra.append(axes) }
                node.inputs = [node.inputs.first ?? ""] + extra.enumerated().map { index, values in
                    addConstant(values, name: "\(node.name)/\(["starts", "ends", "axes"][index])", to: &graph)
                }
                node.attributes = [:]
            case "Unsqueeze" where opset < 13, "Squeeze" where opset < 13:
                if let axes = try node.ints("axes") {
                    node.inputs = [node.inputs.first ?? "", addConstant(axes, name: "\(node.name)/axes", to: &graph)]
                }
                node.attributes["axes"] = nil
            case "Softmax" where opset < 13:
                nodes += try legacySoftmax(node, graph: &graph)
                continue
            default:
                break
            }
            nodes.append(node)
        }
        graph.nodes = nodes
        return graph
    }

    private static func addConstant(_ values: [Int], name: String, to graph: inout Graph) -> String {
        var unique = name, suffix = 1
        while graph.initializers[unique] != nil {
            suffix += 1
            unique = "\(name)_\(suffix)"
        }
        graph.initializers[unique] = Tensor(int64s: values.map { Int64($0) })
        return unique
    }

    /// Softmax before opset 13 normalizes over all axes from `axis` on: flatten there, take the
    /// softmax of each row, and restore the shape.
    private static func legacySoftmax(_ node: Node, graph: inout Graph) throws -> [Node] {
        let axis = try node.int("axis", default: 1)
        guard let input = node.input(0), let output = node.outputs.first else {
            throw GraphError.at(node, "needs one input and one output")
        }
        let flat = "\(node.name)/flat", soft = "\(node.name)/rows", shape = "\(node.name)/shape"
        return [
            Node(name: "\(node.name)/Flatten", opType: "Flatten", inputs: [input], outputs: [flat], attributes: ["axis": .int(axis)]),
            Node(name: node.name, opType: "Softmax", inputs: [flat], outputs: [soft], attributes: ["axis": .int(1)]),
            Node(name: "\(node.name)/Shape", opType: "Shape", inputs: [input], outputs: [shape]),
            Node(name: "\(node.name)/Reshape", opType: "Reshape", inputs: [soft, shape], outputs: [output]),
        ]
    }
}

import IR

/// The graph as an export stores it: the same computation with the fewest bytes of
/// description. Values and weights inside the graph get short names (their index in order of
/// first appearance; the graph's inputs and outputs keep theirs), node names are dropped, and
/// attributes that state the ONNX default are left out.
///
/// The renaming depends only on the graph's structure, so `verify` can apply it to a reference
/// model (after the same BatchNormalization folding) and line its values up with an export's.
public enum CompactGraph {
    public static func make(_ graph: Graph) -> Graph {
        let interface = Set(graph.inputs.map(\.name) + graph.outputs.map(\.name))
        var names: [String: String] = [:]
        var next = 0
        func short(_ name: String) -> String {
            if name.isEmpty || interface.contains(name) { return name }
            if let known = names[name] { return known }
            // An input or output may itself be named by a number (older exporters do that).
            while interface.contains(String(next)) { next += 1 }
            names[name] = String(next)
            next += 1
            return String(next - 1)
        }
        var compact = graph
        compact.nodes = graph.nodes.map { node in
            Node(name: "", opType: node.opType, domain: node.domain, inputs: node.inputs.map(short), outputs: node.outputs.map(short),
                 attributes: node.attributes.filter { !isDefault($0.key, $0.value, of: node, in: graph) })
        }
        compact.initializers = Dictionary(graph.initializerOrder.compactMap { name in graph.initializers[name].map { (short(name), $0) } },
                                          uniquingKeysWith: { first, _ in first })
        return compact
    }

    /// Whether attribute `key` of `node` states what the operator assumes when it is absent.
    private static func isDefault(_ key: String, _ value: Attribute, of node: Node, in graph: Graph) -> Bool {
        func allEqual(_ expected: Int) -> Bool {
            if case .ints(let values) = value { return values.allSatisfy { $0 == expected } }
            return false
        }
        switch (node.opType, key, value) {
        case ("Conv", "kernel_shape", .ints(let kernel)):
            // Conv takes its window from the weight when the attribute is absent.
            guard let weight = node.input(1).flatMap({ graph.initializers[$0] }) else { return false }
            return Array(weight.shape.dropFirst(2)) == kernel
        case ("Conv", "group", .int(1)), ("MaxPool", "ceil_mode", .int(0)), ("AveragePool", "ceil_mode", .int(0)),
             ("MaxPool", "storage_order", .int(0)), ("AveragePool", "count_include_pad", .int(0)),
             ("Gemm", "transA", .int(0)), ("Gemm", "transB", .int(0)),
             ("Conv", "auto_pad", .string("NOTSET")), ("MaxPool", "auto_pad", .string("NOTSET")),
             ("AveragePool", "auto_pad", .string("NOTSET")):
            return true
        case ("Gemm", "alpha", .float(let scale)), ("Gemm", "beta", .float(let scale)):
            return scale == 1
        case ("Conv", "strides", _), ("Conv", "dilations", _), ("MaxPool", "strides", _), ("MaxPool", "dilations", _),
             ("AveragePool", "strides", _), ("AveragePool", "dilations", _):
            return allEqual(1)
        case ("Conv", "pads", _), ("MaxPool", "pads", _), ("AveragePool", "pads", _):
            return allEqual(0)
        default:
            return false
        }
    }
}

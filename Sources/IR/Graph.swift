import Support

/// A computation graph: declared inputs and outputs, nodes in topological order, and the
/// constant tensors (weights) the nodes read by name.
public struct Graph: Equatable, Sendable {
    public var name: String
    /// Runtime inputs only; weights are in `initializers`.
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var nodes: [Node]
    public var initializers: [String: Tensor]

    public init(name: String, inputs: [ValueInfo], outputs: [ValueInfo], nodes: [Node],
                initializers: [String: Tensor]) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = nodes
        self.initializers = initializers
    }

    /// Weight names in the order nodes first read them (then any unread ones, sorted):
    /// a stable order for files and listings.
    public var initializerOrder: [String] {
        var seen = Set<String>()
        var order: [String] = []
        for node in nodes {
            for input in node.inputs where initializers[input] != nil && seen.insert(input).inserted {
                order.append(input)
            }
        }
        return order + initializers.keys.filter { !seen.contains($0) }.sorted()
    }

    /// For each value name, the indices of the nodes that read it.
    public func consumers() -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                result[input, default: []].append(index)
            }
        }
        return result
    }

    /// Puts the nodes in topological order, keeping the given order where it already is one.
    /// Fails naming the node when an input is produced by nothing, or when nodes form a cycle.
    public mutating func sortTopologically() throws {
        var available = Set(inputs.map(\.name)).union(initializers.keys)
        var producers: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if producers[output] != nil || available.contains(output) {
                    throw GraphError.at(node, "value '\(output)' is produced more than once")
                }
                producers[output] = index
            }
        }
        for node in nodes {
            for input in node.inputs where !input.isEmpty && producers[input] == nil && !available.contains(input) {
                throw GraphError.at(node, "reads '\(input)', which no node, input or initializer provides")
            }
        }
        var placed = [Bool](repeating: false, count: nodes.count)
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        // Repeated forward sweeps: linear for graphs already in order, which exporters write.
        var progress = true
        while order.count < nodes.count && progress {
            progress = false
            for (index, node) in nodes.enumerated() where !placed[index] {
                if node.inputs.allSatisfy({ $0.isEmpty || available.contains($0) }) {
                    placed[index] = true
                    order.append(node)
                    available.formUnion(node.outputs)
                    progress = true
                }
            }
        }
        if let stuck = nodes.indices.first(where: { !placed[$0] }) {
            throw GraphError.at(nodes[stuck], "is part of a cycle")
        }
        nodes = order
    }

    /// Checks that every graph output is produced by a node, an input or an initializer.
    public func checkOutputsProduced() throws {
        let produced = Set(inputs.map(\.name)).union(initializers.keys).union(nodes.flatMap(\.outputs))
        for output in outputs where !produced.contains(output.name) {
            throw GraphError("graph output '\(output.name)' is produced by no node")
        }
    }
}

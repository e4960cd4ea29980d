import Support

/// Graph rewrites that keep the computation exact: Identity/Dropout removal, constant folding
/// (including the Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains of dynamic-batch
/// exports), and removal of what no output needs.
public enum GraphPasses {
    /// Runs every pass and returns the simplified graph in topological order.
    public static func simplify(_ graph: Graph) throws -> Graph {
        var graph = graph
        try graph.sortTopologically()
        graph = try removeIdentities(graph)
        graph = try foldConstants(graph)
        graph = eliminateDeadCode(graph)
        return graph
    }

    /// Renames every use of value `old` to `new`.
    private static func rename(_ old: String, to new: String, in graph: inout Graph) {
        for index in graph.nodes.indices {
            graph.nodes[index].inputs = graph.nodes[index].inputs.map { $0 == old ? new : $0 }
            graph.nodes[index].outputs = graph.nodes[index].outputs.map { $0 == old ? new : $0 }
        }
    }

    /// Removes Identity and inference-mode Dropout nodes, wiring their input to their readers.
    public static func removeIdentities(_ graph: Graph) throws -> Graph {
        var graph = graph
        let graphOutputs = Set(graph.outputs.map(\.name))
        let graphInputs = Set(graph.inputs.map(\.name)).union(graph.initializers.keys)
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            let isPassThrough = node.opType == "Identity"
                || (node.opType == "Dropout" && node.outputs.dropFirst().allSatisfy { $0.isEmpty || !isRead($0, graph) })
            guard isPassThrough, node.domain.isEmpty, let input = node.input(0), let output = node.outputs.first else {
                index += 1
                continue
            }
            if !graphOutputs.contains(output) {
                graph.nodes.remove(at: index)
                rename(output, to: input, in: &graph)
            } else if !graphOutputs.contains(input) && !graphInputs.contains(input) {
                // The output name is the model's contract: the producer takes it over.
                graph.nodes.remove(at: index)
                rename(input, to: output, in: &graph)
            } else {
                index += 1
            }
        }
        return graph
    }

    private static func isRead(_ name: String, _ graph: Graph) -> Bool {
        graph.outputs.contains { $0.name == name } || graph.nodes.contains { $0.inputs.contains(name) }
    }

    /// Two batch sizes tell values that depend on the batch from those that do not.
    static let probeBatches = (2, 3)

    /// Replaces nodes whose outputs are constant at every batch size by initializers, and gives
    /// Reshape nodes whose target depends only on the batch a constant target (0 or -1 there).
    public static func foldConstants(_ graph: Graph) throws -> Graph {
        var graph = graph
        let first = try ShapeInference.infer(graph, batch: probeBatches.0)
        let second = try ShapeInference.infer(graph, batch: probeBatches.1)
        var kept: [Node] = []
        for var node in graph.nodes {
            let outputs = node.outputs.filter { !$0.isEmpty }
            let constants = outputs.map { (first[$0]?.constant, second[$0]?.constant) }
            if !outputs.isEmpty, constants.allSatisfy({ $0.0 != nil && $0.0 == $0.1 }) {
                for (name, pair) in zip(outputs, constants) { graph.initializers[name] = pair.0 }
                continue
            }
            if node.opType == "Reshape", let data = node.input(0), let target = node.input(1),
               graph.initializers[target] == nil,
               let folded = batchIndependentTarget(first[target]?.constant, second[target]?.constant,
                                                   input: (first[data]?.shape ?? [], second[data]?.shape ?? []),
                                                   allowZero: try node.int("allowzero", default: 0) != 0) {
                let name = uniqueName("\(node.name)/shape", in: graph)
                graph.initializers[name] = Tensor(int64s: folded)
                node.inputs[1] = name
            }
            kept.append(node)
        }
        graph.nodes = kept
        return graph
    }

    /// A Reshape target valid at every batch size, from its values at the two probe batches:
    /// equal entries stay, batch entries become 0 (copy) where the input's axis is the batch,
    /// else -1 when no other entry is. Nil when the target cannot be made constant.
    private static func batchIndependentTarget(_ a: Tensor?, _ b: Tensor?, input: ([Int], [Int]), allowZero: Bool) -> [Int64]? {
        guard let a = a?.int64s(), let b = b?.int64s(), a.count == b.count else { return nil }
        var result: [Int64] = []
        for (axis, (x, y)) in zip(a, b).enumerated() {
            if x == y {
                result.append(x)
            } else if x == Int64(probeBatches.0) && y == Int64(probeBatches.1) {
                let inputIsBatch = !allowZero && axis < input.0.count && input.0[axis] == probeBatches.0 && input.1[axis] == probeBatches.1
                result.append(inputIsBatch ? 0 : -1)
            } else {
                return nil
            }
        }
        return result.filter { $0 == -1 }.count <= 1 ? result : nil
    }

    private static func uniqueName(_ base: String, in graph: Graph) -> String {
        let taken = Set(graph.initializers.keys).union(graph.nodes.flatMap(\.outputs)).union(graph.inputs.map(\.name))
        var name = base, suffix = 1
        while taken.contains(name) {
            suffix += 1
            name = "\(base)_\(suffix)"
        }
        return name
    }

    /// Drops nodes and initializers that no graph output depends on.
    public static func eliminateDeadCode(_ graph: Graph) -> Graph {
        var graph = graph
        var needed = Set(graph.outputs.map(\.name))
        var kept: [Node] = []
        for node in graph.nodes.reversed() where node.outputs.contains(where: needed.contains) {
            kept.append(node)
            needed.formUnion(node.inputs.filter { !$0.isEmpty })
        }
        graph.nodes = kept.reversed()
        graph.initializers = graph.initializers.filter { needed.contains($0.key) }
        return graph
    }
}

import IR
import Support

/// Folds BatchNormalization into the Conv or Gemm before it where that is exact: the
/// convolution's output feeds only the BatchNormalization, which then becomes a per-output-
/// channel scale of the weights and a new bias. Other BatchNormalizations (after a pool or a
/// concat) stay, as the per-channel scale and shift they are.
public enum BatchNormFolding {
    public static func fold(_ graph: Graph) throws -> Graph {
        var graph = graph
        let consumers = graph.consumers()
        let outputs = Set(graph.outputs.map(\.name))
        var removed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where node.opType == "BatchNormalization" {
            guard let x = node.input(0), let y = node.outputs.first, consumers[x]?.count == 1, !outputs.contains(x),
                  let producerIndex = graph.nodes.firstIndex(where: { $0.outputs.first == x }),
                  let parameters = try? (1...4).map({ i -> [Float] in
                      guard let name = node.input(i), let values = graph.initializers[name]?.floats() else { throw GraphError("") }
                      return values
                  }) else { continue }
            let producer = graph.nodes[producerIndex]
            let epsilon = try node.float("epsilon", default: 1e-5)
            let scale = zip(parameters[0], parameters[3]).map { $0 / ($1 + epsilon).squareRoot() }
            let shift = (0..<scale.count).map { parameters[1][$0] - parameters[2][$0] * scale[$0] }
            guard let folded = try foldInto(producer, scale: scale, shift: shift, graph: &graph) else { continue }
            var newProducer = folded
            newProducer.outputs[0] = y
            graph.nodes[producerIndex] = newProducer
            removed.insert(index)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return GraphPasses.eliminateDeadCode(graph)
    }

    /// The Conv or Gemm with weights scaled per output channel and a bias of shift + scale x
    /// bias; nil when the node is not one that folds exactly.
    private static func foldInto(_ node: Node, scale: [Float], shift: [Float], graph: inout Graph) throws -> Node? {
        guard let weightName = node.input(1), let weight = graph.initializers[weightName], let values = weight.floats() else { return nil }
        let channels = scale.count
        var scaled = values
        let bias: [Float]
        switch node.opType {
        case "Conv":
            guard weight.shape.first == channels else { return nil }
            let perChannel = values.count / channels
            for c in 0..<channels { for i in 0..<perChannel { scaled[c * perChannel + i] *= scale[c] } }
        case "Gemm":
            let transB = try node.int("transB", default: 0) != 0
            guard weight.shape.count == 2, (try node.float("alpha", default: 1)) == 1, (try node.float("beta", default: 1)) == 1,
                  (transB ? weight.shape[0] : weight.shape[1]) == channels else { return nil }
            let k = values.count / channels
            for c in 0..<channels {
                for i in 0..<k { scaled[transB ? c * k + i : i * channels + c] *= scale[c] }
            }
        default:
            return nil
        }
        if let biasName = node.input(2) {
            guard let existing = graph.initializers[biasName]?.floats(), existing.count == channels else { return nil }
            bias = (0..<channels).map { existing[$0] * scale[$0] + shift[$0] }
        } else {
            bias = shift
        }
        var result = node
        let weightKey = uniqueName("\(node.name)/folded_weight", graph), biasKey = uniqueName("\(node.name)/folded_bias", graph)
        graph.initializers[weightKey] = try Tensor(floats: scaled, shape: weight.shape).reshaped(weight.shape)
        graph.initializers[biasKey] = Tensor(floats: bias)
        result.inputs = [node.inputs[0], weightKey, biasKey]
        return result
    }

    private static func uniqueName(_ base: String, _ graph: Graph) -> String {
        var name = base, suffix = 1
        while graph.initializers[name] != nil { suffix += 1; name = "\(base)_\(suffix)" }
        return name
    }
}

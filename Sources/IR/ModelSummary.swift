import Support

/// The model families pnconv knows.
public enum Architecture: String, Sendable {
    /// insightface's iresnet teachers.
    case iresnet
    /// NAS-found PocketNet students.
    case pocketnet
    case other
}

/// What `pnconv inspect` and `import` tell about a model, computed from its graph at batch 1.
public struct ModelSummary: Equatable, Sendable {
    public var architecture: Architecture
    /// Residual blocks per stage for iresnet (e.g. [3, 13, 30, 3] for iresnet100).
    public var stageDepths: [Int]?
    /// Learned parameters: floating point weights, without BatchNormalization running statistics
    /// (the count PyTorch and the papers give).
    public var parameters: Int
    /// Multiply-accumulates of convolutions and fully connected layers per image.
    public var macsPerImage: Int
    public var inputName: String
    public var inputDims: [Dim]
    /// The length of the embedding, when the model has a single [batch, D] output.
    public var embeddingSize: Int?
    public var operatorHistogram: [String: Int]

    public init(graph: Graph) throws {
        let values = try ShapeInference.infer(graph, batch: 1)
        guard let input = graph.inputs.first else { throw GraphError("the graph has no runtime input") }
        inputName = input.name
        inputDims = input.dims
        operatorHistogram = graph.nodes.reduce(into: [:]) { $0[$1.opType, default: 0] += 1 }

        var runningStatistics = Set<String>()
        for node in graph.nodes where node.opType == "BatchNormalization" {
            runningStatistics.formUnion(node.inputs.dropFirst(3).prefix(2))
        }
        parameters = graph.initializers
            .filter { $0.value.dtype.isFloatingPoint && !runningStatistics.contains($0.key) }
            .reduce(0) { $0 + $1.value.elementCount }

        macsPerImage = graph.nodes.reduce(0) { total, node in
            total + Self.macs(of: node, values)
        }

        if graph.outputs.count == 1, let shape = values[graph.outputs[0].name]?.shape, shape.count == 2, shape[0] == 1 {
            embeddingSize = shape[1]
        } else {
            embeddingSize = nil
        }
        (architecture, stageDepths) = Self.recognize(graph, values)
    }

    /// Multiply-accumulates of one Conv, Gemm or MatMul node with the given value shapes (0 for others).
    public static func macs(of node: Node, _ values: [String: InferredValue]) -> Int {
        func shape(_ index: Int) -> [Int] { node.input(index).flatMap { values[$0]?.shape } ?? [] }
        let output = node.outputs.first.flatMap { values[$0]?.shape } ?? []
        switch node.opType {
        case "Conv":
            let weight = shape(1)
            return output.reduce(1, *) * weight.dropFirst().reduce(1, *)
        case "Gemm":
            let a = shape(0)
            let transA = (try? node.int("transA", default: 0)) ?? 0
            let k = a.count == 2 ? a[transA != 0 ? 0 : 1] : 0
            return output.reduce(1, *) * k
        case "MatMul":
            return output.reduce(1, *) * (shape(0).last ?? 0)
        default:
            return 0
        }
    }

    /// iresnet: plain and 1x1 convolutions with residual additions and a fully connected
    /// embedding; PocketNet: depthwise convolutions, concatenated cell outputs, no fully connected layer.
    private static func recognize(_ graph: Graph, _ values: [String: InferredValue]) -> (Architecture, [Int]?) {
        let convs = graph.nodes.filter { $0.opType == "Conv" }
        let depthwise = convs.filter { node in
            let group = (try? node.int("group", default: 1)) ?? 1
            let channels = node.input(0).flatMap { values[$0]?.shape.dropFirst().first } ?? 0
            return group > 1 && group == channels
        }
        let histogram = Set(graph.nodes.map(\.opType))
        let hasFullyConnected = histogram.contains("Gemm") || histogram.contains("MatMul")
        if depthwise.count >= 5 && histogram.contains("Concat") && !hasFullyConnected {
            return (.pocketnet, nil)
        }
        let grouped = convs.count != convs.filter { ((try? $0.int("group", default: 1)) ?? 1) == 1 }.count
        let adds = graph.nodes.filter { $0.opType == "Add" }
        if !grouped && hasFullyConnected && adds.count >= 4 && histogram.contains("PRelu")
            && histogram.contains("BatchNormalization") {
            // Residual additions per stage, stages told apart by their spatial size.
            var depthBySize: [Int: Int] = [:]
            for add in adds {
                if let shape = add.outputs.first.flatMap({ values[$0]?.shape }), shape.count == 4 {
                    depthBySize[shape[2], default: 0] += 1
                }
            }
            return (.iresnet, depthBySize.keys.sorted(by: >).map { depthBySize[$0] ?? 0 })
        }
        return (.other, nil)
    }
}

import Foundation
import IR

/// The summary `import` and `inspect` print, as text for people or JSON for scripts.
struct SummaryReport: Encodable {
    var model: String
    var architecture: String
    var stageDepths: [Int]?
    var parameters: Int
    var macsPerImage: Int
    var input: String
    var inputShape: [Int]
    var embeddingSize: Int?
    var operators: [String: Int]
    var nodes: Int
    var opset: Int
    var source: String
    var sourceSHA256: String
    /// Every node output's shape at batch 1, with `--shapes`.
    var shapes: [String: [Int]]?
    /// Node outputs in graph order, for the text listing.
    private var shapeOrder: [String] = []

    enum CodingKeys: String, CodingKey {
        case model, architecture, parameters, input, operators, nodes, opset, source, shapes
        case stageDepths = "stage_depths", macsPerImage = "macs_per_image", inputShape = "input_shape"
        case embeddingSize = "embedding_size", sourceSHA256 = "source_sha256"
    }

    init(path: String, model: Model, summary: ModelSummary) {
        self.model = path
        architecture = summary.architecture.rawValue
        stageDepths = summary.stageDepths
        parameters = summary.parameters
        macsPerImage = summary.macsPerImage
        input = summary.inputName
        inputShape = summary.inputDims.map { dim in
            if case .fixed(let size) = dim { return size }
            return -1
        }
        embeddingSize = summary.embeddingSize
        operators = summary.operatorHistogram
        nodes = model.graph.nodes.count
        opset = model.opsetVersion
        source = model.sourceName
        sourceSHA256 = model.sourceSHA256
    }

    /// Adds the shape of every node output at batch 1.
    mutating func includeShapes(of graph: Graph) throws {
        let values = try ShapeInference.infer(graph, batch: 1)
        shapeOrder = graph.nodes.flatMap(\.outputs).filter { values[$0] != nil }
        shapes = Dictionary(uniqueKeysWithValues: shapeOrder.compactMap { name in values[name].map { (name, $0.shape) } })
    }

    /// Every key is always present: unknown values are null rather than missing.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(stageDepths, forKey: .stageDepths)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(macsPerImage, forKey: .macsPerImage)
        try container.encode(input, forKey: .input)
        try container.encode(inputShape, forKey: .inputShape)
        try container.encode(embeddingSize, forKey: .embeddingSize)
        try container.encode(operators, forKey: .operators)
        try container.encode(nodes, forKey: .nodes)
        try container.encode(opset, forKey: .opset)
        try container.encode(source, forKey: .source)
        try container.encode(sourceSHA256, forKey: .sourceSHA256)
        try container.encodeIfPresent(shapes, forKey: .shapes)
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    var text: String {
        let shape = inputShape.map { $0 < 0 ? "batch" : String($0) }.joined(separator: ", ")
        let stages = stageDepths.map { " (blocks per stage \($0.map(String.init).joined(separator: "-")))" } ?? ""
        let histogram = operators.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let rows = [
            ("model", model),
            ("architecture", architecture + stages),
            ("parameters", grouped(parameters) + String(format: " (%.2fM)", Double(parameters) / 1e6)),
            ("MACs per image", grouped(macsPerImage) + String(format: " (%.3f G)", Double(macsPerImage) / 1e9)),
            ("input", "\(input) [\(shape)]"),
            ("embedding size", embeddingSize.map(String.init) ?? "none (output is not [batch, D])"),
            ("operators", "\(nodes) nodes: \(histogram)"),
            ("source", "\(source), opset \(opset), sha256 \(sourceSHA256.prefix(16))..."),
        ]
        let summary = rows.map { $0.0.padding(toLength: 16, withPad: " ", startingAt: 0) + $0.1 }
        let shapeLines = shapeOrder.map { "  \($0)  \(shapes?[$0] ?? [])" }
        return (summary + (shapeLines.isEmpty ? [] : ["shapes at batch 1:"] + shapeLines)).joined(separator: "\n")
    }

    private func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        return digits.enumerated().map { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : String(digit)
        }.joined()
    }
}

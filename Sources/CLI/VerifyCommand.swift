import Export
import Foundation
import IR
import Images
import Runtime
import Support

/// `pnconv verify CANDIDATE --against REFERENCE --images SRC [--min-cosine X]`
enum VerifyCommand {
    static let spec = CommandSpec(
        name: "verify",
        summary: "Check that a model (typically an export) computes the embeddings of a reference model on real\nimages: per-image cosine, minimum and mean, and exit 1 below the gate (fp32 0.99999, fp16 0.9999,\nint8 0.995 by default). On failure, names the first node whose output drifts past the gate.",
        positionals: ["CANDIDATE"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["--against"], valueName: "REFERENCE", help: "the model to compare with (.onnx, .pnm or .pnw)"),
            OptionSpec(names: ["--images"], valueName: "SRC", help: "a folder, a list file or a .rec"),
            OptionSpec(names: ["--min-cosine"], valueName: "X", help: "the gate (default by the candidate's precision)"),
            OptionSpec(names: ["--threads"], valueName: "N", help: "worker threads (default: all cores)"),
            OptionSpec(names: ["--resize"], valueName: nil, help: "resize images that are not 112x112"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        guard let referencePath = arguments.value("against") else { throw UsageError(message: "--against REFERENCE is required") }
        guard let images = arguments.value("images") else { throw UsageError(message: "--images SRC is required") }
        let candidatePath = arguments.positionals[0]
        let threads = try arguments.integer("threads") ?? ProcessInfo.processInfo.activeProcessorCount
        let (candidate, candidateSummary, precision) = try ModelLoader.loadWithPrecision(candidatePath)
        let (reference, referenceSummary) = try ModelLoader.load(referencePath)
        let gate = try arguments.value("min-cosine").map { text -> Double in
            guard let value = Double(text) else { throw UsageError(message: "--min-cosine expects a number, got '\(text)'") }
            return value
        } ?? precision.defaultMinimumCosine
        let (preprocessing, _) = try EmbedCommand.faceModelShape(candidate.graph, summary: candidateSummary, path: candidatePath, resize: arguments.flag("resize"))
        _ = try EmbedCommand.faceModelShape(reference.graph, summary: referenceSummary, path: referencePath, resize: arguments.flag("resize"))
        let source = try openImageSource(images)
        let batch = try BatchLoader(source: source, preprocessing: preprocessing, threads: threads, skipBad: false).load(0..<source.count)
        let input = HostTensor(shape: [source.count, 3, preprocessing.height, preprocessing.width], values: batch.values)
        let ours = try engine(candidate.graph, candidatePath, threads).runImages(input, input: candidateSummary.inputName, output: candidate.graph.outputs[0].name)
        let theirs = try engine(reference.graph, referencePath, threads).runImages(input, input: referenceSummary.inputName, output: reference.graph.outputs[0].name)
        guard ours.count == theirs.count, !ours.isEmpty else {
            throw FileError(path: candidatePath, problem: "its embedding size differs from \(referencePath)'s")
        }
        let dimension = ours.count / source.count
        let cosines = (0..<source.count).map { cosine(ours[($0 * dimension)..<(($0 + 1) * dimension)], theirs[($0 * dimension)..<(($0 + 1) * dimension)]) }
        let worst = cosines.min() ?? 0, mean = cosines.reduce(0, +) / Double(cosines.count)
        let passed = worst >= gate
        print(String(format: "%@ against %@ on %d images: min cosine %.8f, mean %.8f, gate %@: %@",
                     candidatePath, referencePath, cosines.count, worst, mean, "\(gate)", passed ? "PASS" : "FAIL"))
        if !passed {
            let image = cosines.firstIndex(of: worst) ?? 0
            let one = HostTensor(shape: [1] + input.shape.dropFirst(), values: Array(input.values[(image * preprocessing.floatsPerImage)..<((image + 1) * preprocessing.floatsPerImage)]))
            // A .pnw stores its graph folded and renamed (CompactGraph); another model is put
            // through the same steps so that its values line up with the export's.
            let isExport = { URL(fileURLWithPath: $0).pathExtension.lowercased() == "pnw" }
            let compact = isExport(candidatePath) && !isExport(referencePath)
            let aligned = compact ? try attributing(to: referencePath) { try BatchNormFolding.fold(reference.graph) } : reference.graph
            if let node = try firstDriftingNode(candidate.graph, aligned, compact: compact, one, input: candidateSummary.inputName,
                                                referenceInput: referenceSummary.inputName, gate: gate, threads: threads) {
                print("first node past the gate: \(node)")
            }
            throw FileError(path: candidatePath, problem: String(format: "min cosine %.8f is below %@ against %@", worst, "\(gate)", referencePath))
        }
    }

    private static func engine(_ graph: Graph, _ path: String, _ threads: Int) throws -> Engine {
        try attributing(to: path) { try Engine(graph: graph, threads: threads) }
    }

    private static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var dot = 0.0, left = 0.0, right = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            left += Double(x) * Double(x)
            right += Double(y) * Double(y)
        }
        return left > 0 && right > 0 ? dot / (left * right).squareRoot() : 0
    }

    /// The first node of the candidate (in order) whose output, compared with the reference's
    /// corresponding value on one image, falls below the gate, named as the reference names it.
    /// With `compact`, the reference's values are renamed as an export's (CompactGraph) to
    /// line up with the candidate's.
    private static func firstDriftingNode(_ candidate: Graph, _ reference: Graph, compact: Bool, _ image: HostTensor, input: String,
                                          referenceInput: String, gate: Double, threads: Int) throws -> String? {
        let comparable = compact ? CompactGraph.make(reference) : reference
        var originals: [String: (Node, String)] = [:]
        for (node, source) in zip(comparable.nodes, reference.nodes) {
            for (name, sourceName) in zip(node.outputs, source.outputs) { originals[name] = (source, sourceName) }
        }
        let referenceValues = Set(comparable.nodes.flatMap(\.outputs))
        let shared = candidate.nodes.flatMap(\.outputs).filter { referenceValues.contains($0) }
        guard !shared.isEmpty else { return nil }
        func expose(_ graph: Graph) -> Graph {
            var graph = graph
            graph.outputs = shared.map { ValueInfo(name: $0, dtype: .float32, dims: []) }
            return graph
        }
        let ours = try Engine(graph: expose(candidate), threads: threads).run([input: image])
        let theirs = try Engine(graph: expose(comparable), threads: threads).run([referenceInput: image])
        for name in shared {
            guard let a = ours[name]?.values, let b = theirs[name]?.values, a.count == b.count else { continue }
            if cosine(a[...], b[...]) < gate, let (node, output) = originals[name] {
                return "'\(node.name)' (\(node.opType)), output '\(output)'"
            }
        }
        return nil
    }
}

import Eval
import Foundation
import IR
import Images
import Runtime
import Support

/// `pnconv eval MODEL [MODEL...] --pairs FILE.bin [--pairs ...]`: face verification accuracy
/// on insightface `.bin` benchmark files, computed as insightface's verification.py does.
enum EvalCommand {
    static let spec = CommandSpec(
        name: "eval",
        summary: "Face verification accuracy of one or more models (.onnx or .pnm) on insightface .bin pair files\n(LFW, AgeDB-30, CALFW, CPLFW, CFP-FP): image + mirror embeddings, 10-fold threshold choice,\nmean accuracy ± std, best threshold and TAR@FAR, printed as a table or JSON.",
        positionals: ["MODEL"], positionalCount: 1...64,
        options: [
            OptionSpec(names: ["--pairs"], valueName: "FILE.bin", help: "an insightface verification file (repeat for several)", repeatable: true),
            OptionSpec(names: ["--batch"], valueName: "N", help: "images per engine run, each with its mirror (default 32)"),
            OptionSpec(names: ["--threads"], valueName: "N", help: "worker threads (default: all cores)"),
            OptionSpec(names: ["--resize"], valueName: nil, help: "resize images that are not 112x112 (bilinear) instead of refusing them"),
            OptionSpec(names: ["--json"], valueName: nil, help: "print every number as JSON"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        let pairsFiles = arguments.all("pairs")
        guard !pairsFiles.isEmpty else { throw UsageError(message: "--pairs FILE.bin is required") }
        let batchSize = try arguments.integer("batch") ?? 32
        let threads = try arguments.integer("threads") ?? ProcessInfo.processInfo.activeProcessorCount
        guard batchSize >= 1, threads >= 1 else { throw UsageError(message: "--batch and --threads must be at least 1") }

        let sets = try pairsFiles.map { try VerificationSet.read(path: $0) }
        let showProgress = isatty(fileno(stderr)) != 0
        var entries: [EvalReport.Entry] = []
        for modelPath in arguments.positionals {
            let (model, summary) = try ModelLoader.load(modelPath)
            let (preprocessing, dimension) = try EmbedCommand.faceModelShape(model.graph, summary: summary, path: modelPath,
                                                                             resize: arguments.flag("resize"))
            let engine = try attributing(to: modelPath) { try Engine(graph: model.graph, threads: threads) }
            let embedder = PairEmbedder(engine: engine, input: summary.inputName, output: model.graph.outputs[0].name,
                                        dimension: dimension, preprocessing: preprocessing, batch: batchSize, threads: threads)
            for set in sets {
                let progress = showProgress
                    ? Progress(total: set.images.count, what: "images of \(URL(fileURLWithPath: set.path).lastPathComponent)") : nil
                let embeddings = try attributing(to: modelPath) { try embedder.embeddings(of: set) { progress?.update(done: $0) } }
                progress?.finish()
                let distances = VerificationProtocol.distances(original: embeddings.original, mirrored: embeddings.mirrored, dimension: dimension)
                let result = try VerificationProtocol.evaluate(distances: distances, isSame: set.isSame, path: set.path)
                entries.append(EvalReport.Entry(model: modelPath, pairsFile: set.path, result: result))
            }
        }
        let report = EvalReport(models: arguments.positionals, pairsFiles: pairsFiles, results: entries)
        print(arguments.flag("json") ? try report.json() : report.table())
    }
}

import Foundation
import IR
import Images
import Runtime
import Support

/// `pnconv embed MODEL --images SRC -o OUT.h5`: the raw embedding of every face in SRC.
enum EmbedCommand {
    static let spec = CommandSpec(
        name: "embed",
        summary: "Compute the embedding of every image in SRC (a folder, a list file or a .rec) with a model\n(.onnx or .pnm) and write them, raw (not normalized), to an HDF5 file.",
        positionals: ["MODEL"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["--images"], valueName: "SRC", help: "the images: a folder, a list file (path[<TAB>label]) or a .rec with its .idx"),
            OptionSpec(names: ["-o", "--output"], valueName: "OUT.h5", help: "where to write the embeddings"),
            OptionSpec(names: ["--batch"], valueName: "N", help: "images per engine run (default 32)"),
            OptionSpec(names: ["--threads"], valueName: "N", help: "worker threads (default: all cores)"),
            OptionSpec(names: ["--resize"], valueName: nil, help: "resize images that are not 112x112 (bilinear) instead of refusing them"),
            OptionSpec(names: ["--skip-bad"], valueName: nil, help: "skip images that cannot be decoded, list them at the end and in the file"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        guard let images = arguments.value("images") else { throw UsageError(message: "--images SRC is required") }
        guard let output = arguments.value("output") else { throw UsageError(message: "-o OUT.h5 is required") }
        let batchSize = try arguments.integer("batch") ?? 32
        let threads = try arguments.integer("threads") ?? ProcessInfo.processInfo.activeProcessorCount
        guard batchSize >= 1, threads >= 1 else { throw UsageError(message: "--batch and --threads must be at least 1") }
        let modelPath = arguments.positionals[0]

        let (model, summary) = try ModelLoader.load(modelPath)
        let (preprocessing, dimension) = try faceModelShape(model.graph, summary: summary, path: modelPath,
                                                             resize: arguments.flag("resize"))
        let source = try openImageSource(images)
        let loader = BatchLoader(source: source, preprocessing: preprocessing, threads: threads, skipBad: arguments.flag("skip-bad"))
        let engine = try attributing(to: modelPath) { try Engine(graph: model.graph, threads: threads) }
        let inputName = summary.inputName, outputName = model.graph.outputs[0].name
        var keys: [String] = [], labels: [Int64] = [], skipped: [String] = []
        let progress = Progress(total: source.count, what: "images")
        try AtomicOutput.write(to: output) { temporary in
            let writer = try EmbeddingsWriter(
                path: temporary, capacity: source.count, dimension: dimension,
                attributes: [("model", .string(URL(fileURLWithPath: modelPath).lastPathComponent)),
                             ("model_sha256", .string(model.sourceSHA256)),
                             ("images", .string(images)), ("preprocessing", .string(preprocessing.summary))])
            var start = 0
            while start < source.count {
                let range = start..<min(source.count, start + batchSize)
                let batch = try loader.load(range)
                skipped += batch.failures.map(\.message)
                if !batch.indices.isEmpty {
                    let input = HostTensor(shape: [batch.indices.count, 3, preprocessing.height, preprocessing.width], values: batch.values)
                    try writer.append(try attributing(to: modelPath) { try engine.runImages(input, input: inputName, output: outputName) })
                    keys += batch.indices.map { source.key(at: $0) }
                    labels += batch.indices.map { source.label(at: $0) }
                }
                start = range.upperBound
                progress.update(done: start)
            }
            try writer.finish(keys: keys, labels: labels, skipped: skipped)
        }
        progress.finish()
        for line in skipped { FileHandle.standardError.write(Data("pnconv: skipped \(line)\n".utf8)) }
        print("wrote \(keys.count) embeddings of \(dimension) floats to \(output)" + (skipped.isEmpty ? "" : " (\(skipped.count) images skipped)"))
    }

    /// The preprocessing a face model needs and its embedding size; fails unless the model
    /// takes one [batch, 3, H, W] image input and gives one [batch, D] output.
    static func faceModelShape(_ graph: Graph, summary: ModelSummary, path: String, resize: Bool) throws -> (Preprocessing, Int) {
        let dims = summary.inputDims
        guard graph.inputs.count == 1, dims.count == 4, case .fixed(3) = dims[1], case .fixed(let height) = dims[2], case .fixed(let width) = dims[3] else {
            throw FileError(path: path, problem: "the model's input is \(dims); pnconv runs face models taking [batch, 3, 112, 112]")
        }
        guard height == 112 && width == 112 else {
            throw FileError(path: path, problem: "the model's input is \(height)x\(width); pnconv's face preprocessing is 112x112")
        }
        guard let dimension = summary.embeddingSize else {
            throw FileError(path: path, problem: "the model's output is not one [batch, D] embedding")
        }
        return (Preprocessing(width: width, height: height, resize: resize), dimension)
    }
}

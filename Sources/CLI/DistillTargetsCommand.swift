import Foundation
import IR
import Images
import KD
import Runtime
import Support

/// `pnconv distill-targets --teacher M ... --images SRC -o OUT.h5`: the staged targets of
/// multi-step knowledge distillation, computed once, offline.
enum DistillTargetsCommand {
    static let spec = CommandSpec(
        name: "distill-targets",
        summary: "Run every teacher stage (one checkpoint per stage, in order) over the images once and store\nnormalize(T_stage(x)) and normalize(T_stage(flip(x))) in an HDF5 targets file, with the epoch-to-stage\nschedule. Re-running the same command continues an interrupted run.",
        positionals: [], positionalCount: 0...0,
        options: [
            OptionSpec(names: ["--teacher"], valueName: "MODEL", help: "a teacher stage (.onnx or .pnm); repeat in stage order", repeatable: true),
            OptionSpec(names: ["--teachers"], valueName: "DIR", help: "every .onnx/.pnm in DIR as the stages, in natural name order"),
            OptionSpec(names: ["--images"], valueName: "SRC", help: "a folder, a list file (path[<TAB>label]) or a .rec with its .idx"),
            OptionSpec(names: ["-o", "--output"], valueName: "OUT.h5", help: "the targets file"),
            OptionSpec(names: ["--epochs"], valueName: "E", help: "student epochs, spread evenly over the stages (default: one per stage)"),
            OptionSpec(names: ["--schedule"], valueName: "SPEC", help: "epochs to stages by hand, e.g. 0-6:0,7-12:1 (0-based, inclusive)"),
            OptionSpec(names: ["--no-flip"], valueName: nil, help: "store only the original image's targets, not the mirrored ones"),
            OptionSpec(names: ["--dtype"], valueName: "TYPE", help: "float16 (default) or float32"),
            OptionSpec(names: ["--raw"], valueName: nil, help: "store raw embeddings instead of L2-normalized ones"),
            OptionSpec(names: ["--shard"], valueName: "I/N", help: "compute part I (0-based) of N; join the parts with merge-targets"),
            OptionSpec(names: ["--batch"], valueName: "N", help: "images per engine run (default 32)"),
            OptionSpec(names: ["--block"], valueName: "N", help: "images per resumable block, rounded up to whole batches (default 1024)"),
            OptionSpec(names: ["--threads"], valueName: "N", help: "worker threads (default: all cores; shards and resumed runs must use the same)"),
            OptionSpec(names: ["--resize"], valueName: nil, help: "resize images that are not 112x112 instead of refusing them"),
            OptionSpec(names: ["--skip-bad"], valueName: nil, help: "give undecodable images zero targets and list them instead of stopping"),
            OptionSpec(names: ["--force"], valueName: nil, help: "discard unfinished work left by a run with other arguments"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        guard let images = arguments.value("images") else { throw UsageError(message: "--images SRC is required") }
        guard let output = arguments.value("output") else { throw UsageError(message: "-o OUT.h5 is required") }
        let teacherPaths = try teachers(arguments)
        guard !teacherPaths.isEmpty else { throw UsageError(message: "give the teacher stages with --teacher MODEL ... or --teachers DIR") }
        let dtype = arguments.value("dtype") ?? "float16"
        guard dtype == "float16" || dtype == "float32" else { throw UsageError(message: "--dtype is float16 or float32, not '\(dtype)'") }
        let batchSize = try arguments.integer("batch") ?? 32
        // Blocks hold whole batches, so that every run cuts the same batches.
        let blockRows = ((try arguments.integer("block") ?? 1024) + batchSize - 1) / batchSize * batchSize
        let threads = try arguments.integer("threads") ?? ProcessInfo.processInfo.activeProcessorCount
        guard batchSize >= 1, blockRows >= 1, threads >= 1 else { throw UsageError(message: "--batch, --block and --threads must be at least 1") }
        let shard: ShardSpec?
        do {
            shard = try arguments.value("shard").map { try ShardSpec(parsing: $0) }
        } catch let error as KDError {
            throw UsageError(message: error.message)
        }
        let schedule: StageSchedule
        if let text = arguments.value("schedule") {
            schedule = try StageSchedule.parse(text, stages: teacherPaths.count)
            if let epochs = try arguments.integer("epochs"), epochs != schedule.stageOfEpoch.count {
                throw UsageError(message: "--epochs \(epochs) disagrees with --schedule, which covers \(schedule.stageOfEpoch.count) epochs")
            }
        } else {
            schedule = try StageSchedule.even(epochs: try arguments.integer("epochs") ?? teacherPaths.count, stages: teacherPaths.count)
        }

        // Load and check every teacher before any work.
        var stages: [TeacherStage] = [], stageSettings: [TargetsSettings.Stage] = []
        var shape: (Preprocessing, Int)?
        for path in teacherPaths {
            let (model, summary) = try ModelLoader.load(path)
            let stageShape = try EmbedCommand.faceModelShape(model.graph, summary: summary, path: path, resize: arguments.flag("resize"))
            if let shape, shape.1 != stageShape.1 || shape.0 != stageShape.0 {
                throw FileError(path: path, problem: "its embedding size \(stageShape.1) or input differs from \(teacherPaths[0])'s (\(shape.1)); all stages must be checkpoints of one teacher")
            }
            shape = stageShape
            let engine = try attributing(to: path) { try Engine(graph: model.graph, threads: threads) }
            stages.append(TeacherStage(engine: engine, inputName: summary.inputName, outputName: model.graph.outputs[0].name))
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            guard !stageSettings.contains(where: { $0.name == name }) else {
                throw UsageError(message: "two teachers are named '\(name)'; stage names come from the file names and must differ")
            }
            stageSettings.append(.init(name: name, source: URL(fileURLWithPath: path).lastPathComponent, sha256: try SHA256.hex(ofFileAt: path)))
        }
        guard let (preprocessing, dimension) = shape else { return }
        let source = try openImageSource(images)
        let keys = (0..<source.count).map { source.key(at: $0) }.joined(separator: "\n")
        let settings = TargetsSettings(
            stages: stageSettings, schedule: schedule.stageOfEpoch, images: images, imageCount: source.count,
            keysDigest: SHA256.hex(of: Array(keys.utf8)), flip: !arguments.flag("no-flip"), normalized: !arguments.flag("raw"),
            float16: dtype == "float16", embeddingDim: dimension, preprocessing: preprocessing.summary,
            skipBad: arguments.flag("skip-bad"), shard: shard, batch: batchSize, block: blockRows, threads: threads)
        let job = DistillTargetsJob(
            settings: settings, stages: stages,
            loader: BatchLoader(source: source, preprocessing: preprocessing, threads: threads, skipBad: arguments.flag("skip-bad")),
            output: output, blockRows: blockRows, batchSize: batchSize)
        let progress = Progress(total: settings.rows.count, what: "images")
        let report = try job.run(force: arguments.flag("force")) { done, _ in progress.update(done: done) }
        progress.finish()
        let skipped = report.skipped
        FileHandle.standardError.write(Data(String(format: "pnconv: time: teachers %.2f s, decoding %.2f s, writing %.2f s\n",
                                                   report.teachers, report.decoding, report.writing).utf8))
        for line in skipped { FileHandle.standardError.write(Data("pnconv: skipped \(line)\n".utf8)) }
        print("wrote targets of \(settings.rows.count) images x \(stages.count) stages to \(output)"
              + (skipped.isEmpty ? "" : " (\(skipped.count) images skipped, their targets are zeros)"))
    }

    /// The teacher files: --teacher in order given, or --teachers DIR in natural order.
    static func teachers(_ arguments: ParsedArguments) throws -> [String] {
        let given = arguments.all("teacher")
        guard let directory = arguments.value("teachers") else { return given }
        guard given.isEmpty else { throw UsageError(message: "give either --teacher or --teachers, not both") }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw FileError(path: directory, problem: "cannot be listed (is it a folder?)")
        }
        return names.filter { ["onnx", "pnm"].contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
    }
}

/// `pnconv merge-targets OUT.h5 SHARD.h5...`
enum MergeTargetsCommand {
    static let spec = CommandSpec(
        name: "merge-targets",
        summary: "Join the shard files of one distill-targets job (--shard 0/N to N-1/N) into the file a single\nmachine would have written, after checking that they belong together and are complete.",
        positionals: ["OUT.h5", "SHARD.h5..."], positionalCount: 2...Int.max, options: [])

    static func run(_ arguments: ParsedArguments) throws {
        let output = arguments.positionals[0], shards = Array(arguments.positionals.dropFirst())
        try TargetsMerger.merge(shards, into: output)
        print("merged \(shards.count) shards into \(output)")
    }
}

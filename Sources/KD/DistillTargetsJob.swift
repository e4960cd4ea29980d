import Foundation
import Images
import Runtime
import Support

/// One teacher stage ready to run: its engine and the names of its image input and embedding output.
public struct TeacherStage {
    public let engine: Engine
    public let inputName: String
    public let outputName: String

    public init(engine: Engine, inputName: String, outputName: String) {
        self.engine = engine
        self.inputName = inputName
        self.outputName = outputName
    }
}

/// A distill-targets run: every image (and its mirror) decoded once and run through every
/// teacher stage, block by block, into resumable partial work beside the output; when every
/// block is done, the targets file is written in one pass and the partial work removed.
public struct DistillTargetsJob {
    public let settings: TargetsSettings
    public let stages: [TeacherStage]
    public let loader: BatchLoader
    public let output: String
    /// Images per resumable block.
    public let blockRows: Int
    /// Images per engine run.
    public let batchSize: Int

    public init(settings: TargetsSettings, stages: [TeacherStage], loader: BatchLoader, output: String, blockRows: Int, batchSize: Int) {
        self.settings = settings
        self.stages = stages
        self.loader = loader
        self.output = output
        self.blockRows = blockRows
        self.batchSize = batchSize
    }

    /// Where unfinished work is kept.
    public var partialDirectory: String { output + ".partial" }

    /// What a run did and where its time went (seconds), for the closing summary.
    public struct Report {
        public var skipped: [String] = []
        public var decoding: Double = 0
        public var teachers: Double = 0
        public var writing: Double = 0
    }

    /// Runs (or continues) the job; `progress(done, total)` is called after every block.
    @discardableResult
    public func run(force: Bool, progress: (Int, Int) -> Void) throws -> Report {
        var report = Report()
        func timed<T>(_ slot: WritableKeyPath<Report, Double>, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            defer { report[keyPath: slot] += Date().timeIntervalSince(start) }
            return try body()
        }
        _ = try AtomicOutput(destination: output)
        let partial = try PartialTargets(directory: partialDirectory, settings: settings, blockRows: blockRows, force: force)
        let skippedLog = SkippedLog(path: partialDirectory + "/skipped.txt")
        let first = settings.rows.lowerBound
        var doneRows = (0..<partial.blockCount).filter { partial.done[$0] }.reduce(0) { $0 + partial.rows(ofBlock: $1).count }
        progress(doneRows, partial.rowCount)
        for block in 0..<partial.blockCount where !partial.done[block] {
            let rows = partial.rows(ofBlock: block)
            var start = rows.lowerBound
            while start < rows.upperBound {
                let part = start..<min(rows.upperBound, start + batchSize)
                let images = (first + part.lowerBound)..<(first + part.upperBound)
                let batch = try timed(\.decoding) { try loader.loadViews(images, views: settings.flip ? [false, true] : [false]) }
                try skippedLog.append(batch.failures)
                let failed = Set(batch.failures.map { $0.index - images.lowerBound })
                let input = HostTensor(shape: [settings.views * images.count, 3, loader.preprocessing.height, loader.preprocessing.width],
                                       values: batch.values)
                for (index, stage) in stages.enumerated() {
                    let embeddings = try timed(\.teachers) { try stage.engine.runImages(input, input: stage.inputName, output: stage.outputName) }
                    try timed(\.writing) {
                        let bytes = arrange(embeddings, images: images.count, failed: failed)
                        try bytes.withUnsafeBytes { try partial.write(stage: index, rows: part, $0) }
                    }
                }
                start = part.upperBound
            }
            try timed(\.writing) { try partial.markDone(block) }
            doneRows += rows.count
            progress(doneRows, partial.rowCount)
        }
        let keys = settings.rows.map { loader.source.key(at: $0) }
        let labels = settings.rows.map { loader.source.label(at: $0) }
        let skipped = try skippedLog.read()
        try timed(\.writing) {
            try AtomicOutput.write(to: output) { temporary in
                try TargetsFile.write(to: temporary, settings: settings, keys: keys, labels: labels, skipped: skipped) { stage, range in
                    try partial.read(stage: stage, rows: range)
                }
            }
        }
        partial.remove()
        report.skipped = skipped
        return report
    }

    /// Engine output [views * n, D] (view-major) as rows [n, views, D] in the stored type,
    /// L2-normalized unless raw; failed images' rows are zeros.
    private func arrange(_ embeddings: [Float], images: Int, failed: Set<Int>) -> [UInt8] {
        let dimension = settings.embeddingDim, views = settings.views
        var values = [Float](repeating: 0, count: images * views * dimension)
        for image in 0..<images where !failed.contains(image) {
            for view in 0..<views {
                let source = (view * images + image) * dimension, destination = (image * views + view) * dimension
                var scale: Float = 1
                if settings.normalized {
                    var sum: Float = 0
                    for i in 0..<dimension { sum += embeddings[source + i] * embeddings[source + i] }
                    scale = sum > 0 ? 1 / sum.squareRoot() : 0
                }
                for i in 0..<dimension { values[destination + i] = embeddings[source + i] * scale }
            }
        }
        if settings.float16 {
            return values.map { Float16($0) }.withUnsafeBytes { Array($0) }
        }
        return values.withUnsafeBytes { Array($0) }
    }
}

/// Skipped images of a partial run, appended per block before it counts as done; read back
/// sorted and without the repeats a re-done block leaves.
struct SkippedLog {
    let path: String

    func append(_ failures: [(index: Int, message: String)]) throws {
        guard !failures.isEmpty else { return }
        let text = failures.map { "\($0.index)\t\($0.message.replacingOccurrences(of: "\n", with: " "))\n" }.joined()
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw FileError(path: path, problem: "cannot be written") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
    }

    func read() throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var byIndex: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2, let index = Int(parts[0]) { byIndex[index] = String(parts[1]) }
        }
        return byIndex.keys.sorted().compactMap { byIndex[$0] }
    }
}

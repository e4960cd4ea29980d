import Foundation
import Support

/// `pnconv merge-targets`: shard files of one job (same settings but the shard, parts 0 to N-1
/// each present once) joined into the file a single machine would have written.
public enum TargetsMerger {
    public static func merge(_ shardPaths: [String], into output: String) throws {
        let readers = try shardPaths.map { try TargetsFile.Reader(path: $0) }
        let settings = try readers.map { try shardSettings($0) }
        guard let first = settings.first, let count = first.shard?.count else { throw KDError("no shard files given") }
        var byIndex: [Int: Int] = [:]
        for (position, setting) in settings.enumerated() {
            guard let shard = setting.shard else {
                throw KDError("\(shardPaths[position]): is not a shard (it has no 'shard' attribute)")
            }
            guard shard.count == count else {
                throw KDError("\(shardPaths[position]): is shard \(shard.description), the others are of \(count)")
            }
            var unsharded = setting, reference = first
            unsharded.shard = nil
            reference.shard = nil
            guard unsharded == reference else {
                throw KDError("\(shardPaths[position]): does not belong with \(shardPaths[0]) (\(setting.differences(from: first).joined(separator: ", ")) differ)")
            }
            guard byIndex.updateValue(position, forKey: shard.index) == nil else {
                throw KDError("\(shardPaths[position]): shard \(shard.description) is given twice")
            }
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw KDError("shards \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) are missing")
        }
        let ordered = (0..<count).compactMap { byIndex[$0] }.map { readers[$0] }
        var merged = first
        merged.shard = nil
        let shardKeys = try ordered.map { try $0.keys() }
        let keys = shardKeys.flatMap { $0 }
        guard keys.count == first.imageCount else {
            throw KDError("the shards hold \(keys.count) images, the job has \(first.imageCount)")
        }
        let labels = try ordered.flatMap { try $0.labels() }
        let skipped = try ordered.flatMap { try $0.skipped() }
        // Where each shard's rows begin in the merged file.
        let starts = shardKeys.reduce(into: [0]) { starts, shard in starts.append(starts[starts.count - 1] + shard.count) }
        try AtomicOutput.write(to: output) { temporary in
            // Rows are copied range by range, so memory stays small however many images the job has.
            try TargetsFile.write(to: temporary, settings: merged, keys: keys, labels: labels, skipped: skipped) { stage, range in
                var bytes: [UInt8] = []
                for (index, reader) in ordered.enumerated() {
                    let lower = max(range.lowerBound, starts[index]), upper = min(range.upperBound, starts[index + 1])
                    if lower < upper {
                        bytes += try reader.stageBytes(merged.stages[stage].name, rows: (lower - starts[index])..<(upper - starts[index]))
                    }
                }
                return bytes
            }
        }
    }

    /// The settings a shard file was written with, read back from its attributes and datasets.
    static func shardSettings(_ reader: TargetsFile.Reader) throws -> TargetsSettings {
        let root = reader.root
        let stageGroup = try root.group("stages")
        var stages: [(Int64, TargetsSettings.Stage)] = []
        for name in try stageGroup.memberNames() {
            let group = try stageGroup.group(name)
            stages.append((try group.intAttribute("index"),
                           .init(name: name, source: try group.stringAttribute("source"), sha256: try group.stringAttribute("sha256"))))
        }
        let schedule = try root.dataset("schedule").readBytes().withUnsafeBytes { Array($0.bindMemory(to: Int32.self)).map { Int($0) } }
        let first = try stageGroup.group(stages.first?.1.name ?? "").dataset("embeddings")
        let shape = try first.shape()
        let shard = try root.hasAttribute("shard") ? ShardSpec(parsing: try root.stringAttribute("shard")) : nil
        let total = shard != nil ? Int(try root.intAttribute("total_images")) : shape.first ?? 0
        let cut = try root.intsAttribute("computed_with").map { Int($0) }
        guard cut.count == 3 else { throw KDError("\(reader.path): its computed_with attribute is damaged") }
        return TargetsSettings(
            stages: stages.sorted { $0.0 < $1.0 }.map(\.1), schedule: schedule, images: try root.stringAttribute("images"),
            imageCount: total, keysDigest: "", flip: try root.intAttribute("flip") == 1,
            normalized: try root.intAttribute("normalized") == 1, float16: first.dtype == .float16,
            embeddingDim: Int(try root.intAttribute("embedding_dim")), preprocessing: try root.stringAttribute("preprocessing"),
            skipBad: false, shard: shard, batch: cut[0], block: cut[1], threads: cut[2])
    }
}

import Foundation
import HDF5
import Support

/// The targets file (HDF5, format_version 1; layout in DESIGN.md and the README):
/// `/keys`, `/labels`, `/stages/<name>/embeddings` [N, views, D], `/schedule`, and root
/// attributes. Files are written in one deterministic pass, so a resumed run and a merge of
/// shards give the same bytes as an uninterrupted single run.
public enum TargetsFile {
    public static let format = "pnconv-targets"
    public static let formatVersion: Int64 = 1
    /// Rows per chunk: about one training batch.
    static let chunkRows = 256

    /// Writes the file for `settings` (of all images, or of one shard) to `path` (a temporary
    /// name: the caller renames it); `rows(stage, range)` gives the targets of each row range.
    static func write(to path: String, settings: TargetsSettings, keys: [String], labels: [Int64], skipped: [String],
                      rows: (Int, Range<Int>) throws -> [UInt8]) throws {
        let file = try HDF5File.create(path)
        let root = try file.root()
        var attributes: [(String, HDF5AttributeValue)] = [
            ("format", .string(format)), ("format_version", .int(formatVersion)),
            ("embedding_dim", .int(Int64(settings.embeddingDim))), ("flip", .int(settings.flip ? 1 : 0)),
            ("normalized", .int(settings.normalized ? 1 : 0)), ("preprocessing", .string(settings.preprocessing)),
            ("images", .string(settings.images)), ("created_by", .string(Version.createdBy)),
            ("computed_with", .ints([Int64(settings.batch), Int64(settings.block), Int64(settings.threads)])),
        ]
        if let shard = settings.shard {
            attributes += [("shard", .string(shard.description)), ("total_images", .int(Int64(settings.imageCount)))]
        }
        if !skipped.isEmpty { attributes.append(("skipped", .string(skipped.joined(separator: "\n")))) }
        for (key, value) in attributes { try root.setAttribute(key, value) }

        try root.writeStrings("keys", keys)
        _ = try labels.withUnsafeBytes { try root.writeDataset("labels", dtype: .int64, shape: [labels.count], bytes: $0) }
        let schedule = settings.schedule.map { Int32($0) }
        _ = try schedule.withUnsafeBytes { try root.writeDataset("schedule", dtype: .int32, shape: [schedule.count], bytes: $0) }
        let stages = try root.createGroup("stages")
        let count = keys.count
        for (index, stage) in settings.stages.enumerated() {
            let group = try stages.createGroup(stage.name)
            try group.setAttribute("index", .int(Int64(index)))
            try group.setAttribute("source", .string(stage.source))
            try group.setAttribute("sha256", .string(stage.sha256))
            let shape = [count, settings.views, settings.embeddingDim]
            let dataset = try group.createDataset("embeddings", dtype: settings.float16 ? .float16 : .float32, shape: shape,
                                                  chunks: [max(1, min(count, chunkRows)), settings.views, settings.embeddingDim])
            var start = 0
            while start < count {
                let range = start..<min(count, start + 16 * chunkRows)
                let bytes = try rows(index, range)
                try bytes.withUnsafeBytes { try dataset.write(rows: range, $0) }
                start = range.upperBound
            }
        }
        try file.flush()
    }

    /// A finished targets file opened for reading (merging shards).
    struct Reader {
        let path: String
        let root: HDF5Group
        let file: HDF5File

        init(path: String) throws {
            file = try HDF5File.open(path)
            root = try file.root()
            guard (try? root.stringAttribute("format")) == TargetsFile.format,
                  (try? root.intAttribute("format_version")) == TargetsFile.formatVersion else {
                throw KDError("\(path): is not a pnconv targets file of format_version \(TargetsFile.formatVersion)")
            }
            self.path = path
        }

        func keys() throws -> [String] { try root.dataset("keys").readStrings() }

        func labels() throws -> [Int64] {
            try root.dataset("labels").readBytes().withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
        }

        func skipped() throws -> [String] {
            guard case .string(let text)? = try root.attribute("skipped") else { return [] }
            return text.split(separator: "\n").map(String.init)
        }

        /// Rows `rows` of stage `name`'s targets, as stored.
        func stageBytes(_ name: String, rows: Range<Int>) throws -> [UInt8] {
            try root.group("stages").group(name).dataset("embeddings").readBytes(rows: rows)
        }
    }
}

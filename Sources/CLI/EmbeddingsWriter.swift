import HDF5
import Support

/// The embeddings file of `pnconv embed` (HDF5): `/embeddings` float32 [N, D] (raw, not
/// normalized), `/keys` string [N], `/labels` int64 [N]; root attributes `format`
/// ("pnconv-embeddings"), `format_version` (1), `model`, `model_sha256`, `embedding_dim`,
/// `preprocessing`, `created_by`, and `skipped` (one line per skipped image) when any were.
final class EmbeddingsWriter {
    private let file: HDF5File
    private let root: HDF5Group
    private let embeddings: HDF5Dataset
    private let dimension: Int
    private(set) var rows = 0

    /// Creates the file at `path` (a temporary name: the caller renames it when complete) for
    /// at most `capacity` embeddings of `dimension` floats.
    init(path: String, capacity: Int, dimension: Int, attributes: [(String, HDF5AttributeValue)]) throws {
        file = try HDF5File.create(path)
        root = try file.root()
        self.dimension = dimension
        try root.setAttribute("format", .string("pnconv-embeddings"))
        try root.setAttribute("format_version", .int(1))
        try root.setAttribute("embedding_dim", .int(Int64(dimension)))
        try root.setAttribute("created_by", .string(Version.createdBy))
        for (key, value) in attributes { try root.setAttribute(key, value) }
        embeddings = try root.createDataset("embeddings", dtype: .float32, shape: [capacity, dimension],
                                            chunks: [max(1, min(capacity, 1024)), dimension], maxShape: [nil, dimension])
    }

    /// Appends `values` (whole rows of `dimension` floats).
    func append(_ values: [Float]) throws {
        let count = values.count / dimension
        try values.withUnsafeBytes { try embeddings.write(rows: rows..<(rows + count), $0) }
        rows += count
    }

    /// Trims the embeddings to the rows written and adds keys, labels and the skipped list.
    func finish(keys: [String], labels: [Int64], skipped: [String]) throws {
        try embeddings.setShape([rows, dimension])
        try root.writeStrings("keys", keys)
        try labels.withUnsafeBytes { _ = try root.writeDataset("labels", dtype: .int64, shape: [labels.count], bytes: $0) }
        if !skipped.isEmpty {
            try root.setAttribute("skipped", .string(skipped.joined(separator: "\n")))
        }
        try file.flush()
    }
}

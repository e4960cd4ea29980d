import Foundation
import Support

/// Images in an MXNet RecordIO file (`.rec` with its `.idx` beside it), as insightface stores
/// training sets: each record is an `IRHeader` followed by the encoded image.
///
/// Opening reads the `.idx` and every record's header (through a read-only memory map), so
/// labels are known up front and structural damage is reported at once. Records that hold
/// labels but no image (insightface's header record 0 and identity-range records) are not
/// listed. Keys are the record indices in increasing order.
public struct RecordIOSource: ImageSource, @unchecked Sendable {
    // @unchecked: all stored properties are immutable after init; `file` is a read-only
    // mapping that loads only read from, so concurrent loads are safe.

    /// The `.rec` file.
    public let path: String
    /// The `.idx` file beside it.
    public let indexPath: String
    /// The number of records skipped because they hold no image.
    public let skippedRecords: Int
    private let file: MappedFile
    private let indices: [Int64]
    private let offsets: [Int]
    private let labels: [Int64]

    /// Opens `path` and the `.idx` file of the same name beside it.
    public init(path: String) throws {
        self.path = path
        indexPath = RecordIOSource.indexPath(for: path)
        var info = stat()
        guard stat(indexPath, &info) == 0 else {
            throw ImageError(origin: path,
                             problem: "its index \(indexPath) is missing (a .rec needs its .idx beside it)")
        }
        let index = try RecordIOIndex(path: indexPath)
        file = try MappedFile(path: path)
        let reader = RecordIOFile(bytes: file.bytes, path: path)

        var indices: [Int64] = [], offsets: [Int] = [], labels: [Int64] = []
        indices.reserveCapacity(index.entries.count)
        offsets.reserveCapacity(index.entries.count)
        labels.reserveCapacity(index.entries.count)
        for entry in index.entries {
            let origin = reader.origin(record: entry.index)
            let label: Int64? = try reader.withRecord(at: entry.offset, record: entry.index) { record in
                let header = try IRHeader(record: record, origin: origin)
                if header.holdsNoImage(recordSize: record.count) { return nil }
                return try header.integerLabel(origin: origin)
            }
            guard let label else { continue }
            indices.append(entry.index)
            offsets.append(entry.offset)
            labels.append(label)
        }
        guard !indices.isEmpty else {
            throw ImageError(origin: path, problem: "holds no image records (\(index.entries.count) records in \(indexPath))")
        }
        skippedRecords = index.entries.count - indices.count
        self.indices = indices
        self.offsets = offsets
        self.labels = labels
    }

    /// The `.idx` path for a `.rec` path: the same name with `.idx` in place of `.rec`.
    public static func indexPath(for recordPath: String) -> String {
        recordPath.lowercased().hasSuffix(".rec") ? String(recordPath.dropLast(4)) + ".idx" : recordPath + ".idx"
    }

    public var count: Int { indices.count }

    /// The record index in the `.idx`, in decimal.
    public func key(at index: Int) -> String { String(indices[index]) }

    /// The record index in the `.idx` of image `index`.
    public func recordIndex(at index: Int) -> Int64 { indices[index] }

    public func label(at index: Int) -> Int64 { labels[index] }

    public func origin(at index: Int) -> String { "\(path) record \(indices[index])" }

    /// The encoded image bytes of image `index` (the record after its IRHeader and labels).
    public func imageBytes(at index: Int) throws -> [UInt8] {
        try withImageBytes(at: index) { [UInt8]($0) }
    }

    public func load(at index: Int) throws -> DecodedImage {
        let origin = origin(at: index)
        return try withImageBytes(at: index) { try ImageDecoder.decode($0, origin: origin) }
    }

    private func withImageBytes<Result>(at index: Int,
                                        _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let reader = RecordIOFile(bytes: file.bytes, path: path)
        let origin = origin(at: index)
        return try reader.withRecord(at: offsets[index], record: indices[index]) { record in
            let header = try IRHeader(record: record, origin: origin)
            return try body(UnsafeRawBufferPointer(rebasing: record[header.imageOffset...]))
        }
    }

    public var description: String {
        "RecordIO \(path) (\(count) \(count == 1 ? "image" : "images"))"
    }
}

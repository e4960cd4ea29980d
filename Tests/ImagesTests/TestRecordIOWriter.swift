/// An MXNet RecordIO writer for tests, written from the format facts: chunks of magic
/// 0xced7230a, lrecord (flag << 29 | length), data padded to 4 bytes; a record whose data holds
/// the magic at a 4-byte aligned position is split there into chunks flagged 1, 2, ..., 3, and
/// the magic itself is not stored.
struct TestRecordIOWriter {
    static let magic: [UInt8] = [0x0A, 0x23, 0xD7, 0xCE]

    private(set) var rec: [UInt8] = []
    private(set) var idxLines: [String] = []

    var idx: String { idxLines.joined(separator: "\n") + "\n" }

    /// Appends a record with `payload` (IRHeader included) under `index`; returns the number of
    /// chunks written.
    @discardableResult
    mutating func add(index: Int, payload: [UInt8]) -> Int {
        idxLines.append("\(index)\t\(rec.count)")
        var splits: [Int] = []
        var i = 0
        while i + 4 <= (payload.count / 4) * 4 {
            if Array(payload[i..<(i + 4)]) == Self.magic { splits.append(i) }
            i += 4
        }
        if splits.isEmpty {
            writeChunk(flag: 0, payload[...])
            return 1
        }
        var start = 0
        for (n, split) in splits.enumerated() {
            writeChunk(flag: n == 0 ? 1 : 2, payload[start..<split])
            start = split + 4
        }
        writeChunk(flag: 3, payload[start...])
        return splits.count + 1
    }

    private mutating func writeChunk(flag: UInt32, _ data: ArraySlice<UInt8>) {
        rec += Self.magic
        rec += Self.littleEndian(flag << 29 | UInt32(data.count))
        rec += data
        while rec.count % 4 != 0 { rec.append(0) }
    }

    /// An IRHeader ('IfQQ') with `labels` after it when there are any, then `image`.
    static func payload(label: Float, labels: [Float] = [], id: UInt64 = 0, id2: UInt64 = 0,
                        image: [UInt8]) -> [UInt8] {
        var out = littleEndian(UInt32(labels.count)) + littleEndian(label.bitPattern)
        out += littleEndian64(id) + littleEndian64(id2)
        for value in labels { out += littleEndian(value.bitPattern) }
        return out + image
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8((value >> (8 * UInt32($0))) & 0xFF) }
    }

    static func littleEndian64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
    }
}

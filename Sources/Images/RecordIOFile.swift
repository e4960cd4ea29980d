/// Record access in MXNet RecordIO bytes (a mapped `.rec` file).
///
/// Layout: each chunk is the magic 0xced7230a (uint32 LE), a uint32 LE `lrecord` whose upper
/// 3 bits are the chunk flag and lower 29 bits the data length, then the data, padded with
/// zeros to a multiple of 4. Flag 0 is a whole record; 1, 2 and 3 are the first, middle and
/// last chunks of a record the writer split where its data held the magic number (at 4-byte
/// aligned positions); the magic was dropped there and is put back when the parts are joined.
struct RecordIOFile {
    static let magic: UInt32 = 0xced7_230a
    static let lengthMask: UInt32 = (1 << 29) - 1

    /// The whole file.
    let bytes: UnsafeRawBufferPointer
    /// The `.rec` path, for error messages.
    let path: String

    /// How errors name a record: `FILE.rec record N`.
    func origin(record: Int64) -> String {
        "\(path) record \(record)"
    }

    /// Calls `body` with the payload of the record whose first chunk is at `offset`: a view
    /// into the file for whole records, a joined copy for split ones.
    func withRecord<Result>(at offset: Int, record: Int64,
                            _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let head = try chunk(at: offset, record: record, first: true)
        switch head.flag {
        case 0:
            return try body(UnsafeRawBufferPointer(rebasing: bytes[head.data]))
        case 1:
            return try joinParts(from: head, record: record).withUnsafeBytes(body)
        case 2, 3:
            throw ImageError(origin: origin(record: record),
                             problem: "offset \(offset) points into the middle of a split record (chunk flag \(head.flag)), not at its start")
        default:
            throw ImageError(origin: origin(record: record),
                             problem: "unknown chunk flag \(head.flag) at offset \(offset)")
        }
    }

    private struct Chunk {
        let flag: UInt32
        let data: Range<Int>
        /// Where the next chunk starts, after the padding.
        let next: Int
    }

    private func joinParts(from head: Chunk, record: Int64) throws -> [UInt8] {
        var joined = [UInt8](bytes[head.data])
        var position = head.next
        while true {
            let part = try chunk(at: position, record: record, first: false)
            guard part.flag == 2 || part.flag == 3 else {
                throw ImageError(origin: origin(record: record),
                                 problem: "split record is cut short: the chunk at offset \(position) has flag \(part.flag), expected 2 or 3")
            }
            withUnsafeBytes(of: Self.magic.littleEndian) { joined.append(contentsOf: $0) }
            joined.append(contentsOf: bytes[part.data])
            if part.flag == 3 { return joined }
            position = part.next
        }
    }

    private func chunk(at offset: Int, record: Int64, first: Bool) throws -> Chunk {
        let origin = origin(record: record)
        guard offset >= 0, offset <= bytes.count - 8 else {
            let problem = first
                ? "offset \(offset) from the .idx is past the end of the file (\(bytes.count) bytes)"
                : "record runs past the end of the file (its next chunk, at offset \(offset), is missing)"
            throw ImageError(origin: origin, problem: problem)
        }
        let magic = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        guard magic == Self.magic else {
            throw ImageError(origin: origin,
                             problem: "bad magic 0x\(String(magic, radix: 16).leftPadded(to: 8)) at offset \(offset) (expected 0xced7230a; is the .idx from another .rec?)")
        }
        let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
        let length = Int(word & Self.lengthMask)
        let start = offset + 8
        guard length <= bytes.count - start else {
            throw ImageError(origin: origin,
                             problem: "record runs past the end of the file (\(length) bytes at offset \(start), the file has \(bytes.count))")
        }
        return Chunk(flag: word >> 29, data: start..<(start + length), next: start + (length + 3) & ~3)
    }
}

/// The header insightface and MXNet put at the start of every RecordIO image record:
/// struct format `'IfQQ'`, little-endian (uint32 flag, float32 label, uint64 id, uint64 id2;
/// 24 bytes). When `flag > 0`, `flag` float32 labels follow, and the label is the first of them.
/// The encoded image is the rest of the record.
struct IRHeader: Equatable {
    static let size = 24

    let flag: UInt32
    /// The record's label: the header's label field, or the first extra label when `flag > 0`.
    let label: Float
    let id: UInt64
    let id2: UInt64
    /// Where the image bytes start in the record: after the header and its extra labels.
    let imageOffset: Int

    /// Parses the header at the start of `record`; `origin` names the record in errors.
    init(record: UnsafeRawBufferPointer, origin: String) throws {
        guard record.count >= IRHeader.size else {
            throw ImageError(origin: origin,
                             problem: "record is \(record.count) bytes, shorter than its \(IRHeader.size)-byte IRHeader")
        }
        flag = UInt32(littleEndian: record.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let headerLabel = Float(bitPattern: UInt32(littleEndian: record.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        id = UInt64(littleEndian: record.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        id2 = UInt64(littleEndian: record.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        imageOffset = IRHeader.size + 4 * Int(flag)
        guard imageOffset <= record.count else {
            throw ImageError(origin: origin,
                             problem: "IRHeader announces \(flag) labels, but the record has only \(record.count) bytes")
        }
        if flag > 0 {
            label = Float(bitPattern: UInt32(littleEndian: record.loadUnaligned(fromByteOffset: IRHeader.size, as: UInt32.self)))
        } else {
            label = headerLabel
        }
    }

    /// Whether the record carries labels but no image, like the header record (index 0) and the
    /// identity-range records of insightface's train.rec.
    func holdsNoImage(recordSize: Int) -> Bool {
        flag > 0 && imageOffset == recordSize
    }

    /// The label as an integer (truncated toward zero, as Python's `int()`); an error for
    /// NaN, infinities and values outside Int64.
    func integerLabel(origin: String) throws -> Int64 {
        guard label.isFinite, label >= -0x1p63, label < 0x1p63 else {
            throw ImageError(origin: origin, problem: "label \(label) is not a usable integer")
        }
        return Int64(label.rounded(.towardZero))
    }
}

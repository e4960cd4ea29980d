import Foundation
import Support

/// Writes numpy's .npz: a zip archive (stored, not compressed) of one .npy file per array.
public enum NPZWriter {
    /// Writes `arrays` (name, .npy bytes) to `path` atomically.
    public static func write(_ arrays: [(name: String, npy: [UInt8])], to path: String) throws {
        var archive: [UInt8] = []
        var directory: [UInt8] = []
        for (name, npy) in arrays {
            let fileName = Array("\(name).npy".utf8)
            let crc = CRC32.checksum(npy)
            let offset = archive.count
            guard npy.count < Int(UInt32.max), offset < Int(UInt32.max) else {
                throw FileError(path: path, problem: "array \(name) is too large for a zip without zip64")
            }
            // Local file header: version 2.0, no flags, stored, no time, CRC, sizes, name.
            archive += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
                + le32(crc) + le32(UInt32(npy.count)) + le32(UInt32(npy.count)) + le16(UInt16(fileName.count)) + le16(0)
                + fileName + npy
            directory += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
                + le32(crc) + le32(UInt32(npy.count)) + le32(UInt32(npy.count)) + le16(UInt16(fileName.count))
                + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(UInt32(offset)) + fileName
        }
        let directoryOffset = archive.count
        archive += directory
        archive += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(arrays.count)) + le16(UInt16(arrays.count))
            + le32(UInt32(directory.count)) + le32(UInt32(directoryOffset)) + le16(0)
        try AtomicOutput.write(archive, to: path)
    }

    private static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
}

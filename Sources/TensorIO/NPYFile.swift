import Foundation
import IR
import Support

/// numpy's .npy format (version 1 to 3): a magic string, a header dict, then the array's
/// bytes in C order. pnconv reads little-endian numbers and bool, and writes the same.
public enum NPYFile {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    private static let descriptors: [(String, DType)] = [
        ("<f4", .float32), ("<f2", .float16), ("<f8", .float64), ("|i1", .int8), ("|u1", .uint8), ("<i2", .int16),
        ("<u2", .uint16), ("<i4", .int32), ("<u4", .uint32), ("<i8", .int64), ("<u8", .uint64), ("|b1", .bool),
    ]

    /// Reads a .npy file's array.
    public static func read(path: String) throws -> Tensor {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileError(path: path, problem: "cannot read: \(error.localizedDescription)")
        }
        return try decode([UInt8](data), path: path)
    }

    /// Decodes the bytes of a .npy file; `path` names it in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Tensor {
        func fail(_ problem: String) -> FileError { FileError(path: path, problem: problem) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("is not a .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("is truncated") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default: throw fail(".npy version \(major) is not supported")
        }
        guard bytes.count >= headerStart + headerLength else { throw fail("is truncated in its header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }),
              let dtype = descriptors.first(where: { $0.0 == descr || ($0.0.hasPrefix("|") && "<" + $0.0.dropFirst() == descr) })?.1 else {
            throw fail("has an element type pnconv does not read (header: \(header.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        guard field("fortran_order", in: header) == "False" else { throw fail("is in Fortran order; save it in C order") }
        guard let shapeText = shapeField(in: header) else { throw fail("has no readable shape in its header") }
        let shape = try shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { part -> Int in
            guard let value = Int(part), value >= 0 else { throw fail("has a bad shape (\(shapeText))") }
            return value
        }
        let start = headerStart + headerLength
        let expected = shape.reduce(1, *) * dtype.byteSize
        guard bytes.count - start == expected else {
            throw fail("holds \(bytes.count - start) bytes of data, its shape \(shape) of \(dtype) needs \(expected)")
        }
        return try Tensor(dtype: dtype, shape: shape, bytes: Array(bytes[start...]))
    }

    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
    }

    private static func shapeField(in header: String) -> String? {
        guard let range = header.range(of: "'shape':"), let open = header[range.upperBound...].firstIndex(of: "("),
              let close = header[open...].firstIndex(of: ")") else { return nil }
        return String(header[header.index(after: open)..<close])
    }

    /// The bytes of a version 1 .npy file holding `tensor`.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let descr = descriptors.first { $0.1 == tensor.dtype }?.0 ?? "<f4"
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(\(tensor.shape.map(String.init).joined(separator: ", ")))"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + tensor.bytes
    }
}

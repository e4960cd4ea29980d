import Foundation
import IR
import Support
import TensorIO
import XCTest

final class NPYTests: XCTestCase {
    func testEncodeDecodeRoundTripForEveryShape() throws {
        for shape in [[], [0], [3], [2, 3], [1, 2, 3, 4]] {
            let tensor = Tensor(floats: (0..<shape.reduce(1, *)).map { Float($0) * 0.5 - 1 }, shape: shape)
            let encoded = NPYFile.encode(tensor)
            XCTAssertEqual((encoded.count - tensor.byteCount) % 64, 0, "header is padded to 64 bytes")
            XCTAssertEqual(try NPYFile.decode(encoded, path: "t.npy"), tensor)
        }
        let ints = Tensor(int64s: [-1, 5, Int64.max], shape: [3, 1])
        XCTAssertEqual(try NPYFile.decode(NPYFile.encode(ints), path: "i.npy"), ints)
    }

    func testBadFilesAreNamedErrors() {
        let good = NPYFile.encode(Tensor(floats: [1, 2], shape: [2]))
        let cases: [([UInt8], String)] = [
            (Array("hello world".utf8), "bad magic"),
            (Array(good.dropLast(3)), "holds 5 bytes"),
            (replacing("'fortran_order': False", with: "'fortran_order': True ", in: good), "Fortran"),
        ]
        for (bytes, expected) in cases {
            XCTAssertThrowsError(try NPYFile.decode(bytes, path: "x.npy")) { error in
                XCTAssertTrue("\(error)".hasPrefix("x.npy: "), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    private func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
        let target = Array(old.utf8)
        guard let start = (0...(bytes.count - target.count)).first(where: { Array(bytes[$0..<($0 + target.count)]) == target }) else {
            return bytes
        }
        return Array(bytes[..<start]) + Array(new.utf8) + Array(bytes[(start + target.count)...])
    }

    func testNPZArchiveHasValidChecksumsAndLayout() throws {
        let path = NSTemporaryDirectory() + "pnconv-\(UUID().uuidString).npz"
        defer { unlink(path) }
        let a = NPYFile.encode(Tensor(floats: [1, 2, 3]))
        try NPZWriter.write([("a", a), ("out/b", NPYFile.encode(Tensor(int64s: [7])))], to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<4]), [0x50, 0x4B, 0x03, 0x04])
        let crc = bytes[14..<18].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        XCTAssertEqual(crc, CRC32.checksum(a))
        XCTAssertEqual(Array(bytes.suffix(22).prefix(4)), [0x50, 0x4B, 0x05, 0x06])
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }
}

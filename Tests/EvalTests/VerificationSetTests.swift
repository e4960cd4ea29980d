@testable import Eval
import Foundation
import XCTest

final class VerificationSetTests: XCTestCase {
    static let lfw = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/lfw-10pairs.bin").path

    func testReadsTheLFWFixture() throws {
        let set = try VerificationSet.read(path: Self.lfw)
        XCTAssertEqual(set.images.count, 20)
        XCTAssertEqual(set.isSame, Array(repeating: true, count: 10))
        for image in set.images { XCTAssertEqual(Array(image.prefix(3)), [0xFF, 0xD8, 0xFF]) }
    }

    func testProtocol2PythonTwoStrings() throws {
        var p = PickleBuilder(protocol: 2)
        p.op(0x5D); p.ops([0x71, 0]); p.op(0x28); p.shortString([1, 2]); p.shortString([3]); p.shortString([4]); p.shortString([5, 6]); p.op(0x65)
        p.op(0x5D); p.op(0x28); p.op(0x88); p.op(0x89); p.op(0x65); p.op(0x86); p.op(0x2E)
        let set = try VerificationSet.parse(p.bytes, path: "p2.bin")
        XCTAssertEqual(set.images, [[1, 2], [3], [4], [5, 6]])
        XCTAssertEqual(set.isSame, [true, false])
    }

    func testProtocol2CodecsBytes() throws {
        var p = PickleBuilder(protocol: 2)
        p.op(0x5D); p.op(0x28)
        for text in ["\u{FF}\u{D8}a", "b"] { p.global("_codecs", "encode"); p.unicode(text); p.unicode("latin1"); p.ops([0x86, 0x52]) }
        p.op(0x65); p.op(0x5D); p.op(0x88); p.op(0x61); p.op(0x86); p.op(0x2E)
        let set = try VerificationSet.parse(p.bytes, path: "p2.bin")
        XCTAssertEqual(set.images, [[0xFF, 0xD8, 0x61], [0x62]])
    }

    func testProtocol4NumpyArraysAndBoolArray() throws {
        var p = PickleBuilder(protocol: 4)
        p.ops([0x95] + Array(repeating: 0, count: 8)); p.op(0x5D); p.op(0x94); p.op(0x28)
        p.reconstructedArray([9, 8, 7], dtype: "u1"); p.reconstructedArray([6], dtype: "u1"); p.op(0x65)
        p.reconstructedArray([1], dtype: "b1"); p.op(0x86); p.op(0x2E)
        let set = try VerificationSet.parse(p.bytes, path: "p4.bin")
        XCTAssertEqual(set.images, [[9, 8, 7], [6]])
        XCTAssertEqual(set.isSame, [true])
    }

    func testProtocol5FrombufferAndMemo() throws {
        var p = PickleBuilder(protocol: 5)
        p.op(0x5D); p.op(0x94); p.op(0x28)
        // The array is memo 3 (after the list and the two globals): BINGET repeats it.
        p.frombufferArray([1, 2], dtype: "u1"); p.op(0x94); p.ops([0x68, 3]); p.shortBytes([7]); p.shortBytes([8])
        p.op(0x65); p.frombufferArray([0, 1], dtype: "b1"); p.op(0x86); p.op(0x2E)
        let set = try VerificationSet.parse(p.bytes, path: "p5.bin")
        XCTAssertEqual(set.images, [[1, 2], [1, 2], [7], [8]])
        XCTAssertEqual(set.isSame, [false, true])
    }

    func testRefusesForeignGlobalsAndStructures() {
        var evil = PickleBuilder(protocol: 2)
        evil.global("os", "system"); evil.unicode("true"); evil.ops([0x85, 0x52, 0x2E])
        XCTAssertThrowsError(try VerificationSet.parse(evil.bytes, path: "e.bin")) { error in
            XCTAssertTrue("\(error)".hasPrefix("e.bin: "), "\(error)")
            XCTAssertTrue("\(error)".contains("os.system"), "\(error)")
        }
        XCTAssertThrowsError(try VerificationSet.parse([0x80, 0x02, 0x7D, 0x2E], path: "d.bin")) { error in
            XCTAssertTrue("\(error)".contains("opcode 0x7d"), "\(error)")
        }
        XCTAssertThrowsError(try VerificationSet.parse([0x80, 0x02, 0x5D, 0x43, 0x09, 1], path: "t.bin")) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try VerificationSet.parse([1, 2, 3], path: "x.bin"))
    }

    func testTruncatedFixture() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.lfw)))
        for length in [1, 2, 40, 100, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try VerificationSet.parse(Array(bytes.prefix(length)), path: "t.bin"), "length \(length)")
        }
    }

    func testCountsAreChecked() {
        XCTAssertThrowsError(try VerificationSet(path: "o.bin", images: [[1], [2], [3]], isSame: [true])) { error in
            XCTAssertTrue("\(error)".contains("odd number of images (3)"), "\(error)")
        }
        XCTAssertThrowsError(try VerificationSet(path: "m.bin", images: [[1], [2]], isSame: [true, false])) { error in
            XCTAssertTrue("\(error)".contains("2 labels"), "\(error)")
        }
    }
}

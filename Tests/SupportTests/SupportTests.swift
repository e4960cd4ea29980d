import Foundation
import Support
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownDigests() throws {
        // FIPS 180-2 test vectors.
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: []),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testFileDigestMatchesInMemoryDigest() throws {
        let path = NSTemporaryDirectory() + "pnconv-sha-\(UUID().uuidString)"
        let bytes = (0..<(9 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { unlink(path) }
        XCTAssertEqual(try SHA256.hex(ofFileAt: path), SHA256.hex(of: bytes))
    }
}

final class AtomicOutputTests: XCTestCase {
    private func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "pnconv-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    func testFailedWriteLeavesNothing() throws {
        let directory = try scratch()
        let destination = directory + "/out.bin"
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicOutput.write(to: destination) { temporary in
            _ = FileManager.default.createFile(atPath: temporary, contents: Data([1, 2, 3]))
            throw Boom()
        })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }

    func testCommittedWriteAppearsUnderFinalNameOnly() throws {
        let directory = try scratch()
        let destination = directory + "/out.bin"
        try AtomicOutput.write(to: destination) { temporary in
            XCTAssertNotEqual(temporary, destination)
            XCTAssertFalse(FileManager.default.fileExists(atPath: destination))
            _ = FileManager.default.createFile(atPath: temporary, contents: Data([7]))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["out.bin"])
        XCTAssertEqual(FileManager.default.contents(atPath: destination), Data([7]))
    }

    func testMissingDirectoryIsAnError() {
        XCTAssertThrowsError(try AtomicOutput(destination: "/nonexistent-dir-pnconv/out.pnm")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir-pnconv/out.pnm"))
        }
    }
}

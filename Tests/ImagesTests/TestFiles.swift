import Foundation
import XCTest

/// Paths and scratch folders for the Images tests.
enum TestFiles {
    /// The repository root, found from this file's path (Tests/ImagesTests/TestFiles.swift).
    static let repositoryRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    /// fixtures/faces-small, real aligned 112x112 JPEG faces.
    static var faces: String { repositoryRoot + "/fixtures/faces-small" }

    /// The JPEG file names in fixtures/faces-small, in byte order.
    static let faceNames = ["00000001.jpg", "00000111.jpg", "00000130.jpg", "00000213.jpg", "00000228.jpg",
                            "00000303.jpg", "00000385.jpg", "00000488.jpg", "00000576.jpg", "00000672.jpg"]

    /// A new empty folder, removed when the test ends.
    static func scratchFolder(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "pnconv-images-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The message of the error `body` throws; fails the test when it does not throw.
    static func errorMessage(file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> Void) -> String {
        do {
            try body()
        } catch {
            return "\(error)"
        }
        XCTFail("expected an error", file: file, line: line)
        return ""
    }
}

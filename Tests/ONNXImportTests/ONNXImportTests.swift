import Foundation
import IR
import ONNXImport
import XCTest

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures/models")

final class ONNXImportTests: XCTestCase {
    func testLegacyAndDynamoExportsOfOneModelImportAlike() throws {
        for base in ["iresnet-mini-128", "pocketnet-s-128"] {
            let legacy = try ONNXImporter.importModel(path: fixtures.appendingPathComponent("\(base).onnx").path)
            let dynamo = try ONNXImporter.importModel(path: fixtures.appendingPathComponent("\(base).dynamo.onnx").path)
            XCTAssertEqual(legacy.summary.embeddingSize, 128)
            XCTAssertEqual(dynamo.summary.embeddingSize, 128)
            XCTAssertEqual(legacy.summary.macsPerImage, dynamo.summary.macsPerImage, base)
            XCTAssertEqual(legacy.summary.architecture, dynamo.summary.architecture, base)
            XCTAssertTrue(dynamo.model.graph.inputs[0].hasDynamicBatch)
        }
    }

    func testArchitecturesAreRecognized() throws {
        let teacher = try ONNXImporter.importModel(path: fixtures.appendingPathComponent("iresnet-mini-128.onnx").path)
        XCTAssertEqual(teacher.summary.architecture, .iresnet)
        XCTAssertEqual(teacher.summary.stageDepths, [1, 1, 1, 1])
        let student = try ONNXImporter.importModel(path: fixtures.appendingPathComponent("pocketnet-s-128.onnx").path)
        XCTAssertEqual(student.summary.architecture, .pocketnet)
        XCTAssertFalse(student.model.graph.nodes.contains { ["Shape", "Gather", "Unsqueeze", "Constant"].contains($0.opType) })
    }

    func testDamagedFilesAreNamedErrors() throws {
        let directory = NSTemporaryDirectory() + "pnconv-onnx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try Data(contentsOf: fixtures.appendingPathComponent("pocketnet-s-128.onnx"))
        let cases: [(String, Data, String)] = [
            ("empty.onnx", Data(), "empty"),
            ("half.onnx", original.prefix(original.count / 2), "truncated"),
            ("tail.onnx", original.prefix(original.count - 3), "truncated"),
        ]
        for (name, data, word) in cases {
            let path = "\(directory)/\(name)"
            _ = FileManager.default.createFile(atPath: path, contents: data)
            XCTAssertThrowsError(try ONNXImporter.importModel(path: path)) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
                XCTAssertTrue("\(error)".contains(word), "\(error)")
            }
        }
    }
}

import Foundation
import HDF5
import IR
import ModelFile
import ONNXImport
import Support
import XCTest

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

final class PNMFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pnconv-pnm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testEveryFixtureRoundTripsExactly() throws {
        for name in ["iresnet-mini-128.onnx", "pocketnet-s-128.onnx", "pocketnet-s-128.dynamo.onnx"] {
            let source = repositoryRoot.appendingPathComponent("fixtures/models/\(name)").path
            let (model, summary) = try ONNXImporter.importModel(path: source)
            let path = "\(directory)/\(name).pnm"
            try PNMFile.write(model, summary: summary, to: path)
            let back = try PNMFile.read(path: path)
            XCTAssertEqual(back.graph.nodes, model.graph.nodes, name)
            XCTAssertEqual(back.graph.inputs, model.graph.inputs, name)
            XCTAssertEqual(back.graph.outputs, model.graph.outputs, name)
            XCTAssertEqual(Set(back.graph.initializers.keys), Set(model.graph.initializers.keys), name)
            for (key, tensor) in model.graph.initializers {
                XCTAssertEqual(back.graph.initializers[key], tensor, "\(name): weight \(key)")
            }
            XCTAssertEqual(back, model, name)
        }
    }

    func testOddNamesAttributesAndTypesRoundTrip() throws {
        let names = ["/conv/weight", ".hidden", "100%/x", "%2F", ""]
        var weights: [String: Tensor] = [:]
        for (index, name) in names.enumerated() {
            weights[name.isEmpty ? "w" : name] = Tensor(floats: [Float(index), -0.0, .nan], shape: [3])
        }
        weights["half"] = try Tensor(dtype: .float16, shape: [2], bytes: [0x00, 0x3C, 0x01, 0x80])
        weights["ids"] = Tensor(int64s: [Int64.min, Int64.max], shape: [1, 2])
        let graph = Graph(
            name: "odd", inputs: [ValueInfo(name: "x", dtype: .float32, dims: [.symbolic("n"), .fixed(3)])],
            outputs: [ValueInfo(name: "y", dtype: .float32, dims: [.symbolic(""), .fixed(3)])],
            nodes: [Node(name: "n/1", opType: "Add", inputs: ["x"] + weights.keys.sorted(), outputs: ["y"],
                         attributes: ["f": .float(.nan), "fs": .floats([1e-5, -.infinity]), "i": .int(-3), "is": .ints([]),
                                      "s": .string("ü"), "ss": .strings(["a", ""]),
                                      "t": .tensor(Tensor(int64s: [7], shape: []))])],
            initializers: weights)
        let model = Model(graph: graph, sourceName: "odd.onnx", sourceSHA256: String(repeating: "0", count: 64),
                          opsetVersion: 17, irVersion: 8, producer: "test")
        let summary = try ModelSummary(graph: Graph(name: "s", inputs: graph.inputs, outputs: [ValueInfo(name: "x", dtype: .float32, dims: [])],
                                                    nodes: [], initializers: [:]))
        let path = "\(directory)/odd.pnm"
        try PNMFile.write(model, summary: summary, to: path)
        let back = try PNMFile.read(path: path)
        XCTAssertEqual(back.graph.nodes[0].attributes["i"], .int(-3))
        guard case .float(let nan)? = back.graph.nodes[0].attributes["f"] else { return XCTFail("f") }
        XCTAssertEqual(nan.bitPattern, Float.nan.bitPattern)
        for (key, tensor) in weights {
            XCTAssertEqual(back.graph.initializers[key]?.bytes, tensor.bytes, key)
            XCTAssertEqual(back.graph.initializers[key]?.dtype, tensor.dtype, key)
        }
        XCTAssertEqual(back.graph.inputs, graph.inputs)
        XCTAssertEqual(back.graph.outputs, graph.outputs)
        XCTAssertEqual(back.opsetVersion, 17)
    }

    func testForeignAndNewerFilesAreRefused() throws {
        let text = "\(directory)/text.pnm"
        _ = FileManager.default.createFile(atPath: text, contents: Data("not hdf5".utf8))
        XCTAssertThrowsError(try PNMFile.read(path: text)) { XCTAssertTrue("\($0)".contains("not a pnconv model file")) }

        let other = "\(directory)/other.pnm"
        try HDF5File.create(other).root().setAttribute("format", .string("something-else"))
        XCTAssertThrowsError(try PNMFile.read(path: other)) { XCTAssertTrue("\($0)".contains("format attribute")) }

        let newer = "\(directory)/newer.pnm"
        let root = try HDF5File.create(newer).root()
        try root.setAttribute("format", .string(PNMFile.format))
        try root.setAttribute("format_version", .int(99))
        XCTAssertThrowsError(try PNMFile.read(path: newer)) { XCTAssertTrue("\($0)".contains("format_version 99")) }
    }
}

@testable import Export
import Foundation
import IR
import Runtime
import Support
import XCTest

final class ExportTests: XCTestCase {
    private func convBatchNormGraph() -> Graph {
        var generator = SystemRandomNumberGenerator()
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        return Graph(
            name: "g", inputs: [ValueInfo(name: "x", dtype: .float32, dims: [.symbolic("n"), .fixed(3), .fixed(6), .fixed(6)])],
            outputs: [ValueInfo(name: "y", dtype: .float32, dims: [])],
            nodes: [
                Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
                Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "s", "t", "m", "v"], outputs: ["y"], attributes: ["epsilon": .float(1e-3)]),
            ],
            initializers: ["w": Tensor(floats: random(4 * 27), shape: [4, 3, 3, 3]), "b": Tensor(floats: random(4)),
                           "s": Tensor(floats: random(4)), "t": Tensor(floats: random(4)), "m": Tensor(floats: random(4)),
                           "v": Tensor(floats: random(4).map { abs($0) + 0.5 })])
    }

    func testBatchNormFoldsIntoTheConvolutionBeforeIt() throws {
        let folded = try BatchNormFolding.fold(convBatchNormGraph())
        XCTAssertEqual(folded.nodes.map(\.opType), ["Conv"])
        XCTAssertEqual(folded.nodes[0].outputs, ["y"])
        XCTAssertEqual(folded.initializers.count, 2)
    }

    func testWeightsRoundTripAtEveryPrecisionAndDamageIsRefused() throws {
        let graph = convBatchNormGraph()
        let model = Model(graph: graph, sourceName: "m.onnx", sourceSHA256: String(repeating: "a", count: 64), opsetVersion: 13, irVersion: 8, producer: "t")
        let directory = NSTemporaryDirectory() + "pnconv-pnw-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for precision in Precision.allCases {
            let path = "\(directory)/m-\(precision.rawValue).pnw"
            try PNWFile.write(model, precision: precision, to: path)
            let (back, metadata) = try PNWFile.read(path: path)
            XCTAssertEqual(metadata.precision, precision.rawValue)
            let compact = CompactGraph.make(graph)
            XCTAssertEqual(back.graph.nodes, compact.nodes)
            XCTAssertEqual(back.graph.inputs, graph.inputs)
            let tolerance: Float = precision == .fp32 ? 0 : precision == .fp16 ? 1e-3 : 1e-2
            for (name, tensor) in compact.initializers {
                let a = try XCTUnwrap(back.graph.initializers[name]?.floats()), b = try XCTUnwrap(tensor.floats())
                XCTAssertLessThanOrEqual(zip(a, b).map { abs($0 - $1) }.max() ?? 0, tolerance, "\(precision) \(name)")
            }
            // Flip one byte anywhere: the checksum (or a structural check) refuses the file.
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            for position in [0, 5, 60, 70, bytes.count / 2, bytes.count - 1] {
                var damaged = bytes
                damaged[position] ^= 0x40
                let damagedPath = "\(directory)/damaged.pnw"
                try Data(damaged).write(to: URL(fileURLWithPath: damagedPath))
                XCTAssertThrowsError(try PNWFile.read(path: damagedPath), "byte \(position)") { error in
                    XCTAssertTrue("\(error)".hasPrefix(damagedPath), "\(error)")
                }
            }
            try Data(bytes.prefix(bytes.count - 7)).write(to: URL(fileURLWithPath: "\(directory)/short.pnw"))
            XCTAssertThrowsError(try PNWFile.read(path: "\(directory)/short.pnw")) { XCTAssertTrue("\($0)".contains("truncated")) }
        }
    }

    func testCompactGraphShortensNamesAndDropsDefaults() throws {
        var graph = convBatchNormGraph()
        graph.nodes[0].attributes = ["pads": .ints([0, 0, 0, 0]), "strides": .ints([1, 1]), "dilations": .ints([1, 1]),
                                     "group": .int(1), "kernel_shape": .ints([3, 3]), "auto_pad": .string("NOTSET")]
        let compact = CompactGraph.make(graph)
        XCTAssertEqual(compact.nodes[0].attributes, [:])
        XCTAssertEqual(compact.nodes.map(\.name), ["", ""])
        XCTAssertEqual(compact.nodes[0].inputs, ["x", "0", "1"])
        XCTAssertEqual(compact.nodes[1].inputs, ["2", "3", "4", "5", "6"])
        XCTAssertEqual(compact.nodes[1].outputs, ["y"])
        XCTAssertEqual(compact.initializers["0"], graph.initializers["w"])
        // Inputs or outputs named by numbers keep their names, and no inner value takes them.
        var numbered = graph
        numbered.inputs[0].name = "1"
        numbered.nodes[0].inputs[0] = "1"
        XCTAssertEqual(CompactGraph.make(numbered).nodes[0].inputs, ["1", "0", "2"])
        // Anything but the default stays.
        graph.nodes[0].attributes = ["pads": .ints([1, 1, 1, 1]), "kernel_shape": .ints([3, 3]), "group": .int(2)]
        XCTAssertEqual(CompactGraph.make(graph).nodes[0].attributes, ["pads": .ints([1, 1, 1, 1]), "group": .int(2)])
    }

    func testGraphTextKeepsEveryNameAndAttributeExactly() throws {
        let odd = "a b,c=d%e~f!g\u{e9}\n$"
        let graph = Graph(
            name: odd, inputs: [ValueInfo(name: "in put", dtype: .float32, dims: [.symbolic("batch size"), .fixed(3)])],
            outputs: [ValueInfo(name: "~", dtype: .int64, dims: [])],
            nodes: [Node(name: odd, opType: "Custom", domain: "com.x", inputs: ["in put", "", "!"], outputs: ["~"],
                         attributes: ["i": .int(-3), "is": .ints([]), "f": .float(-0.0), "fs": .floats([.nan, 1.5, .infinity]),
                                      "s": .string(""), "ss": .strings(["", odd, "x"]), "t": .tensor(Tensor(floats: [1, 2], shape: [2])),
                                      odd: .ints([1, -2])])],
            initializers: [:])
        var stored: [String: Tensor] = [:]
        let text = try PNWGraphText.encode(graph, metadata: [("source", odd)]) { index, key, tensor in
            stored["t\(index).\(key)"] = tensor
            return "t\(index).\(key)"
        }
        XCTAssertFalse(text.dropLast().contains("\n\n"))
        let (back, metadata) = try PNWGraphText.decode(text, initializers: [:], path: "m.pnw") { try XCTUnwrap(stored[$0]) }
        XCTAssertEqual(metadata, ["source": odd])
        XCTAssertEqual(back.name, graph.name)
        XCTAssertEqual(back.inputs, graph.inputs)
        XCTAssertEqual(back.outputs, graph.outputs)
        XCTAssertEqual(back.nodes.count, 1)
        let node = back.nodes[0], original = graph.nodes[0]
        XCTAssertEqual([node.name, node.opType, node.domain], [original.name, original.opType, original.domain])
        XCTAssertEqual(node.inputs, original.inputs)
        XCTAssertEqual(node.outputs, original.outputs)
        guard case .floats(let floats) = node.attributes["fs"], case .float(let zero) = node.attributes["f"] else { return XCTFail("floats") }
        XCTAssertEqual(floats.map(\.bitPattern), [Float.nan, 1.5, .infinity].map(\.bitPattern))
        XCTAssertEqual(zero.bitPattern, Float(-0.0).bitPattern)
        XCTAssertEqual(node.attributes.filter { $0.key != "fs" }, original.attributes.filter { $0.key != "fs" })
        for damaged in ["node Conv ~", "node Conv ~ ~ a b k=q:1", "node Conv ~ ~ a%G b", "input x float32 3,y", "bogus line"] {
            XCTAssertThrowsError(try PNWGraphText.decode(damaged, initializers: [:], path: "m.pnw") { _ in Tensor(floats: [], shape: [0]) }) {
                XCTAssertTrue("\($0)".hasPrefix("m.pnw: graph line 1:"), "\($0)")
            }
        }
    }

    func testNCNNParameterTextAndWeightTags() {
        var layer = NCNNLayer(type: "Crop", name: "c", inputs: ["a"], outputs: ["b"])
        layer.parameters = [(9, .ints([1, 2])), (1, .float(-1e-5)), (0, .int(-233))]
        XCTAssertEqual(layer.line, "Crop c 1 1 a b -23309=2,1,2 1=-9.99999975e-06 0=-233")
        // ncnn reads each value into 15 characters and calls it a float only with '.' or 'e'.
        for value in [Float(0), 1, -3.4e38, .leastNonzeroMagnitude, .pi] {
            let text = NCNNLayer.Value.float(value).text
            XCTAssertTrue(text.count <= 15 && (text.contains(".") || text.contains("e")), text)
            XCTAssertEqual(Float(text), value, text)
        }
        XCTAssertEqual(NCNNLayer.taggedWeights([1, 2], half: false).count, 4 + 8)
        let half = NCNNLayer.taggedWeights([1, 2, 3], half: true)
        XCTAssertEqual(Array(half.prefix(4)), [0x47, 0x6B, 0x30, 0x01])
        XCTAssertEqual(half.count, 4 + 8)
        XCTAssertEqual(Array(half[4..<6]), [0x00, 0x3C])
    }

    /// Fields that point anywhere, with a checksum that matches: refused, never a trap.
    func testCraftedFieldsWithAValidChecksumAreRefused() throws {
        let model = Model(graph: convBatchNormGraph(), sourceName: "m.onnx", sourceSHA256: "", opsetVersion: 13, irVersion: 8, producer: "t")
        let directory = NSTemporaryDirectory() + "pnconv-pnw-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/m.pnw"
        try PNWFile.write(model, precision: .int8, to: path)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let huge = UInt64.max, large = UInt64(1) << 62
        let cases: [(String, Int, [UInt8])] = [
            ("graph_size", 40, bytes(huge)), ("graph_size", 40, bytes(large)), ("table_offset", 16, bytes(huge)),
            ("table_size", 24, bytes(large)), ("data_offset", 64 + 16, bytes(huge)), ("data_offset", 64 + 16, bytes(UInt64(64))),
            ("data_size", 64 + 24, bytes(huge)), ("dims", 64 + 32, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            ("rank", 64 + 12, bytes(UInt32.max)), ("entry_size", 64, bytes(UInt32(8))), ("name_size", 64 + 4, bytes(UInt32.max)),
        ]
        for (field, offset, value) in cases {
            var damaged = original
            damaged.replaceSubrange(offset..<(offset + value.count), with: value)
            damaged.replaceSubrange(56..<60, with: bytes(PNWFile.checksum(damaged)))
            let damagedPath = "\(directory)/\(field).pnw"
            try Data(damaged).write(to: URL(fileURLWithPath: damagedPath))
            XCTAssertThrowsError(try PNWFile.read(path: damagedPath), field) { XCTAssertTrue("\($0)".hasPrefix(damagedPath), "\($0)") }
        }
    }

    private func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// Every attribute CompactGraph leaves out computes the same without it: the engine's
    /// defaults are the ones CompactGraph assumes.
    func testDroppedAttributesComputeTheSame() throws {
        var generator = SystemRandomNumberGenerator()
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let image = ValueInfo(name: "x", dtype: .float32, dims: [.fixed(2), .fixed(3), .fixed(7), .fixed(7)])
        let window: [String: Attribute] = ["strides": .ints([1, 1]), "dilations": .ints([1, 1]), "pads": .ints([0, 0, 0, 0]),
                                           "auto_pad": .string("NOTSET"), "ceil_mode": .int(0)]
        let cases: [(Node, [String: Tensor], ValueInfo)] = [
            (Node(name: "c", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                  attributes: window.filter { $0.key != "ceil_mode" }.merging(["group": .int(1), "kernel_shape": .ints([3, 3])]) { $1 }),
             ["w": Tensor(floats: random(4 * 27), shape: [4, 3, 3, 3])], image),
            (Node(name: "m", opType: "MaxPool", inputs: ["x"], outputs: ["y"],
                  attributes: window.merging(["kernel_shape": .ints([2, 2]), "storage_order": .int(0)]) { $1 }), [:], image),
            (Node(name: "a", opType: "AveragePool", inputs: ["x"], outputs: ["y"],
                  attributes: window.merging(["kernel_shape": .ints([3, 3]), "count_include_pad": .int(0)]) { $1 }), [:], image),
            (Node(name: "g", opType: "Gemm", inputs: ["x", "b", "c"], outputs: ["y"],
                  attributes: ["alpha": .float(1), "beta": .float(1), "transA": .int(0), "transB": .int(0)]),
             ["b": Tensor(floats: random(15), shape: [5, 3]), "c": Tensor(floats: random(3), shape: [3])],
             ValueInfo(name: "x", dtype: .float32, dims: [.fixed(2), .fixed(5)])),
        ]
        for (node, weights, input) in cases {
            let graph = Graph(name: "g", inputs: [input], outputs: [ValueInfo(name: "y", dtype: .float32, dims: [])],
                              nodes: [node], initializers: weights)
            let compact = CompactGraph.make(graph)
            // A pool's window is required; everything else here is a default.
            XCTAssertEqual(Set(compact.nodes[0].attributes.keys), node.opType.hasSuffix("Pool") ? ["kernel_shape"] : [], node.opType)
            let shape = try input.shape(batch: 2)
            let x = HostTensor(shape: shape, values: random(shape.reduce(1, *)))
            let expected = try XCTUnwrap(try Engine(graph: graph).run(["x": x])["y"]).values
            let actual = try XCTUnwrap(try Engine(graph: compact).run(["x": x])["y"]).values
            XCTAssertEqual(actual.map(\.bitPattern), expected.map(\.bitPattern), node.opType)
        }
    }
}

import Export
import Foundation
import IR
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
            XCTAssertEqual(back.graph.nodes, graph.nodes)
            let tolerance: Float = precision == .fp32 ? 0 : precision == .fp16 ? 1e-3 : 1e-2
            for (name, tensor) in graph.initializers {
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
}

import IR
import Support
import XCTest

final class ModelSummaryTests: XCTestCase {
    func testParametersExcludeRunningStatisticsAndMACsCountConvAndGemm() throws {
        let graph = makeGraph(nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "scale", "shift", "mean", "var"], outputs: ["n"]),
            Node(name: "flat", opType: "Flatten", inputs: ["n"], outputs: ["f"]),
            Node(name: "fc", opType: "Gemm", inputs: ["f", "fc"], outputs: ["y"], attributes: ["transB": .int(1)]),
        ], weights: ["w": zeros([4, 3, 3, 3]), "b": zeros([4]), "scale": zeros([4]), "shift": zeros([4]),
                     "mean": zeros([4]), "var": zeros([4]), "fc": zeros([16, 256])])
        let summary = try ModelSummary(graph: graph)
        XCTAssertEqual(summary.parameters, 108 + 4 + 4 + 4 + 16 * 256)
        XCTAssertEqual(summary.macsPerImage, 4 * 8 * 8 * 27 + 16 * 256)
        XCTAssertEqual(summary.embeddingSize, 16)
        XCTAssertEqual(summary.architecture, .other)
        XCTAssertEqual(summary.operatorHistogram, ["Conv": 1, "BatchNormalization": 1, "Flatten": 1, "Gemm": 1])
    }
}

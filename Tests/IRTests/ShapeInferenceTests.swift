import IR
import Support
import XCTest

/// Builds small graphs for the tests: one input `x`, nodes, weights.
func makeGraph(input: [Dim] = [.symbolic("batch"), .fixed(3), .fixed(8), .fixed(8)], nodes: [Node],
               weights: [String: Tensor] = [:], output: String = "y") -> Graph {
    Graph(name: "test", inputs: [ValueInfo(name: "x", dtype: .float32, dims: input)],
          outputs: [ValueInfo(name: output, dtype: .float32, dims: [])], nodes: nodes, initializers: weights)
}

func zeros(_ shape: [Int]) -> Tensor {
    Tensor(floats: [Float](repeating: 0, count: shape.reduce(1, *)), shape: shape)
}

final class ShapeInferenceTests: XCTestCase {
    func testConvPoolAndGemmShapes() throws {
        let graph = makeGraph(nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"],
                 attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
            Node(name: "dw", opType: "Conv", inputs: ["c", "dw"], outputs: ["d"],
                 attributes: ["group": .int(16), "pads": .ints([2, 2, 2, 2])]),
            Node(name: "pool", opType: "MaxPool", inputs: ["d"], outputs: ["p"],
                 attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
            Node(name: "flat", opType: "Flatten", inputs: ["p"], outputs: ["f"]),
            Node(name: "fc", opType: "Gemm", inputs: ["f", "fc"], outputs: ["y"], attributes: ["transB": .int(1)]),
        ], weights: ["w": zeros([16, 3, 3, 3]), "dw": zeros([16, 1, 5, 5]), "fc": zeros([10, 64])])
        let values = try ShapeInference.infer(graph, batch: 5)
        XCTAssertEqual(values["c"]?.shape, [5, 16, 4, 4])
        XCTAssertEqual(values["d"]?.shape, [5, 16, 4, 4])
        XCTAssertEqual(values["p"]?.shape, [5, 16, 2, 2])
        XCTAssertEqual(values["y"]?.shape, [5, 10])
    }

    func testMismatchedShapesNameTheNode() {
        let add = makeGraph(nodes: [Node(name: "sum", opType: "Add", inputs: ["x", "b"], outputs: ["y"])],
                            weights: ["b": zeros([1, 5, 8, 8])])
        XCTAssertThrowsError(try ShapeInference.infer(add, batch: 1)) { error in
            XCTAssertTrue("\(error)".contains("node 'sum' (Add)"), "\(error)")
        }
        let conv = makeGraph(nodes: [Node(name: "c1", opType: "Conv", inputs: ["x", "w"], outputs: ["y"])],
                             weights: ["w": zeros([4, 2, 3, 3])])
        XCTAssertThrowsError(try ShapeInference.infer(conv, batch: 1)) { error in
            XCTAssertTrue("\(error)".contains("3 channels"), "\(error)")
        }
    }

    func testOtherSymbolicDimensionsAreRefused() {
        let graph = makeGraph(input: [.symbolic("n"), .fixed(3), .symbolic("h"), .fixed(8)],
                              nodes: [Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])])
        XCTAssertThrowsError(try ShapeInference.infer(graph, batch: 1)) { error in
            XCTAssertTrue("\(error)".contains("'h'"), "\(error)")
        }
    }

    func testDeclaredOutputShapeMustAgree() {
        var graph = makeGraph(nodes: [Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])])
        graph.outputs[0].dims = [.symbolic("batch"), .fixed(3), .fixed(8), .fixed(9)]
        XCTAssertThrowsError(try ShapeInference.infer(graph, batch: 1))
    }

    func testUnsupportedOperatorIsAnError() {
        let graph = makeGraph(nodes: [Node(name: "up", opType: "Resize", inputs: ["x"], outputs: ["y"])])
        XCTAssertThrowsError(try ShapeInference.infer(graph, batch: 1)) { error in
            XCTAssertTrue("\(error)".contains("not supported"))
        }
    }
}

final class WindowGeometryTests: XCTestCase {
    private func geometry(_ attributes: [String: Attribute], input: [Int], kernel: [Int]? = nil) throws -> WindowGeometry {
        try WindowGeometry(node: Node(name: "n", opType: "MaxPool", inputs: ["x"], outputs: ["y"], attributes: attributes),
                           input: input, kernel: kernel)
    }

    func testCeilModeDropsAWindowStartingInThePadding() throws {
        // PyTorch: MaxPool2d(3, 2, padding=1, ceil_mode=True) on 6 gives 4, on 7 gives 4.
        let six = try geometry(["kernel_shape": .ints([3]), "strides": .ints([2]), "pads": .ints([1, 1]), "ceil_mode": .int(1)], input: [6])
        XCTAssertEqual(six.outputSize, [4])
        let seven = try geometry(["kernel_shape": .ints([3]), "strides": .ints([2]), "pads": .ints([1, 1]), "ceil_mode": .int(1)], input: [7])
        XCTAssertEqual(seven.outputSize, [4])
        let floor = try geometry(["kernel_shape": .ints([3]), "strides": .ints([2]), "pads": .ints([1, 1])], input: [6])
        XCTAssertEqual(floor.outputSize, [3])
    }

    func testSamePaddingSplitsTheTotal() throws {
        let upper = try geometry(["kernel_shape": .ints([4]), "strides": .ints([1]), "auto_pad": .string("SAME_UPPER")], input: [5])
        XCTAssertEqual(upper.outputSize, [5])
        XCTAssertEqual(upper.padsBegin, [1])
        XCTAssertEqual(upper.padsEnd, [2])
        let lower = try geometry(["kernel_shape": .ints([4]), "auto_pad": .string("SAME_LOWER")], input: [5])
        XCTAssertEqual(lower.padsBegin, [2])
        XCTAssertEqual(lower.padsEnd, [1])
    }

    func testDilationWidensTheWindow() throws {
        let dilated = try geometry(["dilations": .ints([2, 2])], input: [7, 7], kernel: [3, 3])
        XCTAssertEqual(dilated.outputSize, [3, 3])
        XCTAssertThrowsError(try geometry(["dilations": .ints([4, 4])], input: [7, 7], kernel: [3, 3]))
    }
}

final class SliceGeometryTests: XCTestCase {
    private let node = Node(name: "s", opType: "Slice", inputs: [], outputs: [])

    func testClampingNegativeIndicesAndSteps() throws {
        let slice = try SliceGeometry(node: node, inputShape: [4, 10], starts: [1, -3], ends: [Int64.max, 1000],
                                      axes: [0, 1], steps: nil)
        XCTAssertEqual(slice.outputShape, [3, 3])
        XCTAssertEqual(slice.starts, [1, 7])
        let reverse = try SliceGeometry(node: node, inputShape: [10], starts: [-1], ends: [Int64.min], axes: nil, steps: [-3])
        XCTAssertEqual(reverse.outputShape, [4])
        XCTAssertEqual(reverse.starts, [9])
        XCTAssertThrowsError(try SliceGeometry(node: node, inputShape: [10], starts: [0], ends: [5], axes: [0], steps: [0]))
    }
}

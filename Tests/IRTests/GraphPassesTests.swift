import IR
import Support
import XCTest

final class GraphPassesTests: XCTestCase {
    /// x.view(x.size(0), -1) as the legacy exporter writes it with a dynamic batch.
    private func dynamicFlatten() -> Graph {
        makeGraph(nodes: [
            Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
            Node(name: "c0", opType: "Constant", inputs: [], outputs: ["zero"], attributes: ["value": .tensor(Tensor(int64s: [0], shape: []))]),
            Node(name: "gather", opType: "Gather", inputs: ["s", "zero"], outputs: ["n"]),
            Node(name: "unsq", opType: "Unsqueeze", inputs: ["n", "axes"], outputs: ["n1"]),
            Node(name: "c1", opType: "Constant", inputs: [], outputs: ["minus"], attributes: ["value_ints": .ints([-1])]),
            Node(name: "cat", opType: "Concat", inputs: ["n1", "minus"], outputs: ["target"], attributes: ["axis": .int(0)]),
            Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["x2"]),
            Node(name: "reshape", opType: "Reshape", inputs: ["x2", "target"], outputs: ["y"]),
        ], weights: ["axes": Tensor(int64s: [0])])
    }

    func testBatchDependentReshapeTargetFoldsToCopyOfBatch() throws {
        let graph = try GraphPasses.simplify(dynamicFlatten())
        XCTAssertEqual(graph.nodes.map(\.opType), ["Reshape"])
        let target = try XCTUnwrap(graph.initializers[graph.nodes[0].inputs[1]])
        XCTAssertEqual(target.int64s(), [0, -1])
        XCTAssertEqual(graph.nodes[0].inputs[0], "x")
        for batch in [1, 4] {
            XCTAssertEqual(try ShapeInference.infer(graph, batch: batch)["y"]?.shape, [batch, 192])
        }
        XCTAssertEqual(Set(graph.initializers.keys), [graph.nodes[0].inputs[1]], "the chain's constants are gone")
    }

    func testIdentityThatProducesAGraphOutputKeepsTheOutputName() throws {
        let graph = makeGraph(nodes: [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]),
            Node(name: "drop", opType: "Dropout", inputs: ["r"], outputs: ["d"]),
            Node(name: "id", opType: "Identity", inputs: ["d"], outputs: ["y"]),
        ])
        let simplified = try GraphPasses.simplify(graph)
        XCTAssertEqual(simplified.nodes, [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])])
    }

    func testIdentityOfTheInputStays() throws {
        let graph = makeGraph(nodes: [Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["y"])])
        XCTAssertEqual(try GraphPasses.simplify(graph).nodes.count, 1)
    }

    func testConstantComputationsOnWeightsFold() throws {
        let graph = makeGraph(nodes: [
            Node(name: "unsq", opType: "Unsqueeze", inputs: ["slope", "axes"], outputs: ["slope4"]),
            Node(name: "prelu", opType: "PRelu", inputs: ["x", "slope4"], outputs: ["y"]),
        ], weights: ["slope": Tensor(floats: [0.25, 0.5, 0.75], shape: [3, 1, 1]), "axes": Tensor(int64s: [0])])
        let simplified = try GraphPasses.simplify(graph)
        XCTAssertEqual(simplified.nodes.map(\.opType), ["PRelu"])
        XCTAssertEqual(simplified.initializers["slope4"]?.shape, [1, 3, 1, 1])
        XCTAssertEqual(simplified.initializers["slope4"]?.floats(), [0.25, 0.5, 0.75])
    }

    func testTopologicalSortAndItsErrors() throws {
        var shuffled = makeGraph(nodes: [
            Node(name: "b", opType: "Relu", inputs: ["a"], outputs: ["y"]),
            Node(name: "a", opType: "Relu", inputs: ["x"], outputs: ["a"]),
        ])
        try shuffled.sortTopologically()
        XCTAssertEqual(shuffled.nodes.map(\.name), ["a", "b"])

        var dangling = makeGraph(nodes: [Node(name: "b", opType: "Relu", inputs: ["nowhere"], outputs: ["y"])])
        XCTAssertThrowsError(try dangling.sortTopologically()) { XCTAssertTrue("\($0)".contains("'nowhere'")) }

        var cycle = makeGraph(nodes: [
            Node(name: "p", opType: "Add", inputs: ["x", "q"], outputs: ["p"]),
            Node(name: "q", opType: "Relu", inputs: ["p"], outputs: ["q"]),
        ], output: "q")
        XCTAssertThrowsError(try cycle.sortTopologically()) { XCTAssertTrue("\($0)".contains("cycle")) }
    }

    func testDeadCodeIsRemoved() {
        let graph = makeGraph(nodes: [
            Node(name: "unused", opType: "Relu", inputs: ["x"], outputs: ["u"]),
            Node(name: "used", opType: "Relu", inputs: ["x"], outputs: ["y"]),
        ], weights: ["w": zeros([1])])
        let cleaned = GraphPasses.eliminateDeadCode(graph)
        XCTAssertEqual(cleaned.nodes.map(\.name), ["used"])
        XCTAssertTrue(cleaned.initializers.isEmpty)
    }
}

import Dispatch
import IR
import Support

/// Float tensors going into and out of the engine.
public struct HostTensor: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// The CPU engine: runs a graph in float32, NCHW, at any batch size, on `threads` workers.
///
/// A batch of at least two images is split into one part per worker, each run by its own plan
/// on one thread: images are independent, so the workers never wait for each other. A single
/// image is shared out inside each operator instead. Plans (shapes, arena, kernels) are built
/// once per batch size and reused.
public final class Engine {
    public let graph: Graph
    public let threads: Int
    /// One worker per lane for split batches; `shared` has all of them for single images.
    private let lanes: [WorkerPool]
    private let shared: WorkerPool
    private var plans: [PlanKey: ExecutionPlan] = [:]
    private var splittable = false

    private struct PlanKey: Hashable {
        var batch: Int
        var lane: Int
    }

    /// Checks that every node has a kernel by planning batch 1.
    public init(graph: Graph, threads: Int = 1) throws {
        self.graph = graph
        self.threads = max(1, threads)
        shared = WorkerPool(threads: self.threads)
        lanes = (0..<self.threads).map { _ in WorkerPool(threads: 1) }
        BLAS.useOneThreadPerCall()
        let single = try plan(batch: 1, lane: -1)
        // Splitting needs every input and output to carry the batch on axis 0.
        splittable = graph.inputs.allSatisfy(\.hasDynamicBatch) && single.outputs.allSatisfy { $0.shape.first == 1 }
    }

    private func plan(batch: Int, lane: Int) throws -> ExecutionPlan {
        let key = PlanKey(batch: batch, lane: lane)
        if let plan = plans[key] { return plan }
        let plan = try ExecutionPlan(graph: graph, batch: batch, pool: lane < 0 ? shared : lanes[lane])
        plans[key] = plan
        return plan
    }

    /// Runs a batch of `batch` images once on one thread per operator (no batch split) and
    /// returns the seconds each node took, slowest first.
    public func profile(_ inputs: [String: HostTensor]) throws -> [(node: Node, seconds: Double)] {
        guard let batch = inputs.values.first?.shape.first else { throw GraphError("no input given") }
        let plan = try plan(batch: batch, lane: -1)
        try load(inputs, into: plan, images: 0..<batch)
        var profile: [String: (node: Node, seconds: Double)] = [:]
        plan.run(shared, profile: &profile)
        return profile.values.sorted { $0.seconds > $1.seconds }
    }

    /// Runs the graph; the batch size is the first dimension of the inputs.
    public func run(_ inputs: [String: HostTensor]) throws -> [String: HostTensor] {
        guard let batch = inputs.values.first?.shape.first else {
            throw GraphError("no input given; the model takes \(graph.inputs.map(\.name).joined(separator: ", "))")
        }
        let parts = splittable ? min(threads, batch) : 1
        if parts <= 1 {
            let plan = try plan(batch: batch, lane: -1)
            try load(inputs, into: plan, images: 0..<batch)
            plan.run(shared)
            return Dictionary(uniqueKeysWithValues: plan.outputs.map { output in
                (output.name, HostTensor(shape: output.shape, values: Array(UnsafeBufferPointer(start: output.pointer, count: output.shape.product))))
            })
        }
        let ranges = (0..<parts).map { (batch * $0 / parts)..<(batch * ($0 + 1) / parts) }
        let lanePlans = try ranges.enumerated().map { lane, range in try plan(batch: range.count, lane: lane) }
        for (plan, range) in zip(lanePlans, ranges) { try load(inputs, into: plan, images: range) }
        DispatchQueue.concurrentPerform(iterations: parts) { lane in lanePlans[lane].run(lanes[lane]) }
        var outputs: [String: HostTensor] = [:]
        for (index, output) in lanePlans[0].outputs.enumerated() {
            var values: [Float] = []
            for plan in lanePlans {
                let part = plan.outputs[index]
                values.append(contentsOf: UnsafeBufferPointer(start: part.pointer, count: part.shape.product))
            }
            outputs[output.name] = HostTensor(shape: [batch] + output.shape.dropFirst(), values: values)
        }
        return outputs
    }

    /// Copies images `images` of every input into the plan's input slots.
    private func load(_ inputs: [String: HostTensor], into plan: ExecutionPlan, images: Range<Int>) throws {
        for slot in plan.inputs {
            guard let tensor = inputs[slot.name] else { throw GraphError("input '\(slot.name)' is missing") }
            let expected = [tensor.shape.first ?? 0] + slot.shape.dropFirst()
            guard tensor.shape == expected, tensor.values.count == tensor.shape.product, tensor.shape.first ?? 0 >= images.upperBound else {
                throw GraphError("input '\(slot.name)' has shape \(tensor.shape); the model takes \([images.count] + slot.shape.dropFirst())")
            }
            let perImage = slot.shape.dropFirst().reduce(1, *)
            tensor.values.withUnsafeBufferPointer { values in
                if let base = values.baseAddress {
                    slot.pointer.update(from: base + images.lowerBound * perImage, count: images.count * perImage)
                }
            }
        }
    }
}

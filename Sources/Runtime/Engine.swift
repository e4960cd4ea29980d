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
    private let prepared = PreparedWeights()
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
        let plan = try ExecutionPlan(graph: graph, batch: batch, pool: lane < 0 ? shared : lanes[lane], prepared: prepared)
        plans[key] = plan
        return plan
    }

    /// Runs a batch of `batch` images once on one thread per operator (no batch split) and
    /// returns the seconds each node took, slowest first.
    public func profile(_ inputs: [String: HostTensor]) throws -> [(node: Node, seconds: Double)] {
        let batch = try batchSize(of: inputs)
        let plan = try plan(batch: batch, lane: -1)
        load(inputs, into: plan, images: 0..<batch)
        var profile: [String: (node: Node, seconds: Double)] = [:]
        plan.run(shared, profile: &profile)
        return profile.values.sorted { $0.seconds > $1.seconds }
    }

    /// The batch size of `inputs`: the first dimension of the inputs whose batch is dynamic
    /// (1 when none is); every input must have the shape the model declares at that batch.
    private func batchSize(of inputs: [String: HostTensor]) throws -> Int {
        var batch: Int?
        for input in graph.inputs where input.hasDynamicBatch {
            guard let size = inputs[input.name]?.shape.first else { continue }
            if let batch, batch != size {
                throw GraphError("inputs disagree on the batch size (\(batch) and \(size) for '\(input.name)')")
            }
            batch = size
        }
        let size = batch ?? 1
        for input in graph.inputs {
            guard let tensor = inputs[input.name] else { throw GraphError("input '\(input.name)' is missing") }
            let expected = try input.shape(batch: size)
            guard tensor.shape == expected, tensor.values.count == expected.product else {
                throw GraphError("input '\(input.name)' has shape \(tensor.shape); the model takes \(expected)")
            }
        }
        return size
    }

    /// Whether the graph takes any batch size (its inputs' first dimension is symbolic).
    public var acceptsAnyBatch: Bool { graph.inputs.allSatisfy(\.hasDynamicBatch) }

    /// Runs a batch of images through a one-input, one-output model and returns the output
    /// rows in order; a model exported for a fixed batch of 1 runs them one at a time.
    public func runImages(_ images: HostTensor, input: String, output: String) throws -> [Float] {
        let count = images.shape.first ?? 0
        if acceptsAnyBatch || count == 1 {
            return try run([input: images])[output]?.values ?? []
        }
        let perImage = images.values.count / max(count, 1)
        var result: [Float] = []
        for image in 0..<count {
            let one = HostTensor(shape: [1] + images.shape.dropFirst(), values: Array(images.values[(image * perImage)..<((image + 1) * perImage)]))
            result += try run([input: one])[output]?.values ?? []
        }
        return result
    }

    /// Runs the graph; the batch size is the first dimension of the inputs.
    public func run(_ inputs: [String: HostTensor]) throws -> [String: HostTensor] {
        let batch = try batchSize(of: inputs)
        let parts = splittable ? min(threads, batch) : 1
        if parts <= 1 {
            let plan = try plan(batch: batch, lane: -1)
            load(inputs, into: plan, images: 0..<batch)
            plan.run(shared)
            return Dictionary(uniqueKeysWithValues: plan.outputs.map { output in
                (output.name, HostTensor(shape: output.shape, values: Array(UnsafeBufferPointer(start: output.pointer, count: output.shape.product))))
            })
        }
        let ranges = (0..<parts).map { (batch * $0 / parts)..<(batch * ($0 + 1) / parts) }
        let lanePlans = try ranges.enumerated().map { lane, range in try plan(batch: range.count, lane: lane) }
        for (plan, range) in zip(lanePlans, ranges) { load(inputs, into: plan, images: range) }
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

    /// Copies images `images` of every (checked) input into the plan's input slots; inputs
    /// without a dynamic batch are copied whole.
    private func load(_ inputs: [String: HostTensor], into plan: ExecutionPlan, images: Range<Int>) {
        for slot in plan.inputs {
            guard let tensor = inputs[slot.name] else { continue }
            let isBatched = graph.inputs.first { $0.name == slot.name }?.hasDynamicBatch ?? false
            let count = slot.shape.product
            let start = isBatched ? images.lowerBound * (count / max(images.count, 1)) : 0
            tensor.values.withUnsafeBufferPointer { values in
                if let base = values.baseAddress { slot.pointer.update(from: base + start, count: count) }
            }
        }
    }
}

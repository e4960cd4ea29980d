import Dispatch
import IR
import Support

/// A graph compiled for one batch size: shapes inferred, shape computations folded to
/// constants, intermediate values placed in one arena, and a kernel per remaining node.
final class ExecutionPlan {
    let batch: Int
    private let arena: FloatBuffer
    private let kernels: [Kernel]
    /// The node each kernel runs, for profiles.
    private let kernelNodes: [Node]
    /// Graph inputs: where to copy them and how many floats they hold.
    let inputs: [(name: String, pointer: UnsafeMutablePointer<Float>, shape: [Int])]
    /// Graph outputs: where to read them.
    let outputs: [(name: String, pointer: UnsafePointer<Float>, shape: [Int])]

    /// Operators whose output is a view of their first input.
    static let viewOperators: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"]

    init(graph: Graph, batch: Int, pool: WorkerPool, prepared: PreparedWeights) throws {
        self.batch = batch
        let values = try ShapeInference.infer(graph, batch: batch)
        let steps = graph.nodes.filter { node in
            node.outputs.contains { !$0.isEmpty && values[$0]?.constant == nil }
        }

        // Slots: one block per value computed at run time; views share their input's block.
        var planner = MemoryPlanner()
        var blockOf: [String: Int] = [:]
        func requireFloat(_ name: String, _ what: String) throws -> InferredValue {
            guard let value = values[name], value.dtype == .float32 else {
                throw GraphError("\(what) '\(name)' is \(values[name]?.dtype.rawValue ?? "unknown"); pnconv computes in float32")
            }
            return value
        }
        for input in graph.inputs {
            blockOf[input.name] = planner.add(size: try requireFloat(input.name, "input").elementCount, birth: -1)
        }
        for (step, node) in steps.enumerated() {
            for name in node.inputs where !name.isEmpty {
                if let block = blockOf[name] { planner.use(block, at: step) }
            }
            for (index, name) in node.outputs.enumerated() where !name.isEmpty && values[name]?.constant == nil {
                if node.opType == "Dropout" && index > 0 { throw GraphError.at(node, "the mask output is not supported") }
                let value = try requireFloat(name, "value")
                if Self.viewOperators.contains(node.opType), let source = node.input(0), let block = blockOf[source] {
                    blockOf[name] = block
                } else {
                    blockOf[name] = planner.add(size: value.elementCount, birth: step)
                }
            }
        }
        for output in graph.outputs {
            if let block = blockOf[output.name] { planner.use(block, at: Int.max) }
        }
        let (offsets, total) = planner.place()
        let arena = FloatBuffer(count: total)
        self.arena = arena
        func slot(_ name: String) -> UnsafeMutablePointer<Float>? {
            blockOf[name].map { arena.pointer + offsets[$0] }
        }

        // Constant float inputs that kernels read as data get float copies, made and owned once per
        // engine (keyed with the shape: folded values may depend on the batch).
        func constantSlot(_ name: String) -> UnsafeMutablePointer<Float>? {
            guard let value = values[name], let constant = value.constant, constant.dtype.isFloatingPoint else { return nil }
            let buffer = prepared.buffer("value \(name) \(value.shape)") { FloatBuffer(constant.floats() ?? []) }
            return buffer.pointer
        }

        var kernels: [Kernel] = []
        var scratch = 0, sharedScratch = 0
        for node in steps {
            let context = NodeContext(
                node: node,
                inputShapes: node.inputs.map { $0.isEmpty ? nil : values[$0]?.shape },
                outputShapes: node.outputs.map { values[$0]?.shape ?? [] },
                constants: node.inputs.map { $0.isEmpty ? nil : values[$0]?.constant },
                inputs: node.inputs.map { $0.isEmpty ? nil : slot($0) ?? constantSlot($0) },
                outputs: node.outputs.map { slot($0) ?? arena.pointer },
                threads: pool.threads, prepared: prepared)
            let kernel = try KernelFactory.make(context)
            if let needs = kernel as? NeedsScratch {
                scratch = max(scratch, needs.scratchFloats)
                sharedScratch = max(sharedScratch, needs.sharedScratchFloats)
            }
            kernels.append(kernel)
        }
        pool.reserveScratch(scratch)
        pool.reserveSharedScratch(sharedScratch)
        self.kernels = kernels
        kernelNodes = steps

        inputs = try graph.inputs.map { input in
            guard let pointer = slot(input.name), let shape = values[input.name]?.shape else {
                throw GraphError("input '\(input.name)' has no slot")
            }
            return (input.name, pointer, shape)
        }
        outputs = try graph.outputs.map { output in
            guard let value = values[output.name] else { throw GraphError("output '\(output.name)' is not computed") }
            if let pointer = slot(output.name) ?? constantSlot(output.name) {
                return (output.name, UnsafePointer(pointer), value.shape)
            }
            throw GraphError("output '\(output.name)' is not a float32 tensor")
        }
    }

    func run(_ pool: WorkerPool) {
        for kernel in kernels { kernel.run(pool) }
    }

    /// Runs like `run`, adding each node's wall time (seconds) to `profile`.
    func run(_ pool: WorkerPool, profile: inout [String: (node: Node, seconds: Double)]) {
        for (kernel, node) in zip(kernels, kernelNodes) {
            let start = DispatchTime.now().uptimeNanoseconds
            kernel.run(pool)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            // By output: node names may be empty or repeated (an export drops them).
            profile[node.outputs.first ?? node.name, default: (node, 0)].seconds += seconds
        }
    }
}

import IR

/// One node's computation with its buffers already resolved: plans build kernels once and
/// run them for every batch.
protocol Kernel {
    func run(_ pool: WorkerPool)
}

/// Scratch floats a kernel needs per worker, and shared by all its workers, if any.
protocol NeedsScratch {
    var scratchFloats: Int { get }
    var sharedScratchFloats: Int { get }
}

extension NeedsScratch {
    var scratchFloats: Int { 0 }
    var sharedScratchFloats: Int { 0 }
}

/// What a kernel builder knows about its node: shapes, constant inputs and buffers.
struct NodeContext {
    let node: Node
    let inputShapes: [[Int]?]
    let outputShapes: [[Int]]
    /// Inputs whose value is known before running (weights, folded shape computations).
    let constants: [Tensor?]
    /// Float data of each input: arena slots, or copies of constant float inputs.
    let inputs: [UnsafeMutablePointer<Float>?]
    let outputs: [UnsafeMutablePointer<Float>]
    let threads: Int
    /// The engine's prepared weights, shared between plans.
    let prepared: PreparedWeights

    func fail(_ problem: String) -> GraphError {
        GraphError.at(node, problem)
    }

    func shape(_ index: Int) throws -> [Int] {
        guard index < inputShapes.count, let shape = inputShapes[index] else { throw fail("input \(index) is required") }
        return shape
    }

    func input(_ index: Int) throws -> UnsafeMutablePointer<Float> {
        guard index < inputs.count, let pointer = inputs[index] else {
            throw fail("input \(index) must be a float32 tensor")
        }
        return pointer
    }

    func hasInput(_ index: Int) -> Bool {
        index < node.inputs.count && !node.inputs[index].isEmpty
    }

    /// A constant float input as an engine buffer, prepared once for all plans. Buffers are
    /// keyed by value name, which is unique in a graph (node names need not be).
    func constantBuffer(_ index: Int, _ what: String) throws -> FloatBuffer {
        try prepared.buffer("constant \(node.inputs[index])") { FloatBuffer(try constantFloats(index, what)) }
    }

    /// A constant float input (a weight) as Float values.
    func constantFloats(_ index: Int, _ what: String) throws -> [Float] {
        guard index < constants.count, let tensor = constants[index], let values = tensor.floats() else {
            throw fail("\(what) (input \(index)) must be a constant float tensor")
        }
        return values
    }

    func constantInts(_ index: Int) -> [Int64]? {
        guard index < constants.count else { return nil }
        return constants[index]?.int64s()
    }

    var output: UnsafeMutablePointer<Float> { outputs[0] }
    var outputShape: [Int] { outputShapes[0] }
}

extension Array where Element == Int {
    var product: Int { reduce(1, *) }
}

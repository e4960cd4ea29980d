import IR

/// Concat along any axis: per outer index, each input's contiguous block in turn.
struct ConcatKernel: Kernel {
    let inputs: [(pointer: UnsafePointer<Float>, block: Int)]
    let output: UnsafeMutablePointer<Float>
    let outer: Int

    init(_ context: NodeContext) throws {
        let shape = context.outputShape
        let axis = try OperatorSet.normalizedAxis(context.node, try context.node.int("axis", default: 0), rank: shape.count)
        outer = Array(shape[..<axis]).product
        inputs = try context.inputShapes.indices.map { index in
            (UnsafePointer(try context.input(index)), Array(try context.shape(index)[axis...]).product)
        }
        output = context.output
    }

    func run(_ pool: WorkerPool) {
        let total = inputs.reduce(0) { $0 + $1.block }
        pool.parallelFor(outer, work: outer * total) { index, _ in
            var destination = output + index * total
            for (pointer, block) in inputs {
                destination.update(from: pointer + index * block, count: block)
                destination += block
            }
        }
    }
}

/// Slice with constant starts, ends, axes and steps, any rank.
struct SliceKernel: Kernel {
    let geometry: SliceGeometry
    let inputShape: [Int]
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(_ context: NodeContext) throws {
        inputShape = try context.shape(0)
        guard let starts = context.constantInts(1), let ends = context.constantInts(2) else {
            throw context.fail("starts and ends must be constant")
        }
        geometry = try SliceGeometry(node: context.node, inputShape: inputShape, starts: starts, ends: ends,
                                     axes: context.hasInput(3) ? context.constantInts(3) : nil,
                                     steps: context.hasInput(4) ? context.constantInts(4) : nil)
        input = UnsafePointer(try context.input(0))
        output = context.output
    }

    func run(_ pool: WorkerPool) {
        let rank = inputShape.count, outputShape = geometry.outputShape
        guard rank > 0, outputShape.product > 0 else { return }
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * inputShape[axis + 1] }
        let inner = outputShape[rank - 1], innerStep = geometry.steps[rank - 1] * strides[rank - 1]
        let rows = Array(outputShape.dropLast()).product
        pool.parallelRanges(rows, grain: max(1, WorkerPool.minimumWorkPerWorker / max(inner, 1))) { range in
            for row in range {
                var rest = row, offset = geometry.starts[rank - 1] * strides[rank - 1]
                for axis in stride(from: rank - 2, through: 0, by: -1) {
                    let coordinate = rest % outputShape[axis]
                    rest /= outputShape[axis]
                    offset += (geometry.starts[axis] + coordinate * geometry.steps[axis]) * strides[axis]
                }
                let source = input + offset, destination = output + row * inner
                for i in 0..<inner { destination[i] = source[i * innerStep] }
            }
        }
    }
}

/// Gather along an axis with constant indices.
struct GatherKernel: Kernel {
    let indices: [Int]
    let outer: Int
    let axisSize: Int
    let inner: Int
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(_ context: NodeContext) throws {
        let shape = try context.shape(0)
        let axis = try OperatorSet.normalizedAxis(context.node, try context.node.int("axis", default: 0), rank: shape.count)
        guard let raw = context.constantInts(1) else { throw context.fail("indices must be constant") }
        axisSize = shape[axis]
        indices = try raw.map { index in
            let resolved = Int(index < 0 ? index + Int64(shape[axis]) : index)
            guard resolved >= 0 && resolved < shape[axis] else { throw context.fail("index \(index) is out of range") }
            return resolved
        }
        outer = Array(shape[..<axis]).product
        inner = Array(shape[(axis + 1)...]).product
        input = UnsafePointer(try context.input(0))
        output = context.output
    }

    func run(_ pool: WorkerPool) {
        var destination = output
        for o in 0..<outer {
            for index in indices {
                destination.update(from: input + (o * axisSize + index) * inner, count: inner)
                destination += inner
            }
        }
    }
}

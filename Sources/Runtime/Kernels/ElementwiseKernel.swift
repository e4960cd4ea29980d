import IR

/// Add, Sub, Mul, Div with broadcasting; PRelu with a slope of any broadcastable shape.
struct ElementwiseKernel<F: BinaryFunction>: Kernel {
    let layout: BroadcastLayout
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>

    init(layout: BroadcastLayout, a: UnsafePointer<Float>, b: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        self.layout = layout
        self.a = a
        self.b = b
        self.out = out
    }

    init(_ context: NodeContext) throws {
        layout = BroadcastLayout(a: try context.shape(0), b: try context.shape(1), output: context.outputShape)
        a = UnsafePointer(try context.input(0))
        b = UnsafePointer(try context.input(1))
        out = context.output
    }

    func run(_ pool: WorkerPool) {
        layout.run(F.self, a: a, b: b, out: out, pool: pool)
    }
}

/// Sum of any number of inputs with broadcasting: the first two, then each further one added.
struct SumKernel: Kernel {
    let first: Kernel
    let rest: [BroadcastLayout]
    let operands: [UnsafePointer<Float>]
    let out: UnsafeMutablePointer<Float>

    init(_ context: NodeContext) throws {
        let shapes = try context.inputShapes.indices.map { try context.shape($0) }
        operands = try shapes.indices.map { UnsafePointer(try context.input($0)) }
        out = context.output
        if shapes.count == 1 {
            first = CopyKernel(from: operands[0], to: out, count: context.outputShape.product)
        } else {
            first = ElementwiseKernel<AddFunction>(layout: BroadcastLayout(a: shapes[0], b: shapes[1], output: context.outputShape),
                                                   a: operands[0], b: operands[1], out: out)
        }
        rest = shapes.dropFirst(2).map { BroadcastLayout(a: context.outputShape, b: $0, output: context.outputShape) }
    }

    func run(_ pool: WorkerPool) {
        first.run(pool)
        for (layout, operand) in zip(rest, operands.dropFirst(2)) {
            layout.run(AddFunction.self, a: out, b: operand, out: out, pool: pool)
        }
    }
}

/// Relu, elementwise.
struct ReluKernel: Kernel {
    let input: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let count: Int

    init(_ context: NodeContext) throws {
        input = UnsafePointer(try context.input(0))
        out = context.output
        count = context.outputShape.product
    }

    func run(_ pool: WorkerPool) {
        pool.parallelRanges(count) { range in
            for i in range { out[i] = max(input[i], 0) }
        }
    }
}

/// Copies `count` floats (an output that cannot be a view of its input).
struct CopyKernel: Kernel {
    let from: UnsafePointer<Float>
    let to: UnsafeMutablePointer<Float>
    let count: Int

    func run(_ pool: WorkerPool) {
        if from != UnsafePointer(to) { to.update(from: from, count: count) }
    }
}

/// Writes one value everywhere (ConstantOfShape too large to fold).
struct FillKernel: Kernel {
    let value: Float
    let output: UnsafeMutablePointer<Float>
    let count: Int

    func run(_ pool: WorkerPool) {
        output.update(repeating: value, count: count)
    }
}

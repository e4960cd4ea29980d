import IR

/// Gemm: Y = alpha * A' x B' + beta * C (C broadcast to Y), output columns or rows split
/// across the workers.
struct GemmKernel: Kernel {
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, transposeA: Bool
    let b: UnsafePointer<Float>, transposeB: Bool
    let alpha: Float, beta: Float
    let bias: (layout: BroadcastLayout, values: UnsafePointer<Float>)?
    let output: UnsafeMutablePointer<Float>

    init(_ context: NodeContext) throws {
        let node = context.node
        let shapeA = try context.shape(0)
        transposeA = try node.int("transA", default: 0) != 0
        transposeB = try node.int("transB", default: 0) != 0
        alpha = try node.float("alpha", default: 1)
        beta = try node.float("beta", default: 1)
        m = context.outputShape[0]
        n = context.outputShape[1]
        k = transposeA ? shapeA[0] : shapeA[1]
        a = UnsafePointer(try context.input(0))
        b = UnsafePointer(try context.input(1))
        output = context.output
        if context.hasInput(2) {
            bias = (BroadcastLayout(a: context.outputShape, b: try context.shape(2), output: context.outputShape),
                    UnsafePointer(try context.input(2)))
        } else {
            bias = nil
        }
    }

    func run(_ pool: WorkerPool) {
        if let bias {
            // Y = 0 * Y + C, then scaled by beta: C's broadcast copy, before the product adds to it.
            output.update(repeating: 0, count: m * n)
            bias.layout.run(AddFunction.self, a: UnsafePointer(output), b: bias.values, out: output, pool: pool)
            if beta != 1 { for i in 0..<(m * n) { output[i] *= beta } }
        }
        let accumulate: Float = bias == nil ? 0 : 1
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        if m == 1 {
            // One row (one image): matrix-vector products over slices of the output.
            pool.parallelRanges(n * k, grain: WorkerPool.minimumWorkPerWorker * 4) { work in
                let columns = (n * work.lowerBound / (n * k))..<(n * work.upperBound / (n * k))
                BLAS.gemv(n: columns.count, k: k, x: a, b: b + columns.lowerBound * (transposeB ? ldb : 1), ldb: ldb,
                          transposedB: transposeB, y: output + columns.lowerBound, alpha: alpha, beta: accumulate)
            }
        } else if m >= pool.threads * 4 || n < 64 {
            pool.parallelRanges(m * n * k, grain: WorkerPool.minimumWorkPerWorker * 4) { work in
                let rows = (m * work.lowerBound / (m * n * k))..<(m * work.upperBound / (m * n * k))
                BLAS.gemm(m: rows.count, n: n, k: k, a: a + rows.lowerBound * (transposeA ? 1 : lda), lda: lda, transposeA: transposeA,
                          b: b, ldb: ldb, transposeB: transposeB, c: output + rows.lowerBound * n, ldc: n,
                          alpha: alpha, beta: accumulate)
            }
        } else {
            pool.parallelRanges(m * n * k, grain: WorkerPool.minimumWorkPerWorker * 4) { work in
                let columns = (n * work.lowerBound / (m * n * k))..<(n * work.upperBound / (m * n * k))
                BLAS.gemm(m: m, n: columns.count, k: k, a: a, lda: lda, transposeA: transposeA,
                          b: b + columns.lowerBound * (transposeB ? ldb : 1), ldb: ldb, transposeB: transposeB,
                          c: output + columns.lowerBound, ldc: n, alpha: alpha, beta: accumulate)
            }
        }
    }
}

/// MatMul with numpy semantics: 1-D operands promoted, batch dimensions broadcast.
struct MatMulKernel: Kernel {
    let m: Int, n: Int, k: Int
    let batchCount: Int
    let batchDims: [Int]
    let stridesA: [Int], stridesB: [Int]
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(_ context: NodeContext) throws {
        let shapeA = try context.shape(0), shapeB = try context.shape(1)
        let left = shapeA.count == 1 ? [1] + shapeA : shapeA
        let right = shapeB.count == 1 ? shapeB + [1] : shapeB
        m = left[left.count - 2]
        k = left[left.count - 1]
        n = right[right.count - 1]
        let batchA = Array(left.dropLast(2)), batchB = Array(right.dropLast(2))
        let batchDims = Broadcasting.shape([batchA, batchB]) ?? []
        self.batchDims = batchDims
        batchCount = batchDims.product
        func strides(_ dims: [Int], matrix: Int) -> [Int] {
            let padded = Array(repeating: 1, count: batchDims.count - dims.count) + dims
            var result = [Int](repeating: 0, count: padded.count), step = matrix
            for axis in stride(from: padded.count - 1, through: 0, by: -1) {
                result[axis] = padded[axis] == 1 ? 0 : step
                step *= padded[axis]
            }
            return result
        }
        stridesA = strides(batchA, matrix: m * k)
        stridesB = strides(batchB, matrix: k * n)
        a = UnsafePointer(try context.input(0))
        b = UnsafePointer(try context.input(1))
        output = context.output
    }

    func run(_ pool: WorkerPool) {
        pool.parallelFor(batchCount, work: batchCount * m * n * k) { index, _ in
            let (offsetA, offsetB) = broadcastOffsets(of: index, in: batchDims, stridesA, stridesB)
            BLAS.gemm(m: m, n: n, k: k, a: a + offsetA, lda: k, b: b + offsetB, ldb: n,
                      c: output + index * m * n, ldc: n, beta: 0)
        }
    }
}

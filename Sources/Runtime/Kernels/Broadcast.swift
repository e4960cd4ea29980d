/// A two-operand elementwise function, applied a row at a time: each conforming type spells
/// its function out in a closure literal, so that the loops are compiled (and vectorized) for
/// it rather than calling through the protocol per element.
protocol BinaryFunction {
    /// out[i] = f(a[i * strideA], b[i * strideB]) for i in 0..<count (strides 0 or 1 mostly).
    static func row(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ strideA: Int,
                    _ b: UnsafePointer<Float>, _ strideB: Int, _ count: Int)
}

/// Where element `index` (row-major over `dims`) of a broadcast result reads its two operands,
/// given each operand's strides per axis (0 along an axis it is broadcast over).
func broadcastOffsets(of index: Int, in dims: [Int], _ stridesA: [Int], _ stridesB: [Int]) -> (Int, Int) {
    var rest = index, offsetA = 0, offsetB = 0
    for axis in stride(from: dims.count - 1, through: 0, by: -1) {
        let coordinate = rest % dims[axis]
        rest /= dims[axis]
        offsetA += coordinate * stridesA[axis]
        offsetB += coordinate * stridesB[axis]
    }
    return (offsetA, offsetB)
}

/// The row loop for `f`, with the common stride patterns as separate loops.
@inline(__always)
private func rowLoop(_ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ strideX: Int,
                     _ y: UnsafePointer<Float>, _ strideY: Int, _ count: Int, _ f: (Float, Float) -> Float) {
    switch (strideX, strideY) {
    case (1, 1): for i in 0..<count { o[i] = f(x[i], y[i]) }
    case (1, 0): let s = y[0]; for i in 0..<count { o[i] = f(x[i], s) }
    case (0, 1): let s = x[0]; for i in 0..<count { o[i] = f(s, y[i]) }
    default: for i in 0..<count { o[i] = f(x[i * strideX], y[i * strideY]) }
    }
}

enum AddFunction: BinaryFunction {
    static func row(_ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ sx: Int, _ y: UnsafePointer<Float>, _ sy: Int, _ n: Int) {
        rowLoop(o, x, sx, y, sy, n) { $0 + $1 }
    }
}

enum SubFunction: BinaryFunction {
    static func row(_ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ sx: Int, _ y: UnsafePointer<Float>, _ sy: Int, _ n: Int) {
        rowLoop(o, x, sx, y, sy, n) { $0 - $1 }
    }
}

enum MulFunction: BinaryFunction {
    static func row(_ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ sx: Int, _ y: UnsafePointer<Float>, _ sy: Int, _ n: Int) {
        rowLoop(o, x, sx, y, sy, n) { $0 * $1 }
    }
}

enum DivFunction: BinaryFunction {
    static func row(_ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ sx: Int, _ y: UnsafePointer<Float>, _ sy: Int, _ n: Int) {
        rowLoop(o, x, sx, y, sy, n) { $0 / $1 }
    }
}

/// PRelu: `a` the input, `b` the slope.
enum PReluFunction: BinaryFunction {
    static func row(_ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ sx: Int, _ y: UnsafePointer<Float>, _ sy: Int, _ n: Int) {
        rowLoop(o, x, sx, y, sy, n) { $0 < 0 ? $0 * $1 : $0 }
    }
}

/// Numpy-style broadcasting of two operands to an output shape, with adjacent axes merged
/// where both operands are either contiguous or repeated over them, so that the inner loop
/// runs as long as possible.
struct BroadcastLayout {
    /// Merged output dimensions, outermost first.
    let dims: [Int]
    let aStrides: [Int]
    let bStrides: [Int]

    init(a: [Int], b: [Int], output: [Int]) {
        func strides(_ shape: [Int]) -> [Int] {
            let padded = Array(repeating: 1, count: output.count - shape.count) + shape
            var result = [Int](repeating: 0, count: output.count)
            var step = 1
            for axis in stride(from: output.count - 1, through: 0, by: -1) {
                result[axis] = padded[axis] == 1 ? 0 : step
                step *= padded[axis]
            }
            return result
        }
        var dims: [Int] = [], sa: [Int] = [], sb: [Int] = []
        for (axis, (x, y)) in zip(strides(a), strides(b)).enumerated() where output[axis] != 1 {
            if let last = dims.last,
               (sa.last == x * output[axis] || (sa.last == 0 && x == 0)),
               (sb.last == y * output[axis] || (sb.last == 0 && y == 0)) {
                dims[dims.count - 1] = last * output[axis]
                sa[sa.count - 1] = x
                sb[sb.count - 1] = y
            } else {
                dims.append(output[axis])
                sa.append(x)
                sb.append(y)
            }
        }
        self.dims = dims.isEmpty ? [1] : dims
        aStrides = sa.isEmpty ? [0] : sa
        bStrides = sb.isEmpty ? [0] : sb
    }

    /// out[i] = F(a[...], b[...]) over the whole output, rows split across workers.
    func run<F: BinaryFunction>(_: F.Type, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                out: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let inner = dims[dims.count - 1]
        let innerA = aStrides[aStrides.count - 1], innerB = bStrides[bStrides.count - 1]
        let rows = dims.dropLast().reduce(1, *)
        let outer = Array(dims.dropLast())
        pool.parallelRanges(rows, grain: max(1, WorkerPool.minimumWorkPerWorker / max(inner, 1))) { range in
            for row in range {
                let (offsetA, offsetB) = broadcastOffsets(of: row, in: outer, aStrides, bStrides)
                F.row(out + row * inner, a + offsetA, innerA, b + offsetB, innerB, inner)
            }
        }
    }
}

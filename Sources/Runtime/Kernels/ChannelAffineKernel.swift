/// y = x * scale[c] + shift[c] per channel: BatchNormalization in inference mode, with
/// scale = gamma / sqrt(var + eps) and shift = beta - mean * scale computed once.
struct ChannelAffineKernel: Kernel {
    let scale: [Float]
    let shift: [Float]
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let batch: Int
    let plane: Int

    static func batchNormalization(_ context: NodeContext) throws -> ChannelAffineKernel {
        let x = try context.shape(0)
        let gamma = try context.constantFloats(1, "scale"), beta = try context.constantFloats(2, "B")
        let mean = try context.constantFloats(3, "mean"), variance = try context.constantFloats(4, "var")
        let epsilon = try context.node.float("epsilon", default: 1e-5)
        let scale = zip(gamma, variance).map { $0 / ($1 + epsilon).squareRoot() }
        let shift = (0..<gamma.count).map { beta[$0] - mean[$0] * scale[$0] }
        return ChannelAffineKernel(scale: scale, shift: shift, input: UnsafePointer(try context.input(0)),
                                   output: context.output, batch: x[0], plane: Array(x[2...]).product)
    }

    func run(_ pool: WorkerPool) {
        let channels = scale.count
        pool.parallelFor(batch * channels, work: batch * channels * plane) { item, _ in
            let channel = item % channels
            let a = scale[channel], b = shift[channel]
            let x = input + item * plane, y = output + item * plane
            for i in 0..<plane { y[i] = x[i] * a + b }
        }
    }
}

/// PRelu with one slope per channel (slope [C], [C,1,..] or [1,C,1,..]), the form every
/// face model uses; other slope shapes go through the broadcasting kernel.
struct ChannelPReluKernel: Kernel {
    let slopes: [Float]
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let batch: Int
    let plane: Int

    /// Nil when the slope is not per channel.
    static func make(_ context: NodeContext) throws -> ChannelPReluKernel? {
        let x = try context.shape(0), slope = try context.shape(1)
        guard x.count >= 2, let values = context.constants[1]?.floats(), values.count == x[1], x[1] > 1 else { return nil }
        let padded = Array(repeating: 1, count: x.count - slope.count) + slope
        guard padded[1] == x[1], padded.enumerated().allSatisfy({ $0.offset == 1 || $0.element == 1 }) else { return nil }
        return ChannelPReluKernel(slopes: values, input: UnsafePointer(try context.input(0)), output: context.output,
                                  batch: x[0], plane: Array(x[2...]).product)
    }

    func run(_ pool: WorkerPool) {
        let channels = slopes.count
        pool.parallelFor(batch * channels, work: batch * channels * plane) { item, _ in
            let slope = slopes[item % channels]
            let x = input + item * plane, y = output + item * plane
            for i in 0..<plane { y[i] = x[i] < 0 ? x[i] * slope : x[i] }
        }
    }
}

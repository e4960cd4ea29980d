import IR

/// Conv: the node's weights and geometry, and the implementation that suits them.
enum ConvKernel {
    static func make(_ context: NodeContext) throws -> Kernel {
        let x = try context.shape(0), w = try context.shape(1)
        let geometry = try WindowGeometry(node: context.node, input: Array(x[2...]), kernel: Array(w[2...]))
        let group = try context.node.int("group", default: 1)
        let weights = try context.constantBuffer(1, "the weight")
        let bias = context.hasInput(2) ? try context.constantBuffer(2, "the bias") : nil
        let shape = ConvShape(batch: x[0], channels: x[1], outputChannels: w[0], group: group, geometry: geometry)
        if x.count == 4 && w[1] == 1 {
            return DepthwiseConvKernel(shape: shape, weights: weights, bias: bias,
                                       input: UnsafePointer(try context.input(0)), output: context.output)
        }
        if WinogradConvKernel.suits(shape) {
            let transformed = context.prepared.buffer("\(context.node.name)#winograd") {
                WinogradConvKernel.transformWeights(weights, outputs: shape.outputChannels, channels: shape.channels)
            }
            return WinogradConvKernel(shape: shape, transformedWeights: transformed, bias: bias,
                                      input: UnsafePointer(try context.input(0)), output: context.output)
        }
        return GemmConvKernel(shape: shape, weights: weights, bias: bias, input: UnsafePointer(try context.input(0)),
                              output: context.output, threads: context.threads)
    }
}

/// Sizes of one convolution.
struct ConvShape {
    let batch: Int
    let channels: Int
    let outputChannels: Int
    let group: Int
    let geometry: WindowGeometry

    var inputPlane: Int { geometry.inputSize.product }
    var outputPlane: Int { geometry.outputSize.product }
    var channelsPerGroup: Int { channels / group }
    var outputsPerGroup: Int { outputChannels / group }
    /// Rows of the im2col matrix: one per input channel of a group and kernel position.
    var patch: Int { channelsPerGroup * geometry.kernel.product }
    var isPointwise: Bool {
        geometry.kernel.allSatisfy { $0 == 1 } && geometry.strides.allSatisfy { $0 == 1 }
            && geometry.padsBegin.allSatisfy { $0 == 0 } && geometry.outputSize == geometry.inputSize
    }
}

/// Writes every output channel's bias (or zero) into an output plane block before a GEMM adds to it.
func fillBias(_ bias: FloatBuffer?, channels: Range<Int>, plane: Int, columns: Range<Int>, into output: UnsafeMutablePointer<Float>) {
    for channel in channels {
        let value = bias?.pointer[channel] ?? 0
        let row = output + (channel - channels.lowerBound) * plane
        for column in columns { row[column] = value }
    }
}

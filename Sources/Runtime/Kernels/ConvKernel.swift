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
        if isWinogradShape(shape) {
            let input = UnsafePointer(try context.input(0))
            // F(4x4) where its tiles keep the products wide, F(2x2) on small planes. The choice
            // depends on the image size only, never on the batch, so that an image's embedding
            // is the same whatever batch it is computed in.
            if WinogradConvKernel<Winograd4x4>.tilesPerImage(shape, tile: 4) >= 49 {
                let transformed = context.prepared.buffer("winograd4 \(context.node.inputs[1])") {
                    WinogradConvKernel<Winograd4x4>.transformWeights(weights, outputs: shape.outputChannels, channels: shape.channels)
                }
                return Winograd4x4Kernel(kernel: WinogradConvKernel(shape: shape, transformedWeights: transformed, bias: bias,
                                                                    input: input, output: context.output))
            }
            if WinogradConvKernel<Winograd2x2>.tilesPerImage(shape, tile: 2) >= 16 {
                let transformed = context.prepared.buffer("winograd2 \(context.node.inputs[1])") {
                    WinogradConvKernel<Winograd2x2>.transformWeights(weights, outputs: shape.outputChannels, channels: shape.channels)
                }
                return Winograd2x2Kernel(kernel: WinogradConvKernel(shape: shape, transformedWeights: transformed, bias: bias,
                                                                    input: input, output: context.output))
            }
        }
        return GemmConvKernel(shape: shape, weights: weights, bias: bias, input: UnsafePointer(try context.input(0)),
                              output: context.output, threads: context.threads)
    }
}

/// Plain 3x3 stride-1 2-D convolutions with enough channels for Winograd's transforms to pay.
func isWinogradShape(_ shape: ConvShape) -> Bool {
    let g = shape.geometry
    return g.kernel == [3, 3] && g.strides == [1, 1] && g.dilations == [1, 1] && shape.group == 1
        && shape.channels >= 16 && shape.outputChannels >= 16
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

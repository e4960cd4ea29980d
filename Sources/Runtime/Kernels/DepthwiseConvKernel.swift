/// 2-D convolution with one input channel per group (depthwise, with any channel multiplier):
/// each input plane is copied into zero padding once per output channel, then every kernel
/// tap adds a shifted, strided row, a loop the compiler vectorizes.
struct DepthwiseConvKernel: Kernel, NeedsScratch {
    let shape: ConvShape
    let weights: FloatBuffer
    let bias: FloatBuffer?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let paddedHeight: Int
    let paddedWidth: Int

    init(shape: ConvShape, weights: FloatBuffer, bias: FloatBuffer?, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.shape = shape
        self.weights = weights
        self.bias = bias
        self.input = input
        self.output = output
        let g = shape.geometry
        paddedHeight = max(g.padsBegin[0] + g.inputSize[0], (g.outputSize[0] - 1) * g.strides[0] + (g.kernel[0] - 1) * g.dilations[0] + 1)
        paddedWidth = max(g.padsBegin[1] + g.inputSize[1], (g.outputSize[1] - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilations[1] + 1)
    }

    var scratchFloats: Int { paddedHeight * paddedWidth }

    func run(_ pool: WorkerPool) {
        let g = shape.geometry
        let height = g.inputSize[0], width = g.inputSize[1], outputHeight = g.outputSize[0], outputWidth = g.outputSize[1]
        let kernelHeight = g.kernel[0], kernelWidth = g.kernel[1], taps = kernelHeight * kernelWidth
        let strideY = g.strides[0], strideX = g.strides[1], dilationY = g.dilations[0], dilationX = g.dilations[1]
        let multiplier = shape.outputsPerGroup
        let paddedWidth = paddedWidth, paddedHeight = paddedHeight
        pool.parallelFor(shape.batch * shape.outputChannels, work: shape.batch * shape.outputChannels * (outputHeight * outputWidth * taps + paddedHeight * paddedWidth)) { item, worker in
            let image = item / shape.outputChannels, channel = item % shape.outputChannels
            let source = input + (image * shape.channels + channel / multiplier) * height * width
            let padded = pool.scratch(worker)
            padded.update(repeating: 0, count: paddedHeight * paddedWidth)
            for y in 0..<height {
                (padded + (y + g.padsBegin[0]) * paddedWidth + g.padsBegin[1]).update(from: source + y * width, count: width)
            }
            let out = output + item * outputHeight * outputWidth
            out.update(repeating: bias?.pointer[channel] ?? 0, count: outputHeight * outputWidth)
            let kernel = weights.pointer + channel * taps
            for outputY in 0..<outputHeight {
                let row = out + outputY * outputWidth
                for ky in 0..<kernelHeight {
                    let line = padded + (outputY * strideY + ky * dilationY) * paddedWidth
                    for kx in 0..<kernelWidth {
                        let weight = kernel[ky * kernelWidth + kx]
                        let start = line + kx * dilationX
                        if strideX == 1 {
                            for x in 0..<outputWidth { row[x] += weight * start[x] }
                        } else {
                            for x in 0..<outputWidth { row[x] += weight * start[x * strideX] }
                        }
                    }
                }
            }
        }
    }
}

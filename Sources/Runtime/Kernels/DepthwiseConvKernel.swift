/// 2-D convolution with one input channel per group (depthwise, with any channel multiplier).
///
/// Each input plane is copied into zero padding once per output channel, then every kernel tap
/// adds a shifted row to the output row, a loop the compiler vectorizes. For stride 2 the
/// padded plane is stored as its even and odd columns, so that taps still read contiguously.
struct DepthwiseConvKernel: Kernel, NeedsScratch {
    let shape: ConvShape
    let weights: FloatBuffer
    let bias: FloatBuffer?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let paddedHeight: Int
    let paddedWidth: Int
    /// Column phases the padded plane is split into: the horizontal stride when it is 2, else 1.
    let phases: Int

    init(shape: ConvShape, weights: FloatBuffer, bias: FloatBuffer?, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.shape = shape
        self.weights = weights
        self.bias = bias
        self.input = input
        self.output = output
        let g = shape.geometry
        phases = g.strides[1] == 2 ? 2 : 1
        paddedHeight = max(g.padsBegin[0] + g.inputSize[0], (g.outputSize[0] - 1) * g.strides[0] + (g.kernel[0] - 1) * g.dilations[0] + 1)
        let width = max(g.padsBegin[1] + g.inputSize[1], (g.outputSize[1] - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilations[1] + 1)
        paddedWidth = (width + phases - 1) / phases * phases
    }

    var scratchFloats: Int { paddedHeight * paddedWidth }

    func run(_ pool: WorkerPool) {
        let g = shape.geometry
        let height = g.inputSize[0], width = g.inputSize[1], outputHeight = g.outputSize[0], outputWidth = g.outputSize[1]
        let kernelHeight = g.kernel[0], kernelWidth = g.kernel[1], taps = kernelHeight * kernelWidth
        let strideY = g.strides[0], strideX = g.strides[1], dilationY = g.dilations[0], dilationX = g.dilations[1]
        let top = g.padsBegin[0], left = g.padsBegin[1]
        let multiplier = shape.outputsPerGroup, phases = phases
        let paddedWidth = paddedWidth, paddedHeight = paddedHeight, phaseWidth = paddedWidth / phases
        let work = shape.batch * shape.outputChannels * (outputHeight * outputWidth * taps + paddedHeight * paddedWidth)
        pool.parallelFor(shape.batch * shape.outputChannels, work: work) { item, worker in
            let image = item / shape.outputChannels, channel = item % shape.outputChannels
            let source = input + (image * shape.channels + channel / multiplier) * height * width
            let padded = pool.scratch(worker)
            // Zero the border, copy the plane inside it (split into column phases for stride 2).
            padded.update(repeating: 0, count: top * paddedWidth)
            (padded + (top + height) * paddedWidth).update(repeating: 0, count: max(0, paddedHeight - top - height) * paddedWidth)
            for y in 0..<height {
                let row = padded + (y + top) * paddedWidth, line = source + y * width
                if phases == 1 {
                    row.update(repeating: 0, count: left)
                    (row + left).update(from: line, count: width)
                    (row + left + width).update(repeating: 0, count: paddedWidth - left - width)
                } else {
                    row.update(repeating: 0, count: paddedWidth)
                    for x in 0..<width {
                        let column = x + left
                        row[(column & 1) * phaseWidth + (column >> 1)] = line[x]
                    }
                }
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
                        let offset = kx * dilationX
                        if phases == 2 {
                            let start = line + (offset & 1) * phaseWidth + (offset >> 1)
                            for x in 0..<outputWidth { row[x] += weight * start[x] }
                        } else if strideX == 1 {
                            let start = line + offset
                            for x in 0..<outputWidth { row[x] += weight * start[x] }
                        } else {
                            let start = line + offset
                            for x in 0..<outputWidth { row[x] += weight * start[x * strideX] }
                        }
                    }
                }
            }
        }
    }
}

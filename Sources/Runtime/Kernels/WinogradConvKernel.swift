/// 3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3): each 4x4 output tile
/// comes from a 6x6 input tile with 36 multiplications per channel pair instead of 144. Per
/// image: the padded input's tiles are transformed (V = Bt d B), the 36 transform positions
/// become 36 matrix products with the pre-transformed weights (U = G g Gt) on OpenBLAS, and
/// each product tile is transformed back (Y = At m A). The transforms are Lavin and Gray's,
/// with interpolation points 0, +-1, +-2.
struct WinogradConvKernel: Kernel, NeedsScratch {
    let shape: ConvShape
    /// U: [36][outputs][channels].
    let transformedWeights: FloatBuffer
    let bias: FloatBuffer?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let tilesHigh: Int, tilesWide: Int
    let paddedHeight: Int, paddedWidth: Int

    /// Whether F(4x4, 3x3) applies and pays: plain 3x3 stride-1 2-D convolutions wide enough
    /// for the matrix products to dominate the transforms.
    static func suits(_ shape: ConvShape) -> Bool {
        let g = shape.geometry
        return g.kernel == [3, 3] && g.strides == [1, 1] && g.dilations == [1, 1] && shape.group == 1
            && shape.channels >= 16 && shape.outputChannels >= 16 && g.outputSize.allSatisfy { $0 >= 4 }
    }

    init(shape: ConvShape, weights: FloatBuffer, bias: FloatBuffer?, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.shape = shape
        self.bias = bias
        self.input = input
        self.output = output
        let g = shape.geometry
        tilesHigh = (g.outputSize[0] + 3) / 4
        tilesWide = (g.outputSize[1] + 3) / 4
        paddedHeight = tilesHigh * 4 + 2
        paddedWidth = tilesWide * 4 + 2
        let outputs = shape.outputChannels, channels = shape.channels
        transformedWeights = FloatBuffer(count: 36 * outputs * channels)
        for o in 0..<outputs {
            for c in 0..<channels {
                let kernel = weights.pointer + (o * channels + c) * 9
                // G g: 6x3, then (G g) Gt: 6x6.
                var rows = [Float](repeating: 0, count: 18)
                for column in 0..<3 {
                    let column3 = Self.filterTransform(kernel[column], kernel[3 + column], kernel[6 + column])
                    for row in 0..<6 { rows[row * 3 + column] = column3[row] }
                }
                for row in 0..<6 {
                    let transformed = Self.filterTransform(rows[row * 3], rows[row * 3 + 1], rows[row * 3 + 2])
                    for column in 0..<6 {
                        transformedWeights.pointer[((row * 6 + column) * outputs + o) * channels + c] = transformed[column]
                    }
                }
            }
        }
    }

    private var tiles: Int { tilesHigh * tilesWide }
    private var paddedPlane: Int { paddedHeight * paddedWidth }

    /// A 6x6 tile being transformed.
    var scratchFloats: Int { 36 }

    /// Padded input, V [36][channels][tiles] and M [36][outputs][tiles] of one image.
    var sharedScratchFloats: Int {
        shape.channels * paddedPlane + 36 * tiles * (shape.channels + shape.outputChannels)
    }

    /// G x for one column (g0, g1, g2) of the filter.
    private static func filterTransform(_ g0: Float, _ g1: Float, _ g2: Float) -> [Float] {
        [g0 / 4, -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6, g0 / 24 + g1 / 12 + g2 / 6, g0 / 24 - g1 / 12 + g2 / 6, g2]
    }

    func run(_ pool: WorkerPool) {
        let channels = shape.channels, outputs = shape.outputChannels, tiles = tiles
        let padded = pool.sharedScratch
        let transformedInput = padded + channels * paddedPlane
        let products = transformedInput + 36 * channels * tiles
        let g = shape.geometry
        let height = g.inputSize[0], width = g.inputSize[1]
        for image in 0..<shape.batch {
            let source = input + image * channels * height * width
            pool.parallelFor(channels, work: channels * paddedPlane * 12) { channel, worker in
                let plane = padded + channel * paddedPlane
                plane.update(repeating: 0, count: paddedPlane)
                let rows = min(height, paddedHeight - g.padsBegin[0]), columns = min(width, paddedWidth - g.padsBegin[1])
                for y in 0..<rows {
                    (plane + (y + g.padsBegin[0]) * paddedWidth + g.padsBegin[1]).update(from: source + (channel * height + y) * width, count: columns)
                }
                transformInput(plane, channel: channel, into: transformedInput, temporary: pool.scratch(worker))
            }
            pool.parallelFor(36, work: 36 * outputs * channels * tiles) { position, _ in
                BLAS.gemm(m: outputs, n: tiles, k: channels,
                          a: transformedWeights.pointer + position * outputs * channels, lda: channels,
                          b: transformedInput + position * channels * tiles, ldb: tiles,
                          c: products + position * outputs * tiles, ldc: tiles, beta: 0)
            }
            let destination = output + image * outputs * g.outputSize[0] * g.outputSize[1]
            pool.parallelFor(outputs, work: outputs * tiles * 100) { channel, worker in
                transformOutput(products, channel: channel, into: destination + channel * g.outputSize[0] * g.outputSize[1],
                                temporary: pool.scratch(worker))
            }
        }
    }

    /// The six outputs of Bt x for a column x read at `source` with `stride`.
    @inline(__always)
    private static func inputTransform(_ source: UnsafePointer<Float>, _ step: Int, into out: UnsafeMutablePointer<Float>, _ outStep: Int) {
        let d0 = source[0], d1 = source[step], d2 = source[2 * step], d3 = source[3 * step], d4 = source[4 * step], d5 = source[5 * step]
        out[0] = 4 * d0 - 5 * d2 + d4
        out[outStep] = -4 * (d1 + d2) + d3 + d4
        out[2 * outStep] = 4 * (d1 - d2) - d3 + d4
        out[3 * outStep] = 2 * (d3 - d1) - d2 + d4
        out[4 * outStep] = 2 * (d1 - d3) - d2 + d4
        out[5 * outStep] = 4 * d1 - 5 * d3 + d5
    }

    /// The four outputs of At m for a column m read at `source` with `stride`.
    @inline(__always)
    private static func outputTransform(_ source: UnsafePointer<Float>, _ step: Int) -> (Float, Float, Float, Float) {
        let m0 = source[0], m1 = source[step], m2 = source[2 * step], m3 = source[3 * step], m4 = source[4 * step], m5 = source[5 * step]
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
    }

    /// V = Bt d B for every 6x6 tile of one padded channel plane; `temporary` holds 36 floats.
    private func transformInput(_ plane: UnsafePointer<Float>, channel: Int, into transformed: UnsafeMutablePointer<Float>,
                                temporary t: UnsafeMutablePointer<Float>) {
        let tiles = tiles, stride = shape.channels * tiles
        let base = transformed + channel * tiles
        for tileY in 0..<tilesHigh {
            for tileX in 0..<tilesWide {
                let corner = plane + tileY * 4 * paddedWidth + tileX * 4
                for column in 0..<6 { Self.inputTransform(corner + column, paddedWidth, into: t + column, 6) }
                let out = base + tileY * tilesWide + tileX
                for row in 0..<6 { Self.inputTransform(t + row * 6, 1, into: out + row * 6 * stride, stride) }
            }
        }
    }

    /// Y = At m A for every tile of one output channel, plus its bias, clipped to the output;
    /// `temporary` holds 24 floats.
    private func transformOutput(_ products: UnsafePointer<Float>, channel: Int, into plane: UnsafeMutablePointer<Float>,
                                 temporary p: UnsafeMutablePointer<Float>) {
        let tiles = tiles, stride = shape.outputChannels * tiles
        let outputHeight = shape.geometry.outputSize[0], outputWidth = shape.geometry.outputSize[1]
        let base = products + channel * tiles
        let bias = bias?.pointer[channel] ?? 0
        for tileY in 0..<tilesHigh {
            for tileX in 0..<tilesWide {
                let tile = base + tileY * tilesWide + tileX
                for column in 0..<6 {
                    let (a, b, c, d) = Self.outputTransform(tile + column * stride, 6 * stride)
                    p[column] = a
                    p[6 + column] = b
                    p[12 + column] = c
                    p[18 + column] = d
                }
                let columns = min(4, outputWidth - tileX * 4)
                for row in 0..<min(4, outputHeight - tileY * 4) {
                    let (a, b, c, d) = Self.outputTransform(p + row * 6, 1)
                    let line = plane + (tileY * 4 + row) * outputWidth + tileX * 4
                    if columns == 4 {
                        line[0] = a + bias; line[1] = b + bias; line[2] = c + bias; line[3] = d + bias
                    } else {
                        let values = (a, b, c, d)
                        withUnsafeBytes(of: values) { raw in
                            for column in 0..<columns { line[column] = raw.load(fromByteOffset: column * 4, as: Float.self) + bias }
                        }
                    }
                }
            }
        }
    }
}

/// 3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3): each 4x4 output tile
/// comes from a 6x6 input tile with 36 multiplications per channel pair instead of 144.
///
/// The tiles of all images in the batch are processed in blocks: the block's input tiles are
/// transformed (V = Bt d B), the 36 transform positions become 36 matrix products with the
/// weights transformed once at plan time (U = G g Gt) on OpenBLAS, and each product tile is
/// transformed back (Y = At m A). Pooling the images' tiles keeps the products wide, which is
/// what makes them efficient. The transforms are Lavin and Gray's, points 0, +-1, +-2.
struct WinogradConvKernel: Kernel, NeedsScratch {
    let shape: ConvShape
    /// U: [36][outputs][channels].
    let transformedWeights: FloatBuffer
    let bias: FloatBuffer?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let tilesHigh: Int, tilesWide: Int
    /// Tiles per block: V and M of one block stay within a few megabytes.
    let blockTiles: Int

    /// Whether F(4x4, 3x3) applies and pays: plain 3x3 stride-1 2-D convolutions with enough
    /// channels, and enough tiles in the batch for wide matrix products.
    static func suits(_ shape: ConvShape) -> Bool {
        let g = shape.geometry
        let tiles = ((g.outputSize.first ?? 0) + 3) / 4 * (((g.outputSize.last ?? 0) + 3) / 4)
        return g.kernel == [3, 3] && g.strides == [1, 1] && g.dilations == [1, 1] && shape.group == 1
            && shape.channels >= 16 && shape.outputChannels >= 16 && shape.batch * tiles >= 64
    }

    init(shape: ConvShape, transformedWeights: FloatBuffer, bias: FloatBuffer?, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.shape = shape
        self.bias = bias
        self.input = input
        self.output = output
        let g = shape.geometry
        tilesHigh = (g.outputSize[0] + 3) / 4
        tilesWide = (g.outputSize[1] + 3) / 4
        let total = shape.batch * tilesHigh * tilesWide
        blockTiles = min(total, max(64, (8 << 20) / (4 * 36 * (shape.channels + shape.outputChannels))))
        self.transformedWeights = transformedWeights
    }

    /// U = G g Gt for every 3x3 filter, laid out [36][outputs][channels].
    static func transformWeights(_ weights: FloatBuffer, outputs: Int, channels: Int) -> FloatBuffer {
        let result = FloatBuffer(count: 36 * outputs * channels)
        let plane = outputs * channels
        for pair in 0..<plane {
            let g = weights.pointer + pair * 9
            // G g: 6 rows of 3, one column of the filter at a time.
            var rows = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0),
                        Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
            withUnsafeMutableBytes(of: &rows) { raw in
                let r = raw.bindMemory(to: Float.self).baseAddress.unsafelyUnwrapped
                for column in 0..<3 { filterTransform(g + column, 3, into: r + column, 3) }
                for row in 0..<6 { filterTransform(r + row * 3, 1, into: result.pointer + row * 6 * plane + pair, plane) }
            }
        }
        return result
    }

    /// G x for a filter column x = (x0, x1, x2) read with `step`, written with `outStep`.
    @inline(__always)
    private static func filterTransform(_ x: UnsafePointer<Float>, _ step: Int, into out: UnsafeMutablePointer<Float>, _ outStep: Int) {
        let g0 = x[0], g1 = x[step], g2 = x[2 * step]
        out[0] = g0 / 4
        out[outStep] = -(g0 + g1 + g2) / 6
        out[2 * outStep] = -(g0 - g1 + g2) / 6
        out[3 * outStep] = g0 / 24 + g1 / 12 + g2 / 6
        out[4 * outStep] = g0 / 24 - g1 / 12 + g2 / 6
        out[5 * outStep] = g2
    }

    private var tiles: Int { tilesHigh * tilesWide }

    /// Six transformed rows of a tile row, then a padded input plane or an output plane
    /// rounded up to whole tiles.
    var scratchFloats: Int { 6 * (tilesWide * 4 + 2) + max((tilesHigh * 4 + 2) * (tilesWide * 4 + 2), 24 * tilesWide + tilesHigh * tilesWide * 16) }

    /// V [36][channels][block] and M [36][outputs][block].
    var sharedScratchFloats: Int { 36 * blockTiles * (shape.channels + shape.outputChannels) }

    private var paddedHeight: Int { tilesHigh * 4 + 2 }
    private var paddedWidth: Int { tilesWide * 4 + 2 }

    func run(_ pool: WorkerPool) {
        let channels = shape.channels, outputs = shape.outputChannels, tiles = tiles
        let transformed = pool.sharedScratch
        let total = shape.batch * tiles
        let g = shape.geometry
        let height = g.inputSize[0], width = g.inputSize[1], outputHeight = g.outputSize[0], outputWidth = g.outputSize[1]
        let paddedHeight = paddedHeight, paddedWidth = paddedWidth, rowFloats = 6 * paddedWidth
        var first = 0
        while first < total {
            let count = min(blockTiles, total - first)
            let products = transformed + 36 * channels * count
            pool.parallelFor(channels, work: channels * count * 200) { channel, worker in
                let padded = pool.scratch(worker) + rowFloats
                forEachImage(first: first, count: count) { image, tiles, slot in
                    // The plane in zero padding: every tile then reads inside it.
                    padded.update(repeating: 0, count: paddedHeight * paddedWidth)
                    let source = input + (image * channels + channel) * height * width
                    let rows = min(height, paddedHeight - g.padsBegin[0]), columns = min(width, paddedWidth - g.padsBegin[1])
                    for y in 0..<rows {
                        (padded + (y + g.padsBegin[0]) * paddedWidth + g.padsBegin[1]).update(from: source + y * width, count: columns)
                    }
                    forEachRow(tiles, slot: slot) { tile, slot, run in
                        transformInputRow(padded, tile: tile, count: run, into: transformed + channel * count + slot,
                                          stride: channels * count, scratch: pool.scratch(worker))
                    }
                }
            }
            pool.parallelFor(36, work: 36 * outputs * channels * count) { position, _ in
                BLAS.gemm(m: outputs, n: count, k: channels,
                          a: transformedWeights.pointer + position * outputs * channels, lda: channels,
                          b: transformed + position * channels * count, ldb: count,
                          c: products + position * outputs * count, ldc: count, beta: 0)
            }
            pool.parallelFor(outputs, work: outputs * count * 150) { channel, worker in
                let bias = bias?.pointer[channel] ?? 0
                let whole = pool.scratch(worker) + 6 * 4 * tilesWide
                forEachImage(first: first, count: count) { image, tiles, slot in
                    let destination = output + (image * outputs + channel) * outputHeight * outputWidth
                    // Whole tiles go to a plane rounded up to tiles, then are copied out clipped.
                    forEachRow(tiles, slot: slot) { tile, slot, run in
                        transformOutputRow(products + channel * count + slot, stride: outputs * count, tile: tile, count: run,
                                           bias: bias, into: whole, scratch: pool.scratch(worker))
                        let top = tile / tilesWide * 4, left = tile % tilesWide * 4
                        let columns = min(outputWidth, left + 4 * run) - left
                        for y in top..<min(outputHeight, top + 4) {
                            (destination + y * outputWidth + left).update(from: whole + y * tilesWide * 4 + left, count: columns)
                        }
                    }
                }
            }
            first += count
        }
    }

    /// Splits block slots `0..<count` (tiles `first...` of the batch) by image:
    /// body(image, tiles of that image, first slot).
    private func forEachImage(first: Int, count: Int, _ body: (Int, Range<Int>, Int) -> Void) {
        var slot = 0
        while slot < count {
            let image = (first + slot) / tiles, tile = (first + slot) % tiles
            let end = min(tiles, tile + count - slot)
            body(image, tile..<end, slot)
            slot += end - tile
        }
    }

    /// Splits tiles of one image into runs within one tile row: body(tile, slot, length).
    private func forEachRow(_ tiles: Range<Int>, slot: Int, _ body: (Int, Int, Int) -> Void) {
        var tile = tiles.lowerBound, slot = slot
        while tile < tiles.upperBound {
            let length = min(tiles.upperBound, (tile / tilesWide + 1) * tilesWide) - tile
            body(tile, slot, length)
            tile += length
            slot += length
        }
    }

    /// V for `count` consecutive tiles of one tile row of a padded plane: Bt down the six
    /// input rows (contiguous, vectorized), then B along each row for every tile.
    private func transformInputRow(_ plane: UnsafePointer<Float>, tile: Int, count: Int, into out: UnsafeMutablePointer<Float>,
                                   stride: Int, scratch: UnsafeMutablePointer<Float>) {
        let width = paddedWidth
        let top = tile / tilesWide * 4, left = tile % tilesWide * 4
        let span = 4 * count + 2
        let source = plane + top * width + left
        let r0 = source, r1 = source + width, r2 = source + 2 * width, r3 = source + 3 * width, r4 = source + 4 * width, r5 = source + 5 * width
        let t0 = scratch, t1 = scratch + span, t2 = scratch + 2 * span, t3 = scratch + 3 * span, t4 = scratch + 4 * span, t5 = scratch + 5 * span
        for x in 0..<span {
            let d0 = r0[x], d1 = r1[x], d2 = r2[x], d3 = r3[x], d4 = r4[x], d5 = r5[x]
            t0[x] = 4 * d0 - 5 * d2 + d4
            t1[x] = -4 * (d1 + d2) + d3 + d4
            t2[x] = 4 * (d1 - d2) - d3 + d4
            t3[x] = 2 * (d3 - d1) - d2 + d4
            t4[x] = 2 * (d1 - d3) - d2 + d4
            t5[x] = 4 * d1 - 5 * d3 + d5
        }
        for row in 0..<6 {
            let t = scratch + row * span
            let o0 = out + row * 6 * stride, o1 = o0 + stride, o2 = o1 + stride, o3 = o2 + stride, o4 = o3 + stride, o5 = o4 + stride
            for i in 0..<count {
                let d = t + 4 * i
                let d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5]
                o0[i] = 4 * d0 - 5 * d2 + d4
                o1[i] = -4 * (d1 + d2) + d3 + d4
                o2[i] = 4 * (d1 - d2) - d3 + d4
                o3[i] = 2 * (d3 - d1) - d2 + d4
                o4[i] = 2 * (d1 - d3) - d2 + d4
                o5[i] = 4 * d1 - 5 * d3 + d5
            }
        }
    }

    /// Y for `count` consecutive tiles of one tile row, into a plane of whole tiles: At along
    /// each of the six product rows for every tile (contiguous across tiles), then At down.
    private func transformOutputRow(_ m: UnsafePointer<Float>, stride: Int, tile: Int, count: Int, bias: Float,
                                    into plane: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let outputWidth = tilesWide * 4
        // h[r][c][i]: row r of the product, output column c, tile i.
        for row in 0..<6 {
            let m0 = m + row * 6 * stride, m1 = m0 + stride, m2 = m1 + stride, m3 = m2 + stride, m4 = m3 + stride, m5 = m4 + stride
            let h = scratch + row * 4 * count
            let h0 = h, h1 = h + count, h2 = h + 2 * count, h3 = h + 3 * count
            for i in 0..<count {
                let a = m1[i] + m2[i], b = m1[i] - m2[i], c = m3[i] + m4[i], d = m3[i] - m4[i]
                h0[i] = m0[i] + a + c
                h1[i] = b + 2 * d
                h2[i] = a + 4 * c
                h3[i] = b + 8 * d + m5[i]
            }
        }
        let rowStart = tile / tilesWide * 4, columnStart = tile % tilesWide * 4
        for column in 0..<4 {
            let s0 = scratch + column * count, s1 = s0 + 4 * count, s2 = s1 + 4 * count, s3 = s2 + 4 * count, s4 = s3 + 4 * count, s5 = s4 + 4 * count
            let y0 = plane + rowStart * outputWidth + columnStart + column
            let y1 = y0 + outputWidth, y2 = y1 + outputWidth, y3 = y2 + outputWidth
            for i in 0..<count {
                let a = s1[i] + s2[i], b = s1[i] - s2[i], c = s3[i] + s4[i], d = s3[i] - s4[i]
                y0[4 * i] = s0[i] + a + c + bias
                y1[4 * i] = b + 2 * d + bias
                y2[4 * i] = a + 4 * c + bias
                y3[4 * i] = b + 8 * d + s5[i] + bias
            }
        }
    }
}

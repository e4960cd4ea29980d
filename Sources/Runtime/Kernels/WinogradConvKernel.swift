/// 3x3 stride-1 convolution by Winograd's minimal filtering F(m x m, 3x3) (see
/// `WinogradVariant`): each m x m output tile comes from an (m+2) x (m+2) input tile with
/// (m+2)^2 multiplications per channel pair instead of 9 m^2.
///
/// The tiles of all images in the batch are processed in blocks: the block's input tiles are
/// transformed (V = Bt d B), the (m+2)^2 transform positions become as many matrix products
/// with the weights transformed once per engine (U = G g Gt) on OpenBLAS, and each product
/// tile is transformed back (Y = At M A). Pooling the images' tiles keeps the products wide,
/// which is what makes them efficient.
/// How much transformed data one Winograd block may hold; tests lower it to cover blocks
/// that split an image.
enum WinogradBlocks {
    static var budgetBytes = 8 << 20
}

struct WinogradConvKernel<Variant: WinogradVariant>: NeedsScratch {
    let shape: ConvShape
    /// U: [positions][outputs][channels].
    let transformedWeights: FloatBuffer
    let bias: FloatBuffer?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let tilesHigh: Int, tilesWide: Int
    /// Tiles per block: V and M of one block stay within a few megabytes.
    let blockTiles: Int

    private static var m: Int { Variant.outputTile }
    private static var t: Int { Variant.inputTile }
    private static var positions: Int { t * t }

    /// Tiles of side `tile` covering one image's output plane.
    static func tilesPerImage(_ shape: ConvShape, tile: Int) -> Int {
        ((shape.geometry.outputSize[0] + tile - 1) / tile) * ((shape.geometry.outputSize[1] + tile - 1) / tile)
    }

    init(shape: ConvShape, transformedWeights: FloatBuffer, bias: FloatBuffer?, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        self.shape = shape
        self.bias = bias
        self.input = input
        self.output = output
        self.transformedWeights = transformedWeights
        let g = shape.geometry
        tilesHigh = (g.outputSize[0] + Self.m - 1) / Self.m
        tilesWide = (g.outputSize[1] + Self.m - 1) / Self.m
        let total = shape.batch * tilesHigh * tilesWide
        blockTiles = min(total, max(64, WinogradBlocks.budgetBytes / (4 * Self.positions * (shape.channels + shape.outputChannels))))
    }

    /// U = G g Gt for every 3x3 filter, laid out [positions][outputs][channels].
    static func transformWeights(_ weights: FloatBuffer, outputs: Int, channels: Int) -> FloatBuffer {
        let result = FloatBuffer(count: positions * outputs * channels)
        let pairs = outputs * channels, temporary = FloatBuffer(count: 3 * t)
        for pair in 0..<pairs {
            let g = weights.pointer + pair * 9
            for column in 0..<3 { Variant.filter(g + column, 3, temporary.pointer + column, 3) }
            for row in 0..<t { Variant.filter(temporary.pointer + row * 3, 1, result.pointer + row * t * pairs + pair, pairs) }
        }
        return result
    }

    private var tiles: Int { tilesHigh * tilesWide }
    private var paddedHeight: Int { tilesHigh * Self.m + 2 }
    private var paddedWidth: Int { tilesWide * Self.m + 2 }

    /// Transformed rows of a tile row, then a padded input plane or an output plane rounded up
    /// to whole tiles.
    var scratchFloats: Int {
        Self.t * paddedWidth + max(paddedHeight * paddedWidth, Self.t * Self.m * tilesWide + tiles * Self.m * Self.m)
    }

    /// V [positions][channels][block] and M [positions][outputs][block].
    var sharedScratchFloats: Int { Self.positions * blockTiles * (shape.channels + shape.outputChannels) }

    func run(_ pool: WorkerPool) {
        let channels = shape.channels, outputs = shape.outputChannels, positions = Self.positions
        let transformed = pool.sharedScratch
        let total = shape.batch * tiles
        let g = shape.geometry
        let height = g.inputSize[0], width = g.inputSize[1], outputHeight = g.outputSize[0], outputWidth = g.outputSize[1]
        let paddedHeight = paddedHeight, paddedWidth = paddedWidth, rowFloats = Self.t * paddedWidth, m = Self.m
        var first = 0
        while first < total {
            let count = min(blockTiles, total - first)
            let products = transformed + positions * channels * count
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
            pool.parallelFor(positions, work: positions * outputs * channels * count) { position, _ in
                BLAS.gemm(m: outputs, n: count, k: channels,
                          a: transformedWeights.pointer + position * outputs * channels, lda: channels,
                          b: transformed + position * channels * count, ldb: count,
                          c: products + position * outputs * count, ldc: count, beta: 0)
            }
            pool.parallelFor(outputs, work: outputs * count * 150) { channel, worker in
                let bias = bias?.pointer[channel] ?? 0
                let whole = pool.scratch(worker) + Self.t * m * tilesWide
                forEachImage(first: first, count: count) { image, tiles, slot in
                    let destination = output + (image * outputs + channel) * outputHeight * outputWidth
                    // Whole tiles go to a plane rounded up to tiles, then are copied out clipped.
                    forEachRow(tiles, slot: slot) { tile, slot, run in
                        transformOutputRow(products + channel * count + slot, stride: outputs * count, tile: tile, count: run,
                                           bias: bias, into: whole, scratch: pool.scratch(worker))
                        let top = tile / tilesWide * m, left = tile % tilesWide * m
                        let columns = min(outputWidth, left + m * run) - left
                        for y in top..<min(outputHeight, top + m) {
                            (destination + y * outputWidth + left).update(from: whole + y * tilesWide * m + left, count: columns)
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

    /// V for `count` consecutive tiles of one tile row of a padded plane: Bt down the input
    /// rows (contiguous across the row), then B along each row for every tile, written to
    /// `out` with `stride` between transform positions.
    private func transformInputRow(_ plane: UnsafePointer<Float>, tile: Int, count: Int, into out: UnsafeMutablePointer<Float>,
                                   stride: Int, scratch: UnsafeMutablePointer<Float>) {
        let m = Self.m, t = Self.t, width = paddedWidth
        let source = plane + tile / tilesWide * m * width + tile % tilesWide * m
        let span = m * count + 2
        for x in 0..<span { Variant.input(source + x, width, scratch + x, span) }
        for row in 0..<t {
            let line = scratch + row * span, destination = out + row * t * stride
            for i in 0..<count { Variant.input(line + m * i, 1, destination + i, stride) }
        }
    }

    /// Y for `count` consecutive tiles of one tile row, into a plane of whole tiles: At along
    /// each product row for every tile (contiguous across tiles), then At down the columns.
    private func transformOutputRow(_ products: UnsafePointer<Float>, stride: Int, tile: Int, count: Int, bias: Float,
                                    into plane: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let m = Self.m, t = Self.t, width = tilesWide * m
        // scratch[r][c][i]: row r of the product, output column c, tile i.
        for row in 0..<t {
            let source = products + row * t * stride, destination = scratch + row * m * count
            for i in 0..<count { Variant.output(source + i, stride, destination + i, count, bias: 0) }
        }
        let corner = plane + tile / tilesWide * m * width + tile % tilesWide * m
        for column in 0..<m {
            let source = scratch + column * count
            for i in 0..<count { Variant.output(source + i, m * count, corner + column + m * i, width, bias: bias) }
        }
    }
}

/// The kernels for each variant. A generic type's protocol conformance runs unspecialized
/// code, so each variant gets a concrete type whose `run` calls the specialized one.
struct Winograd4x4Kernel: Kernel, NeedsScratch {
    let kernel: WinogradConvKernel<Winograd4x4>
    var scratchFloats: Int { kernel.scratchFloats }
    var sharedScratchFloats: Int { kernel.sharedScratchFloats }
    func run(_ pool: WorkerPool) { kernel.run(pool) }
}

struct Winograd2x2Kernel: Kernel, NeedsScratch {
    let kernel: WinogradConvKernel<Winograd2x2>
    var scratchFloats: Int { kernel.scratchFloats }
    var sharedScratchFloats: Int { kernel.sharedScratchFloats }
    func run(_ pool: WorkerPool) { kernel.run(pool) }
}

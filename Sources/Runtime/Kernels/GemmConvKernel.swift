/// Convolution as matrix products: per image, group and block of output positions, the input
/// patches are laid out as columns (im2col; skipped for 1x1 stride-1 convolutions) and
/// multiplied by the weights with OpenBLAS. Blocks are spread over the workers. Small output
/// planes (the last stages of a network) pool the columns of all images into one product,
/// which keeps it wide enough to be efficient.
struct GemmConvKernel: Kernel, NeedsScratch {
    let shape: ConvShape
    let weights: FloatBuffer
    let bias: FloatBuffer?
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    /// Output positions per block.
    let blockColumns: Int
    let blocksPerImage: Int

    init(shape: ConvShape, weights: FloatBuffer, bias: FloatBuffer?, input: UnsafePointer<Float>,
         output: UnsafeMutablePointer<Float>, threads: Int) {
        self.shape = shape
        self.weights = weights
        self.bias = bias
        self.input = input
        self.output = output
        let plane = shape.outputPlane
        // About 1 MB of columns per block, at least 256 positions (so that packing the weights
        // stays small next to the product), and enough blocks for every worker.
        var columns = min(plane, max(256, (1 << 18) / max(shape.patch, 1)))
        let wanted = (threads + shape.batch * shape.group - 1) / (shape.batch * shape.group)
        if (plane + columns - 1) / columns < wanted {
            columns = max(16, (plane + wanted - 1) / wanted)
        }
        blockColumns = columns
        blocksPerImage = (plane + columns - 1) / columns
    }

    /// Whether the images' columns are pooled into one product.
    var poolsImages: Bool { shape.batch > 1 && shape.outputPlane < 256 }

    var scratchFloats: Int {
        if poolsImages {
            let columns = shape.batch * shape.outputPlane
            return (shape.patch + shape.outputsPerGroup) * columns
        }
        return shape.isPointwise ? 0 : shape.patch * blockColumns
    }

    func run(_ pool: WorkerPool) {
        if poolsImages {
            runPooled(pool)
            return
        }
        let plane = shape.outputPlane, items = shape.batch * shape.group * blocksPerImage
        let outputsPerGroup = shape.outputsPerGroup, patch = shape.patch
        pool.parallelFor(items) { item, worker in
            let block = item % blocksPerImage, group = (item / blocksPerImage) % shape.group
            let image = item / (blocksPerImage * shape.group)
            let columns = (block * blockColumns)..<min(plane, (block + 1) * blockColumns)
            let groupInput = input + (image * shape.channels + group * shape.channelsPerGroup) * shape.inputPlane
            let groupOutput = output + (image * shape.outputChannels + group * outputsPerGroup) * plane
            let outputChannels = (group * outputsPerGroup)..<((group + 1) * outputsPerGroup)
            fillBias(bias, channels: outputChannels, plane: plane, columns: columns, into: groupOutput)
            let b: UnsafePointer<Float>, ldb: Int
            if shape.isPointwise {
                b = groupInput + columns.lowerBound
                ldb = plane
            } else {
                let scratch = pool.scratch(worker)
                Im2Col.fill(scratch, from: groupInput, channels: shape.channelsPerGroup, geometry: shape.geometry, columns: columns)
                b = UnsafePointer(scratch)
                ldb = columns.count
            }
            BLAS.gemm(m: outputsPerGroup, n: columns.count, k: patch,
                      a: weights.pointer + group * outputsPerGroup * patch, lda: patch,
                      b: b, ldb: ldb, c: groupOutput + columns.lowerBound, ldc: plane, beta: 1)
        }
    }

    /// One product per group over the columns of every image, then scattered to the images.
    private func runPooled(_ pool: WorkerPool) {
        let plane = shape.outputPlane, columns = shape.batch * plane
        let outputsPerGroup = shape.outputsPerGroup, patch = shape.patch
        pool.parallelFor(shape.group) { group, worker in
            let matrix = pool.scratch(worker), product = matrix + patch * columns
            for image in 0..<shape.batch {
                let groupInput = input + (image * shape.channels + group * shape.channelsPerGroup) * shape.inputPlane
                Im2Col.fill(matrix + image * plane, from: groupInput, channels: shape.channelsPerGroup, geometry: shape.geometry,
                            columns: 0..<plane, rowLength: columns)
            }
            BLAS.gemm(m: outputsPerGroup, n: columns, k: patch, a: weights.pointer + group * outputsPerGroup * patch, lda: patch,
                      b: matrix, ldb: columns, c: product, ldc: columns, beta: 0)
            for image in 0..<shape.batch {
                let groupOutput = output + (image * shape.outputChannels + group * outputsPerGroup) * plane
                for row in 0..<outputsPerGroup {
                    let bias = self.bias?.pointer[group * outputsPerGroup + row] ?? 0
                    let source = product + row * columns + image * plane, destination = groupOutput + row * plane
                    for i in 0..<plane { destination[i] = source[i] + bias }
                }
            }
        }
    }
}

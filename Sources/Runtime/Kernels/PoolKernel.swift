import Foundation
import IR

/// MaxPool and AveragePool over any spatial rank; windows are clipped to the input (max
/// ignores padding; average divides by the window inside the padded input when
/// count_include_pad, else by the part inside the input).
struct PoolKernel: Kernel {
    let isMax: Bool
    let countIncludesPad: Bool
    let geometry: WindowGeometry
    let planes: Int
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(_ context: NodeContext, isMax: Bool) throws {
        let x = try context.shape(0)
        self.isMax = isMax
        countIncludesPad = try context.node.int("count_include_pad", default: 0) != 0
        geometry = try WindowGeometry(node: context.node, input: Array(x[2...]), kernel: nil)
        planes = x[0] * x[1]
        input = UnsafePointer(try context.input(0))
        output = context.output
    }

    func run(_ pool: WorkerPool) {
        if geometry.kernel.count == 2 {
            run2D(pool)
            return
        }
        let g = geometry, rank = g.kernel.count
        let inputPlane = g.inputSize.product, outputPlane = g.outputSize.product
        pool.parallelFor(planes, work: planes * outputPlane * g.kernel.product) { plane, _ in
            let source = input + plane * inputPlane, destination = output + plane * outputPlane
            var low = [Int](repeating: 0, count: rank), high = low, position = low
            for index in 0..<outputPlane {
                var rest = index, padded = 1
                for axis in stride(from: rank - 1, through: 0, by: -1) {
                    let coordinate = rest % g.outputSize[axis]
                    rest /= g.outputSize[axis]
                    let start = coordinate * g.strides[axis] - g.padsBegin[axis]
                    let extent = (g.kernel[axis] - 1) * g.dilations[axis] + 1
                    // The window inside the declared padding, for count_include_pad.
                    let paddedEnd = min(start + extent, g.inputSize[axis] + g.padsEnd[axis])
                    padded *= (paddedEnd - start + g.dilations[axis] - 1) / g.dilations[axis]
                    // First and one-past-last window tap inside the input.
                    low[axis] = start < 0 ? (-start + g.dilations[axis] - 1) / g.dilations[axis] : 0
                    high[axis] = min(g.kernel[axis], (g.inputSize[axis] - start + g.dilations[axis] - 1) / g.dilations[axis])
                    position[axis] = start
                }
                var best = -Float.infinity, sum: Float = 0, count = 0
                var tap = low
                if zip(low, high).allSatisfy({ $0 < $1 }) {
                    while true {
                        var offset = 0
                        for axis in 0..<rank { offset = offset * g.inputSize[axis] + position[axis] + tap[axis] * g.dilations[axis] }
                        let value = source[offset]
                        best = max(best, value)
                        sum += value
                        count += 1
                        var axis = rank - 1
                        while axis >= 0 {
                            tap[axis] += 1
                            if tap[axis] < high[axis] { break }
                            tap[axis] = low[axis]
                            axis -= 1
                        }
                        if axis < 0 { break }
                    }
                }
                destination[index] = isMax ? best : sum / Float(countIncludesPad ? padded : max(count, 1))
            }
        }
    }
}

extension PoolKernel {
    /// The same windows for images: clipped ranges per output row and column, no odometers.
    private func run2D(_ pool: WorkerPool) {
        let g = geometry
        let height = g.inputSize[0], width = g.inputSize[1], outputHeight = g.outputSize[0], outputWidth = g.outputSize[1]
        let (kernelHeight, kernelWidth) = (g.kernel[0], g.kernel[1])
        let (strideY, strideX, dilationY, dilationX) = (g.strides[0], g.strides[1], g.dilations[0], g.dilations[1])
        /// Taps of a window starting at `start` that fall inside `0..<size`, and the window's
        /// extent inside the declared padding (for count_include_pad).
        func taps(_ start: Int, _ size: Int, _ kernel: Int, _ dilation: Int, _ padEnd: Int) -> (Range<Int>, Int) {
            let low = start < 0 ? (-start + dilation - 1) / dilation : 0
            let high = min(kernel, (size - start + dilation - 1) / dilation)
            let paddedEnd = min(start + (kernel - 1) * dilation + 1, size + padEnd)
            return (low..<max(low, high), (paddedEnd - start + dilation - 1) / dilation)
        }
        let rows = (0..<outputHeight).map { taps($0 * strideY - g.padsBegin[0], height, kernelHeight, dilationY, g.padsEnd[0]) }
        let columns = (0..<outputWidth).map { taps($0 * strideX - g.padsBegin[1], width, kernelWidth, dilationX, g.padsEnd[1]) }
        pool.parallelFor(planes, work: planes * outputHeight * outputWidth * kernelHeight * kernelWidth) { plane, _ in
            let source = input + plane * height * width, destination = output + plane * outputHeight * outputWidth
            for outputY in 0..<outputHeight {
                let (rowTaps, rowExtent) = rows[outputY]
                let top = outputY * strideY - g.padsBegin[0]
                for outputX in 0..<outputWidth {
                    let (columnTaps, columnExtent) = columns[outputX]
                    let left = outputX * strideX - g.padsBegin[1]
                    var best = -Float.infinity, sum: Float = 0
                    for ky in rowTaps {
                        let line = source + (top + ky * dilationY) * width + left
                        for kx in columnTaps {
                            let value = line[kx * dilationX]
                            best = max(best, value)
                            sum += value
                        }
                    }
                    let count = countIncludesPad ? rowExtent * columnExtent : max(rowTaps.count * columnTaps.count, 1)
                    destination[outputY * outputWidth + outputX] = isMax ? best : sum / Float(count)
                }
            }
        }
    }
}

/// GlobalAveragePool: the mean of every channel plane.
struct GlobalAveragePoolKernel: Kernel {
    let planes: Int
    let plane: Int
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(_ context: NodeContext) throws {
        let x = try context.shape(0)
        planes = x[0] * x[1]
        plane = Array(x[2...]).product
        input = UnsafePointer(try context.input(0))
        output = context.output
    }

    func run(_ pool: WorkerPool) {
        pool.parallelFor(planes, work: planes * plane) { index, _ in
            var sum: Float = 0
            let source = input + index * plane
            for i in 0..<plane { sum += source[i] }
            output[index] = sum / Float(plane)
        }
    }
}

/// Softmax along one axis.
struct SoftmaxKernel: Kernel {
    let outer: Int, length: Int, inner: Int
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(_ context: NodeContext) throws {
        let shape = try context.shape(0)
        let axis = try OperatorSet.normalizedAxis(context.node, try context.node.int("axis", default: -1), rank: shape.count)
        outer = Array(shape[..<axis]).product
        length = shape[axis]
        inner = Array(shape[(axis + 1)...]).product
        input = UnsafePointer(try context.input(0))
        output = context.output
    }

    func run(_ pool: WorkerPool) {
        pool.parallelFor(outer * inner, work: outer * inner * length * 4) { item, _ in
            let base = (item / inner) * length * inner + item % inner
            var largest = -Float.infinity
            for i in 0..<length { largest = max(largest, input[base + i * inner]) }
            var sum: Float = 0
            for i in 0..<length {
                let value = expf(input[base + i * inner] - largest)
                output[base + i * inner] = value
                sum += value
            }
            for i in 0..<length { output[base + i * inner] /= sum }
        }
    }
}

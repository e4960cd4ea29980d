import IR

/// Lays out convolution input patches as matrix columns: row (channel, kernel position),
/// column (output position), zero where the window reaches into the padding.
enum Im2Col {
    /// Fills `columns.count` columns (output positions `columns`) of the patch matrix, whose
    /// rows are `rowLength` floats apart (default: `columns.count`).
    static func fill(_ matrix: UnsafeMutablePointer<Float>, from input: UnsafePointer<Float>, channels: Int,
                     geometry: WindowGeometry, columns: Range<Int>, rowLength: Int? = nil) {
        let rowLength = rowLength ?? columns.count
        if geometry.kernel.count == 2 {
            fill2D(matrix, from: input, channels: channels, geometry: geometry, columns: columns, rowLength: rowLength)
        } else {
            fillAnyRank(matrix, from: input, channels: channels, geometry: geometry, columns: columns, rowLength: rowLength)
        }
    }

    private static func fill2D(_ matrix: UnsafeMutablePointer<Float>, from input: UnsafePointer<Float>, channels: Int,
                               geometry g: WindowGeometry, columns: Range<Int>, rowLength: Int) {
        let height = g.inputSize[0], width = g.inputSize[1], outputWidth = g.outputSize[1]
        let kernelHeight = g.kernel[0], kernelWidth = g.kernel[1]
        let strideY = g.strides[0], strideX = g.strides[1], dilationY = g.dilations[0], dilationX = g.dilations[1]
        let padTop = g.padsBegin[0], padLeft = g.padsBegin[1]
        let count = columns.count
        var row = matrix
        for channel in 0..<channels {
            let plane = input + channel * height * width
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    var position = columns.lowerBound
                    var outputY = position / outputWidth, outputX = position % outputWidth
                    var column = 0
                    while column < count {
                        let run = min(outputWidth - outputX, count - column)
                        let y = outputY * strideY - padTop + ky * dilationY
                        let destination = row + column
                        if y < 0 || y >= height {
                            destination.update(repeating: 0, count: run)
                        } else {
                            let source = plane + y * width
                            let xOffset = kx * dilationX - padLeft
                            for i in 0..<run {
                                let x = (outputX + i) * strideX + xOffset
                                destination[i] = x >= 0 && x < width ? source[x] : 0
                            }
                        }
                        column += run
                        position += run
                        outputY += 1
                        outputX = 0
                    }
                    row += rowLength
                }
            }
        }
    }

    /// Any spatial rank (1-D and 3-D convolutions), by odometers over positions and offsets.
    private static func fillAnyRank(_ matrix: UnsafeMutablePointer<Float>, from input: UnsafePointer<Float>, channels: Int,
                                    geometry g: WindowGeometry, columns: Range<Int>, rowLength: Int) {
        let rank = g.kernel.count
        let kernelCount = g.kernel.product, plane = g.inputSize.product
        var row = matrix
        for channel in 0..<channels {
            for kernelIndex in 0..<kernelCount {
                var offset = [Int](repeating: 0, count: rank), rest = kernelIndex
                for axis in stride(from: rank - 1, through: 0, by: -1) {
                    offset[axis] = rest % g.kernel[axis]
                    rest /= g.kernel[axis]
                }
                for (column, position) in columns.enumerated() {
                    var remaining = position, index = 0, inside = true
                    var coordinates = [Int](repeating: 0, count: rank)
                    for axis in stride(from: rank - 1, through: 0, by: -1) {
                        coordinates[axis] = remaining % g.outputSize[axis]
                        remaining /= g.outputSize[axis]
                    }
                    for axis in 0..<rank {
                        let coordinate = coordinates[axis] * g.strides[axis] - g.padsBegin[axis] + offset[axis] * g.dilations[axis]
                        if coordinate < 0 || coordinate >= g.inputSize[axis] { inside = false }
                        index = index * g.inputSize[axis] + coordinate
                    }
                    row[column] = inside ? input[channel * plane + index] : 0
                }
                row += rowLength
            }
        }
    }
}

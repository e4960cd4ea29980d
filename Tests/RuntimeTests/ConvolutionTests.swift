import IR
@testable import Runtime
import Support
import XCTest

/// A seeded generator, so failures repeat.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

func randomFloats(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
}

/// Direct 2-D convolution, the textbook loops, as the reference.
func referenceConv(x: [Float], xShape: [Int], w: [Float], wShape: [Int], bias: [Float]?, group: Int,
                   strides: [Int], pads: [Int], dilations: [Int]) -> ([Float], [Int]) {
    let (n, c, h, width) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let (m, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
    let oh = (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1
    let ow = (width + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1
    var out = [Float](repeating: 0, count: n * m * oh * ow)
    let mg = m / group
    for image in 0..<n {
        for o in 0..<m {
            let g = o / mg
            for y in 0..<oh {
                for xo in 0..<ow {
                    var sum: Float = bias?[o] ?? 0
                    for ci in 0..<cg {
                        let channel = g * cg + ci
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = y * strides[0] - pads[0] + ky * dilations[0]
                                let ix = xo * strides[1] - pads[1] + kx * dilations[1]
                                guard iy >= 0, iy < h, ix >= 0, ix < width else { continue }
                                sum += x[((image * c + channel) * h + iy) * width + ix] * w[((o * cg + ci) * kh + ky) * kw + kx]
                            }
                        }
                    }
                    out[((image * m + o) * oh + y) * ow + xo] = sum
                }
            }
        }
    }
    _ = c
    return (out, [n, m, oh, ow])
}

final class ConvolutionTests: XCTestCase {
    private func check(batch: Int, channels: Int, size: (Int, Int), outputs: Int, kernel: (Int, Int), group: Int,
                       strides: [Int] = [1, 1], pads: [Int] = [0, 0, 0, 0], dilations: [Int] = [1, 1],
                       bias: Bool = true, threads: Int = 2, seed: UInt64 = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        var generator = SeededGenerator(state: seed)
        let xShape = [batch, channels, size.0, size.1], wShape = [outputs, channels / group, kernel.0, kernel.1]
        let x = randomFloats(xShape.reduce(1, *), &generator), w = randomFloats(wShape.reduce(1, *), &generator)
        let b = bias ? randomFloats(outputs, &generator) : nil
        var weights = ["w": Tensor(floats: w, shape: wShape)]
        if let b { weights["b"] = Tensor(floats: b, shape: [outputs]) }
        let graph = Graph(name: "conv", inputs: [ValueInfo(name: "x", dtype: .float32, dims: [.symbolic("n")] + xShape.dropFirst().map { .fixed($0) })],
                          outputs: [ValueInfo(name: "y", dtype: .float32, dims: [])],
                          nodes: [Node(name: "conv", opType: "Conv", inputs: bias ? ["x", "w", "b"] : ["x", "w"], outputs: ["y"],
                                       attributes: ["group": .int(group), "strides": .ints(strides), "pads": .ints(pads), "dilations": .ints(dilations)])],
                          initializers: weights)
        let engine = try Engine(graph: graph, threads: threads)
        let result = try XCTUnwrap(try engine.run(["x": HostTensor(shape: xShape, values: x)])["y"])
        let (expected, expectedShape) = referenceConv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, group: group,
                                                      strides: strides, pads: pads, dilations: dilations)
        XCTAssertEqual(result.shape, expectedShape, file: file, line: line)
        let error = zip(result.values, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(error, 1e-4, file: file, line: line)
    }

    func testPlainPaddedStridedAndDilatedConvolutions() throws {
        try check(batch: 2, channels: 3, size: (9, 7), outputs: 5, kernel: (3, 3), group: 1, pads: [1, 1, 1, 1])
        try check(batch: 1, channels: 4, size: (8, 8), outputs: 6, kernel: (3, 2), group: 1, strides: [2, 1], pads: [1, 0, 2, 1])
        try check(batch: 3, channels: 2, size: (10, 9), outputs: 4, kernel: (3, 3), group: 1, dilations: [2, 3], bias: false)
        try check(batch: 2, channels: 8, size: (5, 6), outputs: 16, kernel: (1, 1), group: 1, threads: 1)
        try check(batch: 1, channels: 8, size: (30, 30), outputs: 4, kernel: (1, 1), group: 1, strides: [2, 2])
    }

    func testGroupedAndDepthwiseConvolutions() throws {
        try check(batch: 2, channels: 6, size: (7, 7), outputs: 9, kernel: (3, 3), group: 3, pads: [1, 1, 1, 1])
        try check(batch: 2, channels: 5, size: (9, 8), outputs: 5, kernel: (3, 3), group: 5, pads: [1, 1, 1, 1])
        try check(batch: 1, channels: 4, size: (12, 11), outputs: 4, kernel: (5, 5), group: 4, strides: [2, 2], pads: [2, 2, 2, 2])
        try check(batch: 1, channels: 3, size: (7, 7), outputs: 6, kernel: (7, 7), group: 3, bias: false)
        try check(batch: 2, channels: 4, size: (9, 9), outputs: 4, kernel: (3, 3), group: 4, dilations: [2, 2], threads: 1)
    }

    func testLargeImagesSplitAcrossWorkersGiveTheSameResult() throws {
        try check(batch: 1, channels: 16, size: (40, 40), outputs: 8, kernel: (3, 3), group: 1, pads: [1, 1, 1, 1], threads: 2, seed: 3)
        try check(batch: 1, channels: 16, size: (40, 40), outputs: 8, kernel: (3, 3), group: 1, pads: [1, 1, 1, 1], threads: 1, seed: 3)
    }

    func testWinogradTilesOddSizesAndPaddings() throws {
        // F(4x4): 2 images x 81 tiles; F(2x2): 2 images x 36 and 49 tiles; sizes that are not
        // whole tiles and asymmetric padding.
        try check(batch: 2, channels: 16, size: (36, 36), outputs: 16, kernel: (3, 3), group: 1, pads: [1, 1, 1, 1], seed: 5)
        try check(batch: 2, channels: 16, size: (35, 33), outputs: 24, kernel: (3, 3), group: 1, pads: [1, 0, 0, 2], bias: false, seed: 6)
        try check(batch: 2, channels: 16, size: (12, 12), outputs: 16, kernel: (3, 3), group: 1, pads: [1, 1, 1, 1], seed: 7)
        try check(batch: 2, channels: 20, size: (15, 13), outputs: 17, kernel: (3, 3), group: 1, threads: 1, seed: 8)
    }

    func testWinogradBlocksThatSplitImages() throws {
        let saved = WinogradBlocks.budgetBytes
        WinogradBlocks.budgetBytes = 1
        defer { WinogradBlocks.budgetBytes = saved }
        try check(batch: 3, channels: 16, size: (36, 30), outputs: 16, kernel: (3, 3), group: 1, pads: [1, 1, 1, 1], seed: 9)
        try check(batch: 3, channels: 16, size: (13, 14), outputs: 16, kernel: (3, 3), group: 1, pads: [1, 1, 1, 1], threads: 1, seed: 10)
    }

    func testPooledImageColumnsForSmallPlanes() throws {
        try check(batch: 3, channels: 8, size: (9, 9), outputs: 12, kernel: (3, 3), group: 2, strides: [2, 2], pads: [1, 1, 1, 1], threads: 1, seed: 11)
        try check(batch: 4, channels: 6, size: (7, 7), outputs: 6, kernel: (1, 1), group: 1, strides: [2, 2], threads: 2, seed: 12)
    }
}

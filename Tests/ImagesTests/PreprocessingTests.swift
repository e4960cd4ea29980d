import Images
import XCTest

final class PreprocessingTests: XCTestCase {
    /// A 3x2 image whose every sample differs: pixel (x, y) channel c holds 40*y + 10*x + c.
    private let image: DecodedImage = {
        var pixels: [UInt8] = []
        for y in 0..<2 {
            for x in 0..<3 {
                for c in 0..<3 { pixels.append(UInt8(40 * y + 10 * x + c)) }
            }
        }
        return DecodedImage(width: 3, height: 2, pixels: pixels)
    }()

    func testNormalizationValues() {
        XCTAssertEqual(Normalization.value(0), -1)
        XCTAssertEqual(Normalization.value(255), 1)
        XCTAssertEqual(Normalization.table.count, 256)
        for sample in 0...255 {
            // torchvision's float32 arithmetic, bit for bit ...
            let scaled = Float(sample) / 255
            XCTAssertEqual(Normalization.value(UInt8(sample)), (scaled - 0.5) / 0.5)
            // ... which is within one float32 step of 1.0 (the rounding of x/255, doubled)
            // of the exact value.
            let exact = (Double(sample) / 255 - 0.5) / 0.5
            XCTAssertLessThanOrEqual(abs(Double(Normalization.value(UInt8(sample))) - exact),
                                     Double(Float(1).ulp), "\(sample)")
        }
        XCTAssertEqual(Normalization.value(51), -0.6, accuracy: 1e-7)
    }

    func testWriteCHWLayout() {
        var out = [Float](repeating: .nan, count: image.chwCount)
        out.withUnsafeMutableBufferPointer { image.writeCHW(into: $0.baseAddress!) }
        for c in 0..<3 {
            for y in 0..<2 {
                for x in 0..<3 {
                    XCTAssertEqual(out[c * 6 + y * 3 + x], Normalization.value(UInt8(40 * y + 10 * x + c)), "\(c) \(y) \(x)")
                }
            }
        }
    }

    func testMirroredWritesEachRowRightToLeft() {
        var out = [Float](repeating: .nan, count: image.chwCount)
        out.withUnsafeMutableBufferPointer { image.writeCHW(into: $0.baseAddress!, mirrored: true) }
        for c in 0..<3 {
            for y in 0..<2 {
                for x in 0..<3 {
                    XCTAssertEqual(out[c * 6 + y * 3 + x], Normalization.value(UInt8(40 * y + 10 * (2 - x) + c)), "\(c) \(y) \(x)")
                }
            }
        }
    }

    func testWriteFillsOneBatchSlotAndNothingElse() throws {
        let preprocessing = Preprocessing(width: 3, height: 2)
        XCTAssertEqual(preprocessing.floatsPerImage, 18)
        var batch = [Float](repeating: 7, count: 4 * 18)
        try batch.withUnsafeMutableBufferPointer { buffer in
            try preprocessing.write(image, origin: "x", into: buffer.baseAddress! + 18, mirrored: false)
            try preprocessing.write(image, origin: "x", into: buffer.baseAddress! + 36, mirrored: true)
        }
        XCTAssertEqual(Array(batch[0..<18]), [Float](repeating: 7, count: 18))
        XCTAssertEqual(Array(batch[54...]), [Float](repeating: 7, count: 18))
        XCTAssertEqual(batch[18], -1)  // R of (0, 0) is 0
        XCTAssertEqual(batch[36], Normalization.value(20))  // mirrored: R of (2, 0)
    }

    func testWrongSizeIsAnErrorNamingTheFileUnlessResizing() throws {
        let small = DecodedImage(width: 100, height: 90, pixels: [UInt8](repeating: 9, count: 100 * 90 * 3))
        let message = TestFiles.errorMessage { _ = try Preprocessing().fit(small, origin: "faces/a.jpg") }
        XCTAssertEqual(message, "faces/a.jpg: image is 100x90, the model needs 112x112 (pass --resize to resize it)")
        let resized = try Preprocessing(resize: true).fit(small, origin: "faces/a.jpg")
        XCTAssertEqual(resized.width, 112)
        XCTAssertEqual(resized.height, 112)
        XCTAssertEqual(resized.pixels, [UInt8](repeating: 9, count: 112 * 112 * 3))
    }

    func testResizeLeavesTheExpectedSizeUnchanged() throws {
        let path = TestFiles.faces + "/00000001.jpg"
        let face = try ImageDecoder.decode(TestFiles.read(path), origin: path)
        XCTAssertEqual(try Preprocessing(resize: true).fit(face, origin: path), face)
        XCTAssertEqual(face.resized(width: 112, height: 112), face)
        let bigger = face.resized(width: 250, height: 250)
        XCTAssertEqual(bigger.width, 250)
        XCTAssertEqual(try Preprocessing(resize: true).fit(bigger, origin: path).width, 112)
    }

    func testBilinearUsesHalfPixelCenters() {
        let row = DecodedImage(width: 2, height: 1, pixels: [0, 0, 0, 100, 100, 100])
        // Output x samples (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
        XCTAssertEqual(reds(row.resized(width: 4, height: 1)), [0, 25, 75, 100])
        let four = DecodedImage(width: 4, height: 1, pixels: [10, 20, 30, 60].flatMap { [UInt8($0), 0, 255] })
        // Shrinking 2x samples 0.5 and 2.5: the mean of each pair, no wider filter.
        XCTAssertEqual(four.resized(width: 2, height: 1).pixels, [15, 0, 255, 45, 0, 255])
        let column = DecodedImage(width: 1, height: 2, pixels: [0, 0, 0, 101, 101, 101])
        XCTAssertEqual(reds(column.resized(width: 1, height: 4)), [0, 25, 76, 101])  // 25.25 -> 25, 75.75 -> 76
    }

    private func reds(_ image: DecodedImage) -> [UInt8] {
        stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
    }

    func testOtherInputSizes() throws {
        let preprocessing = Preprocessing(width: 96, height: 112, resize: true)
        XCTAssertEqual(preprocessing.floatsPerImage, 3 * 96 * 112)
        let fitted = try preprocessing.fit(image, origin: "x")
        XCTAssertEqual(fitted.width, 96)
        XCTAssertEqual(fitted.height, 112)
        XCTAssertTrue(Preprocessing().summary.contains("112x112"))
    }
}

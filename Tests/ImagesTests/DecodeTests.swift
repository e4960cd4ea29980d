import Foundation
import Images
import Support
import XCTest

final class JPEGDecodeTests: XCTestCase {
    func testRealFacesDecodeTo112x112RGB() throws {
        for name in TestFiles.faceNames {
            let path = TestFiles.faces + "/" + name
            let image = try ImageDecoder.decode(TestFiles.read(path), origin: path)
            XCTAssertEqual(image.width, 112, name)
            XCTAssertEqual(image.height, 112, name)
            XCTAssertEqual(image.pixels.count, 112 * 112 * 3, name)
            XCTAssertGreaterThan(Set(image.pixels).count, 100, name)
        }
    }

    func testTruncatedJPEGIsAnErrorNamingTheFile() throws {
        let bytes = try TestFiles.read(TestFiles.faces + "/00000001.jpg")
        let message = TestFiles.errorMessage {
            _ = try ImageDecoder.decode(Array(bytes.prefix(bytes.count / 2)), origin: "half.jpg")
        }
        XCTAssertTrue(message.hasPrefix("half.jpg: "), message)
        XCTAssertTrue(message.contains("truncated JPEG"), message)
    }

    func testJPEGCutInsideItsHeaderIsAnError() {
        let message = TestFiles.errorMessage {
            _ = try ImageDecoder.decode([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A], origin: "stub.jpg")
        }
        XCTAssertTrue(message.hasPrefix("stub.jpg: corrupt"), message)
        XCTAssertTrue(message.contains("JPEG"), message)
    }

    func testUnknownAndEmptyBytesAreErrors() {
        let gif = TestFiles.errorMessage { _ = try ImageDecoder.decode(Array("GIF89a..".utf8), origin: "a.jpg") }
        XCTAssertEqual(gif, "a.jpg: is not a JPEG or PNG image (it starts with bytes 47 49 46 38 39 61 2e 2e)")
        let empty = TestFiles.errorMessage { _ = try ImageDecoder.decode([], origin: "b.png") }
        XCTAssertEqual(empty, "b.png: is empty, not an image")
    }

    func testFormatComesFromMagicBytesNotTheExtension() throws {
        let folder = try TestFiles.scratchFolder(self)
        let png = TestPNGWriter(width: 2, height: 1, colorType: .rgb, samples: [1, 2, 3, 4, 5, 6]).encode()
        try TestFiles.write(png, to: folder + "/really-a-png.jpg")
        try TestFiles.write(TestFiles.read(TestFiles.faces + "/00000001.jpg"), to: folder + "/really-a-jpeg.png")
        let source = try openImageSource(folder)
        XCTAssertEqual(source.count, 2)
        XCTAssertEqual(try source.load(at: 0).width, 112)  // really-a-jpeg.png
        XCTAssertEqual(try source.load(at: 1).pixels, [1, 2, 3, 4, 5, 6])
    }
}

final class PNGDecodeTests: XCTestCase {
    private func decode(_ png: TestPNGWriter) throws -> DecodedImage {
        try ImageDecoder.decode(png.encode(), origin: "test.png")
    }

    private func pattern(_ count: Int, _ seed: Int) -> [Int] {
        (0..<count).map { ($0 &* 7919 &+ seed &* 104729) % 256 }
    }

    func testRGBDecodesExactly() throws {
        let samples = pattern(5 * 3 * 3, 1)
        let image = try decode(TestPNGWriter(width: 5, height: 3, colorType: .rgb, samples: samples))
        XCTAssertEqual(image.width, 5)
        XCTAssertEqual(image.height, 3)
        XCTAssertEqual(image.pixels, samples.map(UInt8.init))
    }

    func testGrayIsReplicated() throws {
        let samples = pattern(4 * 2, 2)
        let image = try decode(TestPNGWriter(width: 4, height: 2, colorType: .gray, samples: samples))
        XCTAssertEqual(image.pixels, samples.flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
    }

    func testLowBitDepthGrayIsScaledTo8Bits() throws {
        let image = try decode(TestPNGWriter(width: 4, height: 1, colorType: .gray, bitDepth: 2, samples: [0, 1, 2, 3]))
        XCTAssertEqual(image.pixels, [0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255])
        let binary = try decode(TestPNGWriter(width: 3, height: 1, colorType: .gray, bitDepth: 1, samples: [1, 0, 1]))
        XCTAssertEqual(binary.pixels, [255, 255, 255, 0, 0, 0, 255, 255, 255])
    }

    func testAlphaIsDroppedNotComposited() throws {
        let rgba = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255]
        let image = try decode(TestPNGWriter(width: 3, height: 1, colorType: .rgba, samples: rgba))
        XCTAssertEqual(image.pixels, [10, 20, 30, 40, 50, 60, 70, 80, 90])
        let grayAlpha = try decode(TestPNGWriter(width: 2, height: 1, colorType: .grayAlpha, samples: [99, 0, 200, 7]))
        XCTAssertEqual(grayAlpha.pixels, [99, 99, 99, 200, 200, 200])
    }

    func testPaletteWithTransparencyExpandsToItsColors() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7]
        let png = TestPNGWriter(width: 5, height: 1, colorType: .palette, bitDepth: 4,
                                samples: [0, 1, 2, 3, 1], palette: palette, transparency: [0, 128])
        XCTAssertEqual(try decode(png).pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7, 0, 255, 0])
    }

    func testSixteenBitKeepsTheHighByte() throws {
        let rgb16 = [0x1234, 0xABCD, 0xFFFF, 0x00FF, 0x0100, 0x8080]
        XCTAssertEqual(try decode(TestPNGWriter(width: 2, height: 1, colorType: .rgb, bitDepth: 16, samples: rgb16)).pixels,
                       [0x12, 0xAB, 0xFF, 0x00, 0x01, 0x80])
        let rgba16 = [0x1234, 0xABCD, 0xFFFF, 0x0000]
        XCTAssertEqual(try decode(TestPNGWriter(width: 1, height: 1, colorType: .rgba, bitDepth: 16, samples: rgba16)).pixels,
                       [0x12, 0xAB, 0xFF])
        XCTAssertEqual(try decode(TestPNGWriter(width: 2, height: 1, colorType: .gray, bitDepth: 16, samples: [0x7F01, 0x00FF])).pixels,
                       [0x7F, 0x7F, 0x7F, 0, 0, 0])
    }

    func testInterlacedDecodesExactly() throws {
        let samples = pattern(11 * 9 * 3, 3)
        let png = TestPNGWriter(width: 11, height: 9, colorType: .rgb, samples: samples, interlaced: true)
        XCTAssertEqual(try decode(png).pixels, samples.map(UInt8.init))
    }

    func testCorruptPNGIsAnErrorNamingTheFile() throws {
        var bytes = TestPNGWriter(width: 8, height: 8, colorType: .rgb, samples: pattern(8 * 8 * 3, 4)).encode()
        var badHeader = bytes
        badHeader[20] ^= 0x01  // inside IHDR: its CRC no longer matches
        let header = TestFiles.errorMessage { _ = try ImageDecoder.decode(badHeader, origin: "broken.png") }
        XCTAssertTrue(header.hasPrefix("broken.png: corrupt PNG: "), header)
        XCTAssertTrue(header.lowercased().contains("crc"), header)
        bytes[60] ^= 0xFF  // inside the compressed pixel data
        let data = TestFiles.errorMessage { _ = try ImageDecoder.decode(bytes, origin: "broken.png") }
        XCTAssertTrue(data.hasPrefix("broken.png: corrupt PNG: "), data)
    }

    func testTruncatedPNGIsAnError() throws {
        let bytes = TestPNGWriter(width: 8, height: 8, colorType: .rgb, samples: pattern(8 * 8 * 3, 5)).encode()
        for cut in [20, 40, bytes.count - 30, bytes.count - 5] {
            let message = TestFiles.errorMessage { _ = try ImageDecoder.decode(Array(bytes.prefix(cut)), origin: "cut.png") }
            XCTAssertTrue(message.hasPrefix("cut.png: corrupt PNG: "), message)
        }
        let message = TestFiles.errorMessage { _ = try ImageDecoder.decode(Array(bytes.prefix(40)), origin: "cut.png") }
        XCTAssertTrue(message.contains("truncated"), message)
    }
}

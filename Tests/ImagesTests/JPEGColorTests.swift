import CTurboJPEG
import Images
import XCTest

/// Gray and CMYK JPEGs, encoded here with TurboJPEG itself.
final class JPEGColorTests: XCTestCase {
    private func encode(_ pixels: [UInt8], width: Int, height: Int, format: TJPF, subsampling: TJSAMP) throws -> [UInt8] {
        let handle = try XCTUnwrap(tjInitCompress())
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = pixels.withUnsafeBufferPointer { source in
            tjCompress2(handle, source.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue),
                        &output, &size, Int32(subsampling.rawValue), 95, 0)
        }
        XCTAssertEqual(status, 0)
        defer { tjFree(output) }
        return Array(UnsafeBufferPointer(start: try XCTUnwrap(output), count: Int(size)))
    }

    func testGrayJPEGDecodesToEqualChannels() throws {
        let gray = (0..<(16 * 8)).map { UInt8(($0 * 2) % 256) }
        let jpeg = try encode(gray, width: 16, height: 8, format: TJPF_GRAY, subsampling: TJSAMP_GRAY)
        let image = try ImageDecoder.decode(jpeg, origin: "gray.jpg")
        XCTAssertEqual([image.width, image.height], [16, 8])
        for pixel in 0..<(16 * 8) {
            XCTAssertEqual(image.pixels[3 * pixel], image.pixels[3 * pixel + 1])
            XCTAssertEqual(image.pixels[3 * pixel], image.pixels[3 * pixel + 2])
            XCTAssertLessThanOrEqual(abs(Int(image.pixels[3 * pixel]) - Int(gray[pixel])), 3)
        }
    }

    func testCMYKJPEGIsRefused() throws {
        let cmyk = [UInt8](repeating: 40, count: 8 * 8 * 4)
        let jpeg = try encode(cmyk, width: 8, height: 8, format: TJPF_CMYK, subsampling: TJSAMP_444)
        XCTAssertEqual(TestFiles.errorMessage { _ = try ImageDecoder.decode(jpeg, origin: "print.jpg") },
                       "print.jpg: is a CMYK JPEG; convert it to RGB first")
    }
}

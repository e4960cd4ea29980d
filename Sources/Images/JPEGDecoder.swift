import CTurboJPEG

/// JPEG decoding through libjpeg-turbo's TurboJPEG API.
///
/// Decoder settings, chosen to give the pixels Pillow gives (Pillow decodes with libjpeg-turbo
/// at its defaults: the accurate integer inverse DCT, JDCT_ISLOW, and "fancy" triangle-filter
/// chroma upsampling, converting YCbCr to RGB in the library):
/// - `TJFLAG_ACCURATEDCT` selects JDCT_ISLOW. It is also TurboJPEG's decompression default
///   today, but the header calls that default implementation-specific, so it is set explicitly;
///   the result is the same as passing no flag.
/// - `TJFLAG_FASTUPSAMPLE` is not set, so fancy upsampling stays on (as in Pillow), and
///   `TJFLAG_FASTDCT` is not set (it would select the less accurate JDCT_IFAST).
/// - Output `TJPF_RGB`; gray JPEGs come out with R = G = B, as Pillow's `.convert('RGB')`.
/// - Truncated data ("Premature end of JPEG file") is an error, as in Pillow (which raises
///   "image file is truncated"); other libjpeg warnings, such as extraneous bytes before a
///   marker, are tolerated because Pillow decodes those files too.
/// CMYK/YCCK JPEGs are refused: Pillow converts them with its own formula, not libjpeg's.
enum JPEGDecoder {
    static let flags = TJFLAG_ACCURATEDCT

    static func decode(_ bytes: UnsafeRawBufferPointer, origin: String) throws -> DecodedImage {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw ImageError(origin: origin, problem: "is empty, not an image")
        }
        guard let handle = tjInitDecompress() else {
            throw ImageError(origin: origin, problem: "cannot create a JPEG decoder")
        }
        defer { tjDestroy(handle) }
        let size = UInt(bytes.count)

        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, base, size, &width, &height, &subsampling, &colorspace) == 0 else {
            throw ImageError(origin: origin, problem: "corrupt JPEG header: \(lastError(handle))")
        }
        if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
            throw ImageError(origin: origin, problem: "is a CMYK JPEG; convert it to RGB first")
        }
        try ImageDecoder.checkSize(width: Int(width), height: Int(height), format: .jpeg, origin: origin)

        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            tjDecompress2(handle, base, size, out.baseAddress, width, 0, height,
                          Int32(TJPF_RGB.rawValue), flags)
        }
        if status != 0 {
            let text = lastError(handle)
            let fatal = tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue)
            if fatal {
                throw ImageError(origin: origin, problem: "corrupt JPEG data: \(text)")
            }
            if text.contains("Premature end of JPEG file") {
                throw ImageError(origin: origin, problem: "truncated JPEG data (\(text))")
            }
        }
        return DecodedImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    private static func lastError(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: text).trimmingTrailingPeriod()
    }
}

extension String {
    func trimmingTrailingPeriod() -> String {
        hasSuffix(".") ? String(dropLast()) : self
    }
}

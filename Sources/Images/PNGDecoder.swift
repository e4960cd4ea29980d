import CPNG

/// PNG decoding through libpng, by the C function `pn_png_decode_rgb8` in the CPNG shim, which
/// keeps libpng's setjmp/longjmp error handling inside C.
///
/// The conversion follows Pillow's `Image.open(f).convert('RGB')`: palette expanded, gray
/// replicated to R = G = B, 1/2/4-bit gray scaled to 0...255, alpha and tRNS transparency
/// dropped (not composited), no gamma or ICC correction. 16-bit samples keep their high byte,
/// as Pillow does for 16-bit RGB, RGBA and gray+alpha. (For 16-bit gray without alpha, Pillow's
/// "I;16" mode instead clamps the 16-bit value to 255, turning almost every pixel white; pnconv
/// takes the high byte there too.)
enum PNGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, origin: String) throws -> DecodedImage {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw ImageError(origin: origin, problem: "is empty, not an image")
        }
        var status = pn_png_status()
        var width: UInt32 = 0, height: UInt32 = 0
        guard pn_png_decode_rgb8(base, bytes.count, nil, 0, &width, &height, &status) == 0 else {
            throw ImageError(origin: origin, problem: "corrupt PNG: \(message(status))")
        }
        try ImageDecoder.checkSize(width: Int(width), height: Int(height), format: .png, origin: origin)

        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let result = pixels.withUnsafeMutableBufferPointer { out in
            pn_png_decode_rgb8(base, bytes.count, out.baseAddress, out.count, &width, &height, &status)
        }
        guard result == 0 else {
            throw ImageError(origin: origin, problem: "corrupt PNG: \(message(status))")
        }
        return DecodedImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    private static func message(_ status: pn_png_status) -> String {
        var copy = status
        let text = withUnsafeBytes(of: &copy.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "unknown libpng error" : text
    }
}

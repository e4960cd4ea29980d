/// A decoded image: 8-bit RGB, interleaved (R, G, B per pixel), rows top to bottom.
public struct DecodedImage: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes: pixel (x, y) channel c is at `(y * width + x) * 3 + c`.
    public let pixels: [UInt8]

    /// Wraps RGB pixels; `pixels.count` must be `width * height * 3` (a programming error
    /// otherwise, never a property of input data: decoders size the buffer themselves).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "DecodedImage: \(pixels.count) bytes do not make a \(width)x\(height) RGB image")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at (x, y) as (r, g, b).
    public func rgb(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}

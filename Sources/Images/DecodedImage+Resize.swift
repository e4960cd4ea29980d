extension DecodedImage {
    /// The image resized to `width` x `height` by bilinear interpolation, defined as OpenCV's
    /// `cv2.resize(..., interpolation=INTER_LINEAR)`: half-pixel centers (output pixel x samples
    /// source coordinate `(x + 0.5) * inWidth / outWidth - 0.5`), coordinates clamped to the
    /// edge pixels, two taps per axis, no antialiasing when shrinking, result rounded to the
    /// nearest integer. It is computed in floating point, so it can differ by 1 from OpenCV's
    /// 11-bit fixed-point weights. Pillow's `BILINEAR` is the same for enlarging but widens its
    /// filter (antialiasing) when shrinking. The same size returns the image unchanged.
    public func resized(width newWidth: Int, height newHeight: Int) -> DecodedImage {
        precondition(newWidth > 0 && newHeight > 0, "resized: the target size must be positive")
        if newWidth == width && newHeight == height { return self }
        guard width > 0, height > 0 else {
            return DecodedImage(width: newWidth, height: newHeight,
                                pixels: [UInt8](repeating: 0, count: newWidth * newHeight * 3))
        }
        let xs = Self.taps(output: newWidth, input: width)
        let ys = Self.taps(output: newHeight, input: height)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let width = self.width
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for (oy, ty) in ys.enumerated() {
                    let row0 = ty.first * width, row1 = ty.second * width
                    for (ox, tx) in xs.enumerated() {
                        for c in 0..<3 {
                            let p00 = Double(source[(row0 + tx.first) * 3 + c])
                            let p01 = Double(source[(row0 + tx.second) * 3 + c])
                            let p10 = Double(source[(row1 + tx.first) * 3 + c])
                            let p11 = Double(source[(row1 + tx.second) * 3 + c])
                            let top = p00 + (p01 - p00) * tx.weight
                            let bottom = p10 + (p11 - p10) * tx.weight
                            let value = top + (bottom - top) * ty.weight
                            target[(oy * newWidth + ox) * 3 + c] = UInt8(min(max((value + 0.5).rounded(.down), 0), 255))
                        }
                    }
                }
            }
        }
        return DecodedImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// For each output coordinate: the two source pixels it interpolates and the weight of
    /// the second.
    private static func taps(output: Int, input: Int) -> [(first: Int, second: Int, weight: Double)] {
        let scale = Double(input) / Double(output)
        return (0..<output).map { o in
            let position = (Double(o) + 0.5) * scale - 0.5
            if position <= 0 { return (0, 0, 0) }
            if position >= Double(input - 1) { return (input - 1, input - 1, 0) }
            let first = Int(position.rounded(.down))
            return (first, first + 1, position - Double(first))
        }
    }
}

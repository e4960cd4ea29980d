extension DecodedImage {
    /// The number of floats `writeCHW` writes: `3 * width * height`.
    public var chwCount: Int { 3 * width * height }

    /// Writes the image as normalized float32 planes, channel-major (R plane, G plane, B plane,
    /// each row-major), into `destination[0..<chwCount]`, with `Normalization` applied. With
    /// `mirrored`, each row is written right to left (a horizontal flip, as torchvision's
    /// `RandomHorizontalFlip`). Point `destination` at image `n` of an NCHW batch buffer to
    /// build batches without intermediate copies.
    public func writeCHW(into destination: UnsafeMutablePointer<Float>, mirrored: Bool = false) {
        let width = self.width
        let plane = width * height
        pixels.withUnsafeBufferPointer { source in
            Normalization.table.withUnsafeBufferPointer { table in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        let s = (row + (mirrored ? width - 1 - x : x)) * 3
                        let d = row + x
                        destination[d] = table[Int(source[s])]
                        destination[plane + d] = table[Int(source[s + 1])]
                        destination[2 * plane + d] = table[Int(source[s + 2])]
                    }
                }
            }
        }
    }
}

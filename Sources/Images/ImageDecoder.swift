/// Decodes encoded JPEG and PNG images to 8-bit RGB; the format is taken from the first bytes.
public enum ImageDecoder {
    /// The largest image accepted, in pixels (a guard against absurd headers, far above any
    /// face crop).
    public static let maximumPixels = 1 << 28

    /// Decodes `bytes`; `origin` (a path or `FILE.rec record N`) names the image in errors.
    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: String) throws -> DecodedImage {
        guard !bytes.isEmpty else {
            throw ImageError(origin: origin, problem: "is empty, not an image")
        }
        switch ImageFormat.detect(bytes) {
        case .jpeg:
            return try JPEGDecoder.decode(bytes, origin: origin)
        case .png:
            return try PNGDecoder.decode(bytes, origin: origin)
        case nil:
            let start = bytes.prefix(8).map { String($0, radix: 16).leftPadded(to: 2) }
            throw ImageError(origin: origin,
                             problem: "is not a JPEG or PNG image (it starts with bytes \(start.joined(separator: " ")))")
        }
    }

    /// Decodes `bytes`; `origin` names the image in errors.
    public static func decode(_ bytes: [UInt8], origin: String) throws -> DecodedImage {
        try bytes.withUnsafeBytes { try decode($0, origin: origin) }
    }

    /// Checks decoded dimensions before any pixel buffer is allocated.
    static func checkSize(width: Int, height: Int, format: ImageFormat, origin: String) throws {
        guard width > 0, height > 0 else {
            throw ImageError(origin: origin,
                             problem: "corrupt or truncated \(format.rawValue): its header gives no image size (\(width)x\(height))")
        }
        guard width <= maximumPixels / height else {
            throw ImageError(origin: origin,
                             problem: "\(format.rawValue) image is too large (\(width)x\(height) pixels)")
        }
    }
}

extension String {
    /// The string with leading zeros added up to `length` characters.
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}

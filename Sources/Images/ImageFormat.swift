/// The encodings pnconv decodes, recognized by their first bytes (never by file extension).
public enum ImageFormat: String, Sendable {
    case jpeg = "JPEG"
    case png = "PNG"

    /// The format whose signature `bytes` starts with, or nil.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return .jpeg
        }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= pngSignature.count,
           pngSignature.indices.allSatisfy({ bytes[$0] == pngSignature[$0] }) {
            return .png
        }
        return nil
    }
}

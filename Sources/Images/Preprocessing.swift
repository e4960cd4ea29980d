/// The preprocessing of pnconv's models (see DESIGN.md): RGB at the model's input size
/// (112x112 by default), `Normalization` applied, written channel-major (NCHW batches).
public struct Preprocessing: Equatable, Sendable {
    /// The input width the model expects.
    public var width: Int
    /// The input height the model expects.
    public var height: Int
    /// Whether images of another size are resized (bilinear, see `DecodedImage.resized`)
    /// instead of rejected.
    public var resize: Bool

    /// Preprocessing to `width` x `height`; without `resize`, other sizes are errors.
    public init(width: Int = 112, height: Int = 112, resize: Bool = false) {
        self.width = width
        self.height = height
        self.resize = resize
    }

    /// The number of floats one image takes in a batch: `3 * height * width`.
    public var floatsPerImage: Int { 3 * width * height }

    /// A one-line description, for the `preprocessing` attribute of output files.
    public var summary: String {
        "RGB \(width)x\(height), (x/255 - 0.5)/0.5, NCHW float32"
            + (resize ? ", bilinear resize (half-pixel centers, no antialias)" : "")
    }

    /// The image at the expected size: unchanged when it already has it, resized when
    /// `resize` is on, otherwise an error naming `origin`.
    public func fit(_ image: DecodedImage, origin: String) throws -> DecodedImage {
        if image.width == width && image.height == height { return image }
        guard resize else {
            throw ImageError(origin: origin,
                             problem: "image is \(image.width)x\(image.height), the model needs \(width)x\(height) (pass --resize to resize it)")
        }
        return image.resized(width: width, height: height)
    }

    /// Fits `image` and writes it (mirrored if asked) as `floatsPerImage` normalized floats
    /// at `destination`, typically image `n` of an NCHW batch: `base + n * floatsPerImage`.
    public func write(_ image: DecodedImage, origin: String,
                      into destination: UnsafeMutablePointer<Float>, mirrored: Bool = false) throws {
        try fit(image, origin: origin).writeCHW(into: destination, mirrored: mirrored)
    }
}

/// An ordered collection of images to run a model over: a folder, a list file or a RecordIO
/// `.rec` file (see `openImageSource`).
///
/// Sources are immutable once opened; `load(at:)` may be called from several threads at once.
public protocol ImageSource: Sendable, CustomStringConvertible {
    /// The number of images.
    var count: Int { get }

    /// The key of image `index` as output files store it: the relative path for folders and
    /// list files, the record index (decimal) for `.rec` files.
    func key(at index: Int) -> String

    /// The identity label of image `index`, or -1 when the source gives none.
    func label(at index: Int) -> Int64

    /// How error messages name image `index`: its path, or `FILE.rec record N`.
    func origin(at index: Int) -> String

    /// Reads and decodes image `index` to RGB; errors name `origin(at: index)`.
    func load(at index: Int) throws -> DecodedImage
}

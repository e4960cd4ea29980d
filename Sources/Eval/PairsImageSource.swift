import Support
import Images

/// The images of a verification set as an `ImageSource`, so that `BatchLoader` decodes them on
/// several threads. Errors name the file and the image index.
struct PairsImageSource: ImageSource {
    let pairs: VerificationSet

    var count: Int { pairs.images.count }
    var description: String { pairs.path }

    func key(at index: Int) -> String { String(index) }
    func label(at index: Int) -> Int64 { -1 }
    func origin(at index: Int) -> String { "\(pairs.path) image \(index)" }

    func load(at index: Int) throws -> DecodedImage {
        do {
            return try ImageDecoder.decode(pairs.images[index], origin: origin(at: index))
        } catch let error as ImageError {
            throw FileError(path: pairs.path, problem: "image \(index) (pair \(index / 2)) does not decode: \(error.problem)")
        }
    }
}

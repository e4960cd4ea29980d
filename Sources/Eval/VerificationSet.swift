import Support
import Foundation

/// The content of an insightface verification `.bin` file: encoded face images in pairs
/// (pair i is images 2i and 2i+1) and, per pair, whether both show the same person.
public struct VerificationSet: Sendable {
    /// The file the set was read from, for messages.
    public let path: String
    /// Encoded JPEG or PNG images, two per pair.
    public let images: [[UInt8]]
    /// Per pair: true when both images show the same identity.
    public let isSame: [Bool]

    /// The number of pairs.
    public var pairCount: Int { isSame.count }

    /// Checks that images come in pairs and that there is one label per pair.
    public init(path: String, images: [[UInt8]], isSame: [Bool]) throws {
        guard images.count % 2 == 0 else {
            throw FileError(path: path, problem: "holds an odd number of images (\(images.count)); pairs need two each")
        }
        guard images.count / 2 == isSame.count else {
            throw FileError(path: path, problem: "holds \(images.count) images (\(images.count / 2) pairs) but \(isSame.count) labels; there must be one label per pair")
        }
        self.path = path
        self.images = images
        self.isSame = isSame
    }

    /// Reads a `.bin` file: the pickle of `(images, labels)`, images as bytes, Python 2 strings
    /// or numpy uint8 arrays of encoded bytes, labels as a list of booleans or a numpy bool array.
    public static func read(path: String) throws -> VerificationSet {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileError(path: path, problem: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        return try parse([UInt8](data), path: path)
    }

    /// Parses the bytes of a `.bin` file; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> VerificationSet {
        var reader = PickleReader(bytes: bytes, path: path)
        let value = try reader.read()
        func fail(_ problem: String) -> FileError { FileError(path: path, problem: "not an insightface .bin file: \(problem)") }
        guard case .tuple(let parts) = value, parts.count == 2 else {
            throw fail("it holds \(value.kind), not a pair (images, labels)")
        }
        guard case .list(let items) = parts[0] else { throw fail("its images are \(parts[0].kind), not a list") }
        var images: [[UInt8]] = []
        images.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch item {
            case .bytes(let bytes):
                images.append(bytes)
            case .array(let array) where array.dtype == "u1":
                images.append(array.data)
            default:
                throw fail("image \(index) is \(item.kind), not encoded bytes")
            }
        }
        var labels: [Bool] = []
        switch parts[1] {
        case .list(let items):
            for (index, item) in items.enumerated() {
                guard case .bool(let same) = item else { throw fail("label \(index) is \(item.kind), not a boolean") }
                labels.append(same)
            }
        case .array(let array) where array.dtype == "b1":
            labels = array.data.map { $0 != 0 }
        default:
            throw fail("its labels are \(parts[1].kind), not a list of booleans or a numpy bool array")
        }
        return try VerificationSet(path: path, images: images, isSame: labels)
    }
}

import Foundation
import Support

/// The files that hold a model's external tensor data, each mapped once, read with the
/// location/offset/length the tensors give (relative to the model's folder).
final class ExternalData {
    private let modelPath: String
    private let folder: URL
    private var files: [String: MappedFile] = [:]

    init(modelPath: String) {
        self.modelPath = modelPath
        folder = URL(fileURLWithPath: modelPath).deletingLastPathComponent()
    }

    /// The bytes `[offset, offset + length)` of `location`; `length` nil means to the end of the file.
    func bytes(tensor: String, location: String, offset: Int, length: Int?) throws -> UnsafeRawBufferPointer {
        guard !location.isEmpty, !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw FileError(path: modelPath, problem: "tensor '\(tensor)' has external data location '\(location)' outside the model's folder")
        }
        let file: MappedFile
        if let cached = files[location] {
            file = cached
        } else {
            let path = folder.appendingPathComponent(location).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw FileError(path: modelPath, problem: "external data file \(path) for tensor '\(tensor)' is missing; keep it beside the model")
            }
            file = try MappedFile(path: path)
            files[location] = file
        }
        let size = file.bytes.count
        let end = length.map { offset + $0 } ?? size
        guard offset >= 0, end >= offset, end <= size else {
            throw FileError(path: modelPath, problem: "external data file \(file.path) is too short for tensor '\(tensor)' (needs bytes \(offset)..<\(end), has \(size)); was it truncated?")
        }
        return UnsafeRawBufferPointer(rebasing: file.bytes[offset..<end])
    }
}

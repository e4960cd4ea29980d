import Foundation
import Support

/// The recursive folder walk behind `ImageFileSource.folder`.
enum FolderScan {
    /// File name endings that count as images, compared in lowercase.
    static let imageSuffixes = [".jpg", ".jpeg", ".png"]

    /// Relative paths (`/`-separated) of the image files below `root`, sorted byte-wise.
    /// Symbolic links are followed, except to a folder that is already being walked (a loop).
    static func imagePaths(below root: String) throws -> [String] {
        var found: [String] = []
        try walk(folder: root, relative: "", ancestors: [], into: &found)
        return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func trimmingTrailingSlashes(_ path: String) -> String {
        var result = path
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return result
    }

    static func isImageName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return imageSuffixes.contains { lower.hasSuffix($0) }
    }

    private struct FolderIdentity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private static func walk(folder: String, relative: String, ancestors: Set<FolderIdentity>,
                             into found: inout [String]) throws {
        var info = stat()
        guard stat(folder, &info) == 0 else {
            throw FileError(path: folder, problem: "cannot read folder: \(FileBytes.systemError())")
        }
        let identity = FolderIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        if ancestors.contains(identity) { return }
        let inside = ancestors.union([identity])

        for name in try entries(of: folder) {
            let path = folder == "/" ? "/" + name : folder + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var entry = stat()
            guard stat(path, &entry) == 0 else {
                // A dangling link named like an image is listed, so loading it says what is wrong.
                if isImageName(name) { found.append(relativePath) }
                continue
            }
            switch entry.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(folder: path, relative: relativePath, ancestors: inside, into: &found)
            case S_IFREG:
                if isImageName(name) { found.append(relativePath) }
            default:
                continue
            }
        }
    }

    /// The names in `folder`, without `.` and `..`.
    private static func entries(of folder: String) throws -> [String] {
        guard let directory = opendir(folder) else {
            throw FileError(path: folder, problem: "cannot read folder: \(FileBytes.systemError())")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

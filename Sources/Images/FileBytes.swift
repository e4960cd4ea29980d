import Foundation
import Support

/// Whole-file reads with `pread`, safe to call from several threads at once.
enum FileBytes {
    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FileError(path: path, problem: "cannot open: \(systemError())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FileError(path: path, problem: "cannot read file status: \(systemError())")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileError(path: path, problem: "is a directory, not an image file")
        }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while done < size {
                let n = pread(fd, base + done, size - done, off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError(path: path, problem: "cannot read: \(systemError())")
                }
                if n == 0 { break }
                done += n
            }
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// The text of the current `errno`.
    static func systemError() -> String {
        String(cString: strerror(errno))
    }
}

import Foundation

/// An output file that appears under its final name only when complete.
///
/// Work is written to a temporary name beside the destination (same directory, so the final
/// rename is atomic); `commit()` renames it into place and `discard()` removes it. A process
/// killed midway leaves at most a `.partial` file, never a half-written file under the final name.
public struct AtomicOutput {
    /// The name the output gets when committed.
    public let destination: String
    /// Where the output is written until then.
    public let temporaryPath: String

    /// Prepares an output for `destination`; fails when its directory does not exist or is not writable.
    public init(destination: String) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(path: destination, problem: "cannot write: directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw FileError(path: destination, problem: "cannot write: directory \(directory) is not writable")
        }
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial").path
    }

    /// Moves the finished temporary file to its final name, replacing any file there.
    public func commit() throws {
        guard rename(temporaryPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw FileError(path: destination, problem: "cannot move the finished output into place: \(reason)")
        }
    }

    /// Removes the temporary file, if any.
    public func discard() {
        unlink(temporaryPath)
    }

    /// Writes `bytes` to the temporary file (not yet committed).
    public func fill(with bytes: [UInt8]) throws {
        guard FileManager.default.createFile(atPath: temporaryPath, contents: Data(bytes)) else {
            throw FileError(path: destination, problem: "cannot be written")
        }
    }

    /// Writes `bytes` to `destination`, atomically.
    public static func write(_ bytes: [UInt8], to destination: String) throws {
        let output = try AtomicOutput(destination: destination)
        do {
            try output.fill(with: bytes)
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }

    /// Runs `write` on the temporary path and commits; on any error removes the temporary file and rethrows.
    public static func write(to destination: String, _ write: (String) throws -> Void) throws {
        let output = try AtomicOutput(destination: destination)
        do {
            try write(output.temporaryPath)
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }
}

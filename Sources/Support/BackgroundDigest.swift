import Dispatch

/// The SHA-256 of a mapped file, computed on another core while the caller parses the same
/// bytes: hashing a 260 MB model then costs no extra wall time.
public final class BackgroundDigest: @unchecked Sendable {
    private let group = DispatchGroup()
    private var hex = ""

    public init(of file: MappedFile) {
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async {
            self.hex = SHA256.hex(of: file.bytes)
            self.group.leave()
        }
    }

    /// The lowercase hex digest, once computed.
    public func wait() -> String {
        group.wait()
        return hex
    }
}

import CCrypto
import Foundation

/// SHA-256 digests through OpenSSL's libcrypto, used to tie imported and exported files to
/// the exact model file they came from.
public enum SHA256 {
    /// The lowercase hex digest of `bytes`.
    public static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, EVP_sha256(), nil)
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The lowercase hex digest of `bytes`.
    public static func hex(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex(of: $0) }
    }

    /// The lowercase hex digest of the file at `path`, read in blocks.
    public static func hex(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(path: path, problem: "cannot open for reading")
        }
        defer { try? handle.close() }
        guard let context = EVP_MD_CTX_new() else {
            throw FileError(path: path, problem: "cannot start a SHA-256 digest (libcrypto)")
        }
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        while true {
            let block = try handle.read(upToCount: 8 << 20) ?? Data()
            if block.isEmpty { break }
            block.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}

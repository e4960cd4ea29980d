import Foundation

/// Immutable tensor bytes in memory from `malloc`, freed when the last tensor sharing them goes.
/// Owning raw memory lets the importer adopt the buffers protobuf-c decoded, without a copy.
final class TensorStorage: @unchecked Sendable {
    let base: UnsafeMutableRawPointer?
    let count: Int

    /// Takes ownership of `count` bytes at `base`, which must come from `malloc`.
    init(adopting base: UnsafeMutableRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        base = count > 0 ? malloc(count) : nil
        if let base, let source = bytes.baseAddress {
            base.copyMemory(from: source, byteCount: count)
        }
    }

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    deinit { free(base) }
}

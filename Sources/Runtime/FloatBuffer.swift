import Foundation

/// A 64-byte aligned, zero-initialized float array owned by the engine (weights, arenas, scratch).
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        posix_memalign(&raw, 64, max(count, 1) * MemoryLayout<Float>.stride)
        // posix_memalign fails only when out of memory, where nothing else could go on either.
        let base = raw ?? UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        memset(base, 0, max(count, 1) * MemoryLayout<Float>.stride)
        pointer = base.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { free(pointer) }
}

import Dispatch
import Foundation

/// Images `range` of a source, decoded and preprocessed into one NCHW float batch.
public struct LoadedBatch: Sendable {
    /// Source indices of the images that loaded, in order.
    public var indices: [Int]
    /// Images that failed (with `skipBad`): source index and the one-line reason.
    public var failures: [(index: Int, message: String)]
    /// The batch: `indices.count` images from `load`; every slot of every view from
    /// `loadViews` (failed images as zeros).
    public var values: [Float]
}

/// Decodes and preprocesses batches of images on several threads.
public struct BatchLoader: Sendable {
    public let source: any ImageSource
    public let preprocessing: Preprocessing
    public let threads: Int
    /// Whether undecodable images are skipped and reported instead of ending the job.
    public let skipBad: Bool

    public init(source: any ImageSource, preprocessing: Preprocessing, threads: Int, skipBad: Bool) {
        self.source = source
        self.preprocessing = preprocessing
        self.threads = max(1, threads)
        self.skipBad = skipBad
    }

    /// Loads images `range`, each written `mirrored` if asked. Without `skipBad` the first
    /// bad image (in source order) is thrown.
    public func load(_ range: Range<Int>, mirrored: Bool = false) throws -> LoadedBatch {
        try load(range, views: [mirrored])
    }

    /// Loads images `range` once each and writes every one in each of `views` (true:
    /// mirrored): view v of image i is image `v * range.count + i` of the batch. Images that
    /// fail are left as zeros (`values` keeps every slot) and listed in `failures`.
    public func loadViews(_ range: Range<Int>, views: [Bool]) throws -> LoadedBatch {
        try load(range, views: views, compact: false)
    }

    private func load(_ range: Range<Int>, views: [Bool], compact: Bool = true) throws -> LoadedBatch {
        let perImage = preprocessing.floatsPerImage
        var values = [Float](repeating: 0, count: views.count * range.count * perImage)
        var errors = [Error?](repeating: nil, count: range.count)
        let workers = min(threads, range.count)
        values.withUnsafeMutableBufferPointer { buffer in
            errors.withUnsafeMutableBufferPointer { errorSlots in
                let base = buffer.baseAddress, slots = errorSlots.baseAddress
                DispatchQueue.concurrentPerform(iterations: max(workers, 1)) { worker in
                    var offset = worker
                    while offset < range.count {
                        let index = range.lowerBound + offset
                        do {
                            let image = try source.load(at: index)
                            for (view, mirrored) in views.enumerated() {
                                if let base {
                                    try preprocessing.write(image, origin: source.origin(at: index),
                                                            into: base + (view * range.count + offset) * perImage, mirrored: mirrored)
                                }
                            }
                        } catch {
                            slots?[offset] = error
                        }
                        offset += workers
                    }
                }
            }
        }
        if !skipBad, let first = errors.first(where: { $0 != nil }), let error = first {
            throw error
        }
        let loaded = (0..<range.count).filter { errors[$0] == nil }
        if compact && loaded.count < range.count {
            // One view: close the gaps the failed images left.
            var packed = [Float](repeating: 0, count: loaded.count * perImage)
            for (slot, offset) in loaded.enumerated() {
                packed.replaceSubrange((slot * perImage)..<((slot + 1) * perImage), with: values[(offset * perImage)..<((offset + 1) * perImage)])
            }
            values = packed
        }
        return LoadedBatch(indices: loaded.map { range.lowerBound + $0 },
                           failures: (0..<range.count).compactMap { offset in errors[offset].map { (range.lowerBound + offset, "\($0)") } },
                           values: values)
    }
}

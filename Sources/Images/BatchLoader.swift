import Dispatch
import Foundation

/// Images `range` of a source, decoded and preprocessed into one NCHW float batch.
public struct LoadedBatch: Sendable {
    /// Source indices of the images in the batch, in order.
    public var indices: [Int]
    /// Images that failed (with `skipBad`): source index and the one-line reason.
    public var failures: [(index: Int, message: String)]
    /// `indices.count * preprocessing.floatsPerImage` floats.
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
        let perImage = preprocessing.floatsPerImage
        var values = [Float](repeating: 0, count: range.count * perImage)
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
                            if let base {
                                try preprocessing.write(image, origin: source.origin(at: index), into: base + offset * perImage, mirrored: mirrored)
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
        let good = (0..<range.count).filter { errors[$0] == nil }
        if good.count < range.count {
            var compact = [Float](repeating: 0, count: good.count * perImage)
            for (slot, offset) in good.enumerated() {
                compact.replaceSubrange((slot * perImage)..<((slot + 1) * perImage), with: values[(offset * perImage)..<((offset + 1) * perImage)])
            }
            values = compact
        }
        return LoadedBatch(indices: good.map { range.lowerBound + $0 },
                           failures: (0..<range.count).compactMap { offset in errors[offset].map { (range.lowerBound + offset, "\($0)") } },
                           values: values)
    }
}

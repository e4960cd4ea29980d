import Support
import Images
import Runtime

/// Runs a face model over every image of a verification set and its horizontal mirror.
public struct PairEmbedder {
    /// The engine, the model's input and output names and its embedding size.
    public let engine: Engine
    public let input: String
    public let output: String
    public let dimension: Int
    public let preprocessing: Preprocessing
    /// Images per engine run (each run holds them and their mirrors) and decoding threads.
    public let batch: Int
    public let threads: Int

    public init(engine: Engine, input: String, output: String, dimension: Int, preprocessing: Preprocessing, batch: Int, threads: Int) {
        self.engine = engine
        self.input = input
        self.output = output
        self.dimension = dimension
        self.preprocessing = preprocessing
        self.batch = max(1, batch)
        self.threads = max(1, threads)
    }

    /// The raw embeddings of every image and of its mirror, `[images * dimension]` each, in
    /// image order; `progress` is told how many images are done after each batch. Images of
    /// another size than the model's input are refused (errors name the file and image).
    public func embeddings(of set: VerificationSet, progress: (Int) -> Void = { _ in }) throws -> (original: [Float], mirrored: [Float]) {
        let loader = BatchLoader(source: PairsImageSource(pairs: set), preprocessing: preprocessing, threads: threads, skipBad: false)
        var original: [Float] = [], mirrored: [Float] = []
        original.reserveCapacity(set.images.count * dimension)
        mirrored.reserveCapacity(set.images.count * dimension)
        var start = 0
        while start < set.images.count {
            let range = start..<min(set.images.count, start + batch)
            let loaded: LoadedBatch
            do {
                loaded = try loader.loadViews(range, views: [false, true])
            } catch let error as ImageError {
                throw FileError(path: set.path, problem: error.message.replacingPrefix("\(set.path) ", with: ""))
            }
            let images = HostTensor(shape: [2 * range.count, 3, preprocessing.height, preprocessing.width], values: loaded.values)
            let values = try engine.runImages(images, input: input, output: output)
            guard values.count == 2 * range.count * dimension else {
                throw FileError(path: set.path, problem: "the model gave \(values.count) values for \(2 * range.count) images of \(dimension)-d embeddings")
            }
            original += values[0..<(range.count * dimension)]
            mirrored += values[(range.count * dimension)...]
            start = range.upperBound
            progress(start)
        }
        return (original, mirrored)
    }
}

extension String {
    /// The string without `prefix` (replaced by `replacement`) when it starts with it.
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}

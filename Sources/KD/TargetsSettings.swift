import Foundation

/// Everything that determines a targets file's content. A resumed run must have the same
/// settings as the run it continues, and shards must agree on all but their part.
public struct TargetsSettings: Codable, Equatable, Sendable {
    public struct Stage: Codable, Equatable, Sendable {
        /// The name under /stages: the teacher file's name without extension.
        public var name: String
        /// The teacher file's name.
        public var source: String
        /// SHA-256 of the teacher file.
        public var sha256: String

        public init(name: String, source: String, sha256: String) {
            self.name = name
            self.source = source
            self.sha256 = sha256
        }
    }

    public var stages: [Stage]
    public var schedule: [Int]
    /// The image source as given, its image count and a digest of its keys.
    public var images: String
    public var imageCount: Int
    public var keysDigest: String
    public var flip: Bool
    public var normalized: Bool
    public var float16: Bool
    public var embeddingDim: Int
    public var preprocessing: String
    public var skipBad: Bool
    public var shard: ShardSpec?
    /// How the work is cut: images per engine run, per resumable block, and threads. Results
    /// are bit-identical only between runs that cut it the same way, so these must match too.
    public var batch: Int
    public var block: Int
    public var threads: Int

    public init(stages: [Stage], schedule: [Int], images: String, imageCount: Int, keysDigest: String, flip: Bool,
                normalized: Bool, float16: Bool, embeddingDim: Int, preprocessing: String, skipBad: Bool, shard: ShardSpec?,
                batch: Int, block: Int, threads: Int) {
        self.stages = stages
        self.schedule = schedule
        self.images = images
        self.imageCount = imageCount
        self.keysDigest = keysDigest
        self.flip = flip
        self.normalized = normalized
        self.float16 = float16
        self.embeddingDim = embeddingDim
        self.preprocessing = preprocessing
        self.skipBad = skipBad
        self.shard = shard
        self.batch = batch
        self.block = block
        self.threads = threads
    }

    /// Views per image: the original, and its mirror when flipping.
    public var views: Int { flip ? 2 : 1 }
    public var bytesPerValue: Int { float16 ? 2 : 4 }
    /// Bytes of one image's targets in one stage: [views, embeddingDim].
    public var rowBytes: Int { views * embeddingDim * bytesPerValue }

    /// The images this run covers.
    public var rows: Range<Int> { shard?.range(of: imageCount, unit: block) ?? 0..<imageCount }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// What differs between two settings, in words, for refusing to resume or merge.
    func differences(from other: TargetsSettings) -> [String] {
        var result: [String] = []
        if stages != other.stages { result.append("teachers") }
        if schedule != other.schedule { result.append("schedule") }
        if images != other.images || imageCount != other.imageCount || keysDigest != other.keysDigest { result.append("images") }
        if flip != other.flip { result.append("--no-flip") }
        if normalized != other.normalized { result.append("--raw") }
        if float16 != other.float16 { result.append("--dtype") }
        if preprocessing != other.preprocessing { result.append("preprocessing") }
        if skipBad != other.skipBad { result.append("--skip-bad") }
        if shard != other.shard { result.append("--shard") }
        if batch != other.batch { result.append("--batch") }
        if block != other.block { result.append("--block") }
        if threads != other.threads { result.append("--threads") }
        return result
    }
}

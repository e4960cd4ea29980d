/// `--shard I/N`: part I (0-based) of N, a contiguous, deterministic share of the images, so
/// that N machines (a Slurm job array, a Kubernetes indexed job) split the work.
public struct ShardSpec: Equatable, Sendable, Codable {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw KDError("--shard \(index)/\(count): I must be from 0 to N-1 (e.g. 0/4 to 3/4)")
        }
        self.index = index
        self.count = count
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let index = parts[0], let count = parts[1] else {
            throw KDError("--shard expects I/N (e.g. 0/4), got '\(text)'")
        }
        try self.init(index: index, count: count)
    }

    /// The images of this shard among `total`, in whole blocks of `unit` images: shards then
    /// compute exactly the batches a single run computes, and give the same bits.
    public func range(of total: Int, unit: Int = 1) -> Range<Int> {
        let blocks = (total + unit - 1) / unit
        return min(total, blocks * index / count * unit)..<min(total, blocks * (index + 1) / count * unit)
    }

    public var description: String { "\(index)/\(count)" }
}

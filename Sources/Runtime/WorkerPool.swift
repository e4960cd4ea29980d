import Dispatch

/// The engine's threads: runs work items in parallel on `threads` workers, each with its own
/// scratch memory (for im2col columns and padded planes).
final class WorkerPool {
    let threads: Int
    private var scratch: [FloatBuffer] = []
    private var shared = FloatBuffer(count: 0)

    init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// Makes every worker's scratch hold at least `floats` floats.
    func reserveScratch(_ floats: Int) {
        if scratch.count == threads && scratch[0].count >= floats { return }
        scratch = (0..<threads).map { _ in FloatBuffer(count: floats) }
    }

    func scratch(_ worker: Int) -> UnsafeMutablePointer<Float> {
        scratch[worker].pointer
    }

    /// Makes the scratch that all workers share (kernels run one at a time) hold `floats` floats.
    func reserveSharedScratch(_ floats: Int) {
        if shared.count < floats { shared = FloatBuffer(count: floats) }
    }

    var sharedScratch: UnsafeMutablePointer<Float> { shared.pointer }

    /// Waking a worker costs microseconds; below this much work per worker (in element
    /// operations) the items run inline.
    static let minimumWorkPerWorker = 32_768

    /// Runs `body(item, worker)` for every item in `0..<count`, items split into contiguous
    /// chunks, one per worker; inline when there is one worker or too little `work` (element
    /// operations in all, when known) to share.
    func parallelFor(_ count: Int, work: Int = .max, _ body: (Int, Int) -> Void) {
        let workers = min(threads, count, max(1, work / Self.minimumWorkPerWorker))
        if workers <= 1 {
            for item in 0..<count { body(item, 0) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = count * worker / workers, end = count * (worker + 1) / workers
            for item in start..<end { body(item, worker) }
        }
    }

    /// Splits `0..<count` into one range per worker (fewer when `count` is small, at least
    /// `grain` per range) and runs them in parallel.
    func parallelRanges(_ count: Int, grain: Int = minimumWorkPerWorker, _ body: (Range<Int>) -> Void) {
        let pieces = max(1, min(threads, count / max(grain, 1)))
        parallelFor(pieces) { piece, _ in
            body((count * piece / pieces)..<(count * (piece + 1) / pieces))
        }
    }
}

import Foundation

/// Which teacher stage gives the targets of each student epoch (0-based).
public struct StageSchedule: Equatable, Sendable {
    public let stageOfEpoch: [Int]

    public init(stageOfEpoch: [Int]) {
        self.stageOfEpoch = stageOfEpoch
    }

    /// `epochs` epochs spread evenly over `stages` stages (stage of epoch e = e * stages / epochs):
    /// with as many epochs as stages, PocketNet's epoch e uses stage e.
    public static func even(epochs: Int, stages: Int) throws -> StageSchedule {
        guard epochs >= 1, stages >= 1 else { throw KDError("--epochs and the number of teachers must be at least 1") }
        return StageSchedule(stageOfEpoch: (0..<epochs).map { $0 * stages / epochs })
    }

    /// A schedule written as `FIRST-LAST:STAGE,...` (epochs inclusive, 0-based), e.g.
    /// `0-6:0,7-12:1`; a single epoch may be written `E:STAGE`. The ranges must cover epochs
    /// 0 up to their largest exactly once, and name stages that exist.
    public static func parse(_ text: String, stages: Int) throws -> StageSchedule {
        var assigned: [Int: Int] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2, let stage = Int(pieces[1].trimmingCharacters(in: .whitespaces)) else {
                throw KDError("--schedule: '\(part)' is not FIRST-LAST:STAGE")
            }
            let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let first = bounds.first ?? nil, let last = bounds.last ?? nil, first >= 0, first <= last else {
                throw KDError("--schedule: '\(pieces[0])' is not an epoch range FIRST-LAST")
            }
            guard (0..<stages).contains(stage) else {
                throw KDError("--schedule: stage \(stage) does not exist (there are \(stages) teachers, 0 to \(stages - 1))")
            }
            for epoch in first...last {
                guard assigned.updateValue(stage, forKey: epoch) == nil else {
                    throw KDError("--schedule: epoch \(epoch) is given more than once")
                }
            }
        }
        let epochs = (assigned.keys.max() ?? -1) + 1
        if let missing = (0..<epochs).first(where: { assigned[$0] == nil }) {
            throw KDError("--schedule: epoch \(missing) has no stage")
        }
        return StageSchedule(stageOfEpoch: (0..<epochs).map { assigned[$0] ?? 0 })
    }
}

import KD
import XCTest

final class StageScheduleTests: XCTestCase {
    func testEvenSchedules() throws {
        XCTAssertEqual(try StageSchedule.even(epochs: 4, stages: 4).stageOfEpoch, [0, 1, 2, 3])
        XCTAssertEqual(try StageSchedule.even(epochs: 6, stages: 3).stageOfEpoch, [0, 0, 1, 1, 2, 2])
        XCTAssertEqual(try StageSchedule.even(epochs: 3, stages: 6).stageOfEpoch, [0, 2, 4])
        XCTAssertThrowsError(try StageSchedule.even(epochs: 0, stages: 2))
    }

    func testManualSchedules() throws {
        XCTAssertEqual(try StageSchedule.parse("0-2:0,3:1,4-5:2", stages: 3).stageOfEpoch, [0, 0, 0, 1, 2, 2])
        let mistakes: [(String, String)] = [
            ("0-2:0,2-3:1", "epoch 2 is given more than once"),
            ("0-1:0,3-4:1", "epoch 2 has no stage"),
            ("0-1:5", "stage 5 does not exist"),
            ("0-x:1", "not an epoch range"),
            ("3-1:0", "not an epoch range"),
            ("0-1", "not FIRST-LAST:STAGE"),
        ]
        for (text, expected) in mistakes {
            XCTAssertThrowsError(try StageSchedule.parse(text, stages: 3)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }

    func testShardsCoverEveryImageOnce() throws {
        for (total, count) in [(10, 3), (5, 5), (2, 4), (1001, 7)] {
            let ranges = try (0..<count).map { try ShardSpec(index: $0, count: count).range(of: total) }
            XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<total))
        }
        for (total, count, unit) in [(120, 2, 16), (100, 3, 32), (10, 4, 8)] {
            let ranges = try (0..<count).map { try ShardSpec(index: $0, count: count).range(of: total, unit: unit) }
            XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<total))
            XCTAssertTrue(ranges.allSatisfy { $0.lowerBound % unit == 0 }, "shards start on block boundaries")
        }
        XCTAssertEqual(try ShardSpec(parsing: "1/4"), try ShardSpec(index: 1, count: 4))
        for bad in ["3/2", "2/2", "-1/2", "1", "a/b", "1/0"] {
            XCTAssertThrowsError(try ShardSpec(parsing: bad), bad)
        }
    }
}

@testable import Eval
import XCTest

final class VerificationProtocolTests: XCTestCase {
    func testFoldsLikeScikitLearn() {
        XCTAssertEqual(KFold.folds(count: 23).map(\.count), [3, 3, 3, 2, 2, 2, 2, 2, 2, 2])
        XCTAssertEqual(KFold.folds(count: 23).first, 0..<3)
        XCTAssertEqual(KFold.folds(count: 23).last, 21..<23)
    }

    func testThresholdsLikeNumpyArange() {
        XCTAssertEqual(VerificationProtocol.thresholds.count, 400)
        XCTAssertEqual(VerificationProtocol.thresholds[21], 21 * 0.01)
        XCTAssertEqual(VerificationProtocol.thresholds.last, 399 * 0.01)
    }

    func testKnownAccuracyOnSyntheticDistances() throws {
        // 20 pairs, alternating same (0.205) and different (1.0); pair 3 (fold 1) is a same
        // pair far apart, so fold 1 scores 1/2 and every other fold 2/2.
        var distances: [Double] = [], same: [Bool] = []
        for pair in 0..<20 {
            same.append(pair % 2 == 1)
            distances.append(pair == 3 ? 3.0 : (pair % 2 == 1 ? 0.205 : 1.0))
        }
        let result = try VerificationProtocol.evaluate(distances: distances, isSame: same, path: "s.bin")
        XCTAssertEqual(result.foldAccuracies, [1, 0.5, 1, 1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(result.accuracy, 0.95, accuracy: 1e-12)
        XCTAssertEqual(result.accuracyStd, 0.15, accuracy: 1e-12)
        XCTAssertEqual(result.foldThresholds, Array(repeating: 21 * 0.01, count: 10))
        XCTAssertEqual(result.samePairs, 10)
        XCTAssertNil(result.tarAtFAR[0].value)
        XCTAssertNil(result.tarAtFAR[1].value)
    }

    func testTooFewPairs() {
        XCTAssertThrowsError(try VerificationProtocol.evaluate(distances: [1, 2], isSame: [true, false], path: "f.bin"))
    }

    func testSlinearInterpolation() {
        var curve = Array(repeating: 1.0, count: 400)
        curve[0] = 0; curve[1] = 0; curve[2] = 0.5
        XCTAssertEqual(VerificationProtocol.interpolatedThreshold(curve, target: 0.25), 0.015, accuracy: 1e-15)
        XCTAssertEqual(VerificationProtocol.interpolatedThreshold(Array(repeating: 0, count: 400), target: 1e-3), 0)
    }

    func testTARAtFARWithEnoughDifferentPairs() throws {
        // 1000 different pairs spread over (1, 3], 100 same pairs at 0.5: at FAR 1e-3 every
        // same pair is accepted and (almost) no different pair.
        var distances: [Double] = [], same: [Bool] = []
        for i in 0..<1100 {
            let isSame = i % 11 == 0
            same.append(isSame)
            distances.append(isSame ? 0.5 : 1 + 2 * Double(i % 997) / 997)
        }
        let result = try VerificationProtocol.evaluate(distances: distances, isSame: same, path: "t.bin")
        XCTAssertEqual(result.accuracy, 1)
        let tar = try XCTUnwrap(result.tarAtFAR[0].value)
        XCTAssertEqual(tar.tar, 1)
        XCTAssertLessThanOrEqual(tar.far, 1e-2)
        XCTAssertNil(result.tarAtFAR[1].value)
    }

    func testDistancesSumMirrorsAndNormalize() {
        let distances = VerificationProtocol.distances(original: [1, 0, 0, 2, 3, 0, 0, 1], mirrored: [1, 0, 0, 0, 0, 0, 0, 1], dimension: 2)
        XCTAssertEqual(distances.count, 2)
        XCTAssertEqual(distances[0], 2, accuracy: 1e-12)   // (1,0) vs (0,1)
        XCTAssertEqual(distances[1], 2, accuracy: 1e-12)   // (1,0) vs (0,1)
    }
}

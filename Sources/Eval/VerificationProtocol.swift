import Support

/// The face verification protocol as insightface's `verification.py` computes it: squared L2
/// distances between normalized pair embeddings, 10-fold cross-validation of the threshold
/// (0 to 3.99 in steps of 0.01; a pair is "same" when its distance is below the threshold),
/// and TAR at a target FAR with the threshold interpolated on the training folds' FAR curve.
public enum VerificationProtocol {
    /// The candidate thresholds, as `np.arange(0, 4, 0.01)` makes them.
    public static let thresholds: [Double] = (0..<400).map { Double($0) * 0.01 }
    /// The folds of the cross-validation.
    public static let splits = 10
    /// The target FARs reported.
    public static let targetFARs: [Double] = [1e-3, 1e-4]

    /// Combines each image's embedding and its mirror's (summed, float32), L2-normalizes the
    /// sums and returns the squared distance of each pair (images 2i and 2i+1).
    public static func distances(original: [Float], mirrored: [Float], dimension: Int) -> [Double] {
        let count = dimension > 0 ? min(original.count, mirrored.count) / dimension : 0
        let normalized: [[Double]] = (0..<count).map { image in
            let row = (0..<dimension).map { Double(original[image * dimension + $0] + mirrored[image * dimension + $0]) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return row.map { $0 / max(norm, 1e-12) }
        }
        return (0..<(count / 2)).map { pair in
            zip(normalized[2 * pair], normalized[2 * pair + 1]).reduce(0) { sum, values in
                let difference = values.0 - values.1
                return sum + difference * difference
            }
        }
    }

    /// Evaluates pair `distances` against `isSame`; `path` names the pairs file in errors
    /// (the protocol needs at least 10 pairs).
    public static func evaluate(distances: [Double], isSame: [Bool], path: String) throws -> VerificationResult {
        guard distances.count == isSame.count, distances.count >= splits else {
            throw FileError(path: path, problem: "holds \(isSame.count) pairs; 10-fold verification needs at least \(splits)")
        }
        let folds = KFold.folds(count: distances.count, splits: splits)
        // correct[f][t]: pairs of fold f classified right at threshold t.
        let correct = folds.map { fold in
            thresholds.map { threshold in fold.reduce(0) { $0 + ((distances[$1] < threshold) == isSame[$1] ? 1 : 0) } }
        }
        let total = thresholds.indices.map { t in correct.reduce(0) { $0 + $1[t] } }
        var accuracies: [Double] = [], chosen: [Double] = []
        for (f, fold) in folds.enumerated() {
            var best = 0
            for t in thresholds.indices where total[t] - correct[f][t] > total[best] - correct[f][best] { best = t }
            accuracies.append(Double(correct[f][best]) / Double(fold.count))
            chosen.append(thresholds[best])
        }
        let different = isSame.filter { !$0 }.count
        let tar = targetFARs.map { target in
            (far: target, value: Double(different) >= 1 / target ? tarAtFAR(target, distances: distances, isSame: isSame, folds: folds) : nil)
        }
        return VerificationResult(pairs: isSame.count, samePairs: isSame.count - different,
                                  foldAccuracies: accuracies, foldThresholds: chosen,
                                  accuracy: mean(accuracies), accuracyStd: standardDeviation(accuracies),
                                  bestThreshold: mean(chosen), tarAtFAR: tar)
    }

    /// TAR at `target` FAR, or nil when a fold lacks same or different pairs to measure it.
    static func tarAtFAR(_ target: Double, distances: [Double], isSame: [Bool], folds: [Range<Int>]) -> TARAtFAR? {
        var tars: [Double] = [], fars: [Double] = []
        for fold in folds {
            let train = distances.indices.filter { !fold.contains($0) }
            let trainDifferent = train.filter { !isSame[$0] }
            guard !trainDifferent.isEmpty else { return nil }
            let farCurve = thresholds.map { threshold in
                Double(trainDifferent.filter { distances[$0] < threshold }.count) / Double(trainDifferent.count)
            }
            let threshold = interpolatedThreshold(farCurve, target: target)
            let same = fold.filter { isSame[$0] }, different = fold.filter { !isSame[$0] }
            guard !same.isEmpty, !different.isEmpty else { return nil }
            tars.append(Double(same.filter { distances[$0] < threshold }.count) / Double(same.count))
            fars.append(Double(different.filter { distances[$0] < threshold }.count) / Double(different.count))
        }
        return TARAtFAR(tar: mean(tars), tarStd: standardDeviation(tars), far: mean(fars))
    }

    /// The threshold at which the (non-decreasing) FAR curve reaches `target`, interpolated
    /// linearly between the last threshold at or below it and the next (scipy's `interp1d`
    /// with `kind='slinear'`); 0 when the curve never reaches the target.
    static func interpolatedThreshold(_ farCurve: [Double], target: Double) -> Double {
        guard let highest = farCurve.max(), highest >= target, let first = farCurve.first, first <= target else { return 0 }
        guard let low = farCurve.lastIndex(where: { $0 <= target }), low + 1 < farCurve.count else {
            return thresholds[farCurve.count - 1]
        }
        let high = low + 1
        let weight = 1 / (farCurve[high] - farCurve[low])
        return thresholds[low] * ((farCurve[high] - target) * weight) + thresholds[high] * ((target - farCurve[low]) * weight)
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    static func standardDeviation(_ values: [Double]) -> Double {
        let center = mean(values)
        return mean(values.map { ($0 - center) * ($0 - center) }).squareRoot()
    }
}

/// The verification accuracy of one model on one pairs file, as insightface reports it.
public struct VerificationResult: Equatable, Sendable {
    /// The number of pairs, and of pairs showing the same identity.
    public var pairs: Int
    public var samePairs: Int
    /// Accuracy on each test fold with the threshold chosen on the other nine.
    public var foldAccuracies: [Double]
    /// The threshold (squared L2 distance) chosen for each fold.
    public var foldThresholds: [Double]
    /// Mean and (population) standard deviation of `foldAccuracies`.
    public var accuracy: Double
    public var accuracyStd: Double
    /// Mean of `foldThresholds`.
    public var bestThreshold: Double
    /// TAR at each target FAR; `nil` where there are fewer than 1/FAR different-identity pairs.
    public var tarAtFAR: [(far: Double, value: TARAtFAR?)]

    public static func == (a: VerificationResult, b: VerificationResult) -> Bool {
        a.pairs == b.pairs && a.samePairs == b.samePairs && a.foldAccuracies == b.foldAccuracies
            && a.foldThresholds == b.foldThresholds && a.accuracy == b.accuracy && a.accuracyStd == b.accuracyStd
            && a.bestThreshold == b.bestThreshold && a.tarAtFAR.map(\.far) == b.tarAtFAR.map(\.far)
            && a.tarAtFAR.map(\.value) == b.tarAtFAR.map(\.value)
    }
}

/// True accept rate at a target false accept rate, cross-validated over the folds.
public struct TARAtFAR: Equatable, Sendable {
    /// Mean and (population) standard deviation of the test folds' true accept rates.
    public var tar: Double
    public var tarStd: Double
    /// Mean false accept rate the thresholds reached on the test folds.
    public var far: Double
}

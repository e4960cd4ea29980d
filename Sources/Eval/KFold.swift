/// Folds for cross-validation as scikit-learn's `KFold(n_splits, shuffle=False)` makes them:
/// contiguous ranges, the first `count % splits` of them one larger.
public enum KFold {
    /// The test range of each fold over `count` items.
    public static func folds(count: Int, splits: Int = 10) -> [Range<Int>] {
        var start = 0
        return (0..<splits).map { fold in
            let size = count / splits + (fold < count % splits ? 1 : 0)
            defer { start += size }
            return start..<(start + size)
        }
    }
}

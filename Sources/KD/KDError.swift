import Support

/// A distill-targets job that cannot go on as asked: settings that disagree, a schedule that
/// does not cover the epochs, shards that do not belong together.
public struct KDError: UserFacingError, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }
}

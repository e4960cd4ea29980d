import Support

/// A problem with one image, image list or record file. `origin` names what is at fault: a
/// file path, `LIST:LINE`, or `FILE.rec record N`.
public struct ImageError: UserFacingError, Equatable {
    /// The file (or record, or list line) the problem is in.
    public let origin: String
    /// What is wrong, in a few words.
    public let problem: String

    public init(origin: String, problem: String) {
        self.origin = origin
        self.problem = problem
    }

    public var message: String { "\(origin): \(problem)" }
}

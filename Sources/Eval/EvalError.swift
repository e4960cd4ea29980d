import Support

/// A problem with a verification `.bin` file or with evaluating a model on it: one line naming
/// the file and what is wrong.
public struct EvalError: UserFacingError, Equatable {
    /// The file at fault.
    public let path: String
    /// What is wrong, in a few words.
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var message: String { "\(path): \(problem)" }
}

import Support

/// A .pnm file that cannot be read: not one, of another version, or damaged.
public struct ModelFileError: UserFacingError, Equatable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var message: String { "\(path): \(problem)" }
}

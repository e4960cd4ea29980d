import Support

/// Why a model file cannot be imported, said of the file.
public struct ImportError: UserFacingError, Equatable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var message: String { "\(path): \(problem)" }
}

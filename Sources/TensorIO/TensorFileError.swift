import Support

/// A tensor file (.npy, .npz, .pb) that cannot be read or written.
public struct TensorFileError: UserFacingError, Equatable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var message: String { "\(path): \(problem)" }
}

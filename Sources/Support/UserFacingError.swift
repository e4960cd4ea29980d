/// An error whose message is meant for the person running pnconv: one line that names the
/// file (or argument) at fault and says what is wrong and, where possible, what to do.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// The one-line message, without the `pnconv: error:` prefix.
    var message: String { get }
}

extension UserFacingError {
    public var description: String { message }
}

/// A failure reading or writing a file, outside any particular file format.
public struct FileError: UserFacingError, Equatable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var message: String { "\(path): \(problem)" }
}

import Support

/// A failed HDF5 call, naming the file and what pnconv was doing.
public struct HDF5Error: UserFacingError {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var message: String { "\(path): \(problem)" }
}

/// Throws `HDF5Error` when an HDF5 call returned a negative status or identifier.
@discardableResult
func check<T: BinaryInteger>(_ result: T, _ path: String, _ what: @autoclosure () -> String) throws -> T {
    guard result >= 0 else { throw HDF5Error(path: path, problem: what()) }
    return result
}

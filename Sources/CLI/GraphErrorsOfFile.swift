import IR
import Support

/// Runs `body`, turning a `GraphError` (which speaks of nodes, not files) into a `FileError`
/// naming the model file it is about.
func attributing<T>(to path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as GraphError {
        throw FileError(path: path, problem: error.message)
    }
}

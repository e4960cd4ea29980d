import Support

/// A graph that cannot be used as it is: an inconsistent shape, a missing input, a cycle.
/// The importer prefixes the model file's name.
public struct GraphError: UserFacingError, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    /// The error, said of node `node` (by its output when it has no name, as in an export).
    public static func at(_ node: Node, _ problem: String) -> GraphError {
        if node.name.isEmpty { return GraphError("the \(node.opType) node of output '\(node.outputs.first ?? "")': \(problem)") }
        return GraphError("node '\(node.name)' (\(node.opType)): \(problem)")
    }
}

/// A graph with what pnconv records about where it came from.
public struct Model: Equatable, Sendable {
    public var graph: Graph
    /// The ONNX file name the model was imported from.
    public var sourceName: String
    /// SHA-256 of that file (the .onnx itself, not its external data).
    public var sourceSHA256: String
    /// The default-domain opset the source declared.
    public var opsetVersion: Int
    public var irVersion: Int
    public var producer: String

    public init(graph: Graph, sourceName: String, sourceSHA256: String, opsetVersion: Int, irVersion: Int, producer: String) {
        self.graph = graph
        self.sourceName = sourceName
        self.sourceSHA256 = sourceSHA256
        self.opsetVersion = opsetVersion
        self.irVersion = irVersion
        self.producer = producer
    }
}

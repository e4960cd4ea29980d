import IR
import Support

/// `pnconv import`: read an ONNX file, simplify its graph and check it at batch 1.
public enum ONNXImporter {
    /// The imported model and its summary; fails with a `FileError` naming the file.
    public static func importModel(path: String) throws -> (model: Model, summary: ModelSummary) {
        var model = try ONNXReader.read(path: path)
        do {
            model.graph = try GraphPasses.simplify(model.graph)
            guard !model.graph.inputs.isEmpty else { throw GraphError("the graph has no runtime input") }
            return (model, try ModelSummary(graph: model.graph))
        } catch let error as GraphError {
            throw FileError(path: path, problem: error.message)
        }
    }
}

import Foundation
import IR
import Support

/// A graph without its weights as JSON text: the form both .pnm and .pnw files store it in.
public enum GraphJSON {
    /// The JSON of `graph`; `storeTensor(node, attribute, tensor)` keeps a tensor-valued
    /// attribute and returns the name it is stored under.
    public static func encode(_ graph: Graph, storeTensor: (String, String, Tensor) throws -> String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(try GraphDocument(graph, storeTensor: storeTensor)), as: UTF8.self)
    }

    /// The graph `json` describes, with `initializers`; `loadTensor` reads attribute tensors.
    public static func decode(_ json: String, initializers: [String: Tensor], path: String,
                              loadTensor: (String) throws -> Tensor) throws -> Graph {
        let document: GraphDocument
        do {
            document = try JSONDecoder().decode(GraphDocument.self, from: Data(json.utf8))
        } catch {
            throw FileError(path: path, problem: "its graph is damaged (\(error.localizedDescription))")
        }
        return try document.graph(initializers: initializers, path: path, loadTensor: loadTensor)
    }
}

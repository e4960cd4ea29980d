import Foundation
import IR
import ModelFile
import ONNXImport
import Support

/// Loads any MODEL argument: an ONNX file (imported on the fly) or an imported .pnm file.
enum ModelLoader {
    static func load(_ path: String) throws -> (model: Model, summary: ModelSummary) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(path: path, problem: "no such file")
        }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "onnx":
            return try ONNXImporter.importModel(path: path)
        case "pnm":
            let model = try PNMFile.read(path: path)
            do {
                return (model, try ModelSummary(graph: model.graph))
            } catch let error as GraphError {
                throw FileError(path: path, problem: error.message)
            }
        default:
            throw FileError(path: path, problem: "unknown model type; pnconv reads .onnx and .pnm files")
        }
    }
}

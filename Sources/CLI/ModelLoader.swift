import Foundation
import Export
import IR
import ModelFile
import ONNXImport
import Support

/// Loads any MODEL argument: an ONNX file (imported on the fly) or an imported .pnm file.
enum ModelLoader {
    private static func summarized(_ model: Model, path: String) throws -> (model: Model, summary: ModelSummary) {
        do {
            return (model, try ModelSummary(graph: model.graph))
        } catch let error as GraphError {
            throw FileError(path: path, problem: error.message)
        }
    }

    static func load(_ path: String) throws -> (model: Model, summary: ModelSummary) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(path: path, problem: "no such file")
        }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "onnx":
            return try ONNXImporter.importModel(path: path)
        case "pnm":
            return try summarized(PNMFile.read(path: path), path: path)
        case "pnw":
            return try summarized(PNWFile.read(path: path).model, path: path)
        default:
            throw FileError(path: path, problem: "unknown model type; pnconv reads .onnx, .pnm and .pnw files")
        }
    }
}

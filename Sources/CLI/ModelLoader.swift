import Foundation
import Export
import IR
import ModelFile
import ONNXImport
import Support

/// Loads any MODEL argument: an ONNX file (imported on the fly), an imported .pnm file or an
/// exported .pnw file.
enum ModelLoader {
    private static func summary(of model: Model, path: String) throws -> ModelSummary {
        try attributing(to: path) { try ModelSummary(graph: model.graph) }
    }

    static func load(_ path: String) throws -> (model: Model, summary: ModelSummary) {
        let (model, summary, _) = try loadWithPrecision(path)
        return (model, summary)
    }

    /// The model, its summary and the precision its weights are stored at (fp32 but for .pnw).
    static func loadWithPrecision(_ path: String) throws -> (model: Model, summary: ModelSummary, precision: Precision) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(path: path, problem: "no such file")
        }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "onnx":
            let (model, summary) = try ONNXImporter.importModel(path: path)
            return (model, summary, .fp32)
        case "pnm":
            let model = try PNMFile.read(path: path)
            return (model, try summary(of: model, path: path), .fp32)
        case "pnw":
            let (model, metadata) = try PNWFile.read(path: path)
            return (model, try summary(of: model, path: path), Precision(rawValue: metadata.precision) ?? .fp32)
        default:
            throw FileError(path: path, problem: "unknown model type; pnconv reads .onnx, .pnm and .pnw files")
        }
    }
}

import Foundation
import HDF5
import IR
import Support

/// The imported model file (.pnm): HDF5 that h5py reads.
///
/// - `/` attributes: `format` = "pnconv-model", `format_version` = 1, `architecture`,
///   `embedding_dim` (-1 when unknown), `input_name`, `input_shape` (-1 for the batch),
///   `parameters`, `macs_per_image`, `source`, `source_sha256`, `opset`, `ir_version`,
///   `producer`, `created_by`.
/// - `/graph`: a JSON string (see `GraphDocument`).
/// - `/weights/<name>`: each initializer at its shape and type, its name escaped by `DatasetNames`.
/// - `/attribute_tensors/<node>.<attribute>`: tensors held by node attributes.
public enum PNMFile {
    public static let format = "pnconv-model"
    public static let formatVersion: Int64 = 1

    /// Writes `model` to `path` atomically: a failed write leaves no file.
    public static func write(_ model: Model, summary: ModelSummary, to path: String) throws {
        try AtomicOutput.write(to: path) { temporary in
            let file = try HDF5File.create(temporary)
            let root = try file.root()
            let inputShape = summary.inputDims.map { dim -> Int64 in
                if case .fixed(let size) = dim { return Int64(size) }
                return -1
            }
            let attributes: [(String, HDF5AttributeValue)] = [
                ("format", .string(format)), ("format_version", .int(formatVersion)),
                ("architecture", .string(summary.architecture.rawValue)),
                ("embedding_dim", .int(Int64(summary.embeddingSize ?? -1))),
                ("input_name", .string(summary.inputName)), ("input_shape", .ints(inputShape)),
                ("parameters", .int(Int64(summary.parameters))), ("macs_per_image", .int(Int64(summary.macsPerImage))),
                ("source", .string(model.sourceName)), ("source_sha256", .string(model.sourceSHA256)),
                ("opset", .int(Int64(model.opsetVersion))), ("ir_version", .int(Int64(model.irVersion))),
                ("producer", .string(model.producer)), ("created_by", .string(Version.createdBy)),
            ]
            for (key, value) in attributes { try root.setAttribute(key, value) }

            let weights = try root.createGroup("weights")
            for name in model.graph.initializerOrder {
                guard let tensor = model.graph.initializers[name] else { continue }
                try write(tensor, as: DatasetNames.escape(name), in: weights)
            }
            let attributeTensors = try root.createGroup("attribute_tensors")
            let json = try GraphJSON.encode(model.graph) { node, key, tensor in
                let datasetName = DatasetNames.escape("\(node).\(key)")
                try write(tensor, as: datasetName, in: attributeTensors)
                return datasetName
            }
            try root.writeStrings("graph", [json], scalar: true)
            try file.flush()
        }
    }

    private static func write(_ tensor: Tensor, as key: String, in group: HDF5Group) throws {
        try tensor.withUnsafeBytes { bytes in
            _ = try group.writeDataset(key, dtype: tensor.dtype, shape: tensor.shape, bytes: bytes)
        }
    }

    /// Reads a .pnm file back into the model it was written from.
    public static func read(path: String) throws -> Model {
        let file: HDF5File
        do {
            file = try HDF5File.open(path)
        } catch {
            throw FileError(path: path, problem: "is not a pnconv model file (.pnm): it is not HDF5, or cannot be read")
        }
        do {
            let root = try file.root()
            guard (try? root.stringAttribute("format")) == format else {
                throw FileError(path: path, problem: "is HDF5 but not a pnconv model file (format attribute is not '\(format)')")
            }
            let version = try root.intAttribute("format_version")
            guard version == formatVersion else {
                throw FileError(path: path, problem: "has format_version \(version); this pnconv reads version \(formatVersion)")
            }
            let json = try root.dataset("graph").readStrings().first ?? ""
            let weights = try root.group("weights")
            var initializers: [String: Tensor] = [:]
            for key in try weights.memberNames() {
                initializers[DatasetNames.unescape(key)] = try readTensor(key, in: weights, path: path)
            }
            let attributeTensors = try root.group("attribute_tensors")
            let graph = try GraphJSON.decode(json, initializers: initializers, path: path) { key in
                try readTensor(key, in: attributeTensors, path: path)
            }
            return Model(graph: graph, sourceName: try root.stringAttribute("source"),
                         sourceSHA256: try root.stringAttribute("source_sha256"),
                         opsetVersion: Int(try root.intAttribute("opset")), irVersion: Int(try root.intAttribute("ir_version")),
                         producer: try root.stringAttribute("producer"))
        } catch let error as HDF5Error {
            throw FileError(path: path, problem: "is damaged: \(error.problem)")
        }
    }

    private static func readTensor(_ key: String, in group: HDF5Group, path: String) throws -> Tensor {
        let dataset = try group.dataset(key)
        guard let dtype = dataset.dtype else {
            throw FileError(path: path, problem: "dataset \(dataset.name) has an element type pnconv does not read")
        }
        do {
            return try Tensor(dtype: dtype, shape: try dataset.shape(), bytes: try dataset.readBytes())
        } catch let error as GraphError {
            throw FileError(path: path, problem: "dataset \(dataset.name): \(error.message)")
        }
    }
}

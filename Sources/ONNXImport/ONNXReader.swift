import CProtobufC
import Foundation
import IR
import ONNXProto
import Support

/// Reads an ONNX file into a `Model` whose graph holds what the file says, translated to the
/// IR's canonical operator forms (see `LegacyForms`); it neither checks nor simplifies.
public enum ONNXReader {
    /// The IR versions and default-domain opsets pnconv reads.
    public static let irVersions = 3...10
    public static let opsets = 9...21

    public static func read(path: String) throws -> Model {
        let file = try MappedFile(path: path)
        guard file.bytes.count > 0 else {
            throw FileError(path: path, problem: "the file is empty, not an ONNX model")
        }
        let digest = BackgroundDigest(of: file)
        // The digest reads the file until it finishes; every exit waits for it.
        defer { _ = digest.wait() }
        guard let proto = onnx__model_proto__unpack(nil, file.bytes.count, file.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            throw FileError(path: path, problem: "is not an ONNX model, or is truncated (the protobuf does not parse)")
        }
        defer { onnx__model_proto__free_unpacked(proto, nil) }
        let model = proto.pointee
        guard let graphProto = model.graph else {
            throw FileError(path: path, problem: "holds no graph: not an ONNX model, or truncated")
        }
        let irVersion = Int(model.ir_version)
        guard irVersions.contains(irVersion) else {
            throw FileError(path: path, problem: "ir_version \(irVersion) is outside the supported range \(irVersions.lowerBound) to \(irVersions.upperBound)")
        }
        let opsets = elements(model.opset_import, model.n_opset_import).compactMap { $0?.pointee }
        guard let opset = opsets.first(where: { ["", "ai.onnx"].contains(string($0.domain)) }).map({ Int($0.version) }) else {
            throw FileError(path: path, problem: "declares no opset for the default ONNX domain (is the file truncated?)")
        }
        guard Self.opsets.contains(opset) else {
            throw FileError(path: path, problem: "opset \(opset) is outside the supported range \(Self.opsets.lowerBound) to \(Self.opsets.upperBound); convert it with onnx.version_converter")
        }
        let decoder = TensorDecoder(modelPath: path, externalData: ExternalData(modelPath: path))
        var graph = try readGraph(graphProto.pointee, decoder: decoder)
        do {
            graph = try LegacyForms.rewrite(graph, opset: opset)
        } catch let error as GraphError {
            throw FileError(path: path, problem: error.message)
        }
        let producer = [string(model.producer_name), string(model.producer_version)].filter { !$0.isEmpty }.joined(separator: " ")
        return Model(graph: graph, sourceName: URL(fileURLWithPath: path).lastPathComponent,
                     sourceSHA256: digest.wait(), opsetVersion: opset, irVersion: irVersion, producer: producer)
    }

    private static func readGraph(_ proto: Onnx__GraphProto, decoder: TensorDecoder) throws -> Graph {
        let path = decoder.modelPath
        if proto.n_sparse_initializer > 0 {
            throw FileError(path: path, problem: "has sparse initializers, which pnconv does not read")
        }
        let protoNodes = elements(proto.node, proto.n_node).compactMap { $0 }
        try checkOperators(protoNodes, path: path)

        var initializers: [String: Tensor] = [:]
        for tensor in elements(proto.initializer, proto.n_initializer).compactMap({ $0 }) {
            let (name, value) = try decoder.decode(tensor)
            initializers[name] = value
        }
        // IR version 3 lists initializers among the inputs too; they are weights, not inputs.
        let inputs = try elements(proto.input, proto.n_input).compactMap { $0 }
            .filter { initializers[string($0.pointee.name)] == nil }
            .map { try valueInfo($0.pointee, path: path) }
        let outputs = try elements(proto.output, proto.n_output).compactMap { $0 }.map { try valueInfo($0.pointee, path: path) }
        let nodes = try protoNodes.enumerated().map { index, proto -> Node in
            let message = proto.pointee
            let opType = string(message.op_type)
            let name = string(message.name).isEmpty ? "\(opType)_\(index)" : string(message.name)
            var attributes: [String: Attribute] = [:]
            for attribute in elements(message.attribute, message.n_attribute).compactMap({ $0 }) {
                let (key, value) = try decoder.decode(attribute: attribute, node: name)
                attributes[key] = value
            }
            return Node(name: name, opType: opType, domain: string(message.domain),
                        inputs: elements(message.input, message.n_input).map { string($0) },
                        outputs: elements(message.output, message.n_output).map { string($0) },
                        attributes: attributes)
        }
        return Graph(name: string(proto.name), inputs: inputs, outputs: outputs, nodes: nodes, initializers: initializers)
    }

    /// Fails with every unsupported operator and the nodes that use it, in one message.
    private static func checkOperators(_ nodes: [UnsafeMutablePointer<Onnx__NodeProto>], path: String) throws {
        let supported = OperatorSet.supported
        var unsupported: [(op: String, nodes: [String])] = []
        for (index, proto) in nodes.enumerated() {
            let domain = string(proto.pointee.domain), opType = string(proto.pointee.op_type)
            guard !(domain.isEmpty || domain == "ai.onnx") || !supported.contains(opType) else { continue }
            let op = domain.isEmpty || domain == "ai.onnx" ? opType : "\(domain).\(opType)"
            let name = string(proto.pointee.name).isEmpty ? "#\(index)" : string(proto.pointee.name)
            if let position = unsupported.firstIndex(where: { $0.op == op }) {
                unsupported[position].nodes.append(name)
            } else {
                unsupported.append((op, [name]))
            }
        }
        guard !unsupported.isEmpty else { return }
        let list = unsupported.map { "\($0.op) (node\($0.nodes.count == 1 ? "" : "s") \($0.nodes.joined(separator: ", ")))" }
        throw FileError(path: path, problem: "\(unsupported.count) unsupported operator\(unsupported.count == 1 ? "" : "s"): \(list.joined(separator: "; "))")
    }

    private static func valueInfo(_ proto: Onnx__ValueInfoProto, path: String) throws -> ValueInfo {
        let name = string(proto.name)
        guard let type = proto.type, type.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE,
              let tensorType = type.pointee.tensor_type else {
            throw FileError(path: path, problem: "graph input or output '\(name)' is not a tensor")
        }
        guard let dtype = DType(onnxCode: Int(tensorType.pointee.elem_type)) else {
            throw FileError(path: path, problem: "graph input or output '\(name)' has unsupported element type \(tensorType.pointee.elem_type)")
        }
        var dims: [Dim] = []
        if let shape = tensorType.pointee.shape {
            dims = elements(shape.pointee.dim, shape.pointee.n_dim).compactMap { $0?.pointee }.map { dim in
                switch dim.value_case {
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE: return .fixed(Int(dim.dim_value))
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM: return .symbolic(string(dim.dim_param))
                default: return .symbolic("")
                }
            }
        }
        return ValueInfo(name: name, dtype: dtype, dims: dims)
    }
}

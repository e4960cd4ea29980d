import IR
import Support
import ONNXProto

/// A single ONNX TensorProto stored as a file (.pb), as the ONNX test suites keep their inputs
/// and outputs.
public enum TensorProtoFile {
    public static func read(path: String) throws -> Tensor {
        let file = try MappedFile(path: path)
        guard file.bytes.count > 0,
              let proto = onnx__tensor_proto__unpack(nil, file.bytes.count, file.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            throw FileError(path: path, problem: "is not an ONNX TensorProto (.pb) file")
        }
        defer { onnx__tensor_proto__free_unpacked(proto, nil) }
        return try TensorDecoder(modelPath: path, externalData: ExternalData(modelPath: path)).decode(proto).tensor
    }
}

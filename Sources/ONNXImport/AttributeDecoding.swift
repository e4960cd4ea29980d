import Support
import IR
import ONNXProto

extension TensorDecoder {
    /// A node attribute as the IR holds it; graphs, sparse tensors and type protos are refused.
    func decode(attribute proto: UnsafePointer<Onnx__AttributeProto>, node: String) throws -> (String, Attribute) {
        let message = proto.pointee
        let name = string(message.name)
        if message.ref_attr_name != nil {
            throw FileError(path: modelPath, problem: "node '\(node)': attribute \(name) refers to a function attribute, which is not supported")
        }
        switch message.type {
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: return (name, .float(message.f))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return (name, .int(Int(message.i)))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: return (name, .string(string(message.s)))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
            return (name, .floats(Array(elements(message.floats, message.n_floats))))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
            return (name, .ints(elements(message.ints, message.n_ints).map { Int($0) }))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
            return (name, .strings(elements(message.strings, message.n_strings).map { string($0) }))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
            guard let tensor = message.t else { break }
            return (name, .tensor(try decode(tensor).tensor))
        default:
            break
        }
        throw FileError(path: modelPath, problem: "node '\(node)': attribute \(name) has a type pnconv does not read (\(message.type.rawValue))")
    }
}

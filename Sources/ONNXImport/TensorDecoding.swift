import IR
import ONNXProto
import Support

/// Turns ONNX TensorProtos into tensors: raw_data, the typed repeated fields, or external data.
struct TensorDecoder {
    let modelPath: String
    let externalData: ExternalData

    private func fail(_ name: String, _ problem: String) -> FileError {
        FileError(path: modelPath, problem: "tensor '\(name)': \(problem)")
    }

    /// Decodes `proto`; raw_data buffers are adopted, not copied, and left NULL in the message
    /// (protobuf-c then skips them when freeing it).
    func decode(_ proto: UnsafeMutablePointer<Onnx__TensorProto>) throws -> (name: String, tensor: Tensor) {
        let message = proto.pointee
        let name = string(message.name)
        guard let dtype = DType(onnxCode: Int(message.data_type)) else {
            throw fail(name, "element type \(message.data_type) is not supported (pnconv reads float, float16, double and integer tensors)")
        }
        let shape = elements(message.dims, message.n_dims).map { Int($0) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail(name, "shape \(shape) has a negative dimension") }
        let count = shape.reduce(1, *)
        let byteCount = count * dtype.byteSize

        do {
            if message.has_data_location != 0 && message.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
                let bytes = try externalBytes(message, name: name, byteCount: byteCount)
                return (name, try Tensor(dtype: dtype, shape: shape, bytes: bytes))
            }
            if message.has_raw_data != 0 {
                guard message.raw_data.len == byteCount else {
                    throw fail(name, "raw_data has \(message.raw_data.len) bytes, its shape \(shape) of \(dtype) needs \(byteCount)")
                }
                let data = message.raw_data.data
                proto.pointee.raw_data.data = nil
                proto.pointee.raw_data.len = 0
                return (name, try Tensor(dtype: dtype, shape: shape, adopting: data, byteCount: byteCount))
            }
            return (name, try Tensor(dtype: dtype, shape: shape, bytes: try typedBytes(message, name: name, dtype: dtype, count: count)))
        } catch let error as GraphError {
            throw fail(name, error.message)
        }
    }

    private func externalBytes(_ message: Onnx__TensorProto, name: String, byteCount: Int) throws -> UnsafeRawBufferPointer {
        var location = "", offset = 0, length: Int?
        for entry in elements(message.external_data, message.n_external_data) {
            guard let entry else { continue }
            let value = string(entry.pointee.value)
            switch string(entry.pointee.key) {
            case "location": location = value
            case "offset":
                guard let number = Int(value) else { throw fail(name, "external data offset '\(value)' is not a number") }
                offset = number
            case "length":
                guard let number = Int(value) else { throw fail(name, "external data length '\(value)' is not a number") }
                length = number
            default: break
            }
        }
        if let length, length != byteCount {
            throw fail(name, "external data length \(length) does not match its shape (\(byteCount) bytes)")
        }
        return try externalData.bytes(tensor: name, location: location, offset: offset, length: length ?? byteCount)
    }

    /// The elements stored in ONNX's typed fields, converted to little-endian bytes of `dtype`.
    private func typedBytes(_ message: Onnx__TensorProto, name: String, dtype: DType, count: Int) throws -> [UInt8] {
        func take<Field, Element>(_ pointer: UnsafeMutablePointer<Field>?, _ n: Int, field: String,
                                  _ convert: (Field) -> Element) throws -> [UInt8] {
            guard n == count else {
                throw fail(name, "\(field) holds \(n) values, its shape needs \(count)")
            }
            return elements(pointer, n).map(convert).withUnsafeBytes { Array($0) }
        }
        switch dtype {
        case .float32: return try take(message.float_data, message.n_float_data, field: "float_data") { $0 }
        case .float64: return try take(message.double_data, message.n_double_data, field: "double_data") { $0 }
        case .int64: return try take(message.int64_data, message.n_int64_data, field: "int64_data") { $0 }
        case .int32: return try take(message.int32_data, message.n_int32_data, field: "int32_data") { $0 }
        case .int16: return try take(message.int32_data, message.n_int32_data, field: "int32_data") { Int16(truncatingIfNeeded: $0) }
        case .int8: return try take(message.int32_data, message.n_int32_data, field: "int32_data") { Int8(truncatingIfNeeded: $0) }
        case .uint8, .bool: return try take(message.int32_data, message.n_int32_data, field: "int32_data") { UInt8(truncatingIfNeeded: $0) }
        // float16 values travel as their bit patterns in int32_data.
        case .uint16, .float16: return try take(message.int32_data, message.n_int32_data, field: "int32_data") { UInt16(truncatingIfNeeded: $0) }
        case .uint32: return try take(message.uint64_data, message.n_uint64_data, field: "uint64_data") { UInt32(truncatingIfNeeded: $0) }
        case .uint64: return try take(message.uint64_data, message.n_uint64_data, field: "uint64_data") { $0 }
        }
    }
}

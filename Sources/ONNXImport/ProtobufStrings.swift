import CProtobufC

/// protobuf-c leaves absent strings NULL; both read as "".
func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

/// The `count` elements of a protobuf-c repeated field.
func elements<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int) -> UnsafeMutableBufferPointer<T> {
    UnsafeMutableBufferPointer(start: count > 0 ? pointer : nil, count: count)
}

/// Bytes of a protobuf `bytes` field as a UTF-8 string.
func string(_ binary: ProtobufCBinaryData) -> String {
    guard binary.len > 0, let data = binary.data else { return "" }
    return String(decoding: UnsafeBufferPointer(start: data, count: binary.len), as: UTF8.self)
}

/// Writes pickle opcodes by hand, for tests of the verification-file reader.
struct PickleBuilder {
    var bytes: [UInt8] = []

    init(protocol version: UInt8) { bytes = [0x80, version] }

    mutating func op(_ code: UInt8) { bytes.append(code) }
    mutating func ops(_ codes: [UInt8]) { bytes += codes }
    mutating func int1(_ value: UInt8) { bytes += [0x4B, value] }
    mutating func shortBytes(_ data: [UInt8]) { bytes += [0x43, UInt8(data.count)] + data }
    mutating func shortString(_ data: [UInt8]) { bytes += [0x55, UInt8(data.count)] + data }
    mutating func unicode(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes += [0x58] + le32(utf8.count) + utf8
    }
    mutating func shortUnicode(_ text: String) { bytes += [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }
    mutating func global(_ module: String, _ name: String) { bytes += [0x63] + Array("\(module)\n\(name)\n".utf8) }
    mutating func stackGlobal(_ module: String, _ name: String) {
        shortUnicode(module); shortUnicode(name); op(0x93); op(0x94)
    }
    /// `numpy.dtype(code, False, True)` with its BUILD state, protocol 4 form.
    mutating func dtype(_ code: String) {
        stackGlobal("numpy", "dtype"); shortUnicode(code); ops([0x89, 0x88, 0x87, 0x52])
        op(0x28); int1(3); shortUnicode("|"); ops([0x4E, 0x4E, 0x4E]); bytes += [0x4A] + le32(-1) + [0x4A] + le32(-1); int1(0); op(0x74); op(0x62)
    }
    /// A numpy array as protocol 4 writes it: `_reconstruct` then BUILD.
    mutating func reconstructedArray(_ data: [UInt8], dtype code: String) {
        stackGlobal("numpy.core.multiarray", "_reconstruct"); stackGlobal("numpy", "ndarray")
        int1(0); op(0x85); shortBytes([0x62]); ops([0x87, 0x52])
        op(0x28); int1(1); int1(UInt8(data.count)); op(0x85); dtype(code); op(0x89); shortBytes(data); op(0x74); op(0x62)
    }
    /// A numpy array as protocol 5 writes it: `_frombuffer(data, dtype, shape, 'C')`.
    mutating func frombufferArray(_ data: [UInt8], dtype code: String) {
        stackGlobal("numpy._core.numeric", "_frombuffer"); op(0x28); shortBytes(data); dtype(code)
        int1(UInt8(data.count)); op(0x85); shortUnicode("C"); op(0x74); op(0x52)
    }

    private func le32(_ value: Int) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

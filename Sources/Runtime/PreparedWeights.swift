/// Weights in the form kernels use them (float copies, Winograd transforms), made once per
/// engine and shared by all its plans: every batch size and every lane of a split batch.
final class PreparedWeights {
    private var buffers: [String: FloatBuffer] = [:]

    /// The buffer stored under `key`, made by `make` the first time.
    func buffer(_ key: String, _ make: () throws -> FloatBuffer) rethrows -> FloatBuffer {
        if let buffer = buffers[key] { return buffer }
        let buffer = try make()
        buffers[key] = buffer
        return buffer
    }
}

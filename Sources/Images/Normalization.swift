/// The input normalization of insightface's and PocketNet's training code,
/// `x -> (x/255 - 0.5)/0.5`, evaluated in float32 exactly as torchvision's
/// `ToTensor()` (a float32 division by 255) followed by `Normalize(0.5, 0.5)` (float32
/// subtraction and division) computes it, so targets match the training pipeline bit for bit.
public enum Normalization {
    /// The normalized value of one 8-bit sample, in [-1, 1].
    public static func value(_ sample: UInt8) -> Float {
        table[Int(sample)]
    }

    /// All 256 normalized values, indexed by sample.
    public static let table: [Float] = (0...255).map { sample in
        let scaled: Float = Float(sample) / 255
        return (scaled - 0.5) / 0.5
    }
}

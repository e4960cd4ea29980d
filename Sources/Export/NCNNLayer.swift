import Foundation

/// One layer of an ncnn model: a line of the .param file and its part of the .bin file.
struct NCNNLayer {
    /// A parameter value as the .param file writes it: ncnn tells floats from integers by a
    /// '.' or 'e' in the text, and arrays go under the key -23300 - id.
    enum Value {
        case int(Int)
        case float(Float)
        case ints([Int])

        var text: String {
            switch self {
            case .int(let number): return String(number)
            // Nine significant digits bring a float back exactly, in at most 15 characters.
            case .float(let number): return String(format: "%.8e", number)
            case .ints(let numbers): return ([numbers.count] + numbers).map(String.init).joined(separator: ",")
            }
        }
    }

    var type: String
    var name: String
    var inputs: [String]
    var outputs: [String]
    var parameters: [(id: Int, value: Value)] = []
    /// The layer's weights, in the order its load_model reads them.
    var weights: [UInt8] = []

    var line: String {
        var fields = [type, name, String(inputs.count), String(outputs.count)] + inputs + outputs
        for (id, value) in parameters {
            if case .ints = value { fields.append("\(-23300 - id)=\(value.text)") } else { fields.append("\(id)=\(value.text)") }
        }
        return fields.joined(separator: " ")
    }

    /// Weights that ncnn reads with a leading storage tag (Convolution and InnerProduct
    /// weight_data): float32 after a zero tag, or float16 after 0x01306B47 padded to 4 bytes.
    static func taggedWeights(_ values: [Float], half: Bool) -> [UInt8] {
        if !half { return [0, 0, 0, 0] + raw(values) }
        var bytes = withUnsafeBytes(of: UInt32(0x0130_6B47).littleEndian) { Array($0) }
        bytes += values.map { Float16($0) }.withUnsafeBytes { Array($0) }
        if values.count % 2 == 1 { bytes += [0, 0] }
        return bytes
    }

    /// Weights that ncnn reads as plain float32 (biases, slopes, BatchNorm's statistics).
    static func raw(_ values: [Float]) -> [UInt8] {
        values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) }
    }
}

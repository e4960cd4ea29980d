/// Symmetric int8 quantization with one scale per slice along axis 0 (the output channel of
/// a convolution): q = round(w / scale), scale = max|w| / 127, w ~ q * scale.
enum Int8Quantization {
    static func quantize(_ values: [Float], channels: Int) -> (values: [Int8], scales: [Float]) {
        let perChannel = values.count / max(channels, 1)
        var quantized = [Int8](repeating: 0, count: values.count)
        var scales = [Float](repeating: 0, count: channels)
        for channel in 0..<channels {
            let slice = (channel * perChannel)..<((channel + 1) * perChannel)
            let largest = values[slice].reduce(Float(0)) { max($0, abs($1)) }
            let scale = largest > 0 ? largest / 127 : 1
            scales[channel] = scale
            for i in slice { quantized[i] = Int8(max(-127, min(127, (values[i] / scale).rounded()))) }
        }
        return (quantized, scales)
    }

    static func dequantize(_ values: [Int8], scales: [Float]) -> [Float] {
        let perChannel = values.count / max(scales.count, 1)
        return values.enumerated().map { Float($0.element) * scales[$0.offset / max(perChannel, 1)] }
    }
}

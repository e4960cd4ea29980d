import Support

/// Reference evaluation of the data-movement and integer operators on small constant tensors,
/// so that shape computations (Shape -> Gather -> Concat -> Reshape) fold before running.
/// Element-type generic: they move whole elements of any byte size.
enum ConstantKernels {
    /// Views `shape` as [outer, shape[axis], inner].
    private static func split(_ shape: [Int], at axis: Int) -> (outer: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[(axis + 1)...].reduce(1, *))
    }

    static func gather(_ data: Tensor, indices: [Int], indicesShape: [Int], axis: Int) throws -> Tensor {
        let size = data.dtype.byteSize
        let (outer, inner) = split(data.shape, at: axis)
        let dim = data.shape[axis]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(outer * indices.count * inner * size)
        for o in 0..<outer {
            for index in indices {
                let start = ((o * dim) + index) * inner * size
                bytes.append(contentsOf: data.bytes[start..<(start + inner * size)])
            }
        }
        let shape = Array(data.shape[..<axis]) + indicesShape + Array(data.shape[(axis + 1)...])
        return try Tensor(dtype: data.dtype, shape: shape, bytes: bytes)
    }

    static func concat(_ parts: [Tensor], axis: Int, shape: [Int]) throws -> Tensor {
        let size = parts[0].dtype.byteSize
        let outer = shape[..<axis].reduce(1, *)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(shape.reduce(1, *) * size)
        for o in 0..<outer {
            for part in parts {
                let chunk = part.shape[axis...].reduce(1, *) * size
                bytes.append(contentsOf: part.bytes[(o * chunk)..<((o + 1) * chunk)])
            }
        }
        return try Tensor(dtype: parts[0].dtype, shape: shape, bytes: bytes)
    }

    static func slice(_ data: Tensor, _ geometry: SliceGeometry) throws -> Tensor {
        let size = data.dtype.byteSize
        let rank = data.shape.count
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * data.shape[axis + 1]
        }
        let count = geometry.outputShape.reduce(1, *)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * size)
        var position = [Int](repeating: 0, count: rank)
        for _ in 0..<count {
            var offset = 0
            for axis in 0..<rank {
                offset += (geometry.starts[axis] + position[axis] * geometry.steps[axis]) * strides[axis]
            }
            bytes.append(contentsOf: data.bytes[(offset * size)..<((offset + 1) * size)])
            var axis = rank - 1
            while axis >= 0 {
                position[axis] += 1
                if position[axis] < geometry.outputShape[axis] { break }
                position[axis] = 0
                axis -= 1
            }
        }
        return try Tensor(dtype: data.dtype, shape: geometry.outputShape, bytes: bytes)
    }

    /// Elementwise integer arithmetic with broadcasting; nil for float or mixed operands.
    static func integerArithmetic(_ opType: String, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor? {
        guard a.dtype == b.dtype, a.dtype == .int64 || a.dtype == .int32,
              let left = a.int64s(), let right = b.int64s() else { return nil }
        let count = shape.reduce(1, *)
        func index(_ flat: Int, _ operandShape: [Int]) -> Int {
            var remaining = flat, result = 0, step = 1
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                let coordinate = remaining % shape[axis]
                remaining /= shape[axis]
                let operandAxis = axis - (shape.count - operandShape.count)
                if operandAxis >= 0 {
                    if operandShape[operandAxis] != 1 { result += coordinate * step }
                    step *= operandShape[operandAxis]
                }
            }
            return result
        }
        var values = [Int64](repeating: 0, count: count)
        for flat in 0..<count {
            let x = left[index(flat, a.shape)], y = right[index(flat, b.shape)]
            switch opType {
            case "Add": values[flat] = x &+ y
            case "Sub": values[flat] = x &- y
            case "Mul": values[flat] = x &* y
            case "Div":
                guard y != 0 else { return nil }
                values[flat] = x.dividedReportingOverflow(by: y).partialValue
            default: return nil
            }
        }
        let result = Tensor(int64s: values, shape: shape)
        return a.dtype == .int64 ? result : cast(result, to: .int32)
    }

    /// Converts between integer types, and from float types to float32 (what shape code needs).
    static func cast(_ tensor: Tensor, to dtype: DType) -> Tensor? {
        if tensor.dtype == dtype { return tensor }
        if let values = tensor.int64s() {
            let bytes: [UInt8]
            switch dtype {
            case .int64: bytes = values.withUnsafeBytes { Array($0) }
            case .int32: bytes = values.map { Int32(truncatingIfNeeded: $0) }.withUnsafeBytes { Array($0) }
            case .float32: bytes = values.map { Float($0) }.withUnsafeBytes { Array($0) }
            case .bool: bytes = values.map { $0 != 0 ? 1 : 0 }
            default: return nil
            }
            return try? Tensor(dtype: dtype, shape: tensor.shape, bytes: bytes)
        }
        if let values = tensor.floats() {
            switch dtype {
            case .float32: return Tensor(floats: values, shape: tensor.shape)
            case .int64:
                // NaN, infinities and out-of-range values have no int64; such a cast is left to run time.
                let integers = values.compactMap { Int64(exactly: $0.rounded(.towardZero)) }
                return integers.count == values.count ? Tensor(int64s: integers, shape: tensor.shape) : nil
            default: return nil
            }
        }
        return nil
    }

    /// A tensor of `shape` filled with the single element of `value`.
    static func fill(_ value: Tensor, shape: [Int]) throws -> Tensor {
        let count = shape.reduce(1, *)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * value.bytes.count)
        for _ in 0..<count { bytes.append(contentsOf: value.bytes) }
        return try Tensor(dtype: value.dtype, shape: shape, bytes: bytes)
    }
}

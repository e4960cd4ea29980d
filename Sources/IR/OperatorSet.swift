import Support

/// The operators pnconv supports (default ONNX domain, latest semantics: the importer rewrites
/// older forms), each with its shape rule. A rule receives what is known of the node's inputs
/// (nil for an omitted optional input) and returns its outputs; shape-computing operators also
/// return their value when their inputs are constant.
public enum OperatorSet {
    typealias Rule = (Node, [InferredValue?]) throws -> [InferredValue]

    /// Names of the supported operators.
    public static var supported: Set<String> { Set(rules.keys) }

    /// Constants larger than this (256 MB of floats) are not computed ahead of time.
    static let constantElementLimit = 1 << 26

    static func rule(for opType: String) -> Rule? { rules[opType] }

    private static let rules: [String: Rule] = [
        "Conv": conv,
        "BatchNormalization": batchNormalization,
        "PRelu": prelu,
        "Relu": sameAsFirst, "Softmax": softmax, "Identity": identity, "Dropout": dropout,
        "Add": arithmetic, "Sub": arithmetic, "Mul": arithmetic, "Div": arithmetic, "Sum": sum,
        "Concat": concat, "Slice": slice, "Reshape": reshape, "Flatten": flatten,
        "Gemm": gemm, "MatMul": matMul,
        "MaxPool": pool, "AveragePool": pool, "GlobalAveragePool": globalAveragePool,
        "Shape": shape, "Gather": gather, "Unsqueeze": unsqueeze, "Squeeze": squeeze,
        "Constant": constant, "ConstantOfShape": constantOfShape, "Cast": cast,
    ]

    // MARK: helpers

    private static func required(_ node: Node, _ inputs: [InferredValue?], _ index: Int) throws -> InferredValue {
        guard index < inputs.count, let value = inputs[index] else {
            throw GraphError.at(node, "input \(index) is required")
        }
        return value
    }

    private static func constantInts(_ node: Node, _ inputs: [InferredValue?], _ index: Int, _ what: String) throws -> [Int64]? {
        guard index < inputs.count, let value = inputs[index] else { return nil }
        guard let tensor = value.constant, let values = tensor.int64s() else {
            throw GraphError.at(node, "\(what) (input \(index)) must be a constant integer tensor")
        }
        return values
    }

    /// `axis` resolved against `rank` (negative counts from the end), or an error naming the node.
    public static func normalizedAxis(_ node: Node, _ axis: Int, rank: Int) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0 && resolved < rank else {
            throw GraphError.at(node, "axis \(axis) is out of range for rank \(rank)")
        }
        return resolved
    }

    /// Output with the given type; with a constant when `compute` (run only for small results) gives one.
    private static func value(_ dtype: DType, _ shape: [Int], _ compute: () throws -> Tensor?) rethrows -> InferredValue {
        let constant = shape.reduce(1, *) <= constantElementLimit ? try compute() : nil
        return InferredValue(dtype: dtype, shape: shape, constant: constant)
    }

    // MARK: rules

    private static func sameAsFirst(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0)
        return [InferredValue(dtype: x.dtype, shape: x.shape)]
    }

    private static func identity(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        [try required(node, inputs, 0)]
    }

    private static func dropout(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0)
        if let training = inputs.count > 2 ? inputs[2] : nil, training.constant?.int64s()?.first != 0 {
            throw GraphError.at(node, "training mode must be a constant false")
        }
        return [x, InferredValue(dtype: .bool, shape: x.shape)]
    }

    private static func softmax(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0)
        _ = try normalizedAxis(node, try node.int("axis", default: -1), rank: x.shape.count)
        return [InferredValue(dtype: x.dtype, shape: x.shape)]
    }

    private static func conv(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0), w = try required(node, inputs, 1)
        guard x.shape.count >= 3, w.shape.count == x.shape.count else {
            throw GraphError.at(node, "input \(x.shape) and weight \(w.shape) must both be N-C-spatial of the same rank")
        }
        let group = try node.int("group", default: 1)
        guard group > 0, x.shape[1] == w.shape[1] * group, w.shape[0] % group == 0 else {
            throw GraphError.at(node, "input has \(x.shape[1]) channels but weight \(w.shape) with group \(group) expects \(w.shape[1] * group)")
        }
        if inputs.count > 2, let bias = inputs[2], bias.shape != [w.shape[0]] {
            throw GraphError.at(node, "bias shape \(bias.shape) should be [\(w.shape[0])]")
        }
        let geometry = try WindowGeometry(node: node, input: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
        return [InferredValue(dtype: x.dtype, shape: [x.shape[0], w.shape[0]] + geometry.outputSize)]
    }

    private static func batchNormalization(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0)
        guard x.shape.count >= 2 else { throw GraphError.at(node, "input \(x.shape) has no channel axis") }
        for index in 1...4 {
            let parameter = try required(node, inputs, index)
            guard parameter.shape == [x.shape[1]] else {
                throw GraphError.at(node, "parameter \(index) has shape \(parameter.shape), expected [\(x.shape[1])]")
            }
        }
        if node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw GraphError.at(node, "training-mode outputs (running mean and variance) are not supported")
        }
        return [InferredValue(dtype: x.dtype, shape: x.shape)]
    }

    private static func prelu(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0), slope = try required(node, inputs, 1)
        guard Broadcasting.shape([x.shape, slope.shape]) == x.shape else {
            throw GraphError.at(node, "slope \(slope.shape) does not broadcast to the input \(x.shape)")
        }
        return [InferredValue(dtype: x.dtype, shape: x.shape)]
    }

    private static func arithmetic(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let a = try required(node, inputs, 0), b = try required(node, inputs, 1)
        guard a.dtype == b.dtype else {
            throw GraphError.at(node, "operands have different types \(a.dtype) and \(b.dtype)")
        }
        guard let shape = Broadcasting.shape([a.shape, b.shape]) else {
            throw GraphError.at(node, "shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return [value(a.dtype, shape) {
            guard let left = a.constant, let right = b.constant else { return nil }
            return ConstantKernels.integerArithmetic(node.opType, left, right, shape: shape)
        }]
    }

    private static func sum(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let operands = try inputs.indices.map { try required(node, inputs, $0) }
        guard let first = operands.first else { throw GraphError.at(node, "needs at least one input") }
        guard let shape = Broadcasting.shape(operands.map(\.shape)) else {
            throw GraphError.at(node, "shapes \(operands.map(\.shape)) do not broadcast")
        }
        return [InferredValue(dtype: first.dtype, shape: shape)]
    }

    private static func concat(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let parts = try inputs.indices.map { try required(node, inputs, $0) }
        guard let first = parts.first else { throw GraphError.at(node, "needs at least one input") }
        guard let attribute = try node.int("axis") else { throw GraphError.at(node, "attribute axis is required") }
        let axis = try normalizedAxis(node, attribute, rank: first.shape.count)
        var shape = first.shape
        shape[axis] = 0
        for part in parts {
            var expected = first.shape
            expected[axis] = part.shape.count == expected.count ? part.shape[axis] : -1
            guard part.shape == expected, part.dtype == first.dtype else {
                throw GraphError.at(node, "inputs \(parts.map(\.shape)) differ outside axis \(axis)")
            }
            shape[axis] += part.shape[axis]
        }
        return [try value(first.dtype, shape) {
            let constants = parts.compactMap(\.constant)
            guard constants.count == parts.count else { return nil }
            return try ConstantKernels.concat(constants, axis: axis, shape: shape)
        }]
    }

    private static func slice(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let data = try required(node, inputs, 0)
        guard let starts = try constantInts(node, inputs, 1, "starts"),
              let ends = try constantInts(node, inputs, 2, "ends") else {
            throw GraphError.at(node, "starts and ends are required")
        }
        let geometry = try SliceGeometry(node: node, inputShape: data.shape, starts: starts, ends: ends,
                                         axes: try constantInts(node, inputs, 3, "axes"),
                                         steps: try constantInts(node, inputs, 4, "steps"))
        return [try value(data.dtype, geometry.outputShape) {
            try data.constant.map { try ConstantKernels.slice($0, geometry) }
        }]
    }

    /// The output shape of Reshape: 0 copies the input's dimension (unless allowzero), -1 is inferred.
    static func reshapedShape(_ node: Node, input: [Int], target: [Int64]) throws -> [Int] {
        let allowZero = try node.int("allowzero", default: 0) != 0
        var shape = try target.enumerated().map { axis, dim -> Int in
            if dim == 0 && !allowZero {
                guard axis < input.count else { throw GraphError.at(node, "shape copies axis \(axis), which the input \(input) lacks") }
                return input[axis]
            }
            return Int(dim)
        }
        let total = input.reduce(1, *)
        let unknown = shape.indices.filter { shape[$0] == -1 }
        guard unknown.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
            throw GraphError.at(node, "shape \(target) is not a valid Reshape target")
        }
        if let axis = unknown.first {
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, total % known == 0 else {
                throw GraphError.at(node, "cannot reshape \(input) to \(target)")
            }
            shape[axis] = total / known
        }
        guard shape.reduce(1, *) == total else {
            throw GraphError.at(node, "cannot reshape \(input) (\(total) elements) to \(target)")
        }
        return shape
    }

    private static func reshape(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let data = try required(node, inputs, 0)
        guard let target = try constantInts(node, inputs, 1, "shape") else { throw GraphError.at(node, "shape is required") }
        let shape = try reshapedShape(node, input: data.shape, target: target)
        return [try value(data.dtype, shape) { try data.constant?.reshaped(shape) }]
    }

    private static func flatten(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let data = try required(node, inputs, 0)
        let rank = data.shape.count
        var axis = try node.int("axis", default: 1)
        if axis < 0 { axis += rank }
        guard axis >= 0 && axis <= rank else { throw GraphError.at(node, "axis is out of range for rank \(rank)") }
        let shape = [data.shape[..<axis].reduce(1, *), data.shape[axis...].reduce(1, *)]
        return [try value(data.dtype, shape) { try data.constant?.reshaped(shape) }]
    }

    private static func gemm(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let a = try required(node, inputs, 0), b = try required(node, inputs, 1)
        guard a.shape.count == 2, b.shape.count == 2 else {
            throw GraphError.at(node, "operands \(a.shape) and \(b.shape) must be matrices")
        }
        let transA = try node.int("transA", default: 0) != 0, transB = try node.int("transB", default: 0) != 0
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else { throw GraphError.at(node, "inner dimensions differ: \(a.shape) x \(b.shape)") }
        if inputs.count > 2, let c = inputs[2], Broadcasting.shape([c.shape, [m, n]]) != [m, n] {
            throw GraphError.at(node, "C \(c.shape) does not broadcast to [\(m), \(n)]")
        }
        return [InferredValue(dtype: a.dtype, shape: [m, n])]
    }

    private static func matMul(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let a = try required(node, inputs, 0), b = try required(node, inputs, 1)
        guard !a.shape.isEmpty, !b.shape.isEmpty else { throw GraphError.at(node, "operands must not be scalars") }
        let left = a.shape.count == 1 ? [1] + a.shape : a.shape
        let right = b.shape.count == 1 ? b.shape + [1] : b.shape
        guard left[left.count - 1] == right[right.count - 2] else {
            throw GraphError.at(node, "inner dimensions differ: \(a.shape) x \(b.shape)")
        }
        guard let batch = Broadcasting.shape([Array(left.dropLast(2)), Array(right.dropLast(2))]) else {
            throw GraphError.at(node, "batch dimensions of \(a.shape) and \(b.shape) do not broadcast")
        }
        var shape = batch
        if a.shape.count > 1 { shape.append(left[left.count - 2]) }
        if b.shape.count > 1 { shape.append(right[right.count - 1]) }
        return [InferredValue(dtype: a.dtype, shape: shape)]
    }

    private static func pool(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0)
        guard x.shape.count >= 3 else { throw GraphError.at(node, "input \(x.shape) must be N-C-spatial") }
        if node.outputs.count > 1 && !node.outputs[1].isEmpty {
            throw GraphError.at(node, "the Indices output is not supported")
        }
        let geometry = try WindowGeometry(node: node, input: Array(x.shape[2...]), kernel: nil)
        return [InferredValue(dtype: x.dtype, shape: Array(x.shape[..<2]) + geometry.outputSize)]
    }

    private static func globalAveragePool(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0)
        guard x.shape.count >= 3 else { throw GraphError.at(node, "input \(x.shape) must be N-C-spatial") }
        return [InferredValue(dtype: x.dtype, shape: Array(x.shape[..<2]) + Array(repeating: 1, count: x.shape.count - 2))]
    }

    private static func shape(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let x = try required(node, inputs, 0)
        let rank = x.shape.count
        func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
        let start = clamp(try node.int("start", default: 0)), end = clamp(try node.int("end", default: rank))
        let dims = start < end ? x.shape[start..<end].map { Int64($0) } : []
        return [InferredValue(Tensor(int64s: dims))]
    }

    private static func gather(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let data = try required(node, inputs, 0), indices = try required(node, inputs, 1)
        let axis = try normalizedAxis(node, try node.int("axis", default: 0), rank: data.shape.count)
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        return [try value(data.dtype, shape) {
            guard let tensor = data.constant, let raw = indices.constant?.int64s() else { return nil }
            let resolved = try raw.map { index -> Int in
                let value = Int(index < 0 ? index + Int64(data.shape[axis]) : index)
                guard value >= 0 && value < data.shape[axis] else { throw GraphError.at(node, "index \(index) is out of range") }
                return value
            }
            return try ConstantKernels.gather(tensor, indices: resolved, indicesShape: indices.shape, axis: axis)
        }]
    }

    private static func unsqueeze(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let data = try required(node, inputs, 0)
        guard let axes = try constantInts(node, inputs, 1, "axes") else { throw GraphError.at(node, "axes are required") }
        let rank = data.shape.count + axes.count
        let resolved = try Set(axes.map { try normalizedAxis(node, Int($0), rank: rank) })
        guard resolved.count == axes.count else { throw GraphError.at(node, "axes \(axes) repeat") }
        var remaining = data.shape.makeIterator()
        let shape = (0..<rank).map { resolved.contains($0) ? 1 : remaining.next() ?? 1 }
        return [try value(data.dtype, shape) { try data.constant?.reshaped(shape) }]
    }

    private static func squeeze(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let data = try required(node, inputs, 0)
        let rank = data.shape.count
        let axes = try constantInts(node, inputs, 1, "axes").map { try Set($0.map { try normalizedAxis(node, Int($0), rank: rank) }) }
            ?? Set(data.shape.indices.filter { data.shape[$0] == 1 })
        for axis in axes where data.shape[axis] != 1 {
            throw GraphError.at(node, "cannot squeeze axis \(axis) of size \(data.shape[axis])")
        }
        let shape = data.shape.indices.filter { !axes.contains($0) }.map { data.shape[$0] }
        return [try value(data.dtype, shape) { try data.constant?.reshaped(shape) }]
    }

    private static func constant(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        guard let tensor = try constantValue(of: node) else {
            throw GraphError.at(node, "has no value attribute pnconv reads (value, value_float(s), value_int(s))")
        }
        return [InferredValue(tensor)]
    }

    /// The tensor a Constant node holds.
    public static func constantValue(of node: Node) throws -> Tensor? {
        switch (node.attributes["value"], node.attributes["value_float"], node.attributes["value_floats"],
                node.attributes["value_int"], node.attributes["value_ints"]) {
        case (.tensor(let tensor)?, _, _, _, _): return tensor
        case (_, .float(let value)?, _, _, _): return Tensor(floats: [value], shape: [])
        case (_, _, .floats(let values)?, _, _): return Tensor(floats: values)
        case (_, _, _, .int(let value)?, _): return Tensor(int64s: [Int64(value)], shape: [])
        case (_, _, _, _, .ints(let values)?): return Tensor(int64s: values.map { Int64($0) })
        default: return nil
        }
    }

    private static func constantOfShape(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        guard let dims = try constantInts(node, inputs, 0, "shape") else { throw GraphError.at(node, "shape is required") }
        let fill: Tensor
        switch node.attributes["value"] {
        case .tensor(let tensor)?:
            guard tensor.elementCount == 1 else { throw GraphError.at(node, "value must hold one element") }
            fill = try tensor.reshaped([])
        case nil: fill = Tensor(floats: [0], shape: [])
        default: throw GraphError.at(node, "value must be a tensor")
        }
        let shape = dims.map { Int($0) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw GraphError.at(node, "shape \(dims) has a negative dimension") }
        return [try value(fill.dtype, shape) { try ConstantKernels.fill(fill, shape: shape) }]
    }

    private static func cast(_ node: Node, _ inputs: [InferredValue?]) throws -> [InferredValue] {
        let data = try required(node, inputs, 0)
        guard let code = try node.int("to"), let dtype = DType(onnxCode: code) else {
            throw GraphError.at(node, "attribute to must name a supported element type")
        }
        return [value(dtype, data.shape) { data.constant.flatMap { ConstantKernels.cast($0, to: dtype) } }]
    }
}

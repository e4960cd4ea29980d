import IR
import Support

/// The ncnn layers that compute what a graph computes, for one image: ncnn blobs have no batch
/// axis, so an ONNX value [1, C, H, W] is a blob [C, H, W] and ONNX axis a is ncnn axis a - 1.
/// Nodes ncnn has no exact layer for are collected and reported together, each with the reason.
struct NCNNConversion {
    private let graph: Graph
    private let values: [String: InferredValue]
    private let half: Bool

    /// A node that cannot be written for ncnn, and why.
    private struct Unsupported: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The layers of `graph` (BatchNormalization already folded where it can be), beginning
    /// with its Input; weights of convolutions and fully connected layers in float16 if `half`.
    static func layers(of graph: Graph, half: Bool) throws -> [NCNNLayer] {
        let conversion = NCNNConversion(graph: graph, values: try ShapeInference.infer(graph, batch: 1), half: half)
        guard graph.inputs.count == 1, let input = graph.inputs.first, let shape = conversion.values[input.name]?.shape, shape.count == 4 else {
            throw GraphError("ncnn export needs one image input [batch, C, H, W]; this graph has \(graph.inputs.count) inputs (the first of rank \(conversion.values[graph.inputs.first?.name ?? ""]?.shape.count ?? 0))")
        }
        var layers = [NCNNLayer(type: "Input", name: input.name, inputs: [], outputs: [input.name],
                                parameters: [(0, .int(shape[3])), (1, .int(shape[2])), (2, .int(shape[1]))])]
        var problems: [String] = []
        // Nodes that compute constants (shape arithmetic) need no layer: their values are weights.
        for node in graph.nodes where !node.outputs.allSatisfy({ $0.isEmpty || conversion.constant($0) != nil }) {
            do {
                layers += try conversion.convert(node)
            } catch let unsupported as Unsupported {
                problems.append(GraphError.at(node, unsupported.reason).message)
            }
        }
        for output in graph.outputs where conversion.constant(output.name) != nil {
            problems.append("output '\(output.name)' is a constant")
        }
        guard problems.isEmpty else {
            throw GraphError("cannot be written for ncnn: " + problems.joined(separator: "; "))
        }
        return layers
    }

    private func convert(_ node: Node) throws -> [NCNNLayer] {
        switch node.opType {
        case "Conv": return [try convolution(node)]
        case "PRelu": return [try prelu(node)]
        case "Relu": return [try layer("ReLU", node)]
        case "LeakyRelu": return [try layer("ReLU", node, [(0, .float(try node.float("alpha", default: 0.01)))])]
        case "BatchNormalization": return [try batchNorm(node)]
        case "Add", "Sub", "Mul", "Div": return [try binary(node)]
        case "Sum":
            try requireEqualShapes(node.inputs)
            return [try layer("Eltwise", node, [(0, .int(1))], inputs: node.inputs)]
        case "Concat":
            return [try layer("Concat", node, [(0, .int(try blobAxis(try node.int("axis", default: 0), of: node.inputs[0])))], inputs: node.inputs)]
        case "MaxPool", "AveragePool": return [try pooling(node)]
        case "GlobalAveragePool", "GlobalMaxPool": return try globalPooling(node)
        case "Flatten", "Reshape", "Squeeze", "Unsqueeze": return [try reshape(node)]
        case "Gemm", "MatMul": return [try innerProduct(node)]
        case "Slice": return [try crop(node)]
        case "Softmax":
            return [try layer("Softmax", node, [(0, .int(try blobAxis(try node.int("axis", default: -1), of: node.inputs[0]))), (1, .int(1))])]
        default:
            throw Unsupported("ncnn export has no layer for \(node.opType)")
        }
    }

    // MARK: layers

    /// A layer reading blob `inputs` (by default the node's first input) and writing the node's outputs.
    private func layer(_ type: String, _ node: Node, _ parameters: [(id: Int, value: NCNNLayer.Value)] = [],
                       inputs: [String]? = nil, weights: [UInt8] = []) throws -> NCNNLayer {
        let blobs = inputs ?? [node.inputs[0]]
        for blob in blobs where constant(blob) != nil {
            throw Unsupported("input '\(blob)' is a constant; ncnn takes constants only as a layer's weights")
        }
        return NCNNLayer(type: type, name: node.name, inputs: blobs, outputs: node.outputs.filter { !$0.isEmpty },
                         parameters: parameters, weights: weights)
    }

    private func convolution(_ node: Node) throws -> NCNNLayer {
        let input = try shape(node.inputs[0])
        guard input.count == 4 else { throw Unsupported("ncnn export handles 2-D convolutions only") }
        let weight = try constantTensor(node.input(1), "the weight")
        let values = weight.floats() ?? []
        let window = try WindowGeometry(node: node, input: Array(input[2...]), kernel: Array(weight.shape[2...]))
        let group = try node.int("group", default: 1)
        let biasName = node.input(2) ?? ""
        let bias = biasName.isEmpty ? nil : try constantFloats(biasName, "the bias")
        var parameters = [(0, NCNNLayer.Value.int(weight.shape[0]))] + windowParameters(window, kernelIDs: (1, 11), strideIDs: (3, 13),
                                                                                            padIDs: (left: 4, top: 14, right: 15, bottom: 16))
        parameters += [(2, .int(window.dilations[1])), (12, .int(window.dilations[0])), (5, .int(bias == nil ? 0 : 1)), (6, .int(values.count))]
        if group > 1 { parameters.append((7, .int(group))) }
        return try layer(group > 1 ? "ConvolutionDepthWise" : "Convolution", node, parameters,
                         weights: NCNNLayer.taggedWeights(values, half: half) + NCNNLayer.raw(bias ?? []))
    }

    private func prelu(_ node: Node) throws -> NCNNLayer {
        let input = try shape(node.inputs[0])
        let slope = try constantTensor(node.input(1), "the slope")
        let values = slope.floats() ?? []
        // ncnn has one slope, or one per channel (ONNX axis 1): the slope must broadcast that way.
        let aligned = Array(repeating: 1, count: max(0, input.count - slope.shape.count)) + slope.shape
        let perChannel = input.count >= 2 && aligned.count == input.count
            && aligned.enumerated().allSatisfy { $0.offset == 1 ? $0.element == input[1] : $0.element == 1 }
        guard values.count == 1 || perChannel else {
            throw Unsupported("slope of shape \(slope.shape) is neither one value nor one per channel")
        }
        return try layer("PReLU", node, [(0, .int(values.count))], weights: NCNNLayer.raw(values))
    }

    private func batchNorm(_ node: Node) throws -> NCNNLayer {
        let parts = try (1...4).map { try constantFloats(node.input($0) ?? "", "BatchNormalization's parameter \($0)") }
        // ncnn reads slope, mean, variance, bias; ONNX lists scale, bias, mean, variance.
        return try layer("BatchNorm", node, [(0, .int(parts[0].count)), (1, .float(try node.float("epsilon", default: 1e-5)))],
                         weights: NCNNLayer.raw(parts[0] + parts[2] + parts[3] + parts[1]))
    }

    private func binary(_ node: Node) throws -> NCNNLayer {
        let operation = ["Add": 0, "Sub": 1, "Mul": 2, "Div": 3][node.opType] ?? 0
        let (left, right) = (node.inputs[0], node.inputs[1])
        switch (constant(left), constant(right)) {
        case (nil, nil):
            try requireEqualShapes([left, right])
            return try layer("BinaryOp", node, [(0, .int(operation))], inputs: [left, right])
        case (nil, let tensor?), (let tensor?, nil):
            let blob = constant(left) == nil ? left : right
            guard tensor.elementCount == 1, let value = tensor.floats()?.first, try shape(blob) == shape(node.outputs[0]) else {
                throw Unsupported("a constant operand of shape \(tensor.shape) (ncnn export takes a single number that keeps the shape)")
            }
            // With the constant first, Sub and Div become ncnn's reversed forms (RSUB 7, RDIV 8).
            let reversed = constant(left) != nil ? [0: 0, 1: 7, 2: 2, 3: 8][operation] ?? operation : operation
            return try layer("BinaryOp", node, [(0, .int(reversed)), (1, .int(1)), (2, .float(value))], inputs: [blob])
        default:
            throw Unsupported("both operands are constants")
        }
    }

    private func pooling(_ node: Node) throws -> NCNNLayer {
        let input = try shape(node.inputs[0])
        guard input.count == 4 else { throw Unsupported("ncnn export handles 2-D pooling only") }
        guard try node.int("ceil_mode", default: 0) == 0 else {
            throw Unsupported("ceil_mode=1: ncnn's rounded-up pooling windows differ from ONNX's at the edges")
        }
        guard node.outputs.count == 1 || node.outputs.dropFirst().allSatisfy(\.isEmpty) else {
            throw Unsupported("MaxPool's indices output has no ncnn counterpart")
        }
        let window = try WindowGeometry(node: node, input: Array(input[2...]), kernel: nil)
        guard window.dilations.allSatisfy({ $0 == 1 }) else { throw Unsupported("dilated pooling has no ncnn counterpart") }
        let average = node.opType == "AveragePool"
        // pad_mode 1: the explicit pads only, rounding the window count down (ceil_mode 0).
        var parameters = [(0, NCNNLayer.Value.int(average ? 1 : 0))]
            + windowParameters(window, kernelIDs: (1, 11), strideIDs: (2, 12), padIDs: (left: 3, top: 13, right: 14, bottom: 15))
            + [(5, .int(1))]
        if average { parameters.append((6, .int(try node.int("count_include_pad", default: 0)))) }
        return try layer("Pooling", node, parameters)
    }

    /// ncnn's global pooling gives a flat [C]; a Reshape restores ONNX's [C, 1, 1].
    private func globalPooling(_ node: Node) throws -> [NCNNLayer] {
        let output = try shape(node.outputs[0])
        guard output.count == 4 else { throw Unsupported("ncnn export handles 2-D global pooling only") }
        var pooled = node.outputs[0] + "_flat"
        while values[pooled] != nil { pooled += "_" }
        var pool = try layer("Pooling", node, [(0, .int(node.opType == "GlobalAveragePool" ? 1 : 0)), (4, .int(1))])
        pool.outputs = [pooled]
        let restore = NCNNLayer(type: "Reshape", name: node.name + "_shape", inputs: [pooled], outputs: [node.outputs[0]],
                                parameters: [(0, .int(1)), (1, .int(1)), (2, .int(output[1]))])
        return [pool, restore]
    }

    private func reshape(_ node: Node) throws -> NCNNLayer {
        let input = try shape(node.inputs[0]), output = try shape(node.outputs[0])
        guard input.first == 1, output.first == 1 else { throw Unsupported("the batch must stay the first axis") }
        switch output.count {
        case 2: return try layer("Flatten", node)
        case 3: return try layer("Reshape", node, [(0, .int(output[2])), (1, .int(output[1]))])
        case 4: return try layer("Reshape", node, [(0, .int(output[3])), (1, .int(output[2])), (2, .int(output[1]))])
        default: throw Unsupported("an output of rank \(output.count) (ncnn blobs have 1 to 3 axes besides the batch)")
        }
    }

    /// Gemm with a constant B (and C), or MatMul by a constant: ncnn's InnerProduct, whose
    /// weights are [outputs, inputs] row-major (Gemm's B with transB = 1).
    private func innerProduct(_ node: Node) throws -> NCNNLayer {
        let input = try shape(node.inputs[0])
        guard input.count == 2 else { throw Unsupported("a fully connected layer on a rank-\(input.count) input (ncnn export takes [batch, features])") }
        let gemm = node.opType == "Gemm"
        guard try !gemm || node.int("transA", default: 0) == 0 else { throw Unsupported("transA = 1") }
        let b = try constantTensor(node.input(1), "B")
        guard b.shape.count == 2, var weights = b.floats() else { throw Unsupported("B must be a constant matrix") }
        let transposed = try gemm && node.int("transB", default: 0) != 0
        let (outputs, features) = transposed ? (b.shape[0], b.shape[1]) : (b.shape[1], b.shape[0])
        if !transposed {
            weights = (0..<(outputs * features)).map { weights[($0 % features) * outputs + $0 / features] }
        }
        let alpha = try gemm ? node.float("alpha", default: 1) : 1, beta = try gemm ? node.float("beta", default: 1) : 1
        if alpha != 1 { weights = weights.map { $0 * alpha } }
        var bias: [Float]?
        if gemm, let name = node.input(2), !name.isEmpty {
            let c = try constantFloats(name, "C")
            guard c.count == outputs || c.count == 1 else { throw Unsupported("C of \(c.count) values for \(outputs) outputs") }
            bias = (c.count == 1 ? Array(repeating: c[0], count: outputs) : c).map { $0 * beta }
        }
        return try layer("InnerProduct", node, [(0, .int(outputs)), (1, .int(bias == nil ? 0 : 1)), (2, .int(weights.count))],
                         weights: NCNNLayer.taggedWeights(weights, half: half) + NCNNLayer.raw(bias ?? []))
    }

    /// Slice with constant bounds and steps of 1, not across the batch: ncnn's Crop.
    private func crop(_ node: Node) throws -> NCNNLayer {
        let input = try shape(node.inputs[0])
        func integers(_ index: Int) throws -> [Int64]? {
            guard let name = node.input(index), !name.isEmpty else { return nil }
            guard let values = constant(name)?.int64s() else { throw Unsupported("slice bounds must be constants") }
            return values
        }
        guard let starts = try integers(1), let ends = try integers(2) else { throw Unsupported("slice bounds must be constants") }
        let slice = try SliceGeometry(node: node, inputShape: input, starts: starts, ends: ends, axes: try integers(3), steps: try integers(4))
        guard slice.steps.allSatisfy({ $0 == 1 }) else { throw Unsupported("slice steps other than 1 have no ncnn counterpart") }
        guard slice.starts[0] == 0, slice.outputShape[0] == input[0] else { throw Unsupported("the slice cuts the batch axis") }
        guard slice.outputShape.allSatisfy({ $0 > 0 }) else { throw Unsupported("the slice is empty") }
        var axes = (1..<input.count).filter { slice.starts[$0] != 0 || slice.outputShape[$0] != input[$0] }
        if axes.isEmpty { axes = [1] }
        return try layer("Crop", node, [(9, .ints(axes.map { slice.starts[$0] })), (10, .ints(axes.map { slice.starts[$0] + slice.outputShape[$0] })),
                                        (11, .ints(axes.map { $0 - 1 }))])
    }

    // MARK: helpers

    /// Kernel, stride and pads of a window as ncnn's (width, height) parameter pairs.
    private func windowParameters(_ window: WindowGeometry, kernelIDs: (Int, Int), strideIDs: (Int, Int),
                                  padIDs: (left: Int, top: Int, right: Int, bottom: Int)) -> [(id: Int, value: NCNNLayer.Value)] {
        [(kernelIDs.0, .int(window.kernel[1])), (kernelIDs.1, .int(window.kernel[0])),
         (strideIDs.0, .int(window.strides[1])), (strideIDs.1, .int(window.strides[0])),
         (padIDs.left, .int(window.padsBegin[1])), (padIDs.top, .int(window.padsBegin[0])),
         (padIDs.right, .int(window.padsEnd[1])), (padIDs.bottom, .int(window.padsEnd[0]))]
    }

    /// ONNX axis `axis` of value `name` as an ncnn axis (the batch axis has none).
    private func blobAxis(_ axis: Int, of name: String) throws -> Int {
        let rank = try shape(name).count
        let positive = axis < 0 ? axis + rank : axis
        guard positive >= 1, positive < rank else { throw Unsupported("axis \(axis) is the batch axis or out of range") }
        return positive - 1
    }

    private func requireEqualShapes(_ names: [String]) throws {
        let shapes = try names.map(shape)
        guard shapes.allSatisfy({ $0 == shapes[0] }) else {
            throw Unsupported("inputs of shapes \(shapes) broadcast; ncnn export takes equal shapes or a single number")
        }
    }

    private func shape(_ name: String) throws -> [Int] {
        guard let value = values[name] else { throw Unsupported("value '\(name)' has no known shape") }
        return value.shape
    }

    private func constant(_ name: String) -> Tensor? {
        values[name]?.constant ?? graph.initializers[name]
    }

    private func constantTensor(_ name: String?, _ what: String) throws -> Tensor {
        guard let name, let tensor = constant(name), tensor.floats() != nil else { throw Unsupported("\(what) must be a constant float tensor") }
        return tensor
    }

    private func constantFloats(_ name: String, _ what: String) throws -> [Float] {
        try constantTensor(name, what).floats() ?? []
    }
}

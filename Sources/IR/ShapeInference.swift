import Support

/// Infers the type and shape of every value of a graph at a given batch size, checking that
/// the shapes agree, and computes the values of constant (shape-computing) subgraphs.
public enum ShapeInference {
    /// Everything known of every value name at batch size `batch`.
    public static func infer(_ graph: Graph, batch: Int) throws -> [String: InferredValue] {
        var values: [String: InferredValue] = [:]
        for (name, tensor) in graph.initializers {
            values[name] = InferredValue(tensor)
        }
        for input in graph.inputs {
            values[input.name] = InferredValue(dtype: input.dtype, shape: try input.shape(batch: batch))
        }
        for node in graph.nodes {
            guard node.domain.isEmpty || node.domain == "ai.onnx", let rule = OperatorSet.rule(for: node.opType) else {
                throw GraphError.at(node, "operator is not supported")
            }
            let inputs = try node.inputs.map { name -> InferredValue? in
                if name.isEmpty { return nil }
                guard let value = values[name] else {
                    throw GraphError.at(node, "reads '\(name)' before it is computed")
                }
                return value
            }
            let outputs = try rule(node, inputs)
            for (index, name) in node.outputs.enumerated() where !name.isEmpty {
                guard index < outputs.count else {
                    throw GraphError.at(node, "output \(index) ('\(name)') is not supported")
                }
                values[name] = outputs[index]
            }
        }
        for output in graph.outputs {
            guard let value = values[output.name] else {
                throw GraphError("graph output '\(output.name)' is produced by no node")
            }
            let declared = output.dims
            let agrees = declared.isEmpty || (declared.count == value.shape.count && zip(declared, value.shape).allSatisfy { dim, actual in
                if case .fixed(let size) = dim { return size == actual }
                return true
            })
            guard agrees else {
                throw GraphError("graph output '\(output.name)' is declared \(declared) but computes \(value.shape)")
            }
        }
        return values
    }
}

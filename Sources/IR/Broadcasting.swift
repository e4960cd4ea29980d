/// Numpy-style (ONNX multidirectional) broadcasting of shapes.
public enum Broadcasting {
    /// The broadcast shape of `shapes`, or nil when they do not broadcast.
    public static func shape(_ shapes: [[Int]]) -> [Int]? {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (axis, dim) in shape.enumerated() {
                let current = result[offset + axis]
                if current == 1 {
                    result[offset + axis] = dim
                } else if dim != 1 && dim != current {
                    return nil
                }
            }
        }
        return result
    }
}

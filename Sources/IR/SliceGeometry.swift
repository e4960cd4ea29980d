/// ONNX Slice resolved for one input shape: for every axis, the first index, the step and the
/// number of elements taken (clamped as the spec says).
public struct SliceGeometry: Equatable, Sendable {
    public var starts: [Int]
    public var steps: [Int]
    public var outputShape: [Int]

    public init(node: Node, inputShape: [Int], starts: [Int64], ends: [Int64], axes: [Int64]?, steps: [Int64]?) throws {
        let rank = inputShape.count
        let axes = axes ?? (0..<Int64(starts.count)).map { $0 }
        let steps = steps ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw GraphError.at(node, "starts, ends, axes and steps must have the same length")
        }
        self.starts = Array(repeating: 0, count: rank)
        self.steps = Array(repeating: 1, count: rank)
        outputShape = inputShape
        var seen = Set<Int>()
        for index in starts.indices {
            var axis = Int(axes[index])
            if axis < 0 { axis += rank }
            guard axis >= 0, axis < rank, seen.insert(axis).inserted else {
                throw GraphError.at(node, "axis \(axes[index]) is out of range or repeated for rank \(rank)")
            }
            let dim = Int64(inputShape[axis])
            let step = steps[index]
            guard step != 0 else { throw GraphError.at(node, "a slice step is 0") }
            func clamp(_ value: Int64, _ low: Int64, _ high: Int64) -> Int64 { min(max(value, low), high) }
            var start = starts[index] < 0 ? starts[index] &+ dim : starts[index]
            var end = ends[index] < 0 ? ends[index] &+ dim : ends[index]
            // Steps may be as large as Int64 allows: count with the step's magnitude, which cannot overflow.
            let span: Int64
            if step > 0 {
                start = clamp(start, 0, dim)
                end = clamp(end, 0, dim)
                span = end - start
            } else {
                start = clamp(start, 0, dim - 1)
                end = clamp(end, -1, dim - 1)
                span = start - end
            }
            let count = span > 0 ? Int(UInt64(span - 1) / step.magnitude) + 1 : 0
            self.starts[axis] = Int(start)
            // With one element or none the step is never applied; 1 keeps offsets small.
            self.steps[axis] = count > 1 ? Int(step) : 1
            outputShape[axis] = count
        }
    }
}

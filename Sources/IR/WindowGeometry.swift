/// The sliding-window arithmetic shared by Conv, MaxPool and AveragePool: kernel, strides,
/// dilations and explicit pads resolved from the node's attributes (including auto_pad and
/// ceil_mode) for a given input size.
public struct WindowGeometry: Equatable, Sendable {
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    /// Padding before each spatial axis.
    public var padsBegin: [Int]
    /// Padding after each spatial axis as declared; with ceil_mode the last window may reach
    /// past it, and kernels clip windows to the padded input.
    public var padsEnd: [Int]
    public var inputSize: [Int]
    public var outputSize: [Int]

    /// Resolves the window of `node` over spatial input size `input`; `kernel` is the weight's
    /// spatial shape for Conv, nil for pools (which take the kernel_shape attribute).
    public init(node: Node, input: [Int], kernel weightKernel: [Int]?) throws {
        let rank = input.count
        guard let kernel = try weightKernel ?? node.ints("kernel_shape"), kernel.count == rank else {
            throw GraphError.at(node, "kernel_shape must give one size per spatial axis (\(rank))")
        }
        if let declared = try node.ints("kernel_shape"), declared != kernel {
            throw GraphError.at(node, "kernel_shape \(declared) disagrees with the weight's \(kernel)")
        }
        let strides = try node.ints("strides") ?? Array(repeating: 1, count: rank)
        let dilations = try node.ints("dilations") ?? Array(repeating: 1, count: rank)
        let pads = try node.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
        guard strides.count == rank, dilations.count == rank, pads.count == 2 * rank,
              strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }),
              kernel.allSatisfy({ $0 > 0 }) else {
            throw GraphError.at(node, "strides, dilations, pads or kernel_shape do not fit \(rank) spatial axes")
        }
        let autoPad = try node.string("auto_pad", default: "NOTSET")
        let ceilMode = try node.int("ceil_mode", default: 0) != 0
        var begin = Array(pads[0..<rank]), end = Array(pads[rank...])
        var output = [Int](repeating: 0, count: rank)
        for axis in 0..<rank {
            let extent = (kernel[axis] - 1) * dilations[axis] + 1
            switch autoPad {
            case "NOTSET", "":
                let span = input[axis] + begin[axis] + end[axis] - extent
                guard span >= 0 else {
                    throw GraphError.at(node, "window \(extent) is larger than the padded input \(input[axis] + begin[axis] + end[axis])")
                }
                output[axis] = (ceilMode ? (span + strides[axis] - 1) / strides[axis] : span / strides[axis]) + 1
                // A last window starting in the end padding is dropped (ONNX and PyTorch agree).
                if ceilMode && (output[axis] - 1) * strides[axis] >= input[axis] + begin[axis] {
                    output[axis] -= 1
                }
            case "SAME_UPPER", "SAME_LOWER":
                output[axis] = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max(0, (output[axis] - 1) * strides[axis] + extent - input[axis])
                let small = total / 2
                begin[axis] = autoPad == "SAME_UPPER" ? small : total - small
                end[axis] = total - begin[axis]
            case "VALID":
                guard input[axis] >= extent else {
                    throw GraphError.at(node, "window \(extent) is larger than the input \(input[axis])")
                }
                output[axis] = (input[axis] - extent) / strides[axis] + 1
                begin[axis] = 0
                end[axis] = 0
            default:
                throw GraphError.at(node, "auto_pad '\(autoPad)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
            }
        }
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        self.padsBegin = begin
        self.padsEnd = end
        self.inputSize = input
        self.outputSize = output
    }
}

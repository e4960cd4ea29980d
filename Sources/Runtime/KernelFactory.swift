import Support
import IR

/// The kernel for each operator the engine runs.
enum KernelFactory {
    static func make(_ context: NodeContext) throws -> Kernel {
        let node = context.node
        switch node.opType {
        case "Conv": return try ConvKernel.make(context)
        case "BatchNormalization": return try ChannelAffineKernel.batchNormalization(context)
        case "PRelu":
            if let perChannel = try ChannelPReluKernel.make(context) { return perChannel }
            return try ElementwiseKernel<PReluFunction>(context)
        case "Relu": return try ReluKernel(context)
        case "Add": return try ElementwiseKernel<AddFunction>(context)
        case "Sub": return try ElementwiseKernel<SubFunction>(context)
        case "Mul": return try ElementwiseKernel<MulFunction>(context)
        case "Div": return try ElementwiseKernel<DivFunction>(context)
        case "Sum": return try SumKernel(context)
        case "Concat": return try ConcatKernel(context)
        case "Slice": return try SliceKernel(context)
        case "Gather": return try GatherKernel(context)
        case "Gemm": return try GemmKernel(context)
        case "MatMul": return try MatMulKernel(context)
        case "MaxPool": return try PoolKernel(context, isMax: true)
        case "AveragePool": return try PoolKernel(context, isMax: false)
        case "GlobalAveragePool": return try GlobalAveragePoolKernel(context)
        case "Softmax": return try SoftmaxKernel(context)
        case "ConstantOfShape":
            // Folded to a constant unless too large to keep: then filled at run time.
            var value = Tensor(floats: [0], shape: [])
            if case .tensor(let given)? = node.attributes["value"] { value = given }
            guard value.dtype == .float32, let fill = value.floats()?.first else {
                throw context.fail("only float32 fills run; pnconv computes in float32")
            }
            return FillKernel(value: fill, output: context.output, count: context.outputShape.product)
        case "Cast":
            guard try context.node.int("to") == DType.float32.onnxCode else {
                throw context.fail("only casts to float32 run; pnconv computes in float32")
            }
            return CopyKernel(from: UnsafePointer(try context.input(0)), to: context.output, count: context.outputShape.product)
        case _ where ExecutionPlan.viewOperators.contains(node.opType):
            return CopyKernel(from: UnsafePointer(try context.input(0)), to: context.output, count: context.outputShape.product)
        default:
            throw context.fail("has no kernel in the engine")
        }
    }
}

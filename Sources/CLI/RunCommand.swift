import Foundation
import IR
import ONNXImport
import Runtime
import Support
import TensorIO

/// `pnconv run MODEL --input NAME=FILE ... -o OUT.npz`: runs any supported graph on given
/// tensors, for conformance checks against other runtimes.
enum RunCommand {
    static let spec = CommandSpec(
        name: "run",
        summary: "Run a model on tensors from files (.npy or ONNX TensorProto .pb) and write every graph\noutput to a numpy .npz, for comparing pnconv's engine with other runtimes.",
        positionals: ["MODEL"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["--input"], valueName: "NAME=FILE", help: "a graph input and its tensor file (repeat for each input)", repeatable: true),
            OptionSpec(names: ["-o", "--output"], valueName: "OUT.npz", help: "where to write the outputs"),
            OptionSpec(names: ["--threads"], valueName: "N", help: "worker threads (default 1)"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        guard let output = arguments.value("output") else { throw UsageError(message: "-o OUT.npz is required") }
        let threads = try arguments.integer("threads") ?? 1
        guard threads >= 1 else { throw UsageError(message: "--threads must be at least 1") }
        var inputs: [String: HostTensor] = [:]
        for pair in arguments.all("input") {
            guard let equals = pair.firstIndex(of: "=") else { throw UsageError(message: "--input expects NAME=FILE, got '\(pair)'") }
            let name = String(pair[..<equals]), path = String(pair[pair.index(after: equals)...])
            let tensor = path.lowercased().hasSuffix(".pb") ? try TensorProtoFile.read(path: path) : try NPYFile.read(path: path)
            guard let values = tensor.floats(), tensor.dtype == .float32 else {
                throw FileError(path: path, problem: "holds \(tensor.dtype) values; pnconv runs float32 inputs")
            }
            inputs[name] = HostTensor(shape: tensor.shape, values: values)
        }
        let (model, _) = try ModelLoader.load(arguments.positionals[0])
        let expected = model.graph.inputs.map(\.name)
        if let unknown = inputs.keys.first(where: { !expected.contains($0) }) {
            throw UsageError(message: "the model has no input '\(unknown)'; its inputs are \(expected.joined(separator: ", "))")
        }
        if let missing = expected.first(where: { inputs[$0] == nil }) {
            throw UsageError(message: "input '\(missing)' is not given (--input \(missing)=FILE)")
        }
        let results = try attributing(to: arguments.positionals[0]) { try Engine(graph: model.graph, threads: threads).run(inputs) }
        let arrays = model.graph.outputs.compactMap { info -> (String, [UInt8])? in
            guard let result = results[info.name] else { return nil }
            return (info.name, NPYFile.encode(Tensor(floats: result.values, shape: result.shape)))
        }
        try NPZWriter.write(arrays, to: output)
    }
}

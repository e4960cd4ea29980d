import Export
import Foundation
import IR
import Support

/// `pnconv export MODEL -o OUT.pnw [--precision fp32|fp16|int8]`
enum ExportCommand {
    static let spec = CommandSpec(
        name: "export",
        summary: "Write a model as compact native weights (.pnw): BatchNormalization folded into the convolution\nbefore it where exact, weights in fp32, fp16 or int8 (per output channel). Check it with verify.",
        positionals: ["MODEL"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["-o", "--output"], valueName: "OUT.pnw", help: "where to write"),
            OptionSpec(names: ["--precision"], valueName: "P", help: "fp32 (default), fp16 or int8"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        guard let output = arguments.value("output") else { throw UsageError(message: "-o OUT.pnw is required") }
        let name = arguments.value("precision") ?? "fp32"
        guard let precision = Precision(rawValue: name) else { throw UsageError(message: "--precision is fp32, fp16 or int8, not '\(name)'") }
        let path = arguments.positionals[0]
        var (model, _) = try ModelLoader.load(path)
        model.graph = try attributing(to: path) {
            let folded = try BatchNormFolding.fold(model.graph)
            _ = try ModelSummary(graph: folded)
            return folded
        }
        try PNWFile.write(model, precision: precision, to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("wrote \(output): \(precision.rawValue), \(size) bytes, \(model.graph.nodes.count) nodes")
    }
}

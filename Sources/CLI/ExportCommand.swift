import Export
import Foundation
import IR
import Support

/// `pnconv export MODEL -o OUT [--precision fp32|fp16|int8] [--format pnw|ncnn]`
enum ExportCommand {
    static let spec = CommandSpec(
        name: "export",
        summary: "Write a model as compact native weights (.pnw) or as ncnn files (OUT.param, OUT.bin):\nBatchNormalization folded into the convolution before it where exact, weights in fp32, fp16 or int8\n(per output channel; .pnw only). Check a .pnw with verify.",
        positionals: ["MODEL"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["-o", "--output"], valueName: "OUT", help: "where to write: OUT.pnw, or OUT.param and OUT.bin for ncnn"),
            OptionSpec(names: ["--precision"], valueName: "P", help: "fp32 (default), fp16 or int8"),
            OptionSpec(names: ["--format"], valueName: "F", help: "pnw (default) or ncnn"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        guard let output = arguments.value("output") else { throw UsageError(message: "-o OUT is required") }
        let name = arguments.value("precision") ?? "fp32"
        guard let precision = Precision(rawValue: name) else { throw UsageError(message: "--precision is fp32, fp16 or int8, not '\(name)'") }
        let format = arguments.value("format") ?? "pnw"
        guard format == "pnw" || format == "ncnn" else { throw UsageError(message: "--format is pnw or ncnn, not '\(format)'") }
        if format == "ncnn" && precision == .int8 {
            throw UsageError(message: "ncnn files store fp32 or fp16 weights; --precision int8 is for .pnw")
        }
        let path = arguments.positionals[0]
        var (model, _) = try ModelLoader.load(path)
        model.graph = try attributing(to: path) {
            let folded = try BatchNormFolding.fold(model.graph)
            _ = try ModelSummary(graph: folded)
            return folded
        }
        if format == "ncnn" {
            let blobs = try attributing(to: path) { try NCNNFiles.write(model.graph, half: precision == .fp16, to: output) }
            let sizes = [".param", ".bin"].map { fileSize(output + $0) }
            print("wrote \(output).param (\(sizes[0]) bytes) and \(output).bin (\(sizes[1]) bytes): \(precision.rawValue) weights")
            print("ncnn blobs: " + blobs.map { $0.value == $0.blob ? "'\($0.blob)'" : "'\($0.blob)' for '\($0.value)'" }.joined(separator: ", "))
            return
        }
        try attributing(to: path) { try PNWFile.write(model, precision: precision, to: output) }
        print("wrote \(output): \(precision.rawValue), \(fileSize(output)) bytes, \(model.graph.nodes.count) nodes")
    }

    private static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}

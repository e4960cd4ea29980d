import Foundation
import ModelFile

/// `pnconv import MODEL.onnx [-o OUT.pnm] [--json]`
enum ImportCommand {
    static let spec = CommandSpec(
        name: "import",
        summary: "Check an ONNX model and convert it into a pnconv model file (.pnm), printing its summary.\nOn failure nothing is written; every unsupported operator is listed with its nodes.",
        positionals: ["MODEL.onnx"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["-o", "--output"], valueName: "OUT.pnm", help: "where to write (default: MODEL.pnm beside the input)"),
            OptionSpec(names: ["--json"], valueName: nil, help: "print the summary as JSON"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        let input = arguments.positionals[0]
        let output = arguments.value("output") ?? defaultOutput(for: input)
        guard URL(fileURLWithPath: input).standardizedFileURL != URL(fileURLWithPath: output).standardizedFileURL else {
            throw UsageError(message: "the output \(output) would overwrite the input")
        }
        let (model, summary) = try ModelLoader.load(input)
        try PNMFile.write(model, summary: summary, to: output)
        let report = SummaryReport(path: input, model: model, summary: summary)
        if arguments.flag("json") {
            print(try report.json())
        } else {
            print(report.text)
            print("wrote \(output)")
        }
    }

    static func defaultOutput(for input: String) -> String {
        URL(fileURLWithPath: input).deletingPathExtension().appendingPathExtension("pnm").path
    }
}

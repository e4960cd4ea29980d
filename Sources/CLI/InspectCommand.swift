import IR

/// `pnconv inspect MODEL [--json] [--shapes]`
enum InspectCommand {
    static let spec = CommandSpec(
        name: "inspect",
        summary: "Describe a model (.onnx or .pnm): architecture, parameters, MACs per image, input shape,\nembedding size and operator histogram.",
        positionals: ["MODEL"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["--json"], valueName: nil, help: "print the summary as JSON"),
            OptionSpec(names: ["--shapes"], valueName: nil, help: "also list the shape of every node output at batch 1"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        let path = arguments.positionals[0]
        let (model, summary) = try ModelLoader.load(path)
        var report = SummaryReport(path: path, model: model, summary: summary)
        if arguments.flag("shapes") {
            try report.includeShapes(of: model.graph)
        }
        print(arguments.flag("json") ? try report.json() : report.text)
    }
}

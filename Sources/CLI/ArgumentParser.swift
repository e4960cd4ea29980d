/// A command-line option: `--name VALUE`, `--name=VALUE`, `-n VALUE`, or a flag without value.
struct OptionSpec {
    var names: [String]
    /// The placeholder shown in help; nil for a flag.
    var valueName: String?
    var help: String
    var repeatable = false

    /// The key its values are stored under: the long name without dashes.
    var key: String {
        (names.first { $0.hasPrefix("--") } ?? names[0]).drop { $0 == "-" }.description
    }
}

/// A subcommand's grammar, also the source of its `--help` text.
struct CommandSpec {
    var name: String
    var summary: String
    /// Positional arguments as shown in the usage line, e.g. "MODEL.onnx".
    var positionals: [String]
    /// How many positionals are allowed.
    var positionalCount: ClosedRange<Int>
    var options: [OptionSpec]

    var usage: String {
        let optionText = options.map { option in
            let value = option.valueName.map { " \($0)" } ?? ""
            return "[\(option.names.last ?? "")\(value)]\(option.repeatable ? "..." : "")"
        }
        return (["pnconv", name] + positionals + optionText).joined(separator: " ")
    }

    var help: String {
        var lines = ["usage: \(usage)", "", summary, ""]
        let rows = options.map { option -> (String, String) in
            let value = option.valueName.map { " \($0)" } ?? ""
            return (option.names.joined(separator: ", ") + value, option.help)
        } + [("-h, --help", "show this help")]
        let width = rows.map(\.0.count).max() ?? 0
        lines.append("options:")
        lines += rows.map { "  " + $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
        return lines.joined(separator: "\n")
    }
}

/// Bad command-line use: exit code 64.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `--help` was given: print the help text and exit 0.
struct HelpRequested: Error {
    var text: String
}

/// The parsed command line of one subcommand.
struct ParsedArguments {
    var positionals: [String] = []
    var values: [String: [String]] = [:]
    var flags: Set<String> = []

    func value(_ key: String) -> String? { values[key]?.last }
    func all(_ key: String) -> [String] { values[key] ?? [] }
    func flag(_ key: String) -> Bool { flags.contains(key) }

    /// The value of `key` as a whole number, or a usage error naming the option.
    func integer(_ key: String) throws -> Int? {
        guard let text = value(key) else { return nil }
        guard let number = Int(text) else { throw UsageError(message: "--\(key) expects a whole number, got '\(text)'") }
        return number
    }

    /// Parses `arguments` (without the command name) against `spec`.
    static func parse(_ arguments: [String], spec: CommandSpec) throws -> ParsedArguments {
        var result = ParsedArguments()
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                result.positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            if argument == "-h" || argument == "--help" {
                throw HelpRequested(text: spec.help)
            }
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard let option = spec.options.first(where: { $0.names.contains(parts[0]) }) else {
                throw UsageError(message: "unknown option '\(parts[0])' for 'pnconv \(spec.name)'")
            }
            guard option.valueName != nil else {
                guard parts.count == 1 else { throw UsageError(message: "\(parts[0]) takes no value") }
                result.flags.insert(option.key)
                continue
            }
            let value: String
            if parts.count == 2 {
                value = parts[1]
            } else {
                guard index < arguments.count else { throw UsageError(message: "\(parts[0]) needs a value") }
                value = arguments[index]
                index += 1
            }
            if !option.repeatable, result.values[option.key] != nil {
                throw UsageError(message: "\(parts[0]) is given more than once")
            }
            result.values[option.key, default: []].append(value)
        }
        guard spec.positionalCount.contains(result.positionals.count) else {
            let expected = spec.positionals.joined(separator: " ")
            throw UsageError(message: result.positionals.count < spec.positionalCount.lowerBound
                ? "missing \(expected)" : "too many arguments: \(result.positionals.joined(separator: " "))")
        }
        return result
    }
}

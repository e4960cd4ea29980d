import Foundation
import Support

/// The `pnconv` executable: picks the subcommand, runs it, and turns errors into messages and
/// exit codes (0 success, 1 failure of the job or of a check, 64 usage error).
@main
enum PNConv {
    static let commands: [(spec: CommandSpec, run: (ParsedArguments) throws -> Void)] = [
        (ImportCommand.spec, ImportCommand.run),
        (InspectCommand.spec, InspectCommand.run),
        (EmbedCommand.spec, EmbedCommand.run),
        (DistillTargetsCommand.spec, DistillTargetsCommand.run),
        (MergeTargetsCommand.spec, MergeTargetsCommand.run),
        (ExportCommand.spec, ExportCommand.run),
        (VerifyCommand.spec, VerifyCommand.run),
        (RunCommand.spec, RunCommand.run),
        (BenchmarkCommand.spec, BenchmarkCommand.run),
        (EvalCommand.spec, EvalCommand.run),
    ]

    static var overview: String {
        let width = commands.map(\.spec.name.count).max() ?? 0
        let rows = commands.map { "  " + $0.spec.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
            + ($0.spec.summary.split(separator: "\n").first.map(String.init) ?? "") }
        return (["usage: pnconv COMMAND [ARGS...]   (pnconv COMMAND --help for its options)", "", "commands:"] + rows
            + ["", "pnconv \(Version.number): import, run and export PocketNet students and their ResNet teachers."])
            .joined(separator: "\n")
    }

    static func main() {
        exit(run(Array(CommandLine.arguments.dropFirst())))
    }

    /// Runs one command line and returns the exit code.
    static func run(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first, !["-h", "--help", "help"].contains(name) else {
            print(overview)
            return arguments.isEmpty ? 64 : 0
        }
        if name == "--version" {
            print(Version.createdBy)
            return 0
        }
        guard let command = commands.first(where: { $0.spec.name == name }) else {
            report("unknown command '\(name)'; run 'pnconv --help' for the list")
            return 64
        }
        do {
            try command.run(try ParsedArguments.parse(Array(arguments.dropFirst()), spec: command.spec))
            return 0
        } catch let help as HelpRequested {
            print(help.text)
            return 0
        } catch let usage as UsageError {
            report("\(usage.message)\nusage: \(command.spec.usage)")
            return 64
        } catch {
            report("\(error)")
            return 1
        }
    }

    static func report(_ message: String) {
        FileHandle.standardError.write(Data("pnconv: error: \(message)\n".utf8))
    }
}

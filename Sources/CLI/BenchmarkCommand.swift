import Foundation
import IR
import Runtime
import Support

/// `pnconv benchmark MODEL [--batch N] [--threads N] [--seconds S] [--json]`: how fast the
/// engine runs a model on this machine.
enum BenchmarkCommand {
    static let spec = CommandSpec(
        name: "benchmark",
        summary: "Time the engine on a model with random inputs: images per second and milliseconds per batch\n(median over repeated runs after one warm-up run).",
        positionals: ["MODEL"], positionalCount: 1...1,
        options: [
            OptionSpec(names: ["--batch"], valueName: "N", help: "images per run (default 1)"),
            OptionSpec(names: ["--threads"], valueName: "N", help: "worker threads (default 1)"),
            OptionSpec(names: ["--seconds"], valueName: "S", help: "how long to measure (default 3)"),
            OptionSpec(names: ["--json"], valueName: nil, help: "print the result as JSON"),
            OptionSpec(names: ["--profile"], valueName: nil, help: "also print the time per operator type and the slowest nodes"),
        ])

    static func run(_ arguments: ParsedArguments) throws {
        let batch = try arguments.integer("batch") ?? 1, threads = try arguments.integer("threads") ?? 1
        let seconds = try Double(arguments.value("seconds") ?? "3").unwrap(or: UsageError(message: "--seconds expects a number"))
        guard batch >= 1, threads >= 1, seconds > 0 else { throw UsageError(message: "--batch, --threads and --seconds must be positive") }
        let path = arguments.positionals[0]
        let (model, _) = try ModelLoader.load(path)
        var generator = SystemRandomNumberGenerator()
        var inputs: [String: HostTensor] = [:]
        for input in model.graph.inputs {
            let shape = try input.shape(batch: batch)
            inputs[input.name] = HostTensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) })
        }
        let engine = try attributing(to: path) { try Engine(graph: model.graph, threads: threads) }
        _ = try attributing(to: path) { try engine.run(inputs) }
        var times: [Double] = []
        let start = Date()
        while times.count < 3 || Date().timeIntervalSince(start) < seconds {
            let begin = Date()
            _ = try engine.run(inputs)
            times.append(Date().timeIntervalSince(begin))
        }
        let median = times.sorted()[times.count / 2]
        if arguments.flag("profile") {
            try printProfile(try engine.profile(inputs), values: try ShapeInference.infer(model.graph, batch: batch))
        }
        let result = ["model": path, "batch": "\(batch)", "threads": "\(threads)", "runs": "\(times.count)",
                      "ms_per_batch": String(format: "%.3f", median * 1000), "images_per_second": String(format: "%.2f", Double(batch) / median)]
        if arguments.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("\(path): batch \(batch), \(threads) thread\(threads == 1 ? "" : "s"): \(result["images_per_second"] ?? "") images/s, "
                  + "\(result["ms_per_batch"] ?? "") ms per batch (median of \(times.count) runs)")
        }
    }
}

/// Time per operator type, then the ten slowest nodes, from one profiled run.
private func printProfile(_ profile: [(node: Node, seconds: Double)], values: [String: InferredValue]) throws {
    let total = profile.reduce(0) { $0 + $1.seconds }
    var byType: [String: (Double, Int)] = [:]
    for entry in profile { byType[entry.node.opType, default: (0, 0)].0 += entry.seconds; byType[entry.node.opType, default: (0, 0)].1 += 1 }
    print("profile of one run (\(String(format: "%.1f", total * 1000)) ms):")
    for (type, (seconds, count)) in byType.sorted(by: { $0.value.0 > $1.value.0 }) {
        print("  " + type.padding(toLength: 20, withPad: " ", startingAt: 0)
              + String(format: "%9.2f ms %5.1f%%  %4d nodes", seconds * 1000, 100 * seconds / total, count))
    }
    print("slowest nodes:")
    for entry in profile.prefix(ProcessInfo.processInfo.environment["PNCONV_PROFILE_NODES"].flatMap { Int($0) } ?? 10) {
        let macs = ModelSummary.macs(of: entry.node, values)
        let shape = entry.node.outputs.first.flatMap { values[$0]?.shape }.map { "\($0)" } ?? ""
        let rate = macs > 0 ? String(format: ", %.1f GMAC/s", Double(macs) / entry.seconds / 1e9) : ""
        let name = entry.node.name.isEmpty ? "output '\(entry.node.outputs.first ?? "")'" : entry.node.name
        print(String(format: "  %9.2f ms  ", entry.seconds * 1000) + "\(name) (\(entry.node.opType) -> \(shape)\(rate))")
    }
}

extension Optional {
    /// The value, or `error` thrown.
    func unwrap(or error: @autoclosure () -> Error) throws -> Wrapped {
        guard let value = self else { throw error() }
        return value
    }
}

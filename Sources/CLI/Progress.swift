import Foundation

/// Progress on stderr: a bar redrawn in place on a terminal, otherwise a line every few seconds.
final class Progress {
    private let total: Int
    private let what: String
    private let start = Date()
    private var lastReport = Date.distantPast
    private let isTerminal = isatty(fileno(stderr)) != 0
    /// Seconds between reports: a redrawn bar may move often, log lines should not.
    private var interval: TimeInterval { isTerminal ? 0.2 : 5 }

    init(total: Int, what: String) {
        self.total = total
        self.what = what
    }

    func update(done: Int) {
        let now = Date()
        guard now.timeIntervalSince(lastReport) >= interval || done == total else { return }
        lastReport = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let text = String(format: "%d/%d %@, %.1f/s, %@ left", done, total, what, rate, Self.duration(left))
        if isTerminal {
            let width = 30, filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
        } else {
            FileHandle.standardError.write(Data("pnconv: \(text)\n".utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return "\(whole / 3600)h\(String(format: "%02d", whole % 3600 / 60))m" }
        if whole >= 60 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole)s"
    }
}

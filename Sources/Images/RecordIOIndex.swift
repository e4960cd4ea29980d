/// An MXNet RecordIO index file (`.idx`): text lines `index<TAB>offset`, the byte offset of
/// each record in the `.rec` file.
struct RecordIOIndex {
    struct Entry: Equatable {
        let index: Int64
        let offset: Int
        /// The 1-based line of the `.idx` file, for error messages.
        let line: Int
    }

    /// The entries, sorted by record index.
    let entries: [Entry]

    /// Reads and checks the index file at `path`; errors name `FILE:LINE`.
    init(path: String) throws {
        let bytes = try FileBytes.read(path)
        var entries: [Entry] = []
        try TextLines.forEach(in: bytes) { lineNumber, line in
            let fields = line.split(whereSeparator: { $0 == 0x09 || $0 == 0x20 })
            if fields.isEmpty { return }
            guard fields.count == 2,
                  let index = Int64(String(decoding: fields[0], as: UTF8.self)),
                  let offset = Int(String(decoding: fields[1], as: UTF8.self)) else {
                let text = String(decoding: line.prefix(60), as: UTF8.self)
                throw ImageError(origin: "\(path):\(lineNumber)", problem: "expected 'index<TAB>offset', found '\(text)'")
            }
            guard offset >= 0 else {
                throw ImageError(origin: "\(path):\(lineNumber)", problem: "record \(index) has a negative offset \(offset)")
            }
            entries.append(Entry(index: index, offset: offset, line: lineNumber))
        }
        entries.sort { ($0.index, $0.line) < ($1.index, $1.line) }
        for (earlier, later) in zip(entries, entries.dropFirst()) where earlier.index == later.index {
            throw ImageError(origin: "\(path):\(later.line)",
                             problem: "record \(later.index) is listed twice (first on line \(earlier.line))")
        }
        self.entries = entries
    }
}

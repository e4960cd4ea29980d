import Support

/// A list file: one image per line, `path` or `path<TAB>label`, paths relative to the list
/// file's folder (absolute paths are taken as they are), labels decimal integers. Blank lines
/// are skipped, `\r\n` line ends are accepted, and the last line may lack its newline.
enum ListFile {
    struct Entry: Equatable {
        let path: String
        let label: Int64
    }

    /// The entries of the list file at `listPath`; errors name `LIST:LINE`.
    static func read(_ listPath: String) throws -> [Entry] {
        let bytes = try FileBytes.read(listPath)
        let format = bytes.withUnsafeBytes { ImageFormat.detect($0) }
        if let format {
            throw ImageError(origin: listPath,
                             problem: "is a \(format.rawValue) image, not a list file; pass its folder, a list file or a .rec")
        }
        var entries: [Entry] = []
        try TextLines.forEach(in: bytes) { lineNumber, bytes in
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            entries.append(try parse(String(decoding: bytes, as: UTF8.self), list: listPath, line: lineNumber))
        }
        guard !entries.isEmpty else {
            throw ImageError(origin: listPath, problem: "lists no images (expected lines of path[<TAB>label])")
        }
        return entries
    }

    /// The folder list entries are relative to.
    static func folder(of listPath: String) -> String {
        guard let slash = listPath.lastIndex(of: "/") else { return "." }
        if slash == listPath.startIndex { return "/" }
        return String(listPath[..<slash])
    }

    private static func parse(_ line: String, list: String, line number: Int) throws -> Entry {
        var origin: String { "\(list):\(number)" }
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count <= 2 else {
            throw ImageError(origin: origin, problem: "expected path<TAB>label, found \(fields.count) tab-separated fields")
        }
        let path = String(fields[0])
        guard !path.isEmpty else {
            throw ImageError(origin: origin, problem: "the line has a label but no path")
        }
        guard fields.count == 2 else { return Entry(path: path, label: -1) }
        let text = fields[1].trimmingSpaces()
        guard let label = Int64(text) else {
            throw ImageError(origin: origin, problem: "label '\(fields[1])' is not an integer")
        }
        return Entry(path: path, label: label)
    }
}

extension Substring {
    /// The substring without leading and trailing spaces.
    func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}

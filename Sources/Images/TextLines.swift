/// Line-by-line reading of text files without splitting the whole file up front (index and
/// list files can have millions of lines).
enum TextLines {
    /// Calls `body` with each line's 1-based number and bytes, without the `\n` (a `\r` before
    /// it is removed too). The last line may lack its newline; an empty last line is skipped.
    static func forEach(in bytes: [UInt8], _ body: (Int, ArraySlice<UInt8>) throws -> Void) rethrows {
        var start = 0
        var number = 0
        while start < bytes.count {
            number += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var line = bytes[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            try body(number, line)
            start = end + 1
        }
    }
}

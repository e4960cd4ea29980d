import Foundation
import IR
import Support

/// The graph section of a .pnw file: one line per fact, tokens separated by one space, as
/// docs/pnw-format.md specifies. Compact enough for a phone-sized model (a few bytes per node
/// beyond its operator and value names) and readable with `head`.
enum PNWGraphText {
    /// Bytes that stand for themselves in a token; every other byte is written %XX.
    private static let plain = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:/".utf8)

    static func encode(_ graph: Graph, metadata: [(String, String)], storeTensor: (Int, String, Tensor) throws -> String) throws -> String {
        var lines = metadata.map { "meta \(text($0.0)) \(text($0.1))" }
        lines.append("graph \(text(graph.name))")
        for (keyword, values) in [("input", graph.inputs), ("output", graph.outputs)] {
            for value in values {
                let dims = value.dims.map { dim -> String in
                    switch dim {
                    case .fixed(let size): return String(size)
                    case .symbolic(let name): return "$" + text(name)
                    }
                }
                lines.append("\(keyword) \(text(value.name)) \(text(value.dtype.rawValue)) \(list(dims))")
            }
        }
        for (index, node) in graph.nodes.enumerated() {
            var line = "node \(text(node.opType)) \(text(node.domain)) \(text(node.name)) \(list(node.inputs.map(text))) \(list(node.outputs.map(text)))"
            for key in node.attributes.keys.sorted() {
                guard let attribute = node.attributes[key] else { continue }
                let value: String
                switch attribute {
                case .int(let number): value = "i:\(number)"
                case .ints(let numbers): value = "is:" + list(numbers.map(String.init))
                case .float(let number): value = "f:" + bits(number)
                case .floats(let numbers): value = "fs:" + list(numbers.map(bits))
                case .string(let string): value = "s:" + text(string)
                case .strings(let strings): value = "ss:" + list(strings.map(text))
                case .tensor(let tensor): value = "t:" + text(try storeTensor(index, key, tensor))
                }
                line += " \(text(key))=\(value)"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The graph and metadata of `source`; `loadTensor` returns a stored tensor by name.
    static func decode(_ source: String, initializers: [String: Tensor], path: String,
                       loadTensor: (String) throws -> Tensor) throws -> (graph: Graph, metadata: [String: String]) {
        var metadata: [String: String] = [:]
        var graph = Graph(name: "", inputs: [], outputs: [], nodes: [], initializers: initializers)
        for (number, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            func fail(_ problem: String) -> FileError { FileError(path: path, problem: "graph line \(number + 1): \(problem)") }
            let tokens = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            func decoded(_ token: String) throws -> String {
                guard let value = untext(token) else { throw fail("'\(token)' is not a valid token") }
                return value
            }
            func items(_ token: String) throws -> [String] { token == "!" ? [] : try token.split(separator: ",", omittingEmptySubsequences: false).map { try decoded(String($0)) } }
            switch (tokens[0], tokens.count) {
            case ("meta", 3):
                metadata[try decoded(tokens[1])] = try decoded(tokens[2])
            case ("graph", 2):
                graph.name = try decoded(tokens[1])
            case ("input", 4), ("output", 4):
                guard let dtype = DType(rawValue: try decoded(tokens[2])) else { throw fail("unknown element type '\(tokens[2])'") }
                let dims = try (tokens[3] == "!" ? [] : tokens[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)).map { dim -> Dim in
                    if dim.hasPrefix("$") { return .symbolic(try decoded(String(dim.dropFirst()))) }
                    guard let size = Int(dim) else { throw fail("'\(dim)' is not a dimension") }
                    return .fixed(size)
                }
                let value = ValueInfo(name: try decoded(tokens[1]), dtype: dtype, dims: dims)
                if tokens[0] == "input" { graph.inputs.append(value) } else { graph.outputs.append(value) }
            case ("node", 6...):
                var attributes: [String: Attribute] = [:]
                for token in tokens[6...] {
                    guard let equals = token.firstIndex(of: "="), let colon = token[equals...].firstIndex(of: ":") else {
                        throw fail("'\(token)' is not an attribute")
                    }
                    let key = try decoded(String(token[..<equals]))
                    let kind = token[token.index(after: equals)..<colon], payload = String(token[token.index(after: colon)...])
                    func integers() throws -> [Int] { try items(payload).map { guard let n = Int($0) else { throw fail("'\($0)' is not an integer") }; return n } }
                    func floats() throws -> [Float] { try items(payload).map { guard let b = UInt32($0, radix: 16) else { throw fail("'\($0)' is not a float") }; return Float(bitPattern: b) } }
                    switch kind {
                    case "i": guard let n = Int(payload) else { throw fail("'\(payload)' is not an integer") }; attributes[key] = .int(n)
                    case "is": attributes[key] = .ints(try integers())
                    case "f":
                        let values = try floats()
                        guard values.count == 1 else { throw fail("attribute \(key) needs one float") }
                        attributes[key] = .float(values[0])
                    case "fs": attributes[key] = .floats(try floats())
                    case "s": attributes[key] = .string(try decoded(payload))
                    case "ss": attributes[key] = .strings(try items(payload))
                    case "t": attributes[key] = .tensor(try loadTensor(try decoded(payload)))
                    default: throw fail("attribute kind '\(kind)' is unknown")
                    }
                }
                graph.nodes.append(Node(name: try decoded(tokens[3]), opType: try decoded(tokens[1]), domain: try decoded(tokens[2]),
                                        inputs: try items(tokens[4]), outputs: try items(tokens[5]), attributes: attributes))
            default:
                throw fail("'\(tokens[0])' line with \(tokens.count - 1) fields is not part of the format")
            }
        }
        return (graph, metadata)
    }

    /// A token: `~` for the empty string, else the bytes, with %XX for those outside `plain`.
    private static func text(_ value: String) -> String {
        if value.isEmpty { return "~" }
        var out = ""
        for byte in value.utf8 {
            if plain.contains(byte) { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += String(format: "%%%02X", byte) }
        }
        return out
    }

    private static func untext(_ token: String) -> String? {
        if token == "~" { return "" }
        var bytes: [UInt8] = []
        var iterator = Array(token.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexDigit), let low = iterator.next().flatMap(hexDigit) else { return nil }
                bytes.append(high << 4 | low)
            } else if plain.contains(byte) {
                bytes.append(byte)
            } else {
                return nil
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    /// The value of an uppercase hexadecimal digit, as %XX writes them.
    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A list token: `!` when empty, else the items joined by commas.
    private static func list(_ items: [String]) -> String { items.isEmpty ? "!" : items.joined(separator: ",") }

    private static func bits(_ value: Float) -> String { String(format: "%08x", value.bitPattern) }
}

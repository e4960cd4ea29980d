import Support

/// Reads the restricted pickles of insightface verification files: protocols 2 to 5 as Python 2
/// and 3 write them, with only the opcodes and globals such a file uses (see `PickleGlobal`).
/// It is not a general unpickler: it builds `PickleValue`s and runs nothing a file names.
struct PickleReader {
    private let bytes: [UInt8]
    private let path: String
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// Prepares to read `bytes`; `path` names the file in errors.
    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// The value the pickle holds, read up to its STOP opcode.
    mutating func read() throws -> PickleValue {
        guard bytes.first == 0x80 else {
            throw fail("is not a pickle of protocol 2 or later (it does not start with the PROTO opcode); not an insightface .bin file")
        }
        while true {
            let offset = position
            let opcode = try byte()
            switch opcode {
            case 0x80: // PROTO
                let version = try byte()
                guard (2...5).contains(version) else { throw fail("pickle protocol \(version) is not supported (2 to 5 are)") }
            case 0x95: _ = try take(8) // FRAME: framing only
            case 0x2E: // STOP
                guard marks.isEmpty, stack.count == 1, let value = stack.first else {
                    throw fail("malformed pickle: STOP at byte \(offset) with \(stack.count) values on the stack")
                }
                return value
            case 0x28: marks.append(stack.count) // MARK
            case 0x5D: stack.append(.list([])) // EMPTY_LIST
            case 0x29: stack.append(.tuple([])) // EMPTY_TUPLE
            case 0x6C: stack.append(.list(try popMark(offset))) // LIST
            case 0x74: stack.append(.tuple(try popMark(offset))) // TUPLE
            case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
                let count = Int(opcode - 0x84)
                stack.append(.tuple(try pop(count, offset)))
            case 0x61: try append(try pop(1, offset), offset) // APPEND
            case 0x65: try append(try popMark(offset), offset) // APPENDS
            case 0x4E: stack.append(.none) // NONE
            case 0x88: stack.append(.bool(true)) // NEWTRUE
            case 0x89: stack.append(.bool(false)) // NEWFALSE
            case 0x4B: stack.append(.int(Int(try byte()))) // BININT1
            case 0x4D: stack.append(.int(Int(try littleEndian(2)))) // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4))))) // BININT
            case 0x54, 0x42: stack.append(.bytes(Array(try take(try length(4, offset))))) // BINSTRING (py2 str), BINBYTES
            case 0x55, 0x43: stack.append(.bytes(Array(try take(try length(1, offset))))) // SHORT_BINSTRING, SHORT_BINBYTES
            case 0x8E, 0x96: stack.append(.bytes(Array(try take(try length(8, offset))))) // BINBYTES8, BYTEARRAY8
            case 0x58: stack.append(.text(try text(try length(4, offset), offset))) // BINUNICODE
            case 0x8C: stack.append(.text(try text(try length(1, offset), offset))) // SHORT_BINUNICODE
            case 0x8D: stack.append(.text(try text(try length(8, offset), offset))) // BINUNICODE8
            case 0x63: // GLOBAL: "module\nname\n"
                let module = try line(offset), name = try line(offset)
                stack.append(.global(try global(module: module, name: name)))
            case 0x93: // STACK_GLOBAL
                let parts = try pop(2, offset)
                guard case .text(let module) = parts[0], case .text(let name) = parts[1] else {
                    throw fail("malformed pickle: STACK_GLOBAL at byte \(offset) without a module and a name")
                }
                stack.append(.global(try global(module: module, name: name)))
            case 0x71: try put(Int(try byte())) // BINPUT
            case 0x72: try put(Int(try littleEndian(4))) // LONG_BINPUT
            case 0x94: try put(memo.count) // MEMOIZE
            case 0x68: try get(Int(try byte()), offset) // BINGET
            case 0x6A: try get(Int(try littleEndian(4)), offset) // LONG_BINGET
            case 0x52: // REDUCE
                let parts = try pop(2, offset)
                guard case .global(let callable) = parts[0], case .tuple(let arguments) = parts[1] else {
                    throw fail("unexpected pickle structure: REDUCE at byte \(offset) calls \(parts[0].kind)")
                }
                stack.append(try NumpyForms.reduce(callable, arguments, fail: { fail("unexpected pickle structure at byte \(offset): \($0)") }))
            case 0x62: // BUILD
                let parts = try pop(2, offset)
                stack.append(try NumpyForms.build(parts[0], state: parts[1], fail: { fail("unexpected pickle structure at byte \(offset): \($0)") }))
            default:
                throw fail("unexpected pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset); not an insightface .bin file")
            }
        }
    }

    private func fail(_ problem: String) -> FileError {
        FileError(path: path, problem: problem)
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw fail("truncated pickle: it ends at byte \(bytes.count), inside the value at byte \(position)")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func byte() throws -> UInt8 {
        try take(1).reduce(0) { _, byte in byte }
    }

    private mutating func littleEndian(_ size: Int) throws -> UInt64 {
        try take(size).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func length(_ size: Int, _ offset: Int) throws -> Int {
        let value = try littleEndian(size)
        guard value <= UInt64(bytes.count) else {
            throw fail("truncated pickle: the value at byte \(offset) claims \(value) bytes, more than the file holds")
        }
        return Int(value)
    }

    private mutating func text(_ count: Int, _ offset: Int) throws -> String {
        guard let string = String(validating: try take(count), as: UTF8.self) else {
            throw fail("malformed pickle: the text at byte \(offset) is not UTF-8")
        }
        return string
    }

    private mutating func line(_ offset: Int) throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A), end - position <= 256 else {
            throw fail("truncated pickle: GLOBAL at byte \(offset) has no complete name")
        }
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return text
    }

    private func global(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name) else {
            throw fail("the pickle names the global \(module).\(name); an insightface .bin file holds only bytes and numpy arrays, so pnconv refuses it")
        }
        return global
    }

    private mutating func pop(_ count: Int, _ offset: Int) throws -> [PickleValue] {
        guard stack.count - count >= (marks.last ?? 0) else {
            throw fail("malformed pickle: the opcode at byte \(offset) needs \(count) values on the stack")
        }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private mutating func popMark(_ offset: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("malformed pickle: the opcode at byte \(offset) has no MARK") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func append(_ items: [PickleValue], _ offset: Int) throws {
        guard stack.count > (marks.last ?? 0), case .list(var list) = stack.removeLast() else {
            throw fail("unexpected pickle structure: appending at byte \(offset) to something that is not a list")
        }
        list.append(contentsOf: items)
        stack.append(.list(list))
    }

    private mutating func put(_ index: Int) throws {
        guard let top = stack.last, stack.count > (marks.last ?? 0) else { throw fail("malformed pickle: memo store with an empty stack") }
        memo[index] = top
    }

    private mutating func get(_ index: Int, _ offset: Int) throws {
        guard let value = memo[index] else { throw fail("malformed pickle: the opcode at byte \(offset) reads memo \(index), never stored") }
        stack.append(value)
    }
}

import Foundation
import IR
import Support

/// The compact native weights file (.pnw), specified in docs/pnw-format.md: a 64-byte header,
/// a table of tensors, the graph as text lines and 64-byte aligned tensor data, all little-endian,
/// with a CRC-32 over all but the header's last 8 bytes. A C program can mmap it (include/pnw.h).
public enum PNWFile {
    public static let magic: [UInt8] = Array("PNW1".utf8)
    public static let version: UInt32 = 2
    static let headerSize = 64

    /// Stored element types.
    enum StoredType: UInt32 {
        case float32 = 1, float16 = 2, int8 = 3, int64 = 4, int32 = 5

        var elementSize: Int {
            switch self {
            case .float32, .int32: return 4
            case .float16: return 2
            case .int8: return 1
            case .int64: return 8
            }
        }
    }

    /// Metadata kept in the graph section.
    public struct Metadata: Equatable, Sendable {
        public var source: String
        public var sourceSHA256: String
        public var opset: Int
        public var irVersion: Int
        public var producer: String
        public var precision: String
    }

    private struct Entry {
        var name: String
        var type: StoredType
        var shape: [Int]
        var data: [UInt8]
        var scales: [Float]?
    }

    // MARK: writing

    /// Writes `model` (already optimized) at `precision` to `path`, atomically. The graph is
    /// stored in its compact form (`CompactGraph`).
    public static func write(_ model: Model, precision: Precision, to path: String) throws {
        if precision != .fp32 {
            // Checked before renaming, so that the message names the weight as the model does.
            let quantized = precision == .int8 ? quantizedWeights(model.graph) : []
            for name in model.graph.initializerOrder where !quantized.contains(name) {
                guard let tensor = model.graph.initializers[name], tensor.dtype != .int64, tensor.dtype != .int32,
                      let largest = tensor.floats()?.lazy.map(abs).max(), largest > Float(Float16.greatestFiniteMagnitude) else { continue }
                throw GraphError("weight '\(name)' holds \(largest), beyond float16's range; export it at fp32")
            }
        }
        let graph = CompactGraph.make(model.graph)
        var entries: [Entry] = []
        let quantized = quantizedWeights(graph)
        for (name, tensor) in graph.initializerOrder.compactMap({ name in graph.initializers[name].map { (name, $0) } }) {
            entries.append(try entry(name, tensor, precision: precision, quantize: quantized.contains(name)))
        }
        let metadata = [("source", model.sourceName), ("sourceSHA256", model.sourceSHA256), ("opset", String(model.opsetVersion)),
                        ("irVersion", String(model.irVersion)), ("producer", model.producer), ("precision", precision.rawValue)]
        let text = try PNWGraphText.encode(graph, metadata: metadata) { node, key, tensor in
            let name = "attribute:\(node).\(key)"
            entries.append(try entry(name, tensor, precision: .fp32, quantize: false))
            return name
        }
        let bytes = layout(entries, graph: Array(text.utf8))
        try AtomicOutput.write(bytes, to: path)
    }

    /// Weights of Conv, Gemm and MatMul nodes: the ones int8 stores per slice of axis 0.
    private static func quantizedWeights(_ graph: Graph) -> Set<String> {
        Set(graph.nodes.filter { $0.opType == "Conv" || $0.opType == "Gemm" || $0.opType == "MatMul" }.compactMap { $0.input(1) })
            .filter { (graph.initializers[$0]?.shape.count ?? 0) >= 2 }
    }

    private static func entry(_ name: String, _ tensor: Tensor, precision: Precision, quantize: Bool) throws -> Entry {
        guard tensor.shape.count <= maximumRank, tensor.shape.allSatisfy({ $0 <= Int(UInt32.max) }) else {
            throw GraphError("tensor '\(name)' of shape \(tensor.shape) does not fit .pnw (at most \(maximumRank) dims, each below 2^32)")
        }
        switch tensor.dtype {
        case .int64: return Entry(name: name, type: .int64, shape: tensor.shape, data: tensor.bytes, scales: nil)
        case .int32: return Entry(name: name, type: .int32, shape: tensor.shape, data: tensor.bytes, scales: nil)
        case .float32, .float16, .float64:
            let values = tensor.floats() ?? []
            if precision == .int8 && quantize, let channels = tensor.shape.first, channels > 0 {
                let (q, scales) = Int8Quantization.quantize(values, channels: channels)
                return Entry(name: name, type: .int8, shape: tensor.shape, data: q.map { UInt8(bitPattern: $0) }, scales: scales)
            }
            // At int8 the few other floats (biases, slopes) are halves: at float32 they would be a tenth of the file.
            if precision == .fp16 || precision == .int8 {
                return Entry(name: name, type: .float16, shape: tensor.shape,
                             data: values.map { Float16($0) }.withUnsafeBytes { Array($0) }, scales: nil)
            }
            return Entry(name: name, type: .float32, shape: tensor.shape, data: values.withUnsafeBytes { Array($0) }, scales: nil)
        default:
            throw GraphError("tensor '\(name)' is \(tensor.dtype); .pnw stores float, int32 and int64 tensors")
        }
    }

    private static func align(_ value: Int, _ boundary: Int) -> Int { (value + boundary - 1) / boundary * boundary }

    /// The file's bytes: header, table, graph, then the data, each tensor 64-byte aligned with
    /// an int8 tensor's scales right after its values.
    private static func layout(_ entries: [Entry], graph: [UInt8]) -> [UInt8] {
        let entrySizes = entries.map { align(entryFixedSize + 4 * $0.shape.count + $0.name.utf8.count, 8) }
        let tableSize = entrySizes.reduce(0, +)
        let graphOffset = headerSize + tableSize
        var offset = align(graphOffset + graph.count, 64)
        var placements: [Int] = []
        for entry in entries {
            placements.append(offset)
            offset = align(offset + storedSize(entry), 64)
        }
        var bytes = [UInt8](repeating: 0, count: offset)
        func put<T: FixedWidthInteger>(_ value: T, at position: Int) {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(position..<(position + MemoryLayout<T>.size), with: $0) }
        }
        bytes.replaceSubrange(0..<4, with: magic)
        put(version, at: 4)
        put(UInt32(entries.count), at: 8)
        put(UInt32(0), at: 12)
        put(UInt64(headerSize), at: 16)
        put(UInt64(tableSize), at: 24)
        put(UInt64(graphOffset), at: 32)
        put(UInt64(graph.count), at: 40)
        put(UInt64(offset), at: 48)
        var position = headerSize
        for (index, entry) in entries.enumerated() {
            let name = Array(entry.name.utf8)
            put(UInt32(entrySizes[index]), at: position)
            put(UInt32(name.count), at: position + 4)
            put(entry.type.rawValue, at: position + 8)
            put(UInt32(entry.shape.count), at: position + 12)
            put(UInt64(placements[index]), at: position + 16)
            put(UInt64(entry.data.count), at: position + 24)
            for (axis, dim) in entry.shape.enumerated() { put(UInt32(dim), at: position + entryFixedSize + 4 * axis) }
            let nameStart = position + entryFixedSize + 4 * entry.shape.count
            bytes.replaceSubrange(nameStart..<(nameStart + name.count), with: name)
            position += entrySizes[index]
            bytes.replaceSubrange(placements[index]..<(placements[index] + entry.data.count), with: entry.data)
            if let scales = entry.scales {
                let raw = scales.withUnsafeBytes { Array($0) }
                let start = placements[index] + align(entry.data.count, 4)
                bytes.replaceSubrange(start..<(start + raw.count), with: raw)
            }
        }
        bytes.replaceSubrange(graphOffset..<(graphOffset + graph.count), with: graph)
        put(checksum(bytes), at: 56)
        return bytes
    }

    /// Bytes of a table entry before its dims.
    private static let entryFixedSize = 32
    /// The most dims a tensor may have (as include/pnw.h reads them).
    static let maximumRank = 8

    /// Bytes a tensor takes in the data section: its values, then for int8 its scales.
    private static func storedSize(_ entry: Entry) -> Int {
        guard let scales = entry.scales else { return entry.data.count }
        return align(entry.data.count, 4) + 4 * scales.count
    }

    /// CRC-32 of the header up to the checksum field and of everything after the header.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            let head = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<56]))
            return CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[headerSize...]), continuing: head)
        }
    }

    // MARK: reading

    /// Reads a .pnw file into a model with float32 weights (int8 and float16 expanded once),
    /// after checking magic, version, sizes and checksum; a damaged file is never run.
    public static func read(path: String) throws -> (model: Model, metadata: Metadata) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw FileError(path: path, problem: "cannot read: \(error.localizedDescription)")
        }
        func fail(_ problem: String) -> FileError { FileError(path: path, problem: problem) }
        guard bytes.count >= headerSize, Array(bytes[0..<4]) == magic else { throw fail("is not a .pnw file (bad magic)") }
        func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) } }
        func u64(_ at: Int) -> UInt64 { bytes[at..<(at + 8)].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) } }
        /// A size or offset field: never more than the file's size, so sums of a few cannot overflow.
        func extent(_ at: Int) throws -> Int {
            let value = u64(at)
            guard value <= UInt64(bytes.count) else { throw fail("header or table is damaged (\(value) is past the end of the file)") }
            return Int(value)
        }
        guard u32(4) == version else { throw fail(".pnw version \(u32(4)) is not supported; this pnconv reads version \(version)") }
        guard u32(12) == 0, u32(60) == 0 else { throw fail("header is damaged (reserved fields are not zero)") }
        guard u64(48) == UInt64(bytes.count) else { throw fail("is truncated or has trailing bytes (header says \(u64(48)) bytes, file has \(bytes.count))") }
        guard u32(56) == checksum(bytes) else { throw fail("checksum mismatch: the file is damaged; export it again") }
        let tensorCount = Int(u32(8)), tableOffset = try extent(16), tableSize = try extent(24)
        let graphOffset = try extent(32), graphSize = try extent(40)
        guard tableOffset == headerSize, graphOffset == tableOffset + tableSize, graphOffset + graphSize <= bytes.count else {
            throw fail("table or graph section is out of bounds")
        }
        var initializers: [String: Tensor] = [:]
        var position = tableOffset
        for _ in 0..<tensorCount {
            guard position + entryFixedSize <= graphOffset else { throw fail("tensor table is out of bounds") }
            let size = Int(u32(position)), nameSize = Int(u32(position + 4)), rank = Int(u32(position + 12))
            let dataOffset = try extent(position + 16), dataSize = try extent(position + 24)
            guard let type = StoredType(rawValue: u32(position + 8)), rank <= maximumRank, size % 8 == 0,
                  size >= entryFixedSize + 4 * rank + nameSize, position + size <= graphOffset,
                  dataOffset % 64 == 0, dataOffset >= graphOffset + graphSize, dataOffset + dataSize <= bytes.count else {
                throw fail("tensor table entry is damaged")
            }
            let shape = (0..<rank).map { Int(u32(position + entryFixedSize + 4 * $0)) }
            let nameStart = position + entryFixedSize + 4 * rank
            let name = String(decoding: bytes[nameStart..<(nameStart + nameSize)], as: UTF8.self)
            let count = try shape.reduce(1) { product, dim in
                let (result, overflow) = product.multipliedReportingOverflow(by: dim)
                guard !overflow, result <= bytes.count else { throw fail("tensor '\(name)' has impossible dims \(shape)") }
                return result
            }
            guard dataSize == count * type.elementSize else { throw fail("tensor '\(name)' has \(dataSize) bytes for shape \(shape)") }
            let data = Array(bytes[dataOffset..<(dataOffset + dataSize)])
            let tensor: Tensor
            switch type {
            case .float32, .int64, .int32:
                tensor = try Tensor(dtype: type == .float32 ? .float32 : type == .int64 ? .int64 : .int32, shape: shape, bytes: data)
            case .float16:
                let halves = data.withUnsafeBytes { Array($0.bindMemory(to: Float16.self)) }
                tensor = Tensor(floats: halves.map { Float($0) }, shape: shape)
            case .int8:
                let scalesOffset = dataOffset + align(dataSize, 4)
                guard let channels = shape.first, scalesOffset + 4 * channels <= bytes.count else {
                    throw fail("tensor '\(name)' has damaged int8 scales")
                }
                let scales = (0..<channels).map { Float(bitPattern: u32(scalesOffset + 4 * $0)) }
                tensor = Tensor(floats: Int8Quantization.dequantize(data.map { Int8(bitPattern: $0) }, scales: scales), shape: shape)
            }
            initializers[name] = tensor
            position += size
        }
        let attributeTensors = initializers.filter { $0.key.hasPrefix("attribute:") }
        let weights = initializers.filter { !$0.key.hasPrefix("attribute:") }
        let text = String(decoding: bytes[graphOffset..<(graphOffset + graphSize)], as: UTF8.self)
        let (graph, fields) = try PNWGraphText.decode(text, initializers: weights, path: path) { key in
            guard let tensor = attributeTensors[key] else { throw fail("attribute tensor '\(key)' is missing") }
            return tensor
        }
        guard let source = fields["source"], let sha = fields["sourceSHA256"], let opset = fields["opset"].flatMap({ Int($0) }),
              let irVersion = fields["irVersion"].flatMap({ Int($0) }), let producer = fields["producer"], let precision = fields["precision"] else {
            throw fail("graph section lacks its metadata (source, sourceSHA256, opset, irVersion, producer, precision)")
        }
        let metadata = Metadata(source: source, sourceSHA256: sha, opset: opset, irVersion: irVersion, producer: producer, precision: precision)
        let model = Model(graph: graph, sourceName: source, sourceSHA256: sha, opsetVersion: opset, irVersion: irVersion, producer: producer)
        return (model, metadata)
    }
}

import Foundation
import IR
import ModelFile
import Support

/// The compact native weights file (.pnw), specified in docs/pnw-format.md: a 64-byte header,
/// a table of tensors, the graph as JSON and 64-byte aligned tensor data, all little-endian,
/// with a CRC-32 over everything but the checksum itself. A C program can mmap it
/// (include/pnw.h).
public enum PNWFile {
    public static let magic: [UInt8] = Array("PNW1".utf8)
    public static let version: UInt32 = 1
    static let headerSize = 64

    /// Stored element types.
    enum StoredType: UInt32 {
        case float32 = 1, float16 = 2, int8 = 3, int64 = 4, int32 = 5
    }

    /// Metadata kept beside the graph.
    public struct Metadata: Codable, Equatable, Sendable {
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

    /// Writes `model` (already optimized) at `precision` to `path`, atomically.
    public static func write(_ model: Model, precision: Precision, to path: String) throws {
        var entries: [Entry] = []
        let quantized = quantizedWeights(model.graph)
        for name in model.graph.initializerOrder {
            guard let tensor = model.graph.initializers[name] else { continue }
            entries.append(try entry(name, tensor, precision: precision, quantize: quantized.contains(name)))
        }
        let graphJSON = try GraphJSON.encode(model.graph) { node, key, tensor in
            let name = "attribute:\(node).\(key)"
            entries.append(try entry(name, tensor, precision: .fp32, quantize: false))
            return name
        }
        let metadata = Metadata(source: model.sourceName, sourceSHA256: model.sourceSHA256, opset: model.opsetVersion,
                                irVersion: model.irVersion, producer: model.producer, precision: precision.rawValue)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metaJSON = String(decoding: try encoder.encode(metadata), as: UTF8.self)
        let blob = Array("{\"graph\":\(graphJSON),\"metadata\":\(metaJSON)}".utf8)
        let bytes = layout(entries, graph: blob)
        try AtomicOutput.write(to: path) { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                throw FileError(path: path, problem: "cannot be written")
            }
        }
    }

    /// Weights of Conv and Gemm nodes: the ones int8 stores per output channel.
    private static func quantizedWeights(_ graph: Graph) -> Set<String> {
        Set(graph.nodes.filter { $0.opType == "Conv" || $0.opType == "Gemm" || $0.opType == "MatMul" }.compactMap { $0.input(1) })
            .filter { (graph.initializers[$0]?.shape.count ?? 0) >= 2 }
    }

    private static func entry(_ name: String, _ tensor: Tensor, precision: Precision, quantize: Bool) throws -> Entry {
        switch tensor.dtype {
        case .int64: return Entry(name: name, type: .int64, shape: tensor.shape, data: tensor.bytes, scales: nil)
        case .int32: return Entry(name: name, type: .int32, shape: tensor.shape, data: tensor.bytes, scales: nil)
        case .float32, .float16, .float64:
            let values = tensor.floats() ?? []
            if precision == .int8 && quantize, let channels = tensor.shape.first, channels > 0 {
                let (q, scales) = Int8Quantization.quantize(values, channels: channels)
                return Entry(name: name, type: .int8, shape: tensor.shape, data: q.map { UInt8(bitPattern: $0) }, scales: scales)
            }
            if precision == .fp16 {
                return Entry(name: name, type: .float16, shape: tensor.shape,
                             data: values.map { Float16($0) }.withUnsafeBytes { Array($0) }, scales: nil)
            }
            return Entry(name: name, type: .float32, shape: tensor.shape, data: values.withUnsafeBytes { Array($0) }, scales: nil)
        default:
            throw GraphError("tensor '\(name)' is \(tensor.dtype); .pnw stores float, int32 and int64 tensors")
        }
    }

    private static func align(_ value: Int, _ boundary: Int) -> Int { (value + boundary - 1) / boundary * boundary }

    /// The file's bytes: header, table, graph, then the data, each tensor 64-byte aligned.
    private static func layout(_ entries: [Entry], graph: [UInt8]) -> [UInt8] {
        let entrySizes = entries.map { align(40 + 8 * $0.shape.count + $0.name.utf8.count, 8) }
        let tableSize = entrySizes.reduce(0, +)
        let graphOffset = headerSize + tableSize
        var offset = align(graphOffset + graph.count, 64)
        var placements: [(data: Int, scales: Int)] = []
        for entry in entries {
            let data = offset
            offset = align(offset + entry.data.count, 64)
            var scales = 0
            if let values = entry.scales {
                scales = offset
                offset = align(offset + 4 * values.count, 64)
            }
            placements.append((data, scales))
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
            put(UInt64(placements[index].data), at: position + 16)
            put(UInt64(entry.data.count), at: position + 24)
            put(UInt64(placements[index].scales), at: position + 32)
            for (axis, dim) in entry.shape.enumerated() { put(UInt64(dim), at: position + 40 + 8 * axis) }
            bytes.replaceSubrange((position + 40 + 8 * entry.shape.count)..<(position + 40 + 8 * entry.shape.count + name.count), with: name)
            position += entrySizes[index]
            bytes.replaceSubrange(placements[index].data..<(placements[index].data + entry.data.count), with: entry.data)
            if let scales = entry.scales {
                let raw = scales.withUnsafeBytes { Array($0) }
                bytes.replaceSubrange(placements[index].scales..<(placements[index].scales + raw.count), with: raw)
            }
        }
        bytes.replaceSubrange(graphOffset..<(graphOffset + graph.count), with: graph)
        put(checksum(bytes), at: 56)
        return bytes
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
        func u64(_ at: Int) -> Int { Int(truncatingIfNeeded: bytes[at..<(at + 8)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }) }
        guard u32(4) == version else { throw fail(".pnw version \(u32(4)) is not supported; this pnconv reads version \(version)") }
        guard u32(12) == 0, u32(60) == 0 else { throw fail("header is damaged (reserved fields are not zero)") }
        guard u64(48) == bytes.count else { throw fail("is truncated or has trailing bytes (header says \(u64(48)) bytes, file has \(bytes.count))") }
        guard u32(56) == checksum(bytes) else { throw fail("checksum mismatch: the file is damaged; export it again") }
        let count = Int(u32(8)), graphOffset = u64(32), graphSize = u64(40)
        guard graphOffset >= headerSize, graphOffset + graphSize <= bytes.count else { throw fail("graph section is out of bounds") }
        var initializers: [String: Tensor] = [:]
        var position = u64(16)
        for _ in 0..<count {
            guard position + 40 <= graphOffset else { throw fail("tensor table is out of bounds") }
            let size = Int(u32(position)), nameSize = Int(u32(position + 4)), rank = Int(u32(position + 12))
            let dataOffset = u64(position + 16), dataSize = u64(position + 24), scalesOffset = u64(position + 32)
            guard let type = StoredType(rawValue: u32(position + 8)), size >= 40 + 8 * rank + nameSize,
                  dataOffset + dataSize <= bytes.count else { throw fail("tensor table entry is damaged") }
            let shape = (0..<rank).map { u64(position + 40 + 8 * $0) }
            let nameStart = position + 40 + 8 * rank
            let name = String(decoding: bytes[nameStart..<(nameStart + nameSize)], as: UTF8.self)
            let data = Array(bytes[dataOffset..<(dataOffset + dataSize)])
            let count = shape.reduce(1, *)
            let tensor: Tensor
            switch type {
            case .float32, .int64, .int32:
                tensor = try Tensor(dtype: type == .float32 ? .float32 : type == .int64 ? .int64 : .int32, shape: shape, bytes: data)
            case .float16:
                let halves = data.withUnsafeBytes { Array($0.bindMemory(to: Float16.self)) }
                tensor = Tensor(floats: halves.map { Float($0) }, shape: shape)
            case .int8:
                let channels = shape.first ?? 1
                guard scalesOffset + 4 * channels <= bytes.count, data.count == count else { throw fail("tensor '\(name)' has damaged int8 data") }
                let scales = bytes[scalesOffset..<(scalesOffset + 4 * channels)].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                tensor = Tensor(floats: Int8Quantization.dequantize(data.map { Int8(bitPattern: $0) }, scales: scales), shape: shape)
            }
            initializers[name] = tensor
            position += size
        }
        let blob = Data(bytes[graphOffset..<(graphOffset + graphSize)])
        guard let object = try? JSONSerialization.jsonObject(with: blob) as? [String: Any],
              let graphObject = object["graph"], let metadataObject = object["metadata"],
              let graphData = try? JSONSerialization.data(withJSONObject: graphObject),
              let metadataData = try? JSONSerialization.data(withJSONObject: metadataObject),
              let metadata = try? JSONDecoder().decode(Metadata.self, from: metadataData) else {
            throw fail("graph section is damaged")
        }
        let attributeTensors = initializers.filter { $0.key.hasPrefix("attribute:") }
        let weights = initializers.filter { !$0.key.hasPrefix("attribute:") }
        let graph = try GraphJSON.decode(String(decoding: graphData, as: UTF8.self), initializers: weights, path: path) { key in
            guard let tensor = attributeTensors[key] else { throw fail("attribute tensor '\(key)' is missing") }
            return tensor
        }
        let model = Model(graph: graph, sourceName: metadata.source, sourceSHA256: metadata.sourceSHA256,
                          opsetVersion: metadata.opset, irVersion: metadata.irVersion, producer: metadata.producer)
        return (model, metadata)
    }
}

import Foundation
import IR
import Support

/// ncnn's two model files: BASE.param (the layers as text, magic 7767517) and BASE.bin (their
/// weights, one after another in layer order). ncnn lets each blob feed one layer, so a blob
/// read by several gets a Split layer with one output per reader.
public enum NCNNFiles {
    /// Writes `graph` (BatchNormalization already folded) as `base`.param and `base`.bin, with
    /// convolution and fully connected weights in float16 if `half`. Both are written in full
    /// under temporary names before either replaces a file; if the second cannot be moved into
    /// place, the first is removed again. Returns the ncnn blob names of the graph's inputs
    /// and outputs (the same names unless ncnn could not read them).
    @discardableResult
    public static func write(_ graph: Graph, half: Bool, to base: String) throws -> [(value: String, blob: String)] {
        let converted = try NCNNConversion.layers(of: graph, half: half)
        let (named, blobNames) = naming(converted)
        let layers = splittingSharedBlobs(named)
        let blobs = Set(layers.flatMap(\.outputs))
        let param = (["7767517", "\(layers.count) \(blobs.count)"] + layers.map(\.line)).joined(separator: "\n") + "\n"
        let bin = layers.flatMap(\.weights)
        let outputs = [(base + ".param", Array(param.utf8)), (base + ".bin", bin)]
        let pending = try outputs.map { try AtomicOutput(destination: $0.0) }
        do {
            for (output, (_, bytes)) in zip(pending, outputs) { try output.fill(with: bytes) }
            for (index, output) in pending.enumerated() {
                do {
                    try output.commit()
                } catch {
                    for committed in pending[..<index] { unlink(committed.destination) }
                    throw error
                }
            }
        } catch {
            pending.forEach { $0.discard() }
            throw error
        }
        return (graph.inputs + graph.outputs).map { ($0.name, blobNames[$0.name] ?? $0.name) }
    }

    /// ncnn reads names as whitespace-free words of at most 255 bytes; other names (and
    /// repeated layer names) are replaced by numbered ones. Names are kept to 200 bytes so that
    /// Split's suffixes fit. Returns the layers and the blob name of every value.
    private static func naming(_ layers: [NCNNLayer]) -> ([NCNNLayer], [String: String]) {
        func usable(_ name: String) -> Bool {
            !name.isEmpty && name.utf8.count <= 200 && name.unicodeScalars.allSatisfy { $0.value > 32 && $0.value != 127 }
        }
        var blobNames: [String: String] = [:]
        var taken = Set(layers.flatMap { $0.inputs + $0.outputs }.filter(usable))
        func blob(_ name: String) -> String {
            if let known = blobNames[name] { return known }
            var chosen = name
            if !usable(name) {
                var number = blobNames.count
                while taken.contains("blob\(number)") { number += 1 }
                chosen = "blob\(number)"
                taken.insert(chosen)
            }
            blobNames[name] = chosen
            return chosen
        }
        var layerNames = Set<String>()
        let renamed = layers.enumerated().map { index, layer in
            var layer = layer
            if !usable(layer.name) || layerNames.contains(layer.name) { layer.name = "\(layer.type.lowercased())_\(index)" }
            layerNames.insert(layer.name)
            layer.inputs = layer.inputs.map(blob)
            layer.outputs = layer.outputs.map(blob)
            return layer
        }
        return (renamed, blobNames)
    }

    /// The layers with a Split after every blob that more than one layer input reads, each
    /// reader taking its own output of the Split.
    private static func splittingSharedBlobs(_ layers: [NCNNLayer]) -> [NCNNLayer] {
        var readers: [String: Int] = [:]
        for layer in layers { for input in layer.inputs { readers[input, default: 0] += 1 } }
        var taken = Set(layers.flatMap(\.outputs) + layers.map(\.name))
        func unused(_ name: String) -> String {
            var name = name
            while taken.contains(name) { name += "_" }
            taken.insert(name)
            return name
        }
        var copies: [String: [String]] = [:]
        var result: [NCNNLayer] = []
        for var layer in layers {
            layer.inputs = layer.inputs.map { input in
                guard var names = copies[input], !names.isEmpty else { return input }
                let next = names.removeFirst()
                copies[input] = names
                return next
            }
            result.append(layer)
            for output in layer.outputs where (readers[output] ?? 0) > 1 {
                let names = (0..<(readers[output] ?? 0)).map { unused("\(output)_splitncnn_\($0)") }
                copies[output] = names
                result.append(NCNNLayer(type: "Split", name: unused("splitncnn_\(result.count)"), inputs: [output], outputs: names))
            }
        }
        return result
    }
}

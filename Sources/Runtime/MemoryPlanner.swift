/// Places the engine's intermediate values in one arena: a value's slot is reused once every
/// node that reads it has run. Values that are views of another (Reshape and the like) share
/// its slot.
struct MemoryPlanner {
    struct Block {
        var size: Int
        /// Step that writes it first (-1 for graph inputs).
        var birth: Int
        /// Last step that reads it (Int.max for graph outputs).
        var death: Int
    }

    private(set) var blocks: [Block] = []

    /// Registers a block and returns its index.
    mutating func add(size: Int, birth: Int) -> Int {
        blocks.append(Block(size: size, birth: birth, death: birth))
        return blocks.count - 1
    }

    mutating func use(_ block: Int, at step: Int) {
        blocks[block].death = max(blocks[block].death, step)
    }

    /// Offsets (in floats, 16-float aligned) for every block, and the arena size: first fit over
    /// the blocks alive at each birth.
    func place() -> (offsets: [Int], total: Int) {
        var offsets = [Int](repeating: 0, count: blocks.count)
        var live: [(offset: Int, end: Int, death: Int)] = []
        var total = 0
        for index in blocks.indices.sorted(by: { (blocks[$0].birth, $0) < (blocks[$1].birth, $1) }) {
            let block = blocks[index]
            live.removeAll { $0.death < block.birth }
            live.sort { $0.offset < $1.offset }
            let size = (block.size + 15) / 16 * 16
            var candidate = 0
            for region in live {
                if region.offset - candidate >= size { break }
                candidate = max(candidate, region.end)
            }
            offsets[index] = candidate
            live.append((candidate, candidate + size, block.death))
            total = max(total, candidate + size)
        }
        return (offsets, total)
    }
}

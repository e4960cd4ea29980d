import Foundation
import Support

/// The work of an unfinished distill-targets run, kept beside the output as `OUT.partial/`:
/// `settings.json`, one raw file of rows per stage (`stage-K.bin`, [rows, views, D]) and
/// `done.bin` (one byte per block of rows). A block counts as done only after its rows are on
/// disk, so a run killed at any point (kill -9, full disk) loses at most the blocks in flight
/// and re-running the same command continues from there.
final class PartialTargets {
    let directory: String
    let settings: TargetsSettings
    let blockRows: Int
    private let stageFiles: [Int32]
    private let doneFile: Int32
    private(set) var done: [Bool]

    var rowCount: Int { settings.rows.count }
    var blockCount: Int { (rowCount + blockRows - 1) / blockRows }

    /// Opens the partial work for `settings`, creating it when there is none. Work left by a
    /// run with other settings is refused unless `force`, which starts over.
    init(directory: String, settings: TargetsSettings, blockRows: Int, force: Bool) throws {
        self.directory = directory
        self.settings = settings
        self.blockRows = blockRows
        let manager = FileManager.default
        let settingsPath = directory + "/settings.json"
        if manager.fileExists(atPath: directory) {
            let previous = (try? Data(contentsOf: URL(fileURLWithPath: settingsPath)))
                .flatMap { try? JSONDecoder().decode(TargetsSettings.self, from: $0) }
            let hasWork = (try? Data(contentsOf: URL(fileURLWithPath: directory + "/done.bin")))?.contains(1) ?? false
            if previous == nil && hasWork && !force {
                throw KDError("\(directory) holds unfinished work whose settings cannot be read (another pnconv version?); pass --force to start over")
            }
            if force || previous == nil {
                try? manager.removeItem(atPath: directory)
            } else if let previous, previous != settings {
                throw KDError("\(directory) holds an unfinished run with other settings (\(settings.differences(from: previous).joined(separator: ", "))); re-run it with its own arguments, or pass --force to start over")
            }
        }
        if !manager.fileExists(atPath: directory) {
            do {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: false)
                try settings.json().write(to: URL(fileURLWithPath: settingsPath), options: .atomic)
            } catch {
                throw FileError(path: directory, problem: "cannot create the working folder: \(error.localizedDescription)")
            }
        }
        func openFile(_ path: String, size: Int) throws -> Int32 {
            let descriptor = open(path, O_RDWR | O_CREAT, 0o644)
            guard descriptor >= 0 else { throw FileError(path: path, problem: "cannot open: \(String(cString: strerror(errno)))") }
            var info = stat()
            fstat(descriptor, &info)
            if Int(info.st_size) != size && ftruncate(descriptor, off_t(size)) != 0 {
                close(descriptor)
                throw FileError(path: path, problem: "cannot reserve \(size) bytes: \(String(cString: strerror(errno)))")
            }
            return descriptor
        }
        let rows = settings.rows.count, blocks = (rows + blockRows - 1) / blockRows
        stageFiles = try settings.stages.indices.map { try openFile("\(directory)/stage-\($0).bin", size: rows * settings.rowBytes) }
        let doneFile = try openFile("\(directory)/done.bin", size: blocks)
        self.doneFile = doneFile
        var flags = [UInt8](repeating: 0, count: blocks)
        _ = flags.withUnsafeMutableBytes { pread(doneFile, $0.baseAddress, blocks, 0) }
        done = flags.map { $0 == 1 }
    }

    deinit {
        stageFiles.forEach { close($0) }
        close(doneFile)
    }

    /// Rows (relative to the run's first row) of block `block`.
    func rows(ofBlock block: Int) -> Range<Int> {
        (block * blockRows)..<min(rowCount, (block + 1) * blockRows)
    }

    /// Stores the targets of `rows` for `stage`.
    func write(stage: Int, rows: Range<Int>, _ bytes: UnsafeRawBufferPointer) throws {
        try writeFully(stageFiles[stage], bytes, at: rows.lowerBound * settings.rowBytes, path: "\(directory)/stage-\(stage).bin")
    }

    /// Records block `block` as done, once everything written before is on disk.
    func markDone(_ block: Int) throws {
        for (index, file) in stageFiles.enumerated() where fsync(file) != 0 {
            throw FileError(path: "\(directory)/stage-\(index).bin", problem: "cannot write to disk: \(String(cString: strerror(errno)))")
        }
        var flag: UInt8 = 1
        try withUnsafeBytes(of: &flag) { try writeFully(doneFile, $0, at: block, path: "\(directory)/done.bin") }
        fsync(doneFile)
        done[block] = true
    }

    /// The stored targets of `rows` for `stage`.
    func read(stage: Int, rows: Range<Int>) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: rows.count * settings.rowBytes)
        let count = bytes.count
        let read = bytes.withUnsafeMutableBytes { pread(stageFiles[stage], $0.baseAddress, count, off_t(rows.lowerBound * settings.rowBytes)) }
        guard read == count else { throw FileError(path: "\(directory)/stage-\(stage).bin", problem: "is shorter than it should be") }
        return bytes
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func writeFully(_ file: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        var written = 0
        while written < bytes.count {
            let result = pwrite(file, bytes.baseAddress.map { $0 + written }, bytes.count - written, off_t(offset + written))
            guard result > 0 else {
                throw FileError(path: path, problem: "cannot write: \(String(cString: strerror(errno))); the finished blocks are kept, re-run the same command to continue")
            }
            written += result
        }
    }
}

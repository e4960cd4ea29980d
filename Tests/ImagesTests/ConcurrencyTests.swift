import Dispatch
import Foundation
import Images
import XCTest

final class ConcurrencyTests: XCTestCase {
    /// Loads every image of `source` from 2 threads at once (each thread takes every index)
    /// and compares with one sequential pass.
    private func assertConcurrentLoadsMatch(_ source: any ImageSource) throws {
        let sequential = try (0..<source.count).map { try source.load(at: $0) }
        let results = ResultBox(count: 2 * source.count)
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for round in 0..<3 {
                for step in 0..<source.count {
                    let index = (step + thread * 5 + round) % source.count
                    results.set(thread * source.count + index, Result { try source.load(at: index) })
                }
            }
        }
        for thread in 0..<2 {
            for index in 0..<source.count {
                XCTAssertEqual(try results.get(thread * source.count + index)?.get(), sequential[index])
            }
        }
    }

    func testFolderSource() throws {
        try assertConcurrentLoadsMatch(openImageSource(TestFiles.faces))
    }

    func testRecordIOSource() throws {
        let folder = try TestFiles.scratchFolder(self)
        var writer = TestRecordIOWriter()
        writer.add(index: 0, payload: TestRecordIOWriter.payload(label: 0, labels: [11, 21], image: []))
        for (n, name) in TestFiles.faceNames.enumerated() {
            let bytes = try TestFiles.read(TestFiles.faces + "/" + name)
            writer.add(index: n + 1, payload: TestRecordIOWriter.payload(label: Float(n), id: UInt64(n), image: bytes))
        }
        let png = TestPNGWriter(width: 3, height: 1, colorType: .rgba, samples: Array(0..<12)).encode()
        writer.add(index: 11, payload: TestRecordIOWriter.payload(label: 10, image: png))
        try TestFiles.write(writer.rec, to: folder + "/c.rec")
        try TestFiles.write(writer.idx, to: folder + "/c.idx")
        let source = try openImageSource(folder + "/c.rec")
        XCTAssertEqual(source.count, 11)
        try assertConcurrentLoadsMatch(source)
    }
}

/// Results written from several threads, one slot each, under a lock.
private final class ResultBox: @unchecked Sendable {
    private var slots: [Result<DecodedImage, Error>?]
    private let lock = NSLock()

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ value: Result<DecodedImage, Error>) {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = value
    }

    func get(_ index: Int) -> Result<DecodedImage, Error>? {
        lock.lock()
        defer { lock.unlock() }
        return slots[index]
    }
}

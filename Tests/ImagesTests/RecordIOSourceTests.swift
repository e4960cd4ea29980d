import Foundation
import Images
import XCTest

final class RecordIOSourceTests: XCTestCase {
    private let magic = TestRecordIOWriter.magic

    /// Arbitrary bytes holding the magic at every alignment, twice in a row and at the end, so
    /// that whatever the payload's alignment the writer splits the record into several chunks.
    private var magicLaden: [UInt8] {
        var bytes: [UInt8] = [1, 2, 3]
        for _ in 0..<2 {
            for filler in 0..<4 { bytes += magic + [UInt8](repeating: 0xEE, count: filler) }
        }
        return bytes + magic + magic + [9] + magic
    }

    private struct Fixture {
        let rec: String
        let writer: TestRecordIOWriter
    }

    /// A .rec/.idx in insightface's shape: header record 0 (no image), image records with scalar
    /// and array labels, a split record, and identity-range records (no image) at the end.
    private func makeFixture(folder: String, name: String = "train") throws -> Fixture {
        let faces = try TestFiles.faceNames.prefix(3).map { try TestFiles.read(TestFiles.faces + "/" + $0) }
        var writer = TestRecordIOWriter()
        writer.add(index: 0, payload: TestRecordIOWriter.payload(label: 0, labels: [6, 8], image: []))
        writer.add(index: 1, payload: TestRecordIOWriter.payload(label: 0, id: 1, image: faces[0]))
        writer.add(index: 2, payload: TestRecordIOWriter.payload(label: 0, labels: [3, 0.5, 9], id: 2, image: faces[1]))
        let chunks = writer.add(index: 3, payload: TestRecordIOWriter.payload(label: 4, id: 3, image: magicLaden))
        XCTAssertGreaterThanOrEqual(chunks, 4, "the split record really is split")
        writer.add(index: 5, payload: TestRecordIOWriter.payload(label: 5.9, id: 5, image: faces[2]))
        writer.add(index: 4, payload: TestRecordIOWriter.payload(label: 0, id: 4, image: faces[2] + [0xFF, 0xD9]))
        writer.add(index: 6, payload: TestRecordIOWriter.payload(label: 0, labels: [1, 3], image: []))
        writer.add(index: 7, payload: TestRecordIOWriter.payload(label: 0, labels: [3, 6], image: []))
        let rec = folder + "/\(name).rec"
        try TestFiles.write(writer.rec, to: rec)
        try TestFiles.write(writer.idx, to: folder + "/\(name).idx")
        return Fixture(rec: rec, writer: writer)
    }

    func testReadsBackKeysLabelsAndBytes() throws {
        let folder = try TestFiles.scratchFolder(self)
        let fixture = try makeFixture(folder: folder)
        let source = try XCTUnwrap(try openImageSource(fixture.rec) as? RecordIOSource)
        XCTAssertEqual(source.count, 5)
        XCTAssertEqual(source.skippedRecords, 3)
        XCTAssertEqual((0..<5).map(source.key(at:)), ["1", "2", "3", "4", "5"])  // .idx order was 0,1,2,3,5,4,6,7
        XCTAssertEqual((0..<5).map(source.label(at:)), [0, 3, 4, 0, 5])
        XCTAssertEqual(source.origin(at: 2), "\(fixture.rec) record 3")
        XCTAssertEqual(source.indexPath, folder + "/train.idx")
        XCTAssertEqual(source.description, "RecordIO \(fixture.rec) (5 images)")

        let faces = try TestFiles.faceNames.prefix(3).map { try TestFiles.read(TestFiles.faces + "/" + $0) }
        XCTAssertEqual(try source.imageBytes(at: 0), faces[0])
        XCTAssertEqual(try source.imageBytes(at: 1), faces[1])
        XCTAssertEqual(try source.imageBytes(at: 2), magicLaden)
        XCTAssertEqual(try source.imageBytes(at: 3), faces[2] + [0xFF, 0xD9])
        XCTAssertEqual(try source.imageBytes(at: 4), faces[2])

        let direct = try ImageDecoder.decode(faces[1], origin: "x")
        XCTAssertEqual(try source.load(at: 1), direct)
        XCTAssertEqual(TestFiles.errorMessage { _ = try source.load(at: 2) },
                       "\(fixture.rec) record 3: is not a JPEG or PNG image (it starts with bytes 01 02 03 0a 23 d7 ce 0a)")
    }

    func testSplitRecordWithMagicAtTheStartOfThePayload() throws {
        let folder = try TestFiles.scratchFolder(self)
        var writer = TestRecordIOWriter()
        // flag == 0xced7230a would mean that many labels; use an IRHeader-sized payload whose
        // label field is the magic instead, and a PNG image after it.
        let png = TestPNGWriter(width: 2, height: 2, colorType: .rgb, samples: Array(0..<12)).encode()
        var payload = TestRecordIOWriter.payload(label: 0, image: png)
        payload.replaceSubrange(4..<8, with: magic)
        payload.replaceSubrange(8..<16, with: magic + magic)
        XCTAssertEqual(writer.add(index: 0, payload: payload), 4)
        try TestFiles.write(writer.rec, to: folder + "/a.rec")
        try TestFiles.write(writer.idx, to: folder + "/a.idx")
        let source = try RecordIOSource(path: folder + "/a.rec")
        XCTAssertEqual(try source.imageBytes(at: 0), png)
        XCTAssertEqual(try source.load(at: 0).pixels, (0..<12).map(UInt8.init))
    }

    func testMissingIndexIsAnError() throws {
        let folder = try TestFiles.scratchFolder(self)
        try TestFiles.write([], to: folder + "/lonely.rec")
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(folder + "/lonely.rec") },
                       "\(folder)/lonely.rec: its index \(folder)/lonely.idx is missing (a .rec needs its .idx beside it)")
    }

    func testBadIndexLinesNameTheIndexAndLine() throws {
        let folder = try TestFiles.scratchFolder(self)
        let fixture = try makeFixture(folder: folder)
        let idx = folder + "/train.idx"
        try TestFiles.write("0\t0\n1\tzero\n", to: idx)
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(fixture.rec) },
                       "\(idx):2: expected 'index<TAB>offset', found '1\tzero'")
        try TestFiles.write("1\t0\n1\t0\n", to: idx)
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(fixture.rec) },
                       "\(idx):2: record 1 is listed twice (first on line 1)")
    }

    func testOffsetPastTheEndNamesTheRecord() throws {
        let folder = try TestFiles.scratchFolder(self)
        let fixture = try makeFixture(folder: folder)
        try TestFiles.write(fixture.writer.idx + "8\t\(fixture.writer.rec.count + 100)\n", to: folder + "/train.idx")
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(fixture.rec) },
                       "\(fixture.rec) record 8: offset \(fixture.writer.rec.count + 100) from the .idx is past the end of the file (\(fixture.writer.rec.count) bytes)")
    }

    func testBadMagicNamesTheRecord() throws {
        let folder = try TestFiles.scratchFolder(self)
        let fixture = try makeFixture(folder: folder)
        let lines = fixture.writer.idxLines.map { line -> String in
            let fields = line.split(separator: "\t")
            return fields[0] == "2" ? "2\t\(Int(fields[1])! + 4)" : line
        }
        try TestFiles.write(lines.joined(separator: "\n"), to: folder + "/train.idx")
        let message = TestFiles.errorMessage { _ = try openImageSource(fixture.rec) }
        XCTAssertTrue(message.hasPrefix("\(fixture.rec) record 2: bad magic 0x"), message)
    }

    func testRecordRunningPastTheEndNamesTheRecord() throws {
        let folder = try TestFiles.scratchFolder(self)
        let fixture = try makeFixture(folder: folder)
        let offsets = fixture.writer.idxLines.map { Int($0.split(separator: "\t")[1])! }
        // Cut inside record 2 (the third record): the file now ends before its data does.
        try TestFiles.write(Array(fixture.writer.rec.prefix(offsets[2] + 100)), to: fixture.rec)
        try TestFiles.write(fixture.writer.idxLines.prefix(3).joined(separator: "\n"), to: folder + "/train.idx")
        let message = TestFiles.errorMessage { _ = try openImageSource(fixture.rec) }
        XCTAssertTrue(message.hasPrefix("\(fixture.rec) record 2: record runs past the end of the file"), message)
        // Cut between the chunks of split record 3.
        try TestFiles.write(Array(fixture.writer.rec.prefix(offsets[3] + 40)), to: fixture.rec)
        try TestFiles.write(fixture.writer.idxLines.prefix(4).joined(separator: "\n"), to: folder + "/train.idx")
        let split = TestFiles.errorMessage { _ = try openImageSource(fixture.rec) }
        XCTAssertTrue(split.hasPrefix("\(fixture.rec) record 3: record runs past the end of the file"), split)
    }

    func testOffsetIntoTheMiddleOfASplitRecordIsAnError() throws {
        let folder = try TestFiles.scratchFolder(self)
        var writer = TestRecordIOWriter()
        writer.add(index: 0, payload: TestRecordIOWriter.payload(label: 1, image: magicLaden))
        let second = writer.rec.count
        writer.add(index: 1, payload: TestRecordIOWriter.payload(label: 1, image: [1, 2, 3, 4]))
        // Point record 1 at the second chunk of record 0.
        let chunkLength = Int(writer.rec[4]) | Int(writer.rec[5]) << 8
        let middle = 8 + (chunkLength + 3) / 4 * 4
        XCTAssertLessThan(middle, second)
        try TestFiles.write(writer.rec, to: folder + "/m.rec")
        try TestFiles.write("0\t0\n1\t\(middle)\n", to: folder + "/m.idx")
        let message = TestFiles.errorMessage { _ = try openImageSource(folder + "/m.rec") }
        XCTAssertTrue(message.hasPrefix("\(folder)/m.rec record 1: offset \(middle) points into the middle of a split record"), message)
    }

    func testShortOrBadHeadersNameTheRecord() throws {
        let folder = try TestFiles.scratchFolder(self)
        var writer = TestRecordIOWriter()
        writer.add(index: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8])
        try TestFiles.write(writer.rec, to: folder + "/s.rec")
        try TestFiles.write(writer.idx, to: folder + "/s.idx")
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(folder + "/s.rec") },
                       "\(folder)/s.rec record 0: record is 8 bytes, shorter than its 24-byte IRHeader")

        writer = TestRecordIOWriter()
        var payload = TestRecordIOWriter.payload(label: 0, image: [])
        payload.replaceSubrange(0..<4, with: TestRecordIOWriter.littleEndian(3))  // 3 labels announced, none there
        writer.add(index: 0, payload: payload)
        try TestFiles.write(writer.rec, to: folder + "/s.rec")
        try TestFiles.write(writer.idx, to: folder + "/s.idx")
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(folder + "/s.rec") },
                       "\(folder)/s.rec record 0: IRHeader announces 3 labels, but the record has only 24 bytes")

        writer = TestRecordIOWriter()
        writer.add(index: 0, payload: TestRecordIOWriter.payload(label: .nan, image: [1]))
        try TestFiles.write(writer.rec, to: folder + "/s.rec")
        try TestFiles.write(writer.idx, to: folder + "/s.idx")
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(folder + "/s.rec") },
                       "\(folder)/s.rec record 0: label nan is not a usable integer")
    }

    func testOnlyHeaderRecordsIsAnError() throws {
        let folder = try TestFiles.scratchFolder(self)
        var writer = TestRecordIOWriter()
        writer.add(index: 0, payload: TestRecordIOWriter.payload(label: 0, labels: [1, 1], image: []))
        try TestFiles.write(writer.rec, to: folder + "/h.rec")
        try TestFiles.write(writer.idx, to: folder + "/h.idx")
        XCTAssertTrue(TestFiles.errorMessage { _ = try openImageSource(folder + "/h.rec") }
            .hasPrefix("\(folder)/h.rec: holds no image records"))
    }
}

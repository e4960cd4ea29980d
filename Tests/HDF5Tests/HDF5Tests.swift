import Foundation
import HDF5
import Support
import XCTest

final class HDF5RoundTripTests: XCTestCase {
    private var path = ""

    override func setUp() {
        path = NSTemporaryDirectory() + "pnconv-h5-\(UUID().uuidString).h5"
    }

    override func tearDown() {
        unlink(path)
    }

    func testAttributesDatasetsAndStringsRoundTrip() throws {
        do {
            let file = try HDF5File.create(path)
            let root = try file.root()
            try root.setAttribute("format", .string("pnconv-test ✓"))
            try root.setAttribute("version", .int(3))
            try root.setAttribute("shape", .ints([1, 3, 112, 112]))
            try root.setAttribute("eps", .double(1e-5))
            let group = try root.createGroup("weights")
            let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001]
            _ = try halves.withUnsafeBytes { try group.writeDataset("half", dtype: .float16, shape: [2, 2], bytes: $0) }
            let floats: [Float] = [1.5, -2.25, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, 3]
            _ = try floats.withUnsafeBytes { try group.writeDataset("float", dtype: .float32, shape: [3, 2], bytes: $0) }
            let scalar: [Int64] = [-42]
            _ = try scalar.withUnsafeBytes { try group.writeDataset("scalar", dtype: .int64, shape: [], bytes: $0) }
            try root.writeStrings("keys", ["a/b.jpg", "", "ü"])
            let rows = try root.createDataset("rows", dtype: .int32, shape: [4, 2], chunks: [2, 2])
            let firstRows: [Int32] = [1, 2, 3, 4]
            _ = try firstRows.withUnsafeBytes { try rows.write(rows: 2..<4, $0) }
        }
        let file = try HDF5File.open(path)
        let root = try file.root()
        XCTAssertEqual(try root.stringAttribute("format"), "pnconv-test ✓")
        XCTAssertEqual(try root.intAttribute("version"), 3)
        XCTAssertEqual(try root.intsAttribute("shape"), [1, 3, 112, 112])
        XCTAssertEqual(try root.attribute("eps"), .double(1e-5))
        XCTAssertNil(try root.attribute("absent"))
        let group = try root.group("weights")
        XCTAssertEqual(try group.memberNames(), ["float", "half", "scalar"])
        let half = try group.dataset("half")
        XCTAssertEqual(half.dtype, .float16)
        XCTAssertEqual(try half.shape(), [2, 2])
        XCTAssertEqual(try half.readBytes(), [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00])
        let float = try group.dataset("float")
        XCTAssertEqual(float.dtype, .float32)
        let floatBytes = try float.readBytes()
        let readFloats = floatBytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(readFloats.map(\.bitPattern),
                       [1.5, -2.25, Float.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, 3].map(\.bitPattern))
        XCTAssertEqual(try group.dataset("scalar").shape(), [])
        XCTAssertEqual(try root.dataset("keys").readStrings(), ["a/b.jpg", "", "ü"])
        let rowBytes = try root.dataset("rows").readBytes()
        XCTAssertEqual(rowBytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }, [0, 0, 0, 0, 1, 2, 3, 4])
        let someRows = try root.dataset("rows").readBytes(rows: 1..<3)
        XCTAssertEqual(someRows.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }, [0, 0, 1, 2])
        XCTAssertEqual(try root.dataset("rows").readBytes(rows: 4..<4), [])
        XCTAssertThrowsError(try root.dataset("rows").readBytes(rows: 3..<5))
    }

    func testMissingMembersAndForeignFilesAreNamedErrors() throws {
        let file = try HDF5File.create(path)
        let root = try file.root()
        XCTAssertThrowsError(try root.group("nope")) { XCTAssertTrue("\($0)".contains("/nope")) }
        XCTAssertThrowsError(try root.dataset("nope")) { XCTAssertTrue("\($0)".contains("/nope")) }
        let foreign = path + ".txt"
        _ = FileManager.default.createFile(atPath: foreign, contents: Data("hello".utf8))
        defer { unlink(foreign) }
        XCTAssertThrowsError(try HDF5File.open(foreign)) { XCTAssertTrue("\($0)".contains("not an HDF5 file")) }
    }
}

final class HDF5DeterminismTests: XCTestCase {
    /// Files record no modification times: the same content written later gives the same bytes.
    func testSameContentGivesSameBytes() throws {
        let paths = (0..<2).map { _ in NSTemporaryDirectory() + "pnconv-same-\(UUID().uuidString).h5" }
        defer { paths.forEach { unlink($0) } }
        for path in paths {
            do {
                let root = try HDF5File.create(path).root()
                try root.setAttribute("format", .string("x"))
                let group = try root.createGroup("g")
                let values: [Float] = [1, 2, 3, 4]
                _ = try values.withUnsafeBytes { try group.writeDataset("d", dtype: .float32, shape: [2, 2], bytes: $0) }
                _ = try group.createDataset("c", dtype: .float16, shape: [4, 2], chunks: [2, 2], maxShape: [nil, 2])
                try root.writeStrings("keys", ["a", "b"])
            }
            Thread.sleep(forTimeInterval: 1.1)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: paths[0]), FileManager.default.contents(atPath: paths[1]))
    }
}

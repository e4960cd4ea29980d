import Foundation
import Images
import Support
import XCTest

final class FolderSourceTests: XCTestCase {
    func testFacesFolderListsTheJPEGsInOrder() throws {
        let source = try openImageSource(TestFiles.faces)
        XCTAssertEqual(source.count, 10)
        XCTAssertEqual((0..<source.count).map(source.key(at:)), TestFiles.faceNames)
        XCTAssertEqual((0..<source.count).map(source.label(at:)), [Int64](repeating: -1, count: 10))
        XCTAssertEqual(source.origin(at: 0), TestFiles.faces + "/00000001.jpg")
        XCTAssertEqual(source.description, "folder \(TestFiles.faces) (10 images)")
        for index in 0..<source.count {
            let image = try source.load(at: index)
            XCTAssertEqual([image.width, image.height], [112, 112])
        }
    }

    func testRecursiveCaseInsensitiveByteOrder() throws {
        let folder = try TestFiles.scratchFolder(self)
        let png = TestPNGWriter(width: 1, height: 1, colorType: .gray, samples: [5]).encode()
        let names = ["b.jpg", "B.PNG", "a/b.jpg", "a.b.jpeg", "a/z/c.Jpeg", "é.png", "z.png"]
        for name in names { try TestFiles.write(png, to: folder + "/" + name) }
        for other in ["notes.txt", "a/x.gif", "jpg", "a/z/.jpgs"] { try TestFiles.write("x", to: folder + "/" + other) }
        try FileManager.default.createDirectory(atPath: folder + "/empty.jpg", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/a/z/loop", withDestinationPath: folder + "/a")

        let source = try ImageFileSource.folder(folder + "/")
        // Bytes: "B" < "a" < "a." < "a/" < "b" < "z" < "é" (UTF-8 0xC3 0xA9).
        XCTAssertEqual((0..<source.count).map(source.key(at:)),
                       ["B.PNG", "a.b.jpeg", "a/b.jpg", "a/z/c.Jpeg", "b.jpg", "z.png", "é.png"])
        XCTAssertEqual(source.kind, .folder)
        XCTAssertEqual(try source.load(at: 3).pixels, [5, 5, 5])
    }

    func testFolderWithoutImagesIsAnError() throws {
        let folder = try TestFiles.scratchFolder(self)
        try TestFiles.write("x", to: folder + "/readme.txt")
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(folder) },
                       "\(folder): contains no .jpg, .jpeg or .png files")
    }

    func testMissingPathIsAnError() {
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource("/nonexistent/faces") },
                       "/nonexistent/faces: no such file or folder")
    }
}

final class ListSourceTests: XCTestCase {
    func testFixtureListGivesKeysAndLabels() throws {
        let list = TestFiles.faces + "/labels.txt"
        XCTAssertFalse(try TestFiles.read(list).last == 0x0A, "the fixture's last line has no newline")
        let source = try openImageSource(list)
        XCTAssertEqual(source.count, 10)
        XCTAssertEqual((0..<source.count).map(source.key(at:)), TestFiles.faceNames)
        XCTAssertEqual((0..<source.count).map(source.label(at:)), Array(0...9))
        XCTAssertEqual(source.origin(at: 9), TestFiles.faces + "/00000672.jpg")
        XCTAssertEqual(try source.load(at: 9).width, 112)
        XCTAssertEqual(source.description, "list file \(list) (10 images)")
    }

    func testListSyntax() throws {
        let folder = try TestFiles.scratchFolder(self)
        let png = TestPNGWriter(width: 1, height: 1, colorType: .rgb, samples: [1, 2, 3]).encode()
        try TestFiles.write(png, to: folder + "/sub/x.png")
        try TestFiles.write(png, to: folder + "/y.png")
        let absolute = folder + "/y.png"
        try TestFiles.write("\nsub/x.png\t7\r\n  \n../lists/../y.png\n\(absolute)\t-3\nsub/x.png\t 12 ", to: folder + "/lists/list.txt")
        let source = try openImageSource(folder + "/lists/list.txt")
        XCTAssertEqual((0..<source.count).map(source.key(at:)), ["sub/x.png", "../lists/../y.png", absolute, "sub/x.png"])
        XCTAssertEqual((0..<source.count).map(source.label(at:)), [7, -1, -3, 12])
        XCTAssertEqual(source.origin(at: 0), folder + "/lists/sub/x.png")
        XCTAssertEqual(source.origin(at: 2), absolute)
        XCTAssertEqual(try source.load(at: 1).pixels, [1, 2, 3])
        XCTAssertEqual(TestFiles.errorMessage { _ = try source.load(at: 0) },
                       "\(folder)/lists/sub/x.png: cannot open: No such file or directory")
    }

    func testMalformedLinesNameTheFileAndLine() throws {
        let folder = try TestFiles.scratchFolder(self)
        let list = folder + "/list.txt"
        try TestFiles.write("a.jpg\t1\n\nb.jpg\tseven\n", to: list)
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(list) },
                       "\(list):3: label 'seven' is not an integer")
        try TestFiles.write("a.jpg\t1\t2", to: list)
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(list) },
                       "\(list):1: expected path<TAB>label, found 3 tab-separated fields")
        try TestFiles.write("a.jpg\t1.5", to: list)
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(list) },
                       "\(list):1: label '1.5' is not an integer")
        try TestFiles.write("\t4", to: list)
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(list) },
                       "\(list):1: the line has a label but no path")
        try TestFiles.write("\n \n", to: list)
        XCTAssertTrue(TestFiles.errorMessage { _ = try openImageSource(list) }.hasPrefix("\(list): lists no images"))
    }

    func testSingleImageGivenAsSourceIsExplained() throws {
        let path = TestFiles.faces + "/00000001.jpg"
        XCTAssertEqual(TestFiles.errorMessage { _ = try openImageSource(path) },
                       "\(path): is a JPEG image, not a list file; pass its folder, a list file or a .rec")
    }
}

import Foundation
import Support

/// Opens the image source at `path`, by what it is:
/// - a folder: every `.jpg`, `.jpeg` and `.png` file below it (`ImageFileSource.folder`);
/// - a file ending `.rec`: MXNet RecordIO with its `.idx` beside it (`RecordIOSource`);
/// - any other file: a list file of `path[<TAB>label]` lines (`ImageFileSource.list`).
public func openImageSource(_ path: String) throws -> any ImageSource {
    var info = stat()
    guard stat(path, &info) == 0 else {
        let problem = errno == ENOENT ? "no such file or folder" : "cannot read: \(FileBytes.systemError())"
        throw FileError(path: path, problem: problem)
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        return try ImageFileSource.folder(path)
    }
    if path.lowercased().hasSuffix(".rec") {
        return try RecordIOSource(path: path)
    }
    return try ImageFileSource.list(path)
}

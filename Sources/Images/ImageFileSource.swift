/// Images stored as individual files: the contents of a folder, or the entries of a list file.
/// Keys are paths relative to the folder (or to the list file's folder).
public struct ImageFileSource: ImageSource {
    /// Where the entries came from.
    public enum Kind: Sendable, Equatable {
        case folder
        case list
    }

    /// Whether this is a folder or a list file.
    public let kind: Kind
    /// The folder, or the list file, as given.
    public let path: String
    /// The folder that keys are relative to.
    public let baseFolder: String
    private let keys: [String]
    private let labels: [Int64]

    init(kind: Kind, path: String, baseFolder: String, keys: [String], labels: [Int64]) {
        precondition(keys.count == labels.count)
        self.kind = kind
        self.path = path
        self.baseFolder = baseFolder
        self.keys = keys
        self.labels = labels
    }

    /// Every `.jpg`, `.jpeg` and `.png` file (any letter case) below `folder`, recursively,
    /// ordered by relative path compared byte by byte; labels are -1.
    public static func folder(_ folder: String) throws -> ImageFileSource {
        let root = FolderScan.trimmingTrailingSlashes(folder)
        let keys = try FolderScan.imagePaths(below: root)
        guard !keys.isEmpty else {
            throw ImageError(origin: folder, problem: "contains no .jpg, .jpeg or .png files")
        }
        return ImageFileSource(kind: .folder, path: folder, baseFolder: root, keys: keys,
                               labels: [Int64](repeating: -1, count: keys.count))
    }

    /// The entries of the list file at `listPath` (see `ListFile`), in file order.
    public static func list(_ listPath: String) throws -> ImageFileSource {
        let entries = try ListFile.read(listPath)
        return ImageFileSource(kind: .list, path: listPath, baseFolder: ListFile.folder(of: listPath),
                               keys: entries.map(\.path), labels: entries.map(\.label))
    }

    public var count: Int { keys.count }

    public func key(at index: Int) -> String { keys[index] }

    public func label(at index: Int) -> Int64 { labels[index] }

    /// The file's path: the key joined to `baseFolder` (absolute list entries stay as they are).
    public func origin(at index: Int) -> String {
        let key = keys[index]
        if key.hasPrefix("/") || baseFolder == "." { return key }
        return baseFolder.hasSuffix("/") ? baseFolder + key : baseFolder + "/" + key
    }

    public func load(at index: Int) throws -> DecodedImage {
        let file = origin(at: index)
        return try ImageDecoder.decode(FileBytes.read(file), origin: file)
    }

    public var description: String {
        let noun = count == 1 ? "image" : "images"
        switch kind {
        case .folder: return "folder \(path) (\(count) \(noun))"
        case .list: return "list file \(path) (\(count) \(noun))"
        }
    }
}

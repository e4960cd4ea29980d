import CHDF5
import Support

/// A dataset: an n-dimensional array of one element type, or of strings.
public final class HDF5Dataset: HDF5Object {
    fileprivate var cachedDType: DType?

    deinit { H5Dclose(id) }

    /// The element type stored; nil for strings or types pnconv does not read.
    public var dtype: DType? {
        get {
            if let cachedDType { return cachedDType }
            let type = H5Dget_type(id)
            guard type >= 0 else { return nil }
            defer { H5Tclose(type) }
            cachedDType = HDF5Types.dtype(ofFileType: type)
            return cachedDType
        }
        set { cachedDType = newValue }
    }

    /// Whether the dataset holds strings.
    public var holdsStrings: Bool {
        let type = H5Dget_type(id)
        guard type >= 0 else { return false }
        defer { H5Tclose(type) }
        return H5Tget_class(type) == H5T_STRING
    }

    /// The current shape; empty for a scalar.
    public func shape() throws -> [Int] {
        let space = try check(H5Dget_space(id), path, "cannot read the shape of \(name)")
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    private func elementDType() throws -> DType {
        guard let dtype else { throw HDF5Error(path: path, problem: "dataset \(name) has an element type pnconv does not read") }
        return dtype
    }

    /// Changes the shape of a chunked dataset within its maximum shape (growing or shrinking it).
    public func setShape(_ shape: [Int]) throws {
        try check(H5Dset_extent(id, shape.map { hsize_t($0) }), path, "cannot resize \(name) to \(shape)")
    }

    /// Writes the whole dataset from `bytes`, which must hold exactly its elements.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        let dtype = try elementDType()
        let count = try shape().reduce(1, *)
        guard bytes.count == count * dtype.byteSize else {
            throw HDF5Error(path: path, problem: "writing \(name): \(bytes.count) bytes for \(count) elements of \(dtype)")
        }
        if count == 0 { return }
        let (type, isTransient) = HDF5Types.type(of: dtype)
        defer { if isTransient { H5Tclose(type) } }
        try check(H5Dwrite(id, type, allOfSpace, allOfSpace, defaultProperties, bytes.baseAddress), path, "cannot write dataset \(name)")
    }

    /// Writes rows `rows` (a range of the first dimension) from `bytes`.
    public func write(rows: Range<Int>, _ bytes: UnsafeRawBufferPointer) throws {
        try transfer(rows: rows, byteCount: bytes.count, "write") { type, memory, file, what in
            _ = try check(H5Dwrite(id, type, memory, file, defaultProperties, bytes.baseAddress), path, what)
        }
    }

    /// Reads rows `rows` (a range of the first dimension) as little-endian bytes, without
    /// reading the rest of the dataset.
    public func readBytes(rows: Range<Int>) throws -> [UInt8] {
        let rowBytes = try shape().dropFirst().reduce(1, *) * elementDType().byteSize
        var bytes = [UInt8](repeating: 0, count: max(0, rows.count) * rowBytes)
        try bytes.withUnsafeMutableBytes { buffer in
            try transfer(rows: rows, byteCount: buffer.count, "read") { type, memory, file, what in
                _ = try check(H5Dread(id, type, memory, file, defaultProperties, buffer.baseAddress), path, what)
            }
        }
        return bytes
    }

    /// Checks that `rows` lie inside the dataset and that `byteCount` bytes hold them, then
    /// calls `body(memory type, memory space, file space with the rows selected, error text)`.
    private func transfer(rows: Range<Int>, byteCount: Int, _ verb: String,
                          _ body: (hid_t, hid_t, hid_t, String) throws -> Void) throws {
        let dtype = try elementDType()
        let fullShape = try shape()
        guard !fullShape.isEmpty, rows.lowerBound >= 0, rows.upperBound <= fullShape[0] else {
            throw HDF5Error(path: path, problem: "\(verb) \(name): rows \(rows) are outside its shape \(fullShape)")
        }
        let rowElements = fullShape.dropFirst().reduce(1, *)
        guard byteCount == rows.count * rowElements * dtype.byteSize else {
            throw HDF5Error(path: path, problem: "\(verb) \(name): \(byteCount) bytes for \(rows.count) rows")
        }
        if rows.isEmpty { return }
        let what = "cannot \(verb) rows \(rows.lowerBound)..<\(rows.upperBound) of \(name)"
        let fileSpace = try check(H5Dget_space(id), path, what)
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: fullShape.count)
        start[0] = hsize_t(rows.lowerBound)
        var count = fullShape.map { hsize_t($0) }
        count[0] = hsize_t(rows.count)
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil), path, what)
        let memorySpace = try makeDataspace(count, path: path)
        defer { H5Sclose(memorySpace) }
        let (type, isTransient) = HDF5Types.type(of: dtype)
        defer { if isTransient { H5Tclose(type) } }
        try body(type, memorySpace, fileSpace, what)
    }

    /// Reads all elements as little-endian bytes of `dtype`.
    public func readBytes() throws -> [UInt8] {
        let dtype = try elementDType()
        let count = try shape().reduce(1, *)
        var bytes = [UInt8](repeating: 0, count: count * dtype.byteSize)
        if count == 0 { return bytes }
        let (type, isTransient) = HDF5Types.type(of: dtype)
        defer { if isTransient { H5Tclose(type) } }
        try bytes.withUnsafeMutableBytes { buffer in
            _ = try check(H5Dread(id, type, allOfSpace, allOfSpace, defaultProperties, buffer.baseAddress), path, "cannot read dataset \(name)")
        }
        return bytes
    }

    /// Reads a dataset of strings (variable- or fixed-length); a scalar reads as one string.
    public func readStrings() throws -> [String] {
        let what = "cannot read strings from \(name)"
        guard holdsStrings else { throw HDF5Error(path: path, problem: "\(what): it does not hold strings") }
        let count = try shape().reduce(1, *)
        let fileType = try check(H5Dget_type(id), path, what)
        defer { H5Tclose(fileType) }
        if H5Tis_variable_str(fileType) > 0 {
            let memType = HDF5Types.variableString()
            defer { H5Tclose(memType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try check(H5Dread(id, memType, allOfSpace, allOfSpace, defaultProperties, &pointers), path, what)
            defer { pointers.forEach { if let pointer = $0 { H5free_memory(pointer) } } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(fileType)
        var buffer = [CChar](repeating: 0, count: size * count)
        try check(H5Dread(id, fileType, allOfSpace, allOfSpace, defaultProperties, &buffer), path, what)
        return (0..<count).map { index in
            let field = buffer[(index * size)..<((index + 1) * size)].prefix { $0 != 0 }
            return String(decoding: field.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

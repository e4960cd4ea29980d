import CHDF5
import Support

/// A group: a folder of groups and datasets.
public final class HDF5Group: HDF5Object {
    deinit { H5Gclose(id) }

    private func childName(_ key: String) -> String {
        name == "/" ? "/\(key)" : "\(name)/\(key)"
    }

    /// Whether a group or dataset named `key` is in this group.
    public func contains(_ key: String) -> Bool {
        H5Lexists(id, key, defaultProperties) > 0
    }

    public func createGroup(_ key: String) throws -> HDF5Group {
        let properties = try untimedProperties(pn_h5p_group_create())
        defer { H5Pclose(properties) }
        let group = try check(H5Gcreate2(id, key, defaultProperties, properties, defaultProperties), path,
                              "cannot create group \(childName(key))")
        return HDF5Group(id: group, name: childName(key), file: file)
    }

    public func group(_ key: String) throws -> HDF5Group {
        guard contains(key) else { throw HDF5Error(path: path, problem: "group \(childName(key)) is missing") }
        let group = try check(H5Gopen2(id, key, defaultProperties), path, "cannot open group \(childName(key))")
        return HDF5Group(id: group, name: childName(key), file: file)
    }

    public func dataset(_ key: String) throws -> HDF5Dataset {
        guard contains(key) else { throw HDF5Error(path: path, problem: "dataset \(childName(key)) is missing") }
        let dataset = try check(H5Dopen2(id, key, defaultProperties), path, "cannot open dataset \(childName(key))")
        return HDF5Dataset(id: dataset, name: childName(key), file: file)
    }

    /// Creation properties of class `propertyClass` without modification times, so that the
    /// same content always gives the same bytes (resumed and merged files equal a single run).
    private func untimedProperties(_ propertyClass: hid_t) throws -> hid_t {
        let properties = try check(H5Pcreate(propertyClass), path, "cannot create HDF5 properties")
        H5Pset_obj_track_times(properties, false)
        return properties
    }

    /// Names of the members of this group, in HDF5's name order.
    public func memberNames() throws -> [String] {
        var info = H5G_info_t()
        try check(H5Gget_info(id, &info), path, "cannot list group \(name)")
        return try (0..<info.nlinks).map { index in
            let length = try check(H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, defaultProperties),
                                   path, "cannot list group \(name)")
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, defaultProperties)
            return String(cString: buffer)
        }
    }

    /// Creates a dataset of `shape` (empty: a scalar). `chunks` makes it chunked, which
    /// `maxShape` (nil entries: unlimited) needs to be extensible.
    public func createDataset(_ key: String, dtype: DType, shape: [Int],
                              chunks: [Int]? = nil, maxShape: [Int?]? = nil) throws -> HDF5Dataset {
        let what = "cannot create dataset \(childName(key))"
        let (type, isTransient) = HDF5Types.type(of: dtype)
        defer { if isTransient { H5Tclose(type) } }
        let dims = shape.isEmpty ? nil : shape.map { hsize_t($0) }
        let maxDims = maxShape.map { $0.map { $0.map { hsize_t($0) } ?? pn_h5s_unlimited() } }
        let space = try makeDataspace(dims, maxDims: maxDims, path: path)
        defer { H5Sclose(space) }
        let properties = try untimedProperties(pn_h5p_dataset_create())
        defer { H5Pclose(properties) }
        if let chunks {
            try check(H5Pset_chunk(properties, Int32(chunks.count), chunks.map { hsize_t($0) }), path, what)
        }
        let dataset = try check(H5Dcreate2(id, key, type, space, defaultProperties, properties, defaultProperties), path, what)
        let result = HDF5Dataset(id: dataset, name: childName(key), file: file)
        result.dtype = dtype
        return result
    }

    /// Creates a dataset of `shape` holding `bytes` (little-endian elements of `dtype`, row-major).
    @discardableResult
    public func writeDataset(_ key: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) throws -> HDF5Dataset {
        let dataset = try createDataset(key, dtype: dtype, shape: shape)
        try dataset.write(bytes)
        return dataset
    }

    /// Creates a 1-D dataset of variable-length UTF-8 strings (a scalar one when `scalar`).
    @discardableResult
    public func writeStrings(_ key: String, _ strings: [String], scalar: Bool = false) throws -> HDF5Dataset {
        let what = "cannot write dataset \(childName(key))"
        let type = HDF5Types.variableString()
        defer { H5Tclose(type) }
        let space = try makeDataspace(scalar ? nil : [hsize_t(strings.count)], path: path)
        defer { H5Sclose(space) }
        let properties = try untimedProperties(pn_h5p_dataset_create())
        defer { H5Pclose(properties) }
        let dataset = try check(H5Dcreate2(id, key, type, space, defaultProperties, properties, defaultProperties), path, what)
        let result = HDF5Dataset(id: dataset, name: childName(key), file: file)
        if !strings.isEmpty {
            try withCStringPointers(strings) { pointers in
                _ = try check(H5Dwrite(dataset, type, allOfSpace, allOfSpace, defaultProperties, pointers), path, what)
            }
        }
        return result
    }
}

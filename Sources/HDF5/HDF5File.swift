import CHDF5
import Support

/// An open HDF5 file. Objects opened from it keep it alive; it closes when the last goes.
public final class HDF5File {
    public let path: String
    let id: hid_t

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    /// Creates (or truncates) the file at `path`.
    public static func create(_ path: String) throws -> HDF5File {
        pn_h5_silence_errors()
        // No modification time on the root group either: equal content, equal bytes.
        let creation = try check(H5Pcreate(pn_h5p_file_create()), path, "cannot create HDF5 properties")
        defer { H5Pclose(creation) }
        H5Pset_obj_track_times(creation, false)
        let id = try check(H5Fcreate(path, pn_h5f_acc_trunc(), creation, defaultProperties), path, "cannot create HDF5 file")
        return HDF5File(path: path, id: id)
    }

    /// Opens an existing file, read-only unless `writable`.
    public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        pn_h5_silence_errors()
        guard H5Fis_hdf5(path) > 0 else {
            throw HDF5Error(path: path, problem: "is not an HDF5 file (or cannot be read)")
        }
        let flags = writable ? pn_h5f_acc_rdwr() : pn_h5f_acc_rdonly()
        let id = try check(H5Fopen(path, flags, defaultProperties), path, "cannot open HDF5 file")
        return HDF5File(path: path, id: id)
    }

    /// The root group `/`.
    public func root() throws -> HDF5Group {
        let group = try check(H5Gopen2(id, "/", defaultProperties), path, "cannot open the root group")
        return HDF5Group(id: group, name: "/", file: self)
    }

    /// Writes buffered data to disk, so that a crash after this call loses nothing written before it.
    public func flush() throws {
        try check(H5Fflush(id, H5F_SCOPE_GLOBAL), path, "cannot flush to disk")
    }

    deinit { H5Fclose(id) }
}

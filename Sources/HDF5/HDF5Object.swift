import CHDF5
import Support

/// A value stored as an HDF5 attribute.
public enum HDF5AttributeValue: Equatable, Sendable {
    case string(String)
    case int(Int64)
    case ints([Int64])
    case double(Double)
}

/// A group or dataset of an open file: the things that carry attributes.
public class HDF5Object {
    let id: hid_t
    /// Path of the object inside the file, for messages.
    public let name: String
    let file: HDF5File

    init(id: hid_t, name: String, file: HDF5File) {
        self.id = id
        self.name = name
        self.file = file
    }

    var path: String { file.path }

    /// Writes (or replaces) attribute `key`.
    public func setAttribute(_ key: String, _ value: HDF5AttributeValue) throws {
        if H5Aexists(id, key) > 0 { H5Adelete(id, key) }
        let what = "cannot write attribute \(key) on \(name)"
        switch value {
        case .string(let text):
            let type = HDF5Types.variableString()
            defer { H5Tclose(type) }
            try writeAttribute(key, type: type, dims: nil, what) { attribute in
                try withCStringPointers([text]) { pointers in
                    _ = try check(H5Awrite(attribute, type, pointers), path, what)
                }
            }
        case .int(let number):
            var number = number
            try writeAttribute(key, type: pn_h5t_native_int64(), dims: nil, what) { attribute in
                _ = try check(H5Awrite(attribute, pn_h5t_native_int64(), &number), path, what)
            }
        case .double(let number):
            var number = number
            try writeAttribute(key, type: pn_h5t_native_double(), dims: nil, what) { attribute in
                _ = try check(H5Awrite(attribute, pn_h5t_native_double(), &number), path, what)
            }
        case .ints(let numbers):
            try writeAttribute(key, type: pn_h5t_native_int64(), dims: [hsize_t(numbers.count)], what) { attribute in
                try numbers.withUnsafeBufferPointer { buffer in
                    _ = try check(H5Awrite(attribute, pn_h5t_native_int64(), buffer.baseAddress), path, what)
                }
            }
        }
    }

    private func writeAttribute(_ key: String, type: hid_t, dims: [hsize_t]?, _ what: String,
                                _ body: (hid_t) throws -> Void) throws {
        let space = try makeDataspace(dims, path: path)
        defer { H5Sclose(space) }
        let attribute = try check(H5Acreate2(id, key, type, space, defaultProperties, defaultProperties), path, what)
        defer { H5Aclose(attribute) }
        try body(attribute)
    }

    /// Whether attribute `key` exists.
    public func hasAttribute(_ key: String) -> Bool {
        H5Aexists(id, key) > 0
    }

    /// Reads attribute `key`; nil when absent. Integer attributes of any width read as `.int`/`.ints`.
    public func attribute(_ key: String) throws -> HDF5AttributeValue? {
        guard H5Aexists(id, key) > 0 else { return nil }
        let what = "cannot read attribute \(key) of \(name)"
        let attribute = try check(H5Aopen(id, key, defaultProperties), path, what)
        defer { H5Aclose(attribute) }
        let type = try check(H5Aget_type(attribute), path, what)
        defer { H5Tclose(type) }
        let space = try check(H5Aget_space(attribute), path, what)
        defer { H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        let isScalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
        switch H5Tget_class(type) {
        case H5T_STRING:
            guard count == 1 else { throw HDF5Error(path: path, problem: "\(what): expected one string") }
            return .string(try readString(attribute: attribute, fileType: type, what))
        case H5T_INTEGER:
            var numbers = [Int64](repeating: 0, count: count)
            try check(H5Aread(attribute, pn_h5t_native_int64(), &numbers), path, what)
            return isScalar ? .int(numbers[0]) : .ints(numbers)
        case H5T_FLOAT:
            guard count == 1 else { throw HDF5Error(path: path, problem: "\(what): expected one number") }
            var number = 0.0
            try check(H5Aread(attribute, pn_h5t_native_double(), &number), path, what)
            return .double(number)
        default:
            throw HDF5Error(path: path, problem: "\(what): unsupported attribute type")
        }
    }

    private func readString(attribute: hid_t, fileType: hid_t, _ what: String) throws -> String {
        if H5Tis_variable_str(fileType) > 0 {
            let memType = HDF5Types.variableString()
            defer { H5Tclose(memType) }
            var pointer: UnsafeMutablePointer<CChar>?
            try check(H5Aread(attribute, memType, &pointer), path, what)
            defer { if let pointer { H5free_memory(pointer) } }
            return pointer.map { String(cString: $0) } ?? ""
        }
        let size = H5Tget_size(fileType)
        var buffer = [CChar](repeating: 0, count: size + 1)
        try check(H5Aread(attribute, fileType, &buffer), path, what)
        return String(cString: buffer)
    }

    /// Typed accessors that turn a missing or mistyped attribute into an error naming it.
    public func stringAttribute(_ key: String) throws -> String {
        guard case .string(let value)? = try attribute(key) else {
            throw HDF5Error(path: path, problem: "attribute \(key) of \(name) is missing or not a string")
        }
        return value
    }

    public func intAttribute(_ key: String) throws -> Int64 {
        guard case .int(let value)? = try attribute(key) else {
            throw HDF5Error(path: path, problem: "attribute \(key) of \(name) is missing or not an integer")
        }
        return value
    }

    public func intsAttribute(_ key: String) throws -> [Int64] {
        switch try attribute(key) {
        case .ints(let values)?: return values
        case .int(let value)?: return [value]
        default: throw HDF5Error(path: path, problem: "attribute \(key) of \(name) is missing or not a list of integers")
        }
    }
}

/// A simple dataspace of `dims`, or a scalar one for nil; caller closes it.
func makeDataspace(_ dims: [hsize_t]?, maxDims: [hsize_t]? = nil, path: String) throws -> hid_t {
    guard let dims else {
        return try check(H5Screate(H5S_SCALAR), path, "cannot create a dataspace")
    }
    if let maxDims {
        return try check(H5Screate_simple(Int32(dims.count), dims, maxDims), path, "cannot create a dataspace")
    }
    return try check(H5Screate_simple(Int32(dims.count), dims, nil), path, "cannot create a dataspace")
}

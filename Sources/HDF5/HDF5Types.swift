import CHDF5
import Foundation
import Support

/// HDF5 datatype identifiers for pnconv's element types and strings.
enum HDF5Types {
    /// The in-memory (and on-file) type of `dtype`. The float16 type is the one h5py uses,
    /// so numpy reads it as float16; the caller closes it when `isTransient`.
    static func type(of dtype: DType) -> (id: hid_t, isTransient: Bool) {
        switch dtype {
        case .float32: return (pn_h5t_native_float(), false)
        case .float64: return (pn_h5t_native_double(), false)
        case .int8: return (pn_h5t_native_int8(), false)
        case .uint8, .bool: return (pn_h5t_native_uint8(), false)
        case .int16: return (pn_h5t_native_int16(), false)
        case .uint16: return (pn_h5t_native_uint16(), false)
        case .int32: return (pn_h5t_native_int32(), false)
        case .uint32: return (pn_h5t_native_uint32(), false)
        case .int64: return (pn_h5t_native_int64(), false)
        case .uint64: return (pn_h5t_native_uint64(), false)
        case .float16:
            let half = H5Tcopy(pn_h5t_ieee_f32le())
            H5Tset_fields(half, 15, 10, 5, 0, 10)
            H5Tset_size(half, 2)
            H5Tset_ebias(half, 15)
            return (half, true)
        }
    }

    /// The element type stored in a file type, as far as pnconv reads it.
    static func dtype(ofFileType type: hid_t) -> DType? {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            switch size {
            case 2: return .float16
            case 4: return .float32
            case 8: return .float64
            default: return nil
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch size {
            case 1: return signed ? .int8 : .uint8
            case 2: return signed ? .int16 : .uint16
            case 4: return signed ? .int32 : .uint32
            case 8: return signed ? .int64 : .uint64
            default: return nil
            }
        case H5T_ENUM:
            // h5py writes numpy bool as an 8-bit enum.
            return size == 1 ? .bool : nil
        default:
            return nil
        }
    }

    /// A variable-length UTF-8 string type (what h5py reads back as `str`); caller closes it.
    static func variableString() -> hid_t {
        let type = H5Tcopy(pn_h5t_c_s1())
        H5Tset_size(type, pn_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }
}

/// Calls `body` with each string as a C string pointer, for writing variable-length strings.
func withCStringPointers<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return try body(copies.map { $0.map { UnsafePointer($0) } })
}

/// `H5P_DEFAULT` and `H5S_ALL` import as Int32; HDF5 calls take them as `hid_t`.
let defaultProperties = hid_t(H5P_DEFAULT)
let allOfSpace = hid_t(H5S_ALL)

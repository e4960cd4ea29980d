// HDF5 exposes its predefined types and flags as macros that call H5open();
// Swift cannot import those, so these inline functions return them.
#include <hdf5.h>

static inline hid_t pn_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t pn_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t pn_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t pn_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t pn_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t pn_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t pn_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t pn_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t pn_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t pn_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t pn_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t pn_h5t_c_s1(void) { return H5T_C_S1; }
static inline unsigned pn_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned pn_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned pn_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned pn_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hid_t pn_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t pn_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t pn_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t pn_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t pn_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hsize_t pn_h5s_unlimited(void) { return H5S_UNLIMITED; }

/// Turns off HDF5's automatic error stack printing; pnconv reports errors itself.
static inline void pn_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline size_t pn_h5t_variable(void) { return H5T_VARIABLE; }

// libpng (libpng-dev) for pnconv's Images module.
//
// libpng reports errors by longjmp-ing to a setjmp point. A longjmp must never cross Swift
// frames, so the whole decode runs in the C function below: it does the setjmp itself, reads
// from memory through a callback, and turns any libpng error into a return code plus a
// message copied into `pn_png_status`. Swift only ever sees the return value.
#include <png.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/// The outcome of a pn_png_* call: an error message when the call returned -1.
typedef struct pn_png_status {
    char message[256];
} pn_png_status;

/// The in-memory PNG being read, and where errors go.
typedef struct pn_png_input {
    const unsigned char *data;
    size_t size;
    size_t position;
    pn_png_status *status;
} pn_png_input;

static inline void pn_png_set_message(pn_png_status *status, const char *message) {
    if (status == NULL) return;
    size_t length = strlen(message);
    if (length >= sizeof(status->message)) length = sizeof(status->message) - 1;
    memcpy(status->message, message, length);
    status->message[length] = 0;
}

static inline void pn_png_on_error(png_structp png, png_const_charp message) {
    pn_png_input *input = (pn_png_input *)png_get_error_ptr(png);
    if (input != NULL) pn_png_set_message(input->status, message);
    png_longjmp(png, 1);
}

static inline void pn_png_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static inline void pn_png_read_bytes(png_structp png, png_bytep out, size_t count) {
    pn_png_input *input = (pn_png_input *)png_get_io_ptr(png);
    if (input == NULL || count > input->size - input->position) {
        png_error(png, "unexpected end of data (the file is truncated)");
    }
    memcpy(out, input->data + input->position, count);
    input->position += count;
}

/// Decodes the PNG in `data[0..<size]` to 8-bit RGB, the way Pillow's `.convert('RGB')` sees it:
/// palette entries are expanded, gray is replicated to R=G=B, 1/2/4-bit gray is scaled to
/// 0...255, 16-bit samples keep their high byte, alpha and tRNS transparency are dropped (not
/// composited), and no gamma or color-profile correction is applied.
///
/// With `pixels == NULL` only the header is read and `*width`, `*height` are set. Otherwise
/// `pixels` must hold `capacity == width * height * 3` bytes, which are filled row by row.
/// Returns 0 on success, -1 on failure with `status->message` set.
static inline int pn_png_decode_rgb8(const unsigned char *data, size_t size,
                                     unsigned char *pixels, size_t capacity,
                                     uint32_t *width, uint32_t *height,
                                     pn_png_status *status) {
    pn_png_input input = {data, size, 0, status};
    pn_png_set_message(status, "");
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &input,
                                             pn_png_on_error, pn_png_on_warning);
    if (png == NULL) {
        pn_png_set_message(status, "cannot allocate the PNG decoder");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        pn_png_set_message(status, "cannot allocate the PNG decoder");
        return -1;
    }
    // Nothing that is assigned after this point is read after a longjmp back here.
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &input, pn_png_read_bytes);
    // A bad checksum is an error in every chunk, as in Pillow (libpng only warns for
    // ancillary chunks by default).
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_read_info(png, info);

    png_uint_32 w = png_get_image_width(png, info);
    png_uint_32 h = png_get_image_height(png, info);
    *width = w;
    *height = h;
    if (pixels == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    if (capacity != (size_t)w * (size_t)h * 3) {
        png_error(png, "internal error: pixel buffer size does not match the image");
    }

    int colorType = png_get_color_type(png, info);
    int bitDepth = png_get_bit_depth(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bitDepth == 16) png_set_strip_16(png);
    png_set_strip_alpha(png);
    if ((colorType & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8
        || png_get_rowbytes(png, info) != (size_t)w * 3) {
        png_error(png, "unsupported PNG pixel layout");
    }
    // Interlaced images: each pass updates the rows already holding the earlier passes.
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, pixels + (size_t)y * (size_t)w * 3, NULL);
        }
    }
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

/*
 * pnw.h: a reader for pnconv's .pnw weight files, version 2 (docs/pnw-format.md), in one header.
 *
 *   pnw_file f;
 *   if (pnw_open(&f, bytes, size) != PNW_OK) ...;    // checks magic, version, sizes, CRC-32
 *   for (uint32_t i = 0; i < f.tensor_count; i++) { pnw_tensor t; pnw_tensor_at(&f, i, &t); ... }
 *
 * The caller owns the bytes (read or mmap the file); nothing is allocated or copied.
 */
#ifndef PNW_H
#define PNW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { PNW_OK = 0, PNW_BAD_MAGIC = 1, PNW_BAD_VERSION = 2, PNW_BAD_SIZE = 3, PNW_BAD_CHECKSUM = 4, PNW_BAD_TABLE = 5 };
enum { PNW_FLOAT32 = 1, PNW_FLOAT16 = 2, PNW_INT8 = 3, PNW_INT64 = 4, PNW_INT32 = 5 };

typedef struct {
    const uint8_t *bytes;
    uint64_t size;
    uint32_t tensor_count;
    uint64_t table_offset;
    uint64_t table_size;
    const char *graph_text; /* not NUL-terminated: graph_size bytes */
    uint64_t graph_size;
} pnw_file;

typedef struct {
    const char *name; /* not NUL-terminated: name_size bytes */
    uint32_t name_size;
    uint32_t type;
    uint32_t rank;
    uint64_t dims[8];
    const void *data;
    uint64_t data_size;
    const float *scales; /* int8 only: dims[0] scales, else NULL */
} pnw_tensor;

static inline uint32_t pnw_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t pnw_u64(const uint8_t *p) {
    return (uint64_t)pnw_u32(p) | (uint64_t)pnw_u32(p + 4) << 32;
}

/* CRC-32 (IEEE 802.3), continuing from `crc` (0 to start). */
static inline uint32_t pnw_crc32(const uint8_t *p, uint64_t n, uint32_t crc) {
    crc = ~crc;
    for (uint64_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

/* Checks the file and fills `f`; returns PNW_OK or the first problem found. Every size and
 * offset is checked against the file's size first, so no later sum of two of them can wrap. */
static inline int pnw_open(pnw_file *f, const void *bytes, uint64_t size) {
    const uint8_t *b = (const uint8_t *)bytes;
    if (size < 64 || memcmp(b, "PNW1", 4) != 0) return PNW_BAD_MAGIC;
    if (pnw_u32(b + 4) != 2) return PNW_BAD_VERSION;
    if (pnw_u64(b + 48) != size || pnw_u32(b + 12) != 0 || pnw_u32(b + 60) != 0) return PNW_BAD_SIZE;
    if (pnw_crc32(b + 64, size - 64, pnw_crc32(b, 56, 0)) != pnw_u32(b + 56)) return PNW_BAD_CHECKSUM;
    f->bytes = b;
    f->size = size;
    f->tensor_count = pnw_u32(b + 8);
    f->table_offset = pnw_u64(b + 16);
    f->table_size = pnw_u64(b + 24);
    f->graph_size = pnw_u64(b + 40);
    uint64_t graph_offset = pnw_u64(b + 32);
    if (f->table_offset != 64 || f->table_size > size || f->graph_size > size || graph_offset != 64 + f->table_size ||
        graph_offset + f->graph_size > size) return PNW_BAD_TABLE;
    f->graph_text = (const char *)(b + graph_offset);
    return PNW_OK;
}

/* Tensor `index` (0-based, table order). Walks the table from the start: O(index). */
static inline int pnw_tensor_at(const pnw_file *f, uint32_t index, pnw_tensor *t) {
    static const uint64_t element_size[] = {0, 4, 2, 1, 8, 4};
    const uint64_t table_end = f->table_offset + f->table_size, data_start = table_end + f->graph_size;
    uint64_t position = f->table_offset;
    for (uint32_t i = 0; i <= index; i++) {
        if (i >= f->tensor_count || position + 32 > table_end) return PNW_BAD_TABLE;
        const uint8_t *e = f->bytes + position;
        uint32_t entry_size = pnw_u32(e);
        if (entry_size < 32 || entry_size % 8 != 0 || entry_size > table_end - position) return PNW_BAD_TABLE;
        if (i == index) {
            t->name_size = pnw_u32(e + 4);
            t->type = pnw_u32(e + 8);
            t->rank = pnw_u32(e + 12);
            uint64_t data_offset = pnw_u64(e + 16), count = 1;
            t->data_size = pnw_u64(e + 24);
            if (t->type < PNW_FLOAT32 || t->type > PNW_INT32 || t->rank > 8) return PNW_BAD_TABLE;
            if (32 + 4 * (uint64_t)t->rank + t->name_size > entry_size) return PNW_BAD_TABLE;
            for (uint32_t d = 0; d < t->rank; d++) {
                t->dims[d] = pnw_u32(e + 32 + 4 * d);
                if (t->dims[d] != 0 && count > f->size / t->dims[d]) return PNW_BAD_TABLE; /* more elements than bytes */
                count *= t->dims[d];
            }
            if (data_offset > f->size || t->data_size > f->size - data_offset) return PNW_BAD_TABLE;
            if (data_offset % 64 != 0 || data_offset < data_start || t->data_size != count * element_size[t->type]) return PNW_BAD_TABLE;
            t->name = (const char *)(e + 32 + 4 * t->rank);
            t->data = f->bytes + data_offset;
            t->scales = NULL;
            if (t->type == PNW_INT8) {
                uint64_t scales_offset = data_offset + (t->data_size + 3) / 4 * 4;
                if (t->rank == 0 || scales_offset > f->size || t->dims[0] > (f->size - scales_offset) / 4) return PNW_BAD_TABLE;
                t->scales = (const float *)(f->bytes + scales_offset);
            }
            return PNW_OK;
        }
        position += entry_size;
    }
    return PNW_BAD_TABLE;
}

#endif

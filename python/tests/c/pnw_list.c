/* Lists a .pnw file with include/pnw.h: one line per tensor (name, type, dims, a checksum of
 * its values), or the error code on stderr and exit 1. Built and run by test_export.py. */
#include <stdio.h>
#include <stdlib.h>

#include "pnw.h"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: pnw_list FILE.pnw\n"); return 2; }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 1; }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *bytes = malloc(size > 0 ? (size_t)size : 1);
    if (!bytes || fread(bytes, 1, (size_t)size, file) != (size_t)size) { fprintf(stderr, "cannot read\n"); return 1; }
    fclose(file);
    pnw_file f;
    int status = pnw_open(&f, bytes, (uint64_t)size);
    if (status != PNW_OK) { fprintf(stderr, "pnw_open: error %d\n", status); return 1; }
    printf("tensors %u graph %llu\n", f.tensor_count, (unsigned long long)f.graph_size);
    for (uint32_t i = 0; i < f.tensor_count; i++) {
        pnw_tensor t;
        if (pnw_tensor_at(&f, i, &t) != PNW_OK) { fprintf(stderr, "tensor %u: bad table\n", i); return 1; }
        uint64_t count = 1;
        for (uint32_t d = 0; d < t.rank; d++) count *= t.dims[d];
        double sum = 0;
        for (uint64_t k = 0; k < count; k++) {
            double value = 0;
            if (t.type == PNW_FLOAT32) value = ((const float *)t.data)[k];
            else if (t.type == PNW_INT8) value = ((const signed char *)t.data)[k] * (double)t.scales[k / (count / t.dims[0])];
            else if (t.type == PNW_INT64) value = (double)((const long long *)t.data)[k];
            else if (t.type == PNW_INT32) value = ((const int *)t.data)[k];
            else if (t.type == PNW_FLOAT16) {
                unsigned short h = ((const unsigned short *)t.data)[k];
                int exponent = (h >> 10) & 31, mantissa = h & 1023;
                double magnitude = exponent == 0 ? mantissa / 16777216.0 : (1 + mantissa / 1024.0) * (double)(1 << exponent) / 32768.0;
                value = (h & 0x8000) ? -magnitude : magnitude;
            }
            sum += value;
        }
        printf("%.*s\t%u\t", (int)t.name_size, t.name, t.type);
        for (uint32_t d = 0; d < t.rank; d++) printf("%s%llu", d ? "x" : "", (unsigned long long)t.dims[d]);
        printf("\t%.9g\n", sum);
    }
    free(bytes);
    return 0;
}

// The public entry points: each runs the AVX2 build of its kernel where the CPU has AVX2, FMA
// and F16C (checked once at load) and the portable build elsewhere.
#include "CSIMD.h"
#include "kernels.h"

static int cpu_has_avx2;
static int portable_only;

#if defined(__x86_64__)
__attribute__((constructor)) static void csimd_detect(void) {
    __builtin_cpu_init();
    cpu_has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
#endif

int csimd_accelerated(void) { return cpu_has_avx2 && !__atomic_load_n(&portable_only, __ATOMIC_RELAXED); }

void csimd_force_portable(int portable) { __atomic_store_n(&portable_only, portable != 0, __ATOMIC_RELAXED); }

#if defined(__x86_64__)
#define DISPATCH(name, ...) (csimd_accelerated() ? csimd_##name##_avx2(__VA_ARGS__) : csimd_##name##_portable(__VA_ARGS__))
#else
#define DISPATCH(name, ...) csimd_##name##_portable(__VA_ARGS__)
#endif

void csimd_score_tile_f32(const float *queries, long queryCount, const float *rows, long rowCount, long dim,
                          float *scores, long stride) {
    DISPATCH(score_tile_f32, queries, queryCount, rows, rowCount, dim, scores, stride);
}

void csimd_score_tile_f16(const float *queries, long queryCount, const void *rows, long rowCount, long dim,
                          float *scores, long stride) {
    DISPATCH(score_tile_f16, queries, queryCount, (const uint16_t *)rows, rowCount, dim, scores, stride);
}

float csimd_dot_f32(const float *query, const float *row, long dim) { return DISPATCH(dot_f32, query, row, dim); }

float csimd_dot_f16(const float *query, const void *row, long dim) {
    return DISPATCH(dot_f16, query, (const uint16_t *)row, dim);
}

void csimd_widen_f16(const void *source, float *destination, long count) {
    DISPATCH(widen_f16, (const uint16_t *)source, destination, count);
}

long csimd_panel_scan(const float *panel, const float *rows, long start, long rowCount, long dim,
                      const float *floors, float *spill) {
    return DISPATCH(panel_scan, panel, rows, start, rowCount, dim, floors, spill);
}

void csimd_panel_one_row(const float *panel, const float *row, long dim, float *out) {
    DISPATCH(panel_one_row, panel, row, dim, out);
}

long csimd_quantized_scan(const int16_t *panel, const int16_t *rows, long start, long rowCount, long pairs,
                          const float *queryScales, const float *queryErrors,
                          const float *rowScales, const float *rowErrors, float slack,
                          const float *floors, float *spill) {
    return DISPATCH(quantized_scan, panel, rows, start, rowCount, pairs, queryScales, queryErrors, rowScales,
                    rowErrors, slack, floors, spill);
}

void csimd_quantized_one_row(const int16_t *panel, const int16_t *rows, long row, long pairs,
                             const float *queryScales, const float *queryErrors,
                             const float *rowScales, const float *rowErrors, float slack, float *out) {
    DISPATCH(quantized_one_row, panel, rows, row, pairs, queryScales, queryErrors, rowScales, rowErrors, slack, out);
}

void csimd_quantize_rows(const float *rows, long rowCount, long dim, float levels, int16_t *quantized, float *scales,
                         float *errors) {
    DISPATCH(quantize_rows, rows, rowCount, dim, levels, quantized, scales, errors);
}

void csimd_winograd4_input(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                           long vStride) {
    DISPATCH(winograd4_input, rows, scratch, rowLength, length, count, v, vStride);
}

void csimd_winograd4_output(const float *m, long mStride, long count, float bias, const float *slope, float *out,
                            const float *residual, long outStride, long rows, long columns) {
    DISPATCH(winograd4_output, m, mStride, count, bias, slope, out, residual, outStride, rows, columns);
}

void csimd_direct_conv4(const float *source, long inputChannels, long height, long width, long kernelSize,
                        const float *weights, long channels, const float *bias, const float *slope, float *destination,
                        long outputHeight, long outputWidth, long firstRow, long rowCount) {
    DISPATCH(direct_conv4, source, inputChannels, height, width, kernelSize, weights, channels, bias, slope, destination,
             outputHeight, outputWidth, firstRow, rowCount);
}

void csimd_max_pool(const float *source, long planes, long height, long width, long kernelSize, long stride,
                     float *destination, long outputHeight, long outputWidth, float *scratch) {
    DISPATCH(max_pool, source, planes, height, width, kernelSize, stride, destination, outputHeight, outputWidth, scratch);
}

void csimd_im2col(const float *source, long inputChannels, long height, long width, long kernelSize, float *destination,
                  long rowStride, long outputHeight, long outputWidth) {
    DISPATCH(im2col, source, inputChannels, height, width, kernelSize, destination, rowStride, outputHeight, outputWidth);
}

void csimd_bias_prelu(const float *source, float *destination, long count, float bias, float slope) {
    DISPATCH(bias_prelu, source, destination, count, bias, slope);
}

void csimd_relu(float *values, long count) { DISPATCH(relu, values, count); }

void csimd_add_relu(float *values, const float *addend, long count) { DISPATCH(add_relu, values, addend, count); }

void csimd_gather_strided(const float *source, long stride, float *destination, long count) {
    DISPATCH(gather_strided, source, stride, destination, count);
}

void csimd_warp_affine(const uint8_t *source, long width, long height, uint8_t *destination, long outputWidth,
                       long outputHeight, const float *matrix, uint8_t borderValue) {
    DISPATCH(warp_affine, source, width, height, destination, outputWidth, outputHeight, matrix, borderValue);
}

void csimd_winograd2_input(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                           long vStride) {
    DISPATCH(winograd2_input, rows, scratch, rowLength, length, count, v, vStride);
}

void csimd_winograd2_output(const float *m, long mStride, long count, float bias, const float *slope, float *out,
                            const float *residual, long outStride, long rows, long columns) {
    DISPATCH(winograd2_output, m, mStride, count, bias, slope, out, residual, outStride, rows, columns);
}

void csimd_winograd4_gradient(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                              long vStride) {
    DISPATCH(winograd4_gradient, rows, scratch, rowLength, length, count, v, vStride);
}

void csimd_winograd2_gradient(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                              long vStride) {
    DISPATCH(winograd2_gradient, rows, scratch, rowLength, length, count, v, vStride);
}

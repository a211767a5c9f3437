// The kernels of one build (`suffix` avx2 or portable), defined by kernels_body.h.
#ifndef CSIMD_KERNELS_H
#define CSIMD_KERNELS_H

#include <stdint.h>

#define CSIMD_DECLARE(suffix)                                                                                 \
    void csimd_score_tile_f32_##suffix(const float *, long, const float *, long, long, float *, long);        \
    void csimd_score_tile_f16_##suffix(const float *, long, const uint16_t *, long, long, float *, long);     \
    float csimd_dot_f32_##suffix(const float *, const float *, long);                                         \
    float csimd_dot_f16_##suffix(const float *, const uint16_t *, long);                                      \
    void csimd_widen_f16_##suffix(const uint16_t *, float *, long);                                           \
    long csimd_panel_scan_##suffix(const float *, const float *, long, long, long, const float *, float *);   \
    void csimd_panel_one_row_##suffix(const float *, const float *, long, float *);                           \
    long csimd_quantized_scan_##suffix(const int16_t *, const int16_t *, long, long, long, const float *,     \
                                       const float *, const float *, const float *, float, const float *,   \
                                       float *);                                                             \
    void csimd_quantized_one_row_##suffix(const int16_t *, const int16_t *, long, long, const float *,        \
                                          const float *, const float *, const float *, float, float *);      \
    void csimd_quantize_rows_##suffix(const float *, long, long, float, int16_t *, float *, float *);          \
    void csimd_winograd4_input_##suffix(const float *, float *, long, long, long, float *, long);             \
    void csimd_winograd4_output_##suffix(const float *, long, long, float, const float *, float *,           \
                                         const float *, long, long, long);                                 \
    void csimd_winograd2_input_##suffix(const float *, float *, long, long, long, float *, long);             \
    void csimd_winograd2_output_##suffix(const float *, long, long, float, const float *, float *,           \
                                         const float *, long, long, long);                                 \
    void csimd_winograd4_gradient_##suffix(const float *, float *, long, long, long, float *, long);          \
    void csimd_winograd2_gradient_##suffix(const float *, float *, long, long, long, float *, long);          \
    void csimd_direct_conv4_##suffix(const float *, long, long, long, long, const float *, long, const float *, \
                                     const float *, float *, long, long, long, long);                   \
    void csimd_max_pool_##suffix(const float *, long, long, long, long, long, float *, long, long, float *);    \
    void csimd_im2col_##suffix(const float *, long, long, long, long, float *, long, long, long);              \
    void csimd_bias_prelu_##suffix(const float *, float *, long, float, float);                               \
    void csimd_relu_##suffix(float *, long);                                                                  \
    void csimd_add_relu_##suffix(float *, const float *, long);                                               \
    void csimd_gather_strided_##suffix(const float *, long, float *, long);                                   \
    void csimd_warp_affine_##suffix(const uint8_t *, long, long, uint8_t *, long, long, const float *, uint8_t);

// Internal to the library: only dispatch.c calls these.
#pragma GCC visibility push(hidden)
CSIMD_DECLARE(portable)
#if defined(__x86_64__)
CSIMD_DECLARE(avx2)
#endif
#pragma GCC visibility pop

#endif

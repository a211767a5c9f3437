// The kernels for any CPU: the same loops in plain vector extensions (SSE2 on x86-64, NEON
// on arm64), for CPUs without AVX2/FMA/F16C.
#include "kernels.h"
#include "vector_types.h"

#define SUFFIX portable

// The 32-byte vectors only pass between inlined helpers here, so their ABI never shows.
#pragma clang diagnostic ignored "-Wpsabi"

#if defined(__aarch64__)
static inline float half_to_float(uint16_t h) {
    _Float16 x;
    memcpy(&x, &h, 2);
    return (float)x;
}
#else
/// IEEE binary16 bits as float32 (exact: every half is a float).
static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    if (exponent == 0) {
        // Zero or subnormal: mantissa · 2⁻²⁴.
        float magnitude = (float)mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    uint32_t bits = sign | (exponent == 0x1f ? 0x7f800000u | (mantissa << 13) : ((exponent + 112) << 23) | (mantissa << 13));
    float x;
    memcpy(&x, &bits, 4);
    return x;
}
#endif

static inline f32x8 load8h(const uint16_t *p) {
    f32x8 v;
    for (int i = 0; i < 8; i++) v[i] = half_to_float(p[i]);
    return v;
}

/// Folds each accumulator's halves, then neighbours twice: lane i is the sum of a_i.
static inline f32x8 fold_halves(f32x8 a, f32x8 b) {
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
}

static inline f32x8 fold_pairs(f32x8 a, f32x8 b) {
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14) + __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
}

static inline f32x8 sums8(f32x8 a0, f32x8 a1, f32x8 a2, f32x8 a3, f32x8 a4, f32x8 a5, f32x8 a6, f32x8 a7) {
    f32x8 c0 = fold_halves(a0, a1), c1 = fold_halves(a2, a3), c2 = fold_halves(a4, a5), c3 = fold_halves(a6, a7);
    return fold_pairs(fold_pairs(c0, c1), fold_pairs(c2, c3));
}

/// Adjacent int16 products summed into int32 lanes (what vpmaddwd does).
static inline i32x8 madd_pairs(i16x16 a, i16x16 b) {
    i16x8 ae = __builtin_shufflevector(a, a, 0, 2, 4, 6, 8, 10, 12, 14), ao = __builtin_shufflevector(a, a, 1, 3, 5, 7, 9, 11, 13, 15);
    i16x8 be = __builtin_shufflevector(b, b, 0, 2, 4, 6, 8, 10, 12, 14), bo = __builtin_shufflevector(b, b, 1, 3, 5, 7, 9, 11, 13, 15);
    return __builtin_convertvector(ae, i32x8) * __builtin_convertvector(be, i32x8)
        + __builtin_convertvector(ao, i32x8) * __builtin_convertvector(bo, i32x8);
}

static inline int any_lane(i32x8 mask) {
    int any = 0;
    for (int i = 0; i < 8; i++) any |= mask[i];
    return any != 0;
}

#include "kernels_body.h"

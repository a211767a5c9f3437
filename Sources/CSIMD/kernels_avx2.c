// The kernels for x86-64-v3: every function here is compiled for AVX2, FMA and F16C (a
// target attribute, so the rest of the package stays portable); callers check the CPU first.
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels.h"
#include "vector_types.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#define SUFFIX avx2

/// vcvtph2ps: eight float16 (any alignment) as float32.
static inline f32x8 load8h(const uint16_t *p) {
    return (f32x8)_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

/// Lane i: the sum of the eight lanes of a_i (six horizontal adds and one lane exchange).
static inline f32x8 sums8(f32x8 a0, f32x8 a1, f32x8 a2, f32x8 a3, f32x8 a4, f32x8 a5, f32x8 a6, f32x8 a7) {
    // Per 128-bit half: pair sums, then [a0 a1 a2 a3] quad sums.
    __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps((__m256)a0, (__m256)a1), _mm256_hadd_ps((__m256)a2, (__m256)a3));
    __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps((__m256)a4, (__m256)a5), _mm256_hadd_ps((__m256)a6, (__m256)a7));
    // The low halves hold elements 0–3 of every a_i, the high halves elements 4–7.
    return (f32x8)_mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

/// vpmaddwd: 16 int16 products, adjacent pairs summed into eight int32.
static inline i32x8 madd_pairs(i16x16 a, i16x16 b) { return (i32x8)_mm256_madd_epi16((__m256i)a, (__m256i)b); }

static inline int any_lane(i32x8 mask) { return !_mm256_testz_si256((__m256i)mask, (__m256i)mask); }

#include "kernels_body.h"

#pragma clang attribute pop
#endif

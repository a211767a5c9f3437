// x86 SIMD instructions that Swift's SIMD types cannot express, as inline wrappers of the
// compiler's intrinsics (Swift sees __m256i as SIMD4<Int64>). Header only: nothing to link.
#if defined(__x86_64__) && defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>

/// vcvtph2ps: the eight float16 values at `source` (any alignment) as float32. Swift's own
/// conversion of a SIMD8<Float16> is left as an out-of-line call in the larger kernels.
static inline __m256 csimd_widen8(const void *source) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)source));
}

/// vpmaddwd: the 16 signed 16-bit lanes of `a` times those of `b`, adjacent products
/// summed, as 8 signed 32-bit lanes.
static inline __m256i csimd_madd_epi16(__m256i a, __m256i b) { return _mm256_madd_epi16(a, b); }

/// Lane i of the result is the sum of the eight lanes of `a_i`: six horizontal adds and one
/// lane exchange for eight reductions.
static inline __m256 csimd_sums8(__m256 a0, __m256 a1, __m256 a2, __m256 a3,
                                 __m256 a4, __m256 a5, __m256 a6, __m256 a7) {
    // Per 128-bit half: [a0 a0 a1 a1 | …] pair sums, then [a0 a1 a2 a3] quad sums.
    __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a4, a5), _mm256_hadd_ps(a6, a7));
    // The low halves hold elements 0–3 of every a_i, the high halves elements 4–7.
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}
#endif

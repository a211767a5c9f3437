// x86 SIMD instructions that Swift's SIMD types cannot express, as inline wrappers of the
// compiler's intrinsics (Swift sees __m256i as SIMD4<Int64>). Header only: nothing to link.
#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

/// vpmaddwd: the 16 signed 16-bit lanes of `a` times those of `b`, adjacent products
/// summed, as 8 signed 32-bit lanes.
static inline __m256i csimd_madd_epi16(__m256i a, __m256i b) { return _mm256_madd_epi16(a, b); }
#endif

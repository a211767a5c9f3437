// The kernels of one build, included by kernels_avx2.c and kernels_portable.c after they
// define SUFFIX and the primitives: load8h (eight float16 as float32), half_to_float,
// sums8 (eight horizontal sums in one vector), madd_pairs (vpmaddwd) and any_lane.

#define N(x) CSIMD_CAT(CSIMD_CAT(csimd, x), SUFFIX)

static inline f32x8 load8f(const float *p) {
    f32x8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline float lane_sum(f32x8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

static inline float identity_float(float x) { return x; }

#define ROW_T float
#define LOAD8 load8f
#define SCALAR identity_float
#define RS f32
#define RN(x) CSIMD_CAT(CSIMD_CAT(CSIMD_CAT(csimd, x), RS), SUFFIX)
#include "score_tile.h"
#undef ROW_T
#undef LOAD8
#undef SCALAR
#undef RS

#define ROW_T uint16_t
#define LOAD8 load8h
#define SCALAR half_to_float
#define RS f16
#include "score_tile.h"
#undef ROW_T
#undef LOAD8
#undef SCALAR
#undef RS
#undef RN

void N(widen_f16)(const uint16_t *source, float *destination, long count) {
    long j = 0;
    for (; j + 8 <= count; j += 8) {
        f32x8 v = load8h(source + j);
        memcpy(destination + j, &v, sizeof v);
    }
    for (; j < count; j++) destination[j] = half_to_float(source[j]);
}

static inline f32x8 splat(float x) { return (f32x8){x, x, x, x, x, x, x, x}; }

/// Stores twelve accumulators (six rows × two halves of the panel) to `spill[r·16 + i]`.
static inline void spill12(float *spill, const f32x8 *c) {
    for (int i = 0; i < 12; i++) memcpy(spill + 8 * i, &c[i], sizeof(f32x8));
}

/// Whether any of the twelve vectors beats its half's floors (`f0` for even, `f1` for odd).
static inline int any_above(const f32x8 *c, f32x8 f0, f32x8 f1) {
    i32x8 hit = (c[0] > f0) | (c[1] > f1) | (c[2] > f0) | (c[3] > f1) | (c[4] > f0) | (c[5] > f1);
    hit |= (c[6] > f0) | (c[7] > f1) | (c[8] > f0) | (c[9] > f1) | (c[10] > f0) | (c[11] > f1);
    return any_lane(hit);
}

/// The panel's 16 queries against six consecutive rows: `c[2r]` queries 0–7 of row r, `c[2r+1]` 8–15.
/// Per dimension two panel loads and six broadcast row values feed twelve multiply-adds.
static inline void panel_six_rows(const float *panel, const float *rows, long dim, f32x8 *c) {
    const float *r0 = rows, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim, *r4 = r3 + dim, *r5 = r4 + dim;
    f32x8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
    f32x8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
    for (long e = 0; e < dim; e++) {
        f32x8 a0 = load8f(panel + e * 16), a1 = load8f(panel + e * 16 + 8);
        f32x8 b = splat(r0[e]);
        c00 += a0 * b; c01 += a1 * b;
        b = splat(r1[e]);
        c10 += a0 * b; c11 += a1 * b;
        b = splat(r2[e]);
        c20 += a0 * b; c21 += a1 * b;
        b = splat(r3[e]);
        c30 += a0 * b; c31 += a1 * b;
        b = splat(r4[e]);
        c40 += a0 * b; c41 += a1 * b;
        b = splat(r5[e]);
        c50 += a0 * b; c51 += a1 * b;
    }
    c[0] = c00; c[1] = c01; c[2] = c10; c[3] = c11; c[4] = c20; c[5] = c21;
    c[6] = c30; c[7] = c31; c[8] = c40; c[9] = c41; c[10] = c50; c[11] = c51;
}

long N(panel_scan)(const float *panel, const float *rows, long start, long rowCount, long dim,
                   const float *floors, float *spill) {
    f32x8 f0 = load8f(floors), f1 = load8f(floors + 8);
    long j = start;
    for (; j + 6 <= rowCount; j += 6) {
        f32x8 c[12];
        panel_six_rows(panel, rows + j * dim, dim, c);
        if (any_above(c, f0, f1)) {
            spill12(spill, c);
            return j;
        }
    }
    return j;
}

void N(panel_one_row)(const float *panel, const float *row, long dim, float *out) {
    f32x8 c0 = {0}, c1 = {0};
    for (long e = 0; e < dim; e++) {
        f32x8 b = splat(row[e]);
        c0 += load8f(panel + e * 16) * b;
        c1 += load8f(panel + e * 16 + 8) * b;
    }
    memcpy(out, &c0, sizeof c0);
    memcpy(out + 8, &c1, sizeof c1);
}

/// Two int16 elements of a row (`t`-th pair) repeated in all eight 32-bit lanes.
static inline i16x16 broadcast_pair(const int16_t *row, long t) {
    uint32_t word;
    memcpy(&word, row + 2 * t, 4);
    u32x8 v = {word, word, word, word, word, word, word, word};
    return (i16x16)v;
}

static inline i16x16 load16s(const int16_t *p) {
    i16x16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/// The panel's 16 quantized queries against six consecutive quantized rows, integer
/// products: `d[2r]` queries 0–7 of row r, `d[2r+1]` 8–15.
static inline void quantized_six_rows(const int16_t *panel, const int16_t *rows, long pairs, i32x8 *d) {
    long rowValues = 2 * pairs;
    const int16_t *r0 = rows, *r1 = r0 + rowValues, *r2 = r1 + rowValues, *r3 = r2 + rowValues;
    const int16_t *r4 = r3 + rowValues, *r5 = r4 + rowValues;
    i32x8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
    i32x8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
    for (long t = 0; t < pairs; t++) {
        i16x16 a0 = load16s(panel + t * 32), a1 = load16s(panel + t * 32 + 16);
        i16x16 b = broadcast_pair(r0, t);
        c00 += madd_pairs(a0, b); c01 += madd_pairs(a1, b);
        b = broadcast_pair(r1, t);
        c10 += madd_pairs(a0, b); c11 += madd_pairs(a1, b);
        b = broadcast_pair(r2, t);
        c20 += madd_pairs(a0, b); c21 += madd_pairs(a1, b);
        b = broadcast_pair(r3, t);
        c30 += madd_pairs(a0, b); c31 += madd_pairs(a1, b);
        b = broadcast_pair(r4, t);
        c40 += madd_pairs(a0, b); c41 += madd_pairs(a1, b);
        b = broadcast_pair(r5, t);
        c50 += madd_pairs(a0, b); c51 += madd_pairs(a1, b);
    }
    d[0] = c00; d[1] = c01; d[2] = c10; d[3] = c11; d[4] = c20; d[5] = c21;
    d[6] = c30; d[7] = c31; d[8] = c40; d[9] = c41; d[10] = c50; d[11] = c51;
}

/// Upper bounds of the true scores of row `j` from its integer products with queries 0–7
/// (`d0`) and 8–15 (`d1`): `s_q (s_x d + c_x) + e_q s_x + slack`.
static inline void quantized_bounds(i32x8 d0, i32x8 d1, const float *qs, const float *qe, float sx, float cx,
                                    float slack, f32x8 *u) {
    f32x8 vsx = splat(sx), vcx = splat(cx), vslack = splat(slack);
    u[0] = load8f(qs) * (__builtin_convertvector(d0, f32x8) * vsx + vcx) + (load8f(qe) * vsx + vslack);
    u[1] = load8f(qs + 8) * (__builtin_convertvector(d1, f32x8) * vsx + vcx) + (load8f(qe + 8) * vsx + vslack);
}

long N(quantized_scan)(const int16_t *panel, const int16_t *rows, long start, long rowCount, long pairs,
                       const float *queryScales, const float *queryErrors, const float *rowScales,
                       const float *rowErrors, float slack, const float *floors, float *spill) {
    f32x8 f0 = load8f(floors), f1 = load8f(floors + 8);
    long j = start;
    for (; j + 6 <= rowCount; j += 6) {
        i32x8 d[12];
        f32x8 u[12];
        quantized_six_rows(panel, rows + j * 2 * pairs, pairs, d);
        for (int r = 0; r < 6; r++)
            quantized_bounds(d[2 * r], d[2 * r + 1], queryScales, queryErrors, rowScales[j + r], rowErrors[j + r],
                             slack, u + 2 * r);
        if (any_above(u, f0, f1)) {
            spill12(spill, u);
            return j;
        }
    }
    return j;
}

void N(quantized_one_row)(const int16_t *panel, const int16_t *rows, long row, long pairs,
                          const float *queryScales, const float *queryErrors, const float *rowScales,
                          const float *rowErrors, float slack, float *out) {
    const int16_t *r = rows + row * 2 * pairs;
    i32x8 c0 = {0}, c1 = {0};
    for (long t = 0; t < pairs; t++) {
        i16x16 b = broadcast_pair(r, t);
        c0 += madd_pairs(load16s(panel + t * 32), b);
        c1 += madd_pairs(load16s(panel + t * 32 + 16), b);
    }
    f32x8 u[2];
    quantized_bounds(c0, c1, queryScales, queryErrors, rowScales[row], rowErrors[row], slack, u);
    memcpy(out, &u[0], sizeof u[0]);
    memcpy(out + 8, &u[1], sizeof u[1]);
}

static inline f32x8 magnitude8(f32x8 v) { return (f32x8)((u32x8)v & 0x7fffffffu); }

void N(quantize_rows)(const float *rows, long rowCount, long dim, float levels, int16_t *out, float *scales,
                      float *errors) {
    long vdim = dim & ~7L;
    // |x · inverse| ≤ levels: adding 1.5·2²³ rounds it to an integer (to nearest, ties to even)
    // and leaves that in the low bits of the sum.
    const f32x8 bias = splat(12582912.0f);
    const i32x8 biasBits = {0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000,
                            0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000};
    for (long j = 0; j < rowCount; j++) {
        const float *row = rows + j * dim;
        int16_t *o = out + j * dim;
        f32x8 largest = {0};
        for (long e = 0; e < vdim; e += 8) {
            f32x8 v = magnitude8(load8f(row + e));
            i32x8 greater = v > largest;
            largest = (f32x8)(((i32x8)v & greater) | ((i32x8)largest & ~greater));
        }
        float largestValue = 0;
        for (int i = 0; i < 8; i++)
            if (largest[i] > largestValue) largestValue = largest[i];
        for (long e = vdim; e < dim; e++)
            if (__builtin_fabsf(row[e]) > largestValue) largestValue = __builtin_fabsf(row[e]);
        // NaN compares false, so it was skipped: every element's sum catches it instead.
        float inverse = largestValue > 0 ? levels / largestValue : 0;
        f32x8 l1 = {0}, checksum = {0};
        for (long e = 0; e < vdim; e += 8) {
            f32x8 x = load8f(row + e);
            checksum += x;
            f32x8 biased = x * inverse + bias;
            l1 += magnitude8(biased - bias);
            i16x8 integer = __builtin_convertvector((i32x8)biased - biasBits, i16x8);
            memcpy(o + e, &integer, sizeof integer);
        }
        float l1Sum = lane_sum(l1), checksumSum = lane_sum(checksum);
        for (long e = vdim; e < dim; e++) {
            float x = row[e], q = __builtin_roundf(x * inverse);
            checksumSum += x;
            o[e] = __builtin_isfinite(q) ? (int16_t)(q > 32767 ? 32767 : q < -32768 ? -32768 : q) : 0;
            l1Sum += __builtin_fabsf(q);
        }
        int finite = __builtin_isfinite(checksumSum) && __builtin_isfinite(l1Sum);
        float scale = largestValue / levels;
        // A row that is not finite gets the bound +∞ whatever the query (a zero scale keeps ∞·0 out).
        scales[j] = finite ? scale : 0;
        errors[j] = finite ? scale * l1Sum / 2 : __builtin_inff();
    }
}

#include "winograd_body.h"
#include "conv_body.h"
#include "warp_body.h"

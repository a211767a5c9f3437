// The transforms of the F(4×4, 3×3) Winograd convolution (NeuralNet's Winograd4Kernel), in the
// same two builds as the search kernels: vectorised over 8 tiles of a tile row, the GEMMs
// between them left to BLAS.

/// Bᵀ applied to six vectors (one dimension of the input transform).
static inline void winograd4_bt(f32x8 d0, f32x8 d1, f32x8 d2, f32x8 d3, f32x8 d4, f32x8 d5, f32x8 *r) {
    r[0] = 4 * d0 - 5 * d2 + d4;
    f32x8 p = d4 - 4 * d2, s = d3 - 4 * d1;
    r[1] = p + s;   // −4d1 − 4d2 + d3 + d4
    r[2] = p - s;   // 4d1 − 4d2 − d3 + d4
    f32x8 p2 = d4 - d2, s2 = 2 * (d3 - d1);
    r[3] = p2 + s2; // −2d1 − d2 + 2d3 + d4
    r[4] = p2 - s2; // 2d1 − d2 − 2d3 + d4
    r[5] = 4 * d1 - 5 * d3 + d5;
}

/// Aᵀ applied to six vectors (one dimension of the output transform).
static inline void winograd4_at(f32x8 m0, f32x8 m1, f32x8 m2, f32x8 m3, f32x8 m4, f32x8 m5, f32x8 *y) {
    f32x8 a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
    y[0] = m0 + a + c;
    y[1] = b + 2 * d;
    y[2] = a + 4 * c;
    y[3] = b + 8 * d + m5;
}

static inline void store8f(float *p, f32x8 v) { memcpy(p, &v, sizeof v); }

/// The 32 floats at `p` as four vectors of every fourth one: `phase[j][t] = p[4t + j]`.
static inline void deinterleave4(const float *p, f32x8 *phase) {
    f32x8 v0 = load8f(p), v1 = load8f(p + 8), v2 = load8f(p + 16), v3 = load8f(p + 24);
    f32x8 lo01 = __builtin_shufflevector(v0, v1, 0, 4, 8, 12, 1, 5, 9, 13);
    f32x8 lo23 = __builtin_shufflevector(v2, v3, 0, 4, 8, 12, 1, 5, 9, 13);
    f32x8 hi01 = __builtin_shufflevector(v0, v1, 2, 6, 10, 14, 3, 7, 11, 15);
    f32x8 hi23 = __builtin_shufflevector(v2, v3, 2, 6, 10, 14, 3, 7, 11, 15);
    phase[0] = __builtin_shufflevector(lo01, lo23, 0, 1, 2, 3, 8, 9, 10, 11);
    phase[1] = __builtin_shufflevector(lo01, lo23, 4, 5, 6, 7, 12, 13, 14, 15);
    phase[2] = __builtin_shufflevector(hi01, hi23, 0, 1, 2, 3, 8, 9, 10, 11);
    phase[3] = __builtin_shufflevector(hi01, hi23, 4, 5, 6, 7, 12, 13, 14, 15);
}

/// `out[4t + k] = y[k][t]`: four vectors interleaved into 32 floats.
static inline void interleave4(const f32x8 *y, f32x8 *out) {
    f32x8 a = __builtin_shufflevector(y[0], y[1], 0, 8, 1, 9, 2, 10, 3, 11);
    f32x8 b = __builtin_shufflevector(y[2], y[3], 0, 8, 1, 9, 2, 10, 3, 11);
    f32x8 c = __builtin_shufflevector(y[0], y[1], 4, 12, 5, 13, 6, 14, 7, 15);
    f32x8 d = __builtin_shufflevector(y[2], y[3], 4, 12, 5, 13, 6, 14, 7, 15);
    out[0] = __builtin_shufflevector(a, b, 0, 1, 8, 9, 2, 3, 10, 11);
    out[1] = __builtin_shufflevector(a, b, 4, 5, 12, 13, 6, 7, 14, 15);
    out[2] = __builtin_shufflevector(c, d, 0, 1, 8, 9, 2, 3, 10, 11);
    out[3] = __builtin_shufflevector(c, d, 4, 5, 12, 13, 6, 7, 14, 15);
}

/// Stands in for a missing residual so every output store adds a loaded vector: with a null
/// pointer in one arm, clang turns the select into masked loads from address 0, which the CPU
/// handles far more slowly than plain loads (most of the output transform's time in a profile).
static const float no_residual[32] = {0};

/// PReLU without a masked select: `v − (1 − a)·min(v, 0)`, `min(v, 0) = (v − |v|)/2`.
static inline f32x8 prelu8(f32x8 v, f32x8 a) {
    f32x8 negative = (v - magnitude8(v)) * 0.5f;
    return v - (1 - a) * negative;
}

void N(winograd4_input)(const float *rows, float *scratch, long rowLen, long len, long count, float *v,
                        long vStride) {
    // Rows: Bᵀ over the six input rows, as contiguous vectors.
    for (long x = 0; x < len; x += 8) {
        f32x8 r[6];
        winograd4_bt(load8f(rows + x), load8f(rows + rowLen + x), load8f(rows + 2 * rowLen + x),
                     load8f(rows + 3 * rowLen + x), load8f(rows + 4 * rowLen + x), load8f(rows + 5 * rowLen + x), r);
        for (int k = 0; k < 6; k++) store8f(scratch + k * rowLen + x, r[k]);
    }
    // Columns: Bᵀ over the column phases x = 4q + j of eight tiles at a time.
    for (int k = 0; k < 6; k++) {
        const float *b = scratch + k * rowLen;
        float *d = v + 6 * k * vStride;
        for (long q = 0; q < count; q += 8) {
            f32x8 phase[4], next[4], r[6];
            deinterleave4(b + 4 * q, phase);
            deinterleave4(b + 4 * q + 4, next);
            winograd4_bt(phase[0], phase[1], phase[2], phase[3], next[0], next[1], r);
            // Whole vectors: lanes past `count` land in the caller's padding.
            for (int i = 0; i < 6; i++) store8f(d + i * vStride + q, r[i]);
        }
    }
}

void N(winograd4_output)(const float *m, long mStride, long count, float bias, const float *slope, float *out,
                         const float *residual, long outStride, long rows, long columns) {
    f32x8 biasV = splat(bias), slopeV = splat(slope ? *slope : 1);
    for (long q = 0; q < count; q += 8) {
        // Aᵀ over the rows of M for each column j, then over the columns.
        f32x8 c[6][4];
        for (int j = 0; j < 6; j++) {
            const float *p = m + j * mStride + q;
            winograd4_at(load8f(p), load8f(p + 6 * mStride), load8f(p + 12 * mStride), load8f(p + 18 * mStride),
                         load8f(p + 24 * mStride), load8f(p + 30 * mStride), c[j]);
        }
        long x = 4 * q, n = columns - x < 32 ? columns - x : 32;
        if (4 * (count - q) < n) n = 4 * (count - q);
        for (long rr = 0; rr < rows; rr++) {
            f32x8 y[4], v[4];
            winograd4_at(c[0][rr], c[1][rr], c[2][rr], c[3][rr], c[4][rr], c[5][rr], y);
            for (int k = 0; k < 4; k++) {
                y[k] += biasV;
                if (slope) y[k] = prelu8(y[k], slopeV);
            }
            interleave4(y, v);
            float *row = out + rr * outStride + x;
            const float *res = residual ? residual + rr * outStride + x : no_residual;
            if (n == 32) {
                for (int k = 0; k < 4; k++) store8f(row + 8 * k, v[k] + load8f(res + 8 * k));
            } else {
                float lanes[32];
                memcpy(lanes, v, sizeof lanes);
                for (long i = 0; i < n; i++) row[i] = lanes[i] + res[i];
            }
        }
    }
}

/// The 16 floats at `p` as even and odd lanes.
static inline void deinterleave2(const float *p, f32x8 *even, f32x8 *odd) {
    f32x8 v0 = load8f(p), v1 = load8f(p + 8);
    *even = __builtin_shufflevector(v0, v1, 0, 2, 4, 6, 8, 10, 12, 14);
    *odd = __builtin_shufflevector(v0, v1, 1, 3, 5, 7, 9, 11, 13, 15);
}

void N(winograd2_input)(const float *rows, float *scratch, long rowLen, long len, long count, float *v,
                        long vStride) {
    // Rows: b0 = d0 − d2, b1 = d1 + d2, b2 = d2 − d1, b3 = d1 − d3.
    for (long x = 0; x < len; x += 8) {
        f32x8 d0 = load8f(rows + x), d1 = load8f(rows + rowLen + x);
        f32x8 d2 = load8f(rows + 2 * rowLen + x), d3 = load8f(rows + 3 * rowLen + x);
        store8f(scratch + x, d0 - d2);
        store8f(scratch + rowLen + x, d1 + d2);
        store8f(scratch + 2 * rowLen + x, d2 - d1);
        store8f(scratch + 3 * rowLen + x, d1 - d3);
    }
    // Columns over tile q: E[q] = b[2q], O[q] = b[2q+1], E[q+1], O[q+1].
    for (int k = 0; k < 4; k++) {
        const float *b = scratch + k * rowLen;
        float *d = v + 4 * k * vStride;
        for (long q = 0; q < count; q += 8) {
            f32x8 ea, oa, eb, ob;
            deinterleave2(b + 2 * q, &ea, &oa);
            deinterleave2(b + 2 * q + 2, &eb, &ob);
            // Whole vectors: lanes past `count` land in the caller's padding.
            store8f(d + q, ea - eb);
            store8f(d + vStride + q, oa + eb);
            store8f(d + 2 * vStride + q, eb - oa);
            store8f(d + 3 * vStride + q, oa - ob);
        }
    }
}

/// Bias, PReLU (slope given), the two vectors interleaved, the residual (`no_residual` for none)
/// added, and `n` ≤ 16 values stored.
static inline void winograd2_emit(f32x8 a, f32x8 b, f32x8 biasV, const float *slope, f32x8 slopeV, float *row,
                                  const float *residual, long n) {
    a += biasV;
    b += biasV;
    if (slope) {
        a = prelu8(a, slopeV);
        b = prelu8(b, slopeV);
    }
    f32x8 v[2] = {__builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11),
                  __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15)};
    if (n == 16) {
        for (int k = 0; k < 2; k++) store8f(row + 8 * k, v[k] + load8f(residual + 8 * k));
    } else {
        float lanes[16];
        memcpy(lanes, v, sizeof lanes);
        for (long i = 0; i < n; i++) row[i] = lanes[i] + residual[i];
    }
}

void N(winograd2_output)(const float *m, long mStride, long count, float bias, const float *slope, float *out,
                         const float *residual, long outStride, long rows, long columns) {
    f32x8 biasV = splat(bias), slopeV = splat(slope ? *slope : 1);
    for (long q = 0; q < count; q += 8) {
#define M(i) load8f(m + (i) * mStride + q)
        long x = 2 * q, n = columns - x < 16 ? columns - x : 16;
        if (2 * (count - q) < n) n = 2 * (count - q);
        f32x8 a01 = M(1) + M(5) + M(9), a02 = M(2) + M(6) + M(10);
        f32x8 y00 = M(0) + M(4) + M(8) + a01 + a02, y01 = a01 - a02 - (M(3) + M(7) + M(11));
        winograd2_emit(y00, y01, biasV, slope, slopeV, out + x, residual ? residual + x : no_residual, n);
        if (rows > 1) {
            f32x8 a11 = M(5) - M(9) - M(13), a12 = M(6) - M(10) - M(14);
            f32x8 y10 = M(4) - M(8) - M(12) + a11 + a12, y11 = a11 - a12 - (M(7) - M(11) - M(15));
            winograd2_emit(y10, y11, biasV, slope, slopeV, out + outStride + x,
                           residual ? residual + outStride + x : no_residual, n);
        }
#undef M
    }
}

/// A applied to four vectors (the adjoint of Aᵀ: one dimension of the output-gradient transform).
static inline void winograd4_a(f32x8 y0, f32x8 y1, f32x8 y2, f32x8 y3, f32x8 *g) {
    f32x8 e = y0 + y2, o = y1 + y3;
    f32x8 e4 = y0 + 4 * y2, o4 = 2 * y1 + 8 * y3;
    g[0] = y0;
    g[1] = e + o;   // y0 + y1 + y2 + y3
    g[2] = e - o;   // y0 − y1 + y2 − y3
    g[3] = e4 + o4; // y0 + 2y1 + 4y2 + 8y3
    g[4] = e4 - o4; // y0 − 2y1 + 4y2 − 8y3
    g[5] = y3;
}

void N(winograd4_gradient)(const float *rows, float *scratch, long rowLen, long len, long count, float *v,
                           long vStride) {
    // Rows: A over the four output-gradient rows, as contiguous vectors.
    for (long x = 0; x < len; x += 8) {
        f32x8 r[6];
        winograd4_a(load8f(rows + x), load8f(rows + rowLen + x), load8f(rows + 2 * rowLen + x),
                    load8f(rows + 3 * rowLen + x), r);
        for (int k = 0; k < 6; k++) store8f(scratch + k * rowLen + x, r[k]);
    }
    // Columns: A over the column phases x = 4q + j of eight tiles at a time.
    for (int k = 0; k < 6; k++) {
        const float *b = scratch + k * rowLen;
        float *d = v + 6 * k * vStride;
        for (long q = 0; q < count; q += 8) {
            f32x8 phase[4], r[6];
            deinterleave4(b + 4 * q, phase);
            winograd4_a(phase[0], phase[1], phase[2], phase[3], r);
            for (int i = 0; i < 6; i++) store8f(d + i * vStride + q, r[i]);
        }
    }
}

void N(winograd2_gradient)(const float *rows, float *scratch, long rowLen, long len, long count, float *v,
                           long vStride) {
    // Rows: A (y0, y0 + y1, y0 − y1, −y1) over the two output-gradient rows.
    for (long x = 0; x < len; x += 8) {
        f32x8 y0 = load8f(rows + x), y1 = load8f(rows + rowLen + x);
        store8f(scratch + x, y0);
        store8f(scratch + rowLen + x, y0 + y1);
        store8f(scratch + 2 * rowLen + x, y0 - y1);
        store8f(scratch + 3 * rowLen + x, -y1);
    }
    // Columns: the same over the even/odd columns of eight tiles at a time.
    for (int k = 0; k < 4; k++) {
        const float *b = scratch + k * rowLen;
        float *d = v + 4 * k * vStride;
        for (long q = 0; q < count; q += 8) {
            f32x8 e, o;
            deinterleave2(b + 2 * q, &e, &o);
            store8f(d + q, e);
            store8f(d + vStride + q, e + o);
            store8f(d + 2 * vStride + q, e - o);
            store8f(d + 3 * vStride + q, -o);
        }
    }
}

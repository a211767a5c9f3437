// Scores of a few queries against rows of one value type, included once per type by
// kernels_body.h with ROW_T (the stored value), LOAD8 (eight of them as float32), SCALAR (one)
// and RN (the function name of this build and type). The loops are those the Swift SIMD
// kernels used: four queries × two rows, two queries × four rows, and one query against four
// row streams read side by side (a core keeps more reads in flight across four streams).

/// The first `vdim` (a multiple of 8) products of a query and a row in eight lanes (four
/// accumulators hide the multiply-add latency within the row).
static inline f32x8 RN(partial_dot)(const float *q, const ROW_T *row, long vdim) {
    f32x8 a = {0}, b = {0}, c = {0}, d = {0};
    long e = 0;
    for (; e + 32 <= vdim; e += 32) {
        a += load8f(q + e) * LOAD8(row + e);
        b += load8f(q + e + 8) * LOAD8(row + e + 8);
        c += load8f(q + e + 16) * LOAD8(row + e + 16);
        d += load8f(q + e + 24) * LOAD8(row + e + 24);
    }
    for (; e < vdim; e += 8) a += load8f(q + e) * LOAD8(row + e);
    return (a + b) + (c + d);
}

float RN(dot)(const float *q, const ROW_T *row, long dim) {
    long vdim = dim & ~7L;
    float sum = lane_sum(RN(partial_dot)(q, row, vdim));
    for (long e = vdim; e < dim; e++) sum += q[e] * SCALAR(row[e]);
    return sum;
}

/// Four queries (`q + i·dim`) against every row, two rows a step: each loaded row chunk is
/// used four times.
static inline void RN(four_queries)(const float *q, const ROW_T *rows, long rowCount, long dim, float *scores,
                                    long stride) {
    long vdim = dim & ~7L;
    const float *q0 = q, *q1 = q + dim, *q2 = q + 2 * dim, *q3 = q + 3 * dim;
    long j = 0;
    for (; j + 2 <= rowCount; j += 2) {
        const ROW_T *r0 = rows + j * dim, *r1 = r0 + dim;
        f32x8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        for (long e = 0; e < vdim; e += 8) {
            f32x8 v0 = LOAD8(r0 + e), v1 = LOAD8(r1 + e);
            f32x8 x0 = load8f(q0 + e);
            a0 += x0 * v0; b0 += x0 * v1;
            f32x8 x1 = load8f(q1 + e);
            a1 += x1 * v0; b1 += x1 * v1;
            f32x8 x2 = load8f(q2 + e);
            a2 += x2 * v0; b2 += x2 * v1;
            f32x8 x3 = load8f(q3 + e);
            a3 += x3 * v0; b3 += x3 * v1;
        }
        // [q0·r0, q0·r1, q1·r0, q1·r1, q2·r0, q2·r1, q3·r0, q3·r1]
        f32x8 sums = sums8(a0, b0, a1, b1, a2, b2, a3, b3);
        for (long t = vdim; t < dim; t++) {
            float v0 = SCALAR(r0[t]), v1 = SCALAR(r1[t]);
            for (int i = 0; i < 4; i++) {
                sums[2 * i] += q[i * dim + t] * v0;
                sums[2 * i + 1] += q[i * dim + t] * v1;
            }
        }
        for (int i = 0; i < 4; i++) {
            scores[i * stride + j] = sums[2 * i];
            scores[i * stride + j + 1] = sums[2 * i + 1];
        }
    }
    if (j < rowCount)
        for (int i = 0; i < 4; i++) scores[i * stride + j] = RN(dot)(q + i * dim, rows + j * dim, dim);
}

/// Two queries (`q`, `q + dim`) against every row, four rows a step.
static inline void RN(two_queries)(const float *q, const ROW_T *rows, long rowCount, long dim, float *scores,
                                   long stride) {
    long vdim = dim & ~7L;
    const float *qa = q, *qb = q + dim;
    long j = 0;
    for (; j + 4 <= rowCount; j += 4) {
        const ROW_T *r0 = rows + j * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        f32x8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        for (long e = 0; e < vdim; e += 8) {
            f32x8 x = load8f(qa + e), y = load8f(qb + e);
            f32x8 v0 = LOAD8(r0 + e), v1 = LOAD8(r1 + e), v2 = LOAD8(r2 + e), v3 = LOAD8(r3 + e);
            a0 += x * v0; a1 += x * v1; a2 += x * v2; a3 += x * v3;
            b0 += y * v0; b1 += y * v1; b2 += y * v2; b3 += y * v3;
        }
        f32x8 sums = sums8(a0, a1, a2, a3, b0, b1, b2, b3);
        for (long t = vdim; t < dim; t++) {
            float v[4] = {SCALAR(r0[t]), SCALAR(r1[t]), SCALAR(r2[t]), SCALAR(r3[t])};
            for (int u = 0; u < 4; u++) {
                sums[u] += qa[t] * v[u];
                sums[4 + u] += qb[t] * v[u];
            }
        }
        for (int u = 0; u < 4; u++) {
            scores[j + u] = sums[u];
            scores[stride + j + u] = sums[4 + u];
        }
    }
    for (; j < rowCount; j++) {
        scores[j] = RN(dot)(qa, rows + j * dim, dim);
        scores[stride + j] = RN(dot)(qb, rows + j * dim, dim);
    }
}

/// The first `vdim` products of a query with each of four rows, in eight lanes per row, into
/// `partials[0]`, `[2]`, `[4]`, `[6]`; the rows are read side by side, 32 bytes of each in turn.
static inline void RN(four_rows)(const float *q, const ROW_T *r0, const ROW_T *r1, const ROW_T *r2,
                                 const ROW_T *r3, long vdim, f32x8 *partials) {
    f32x8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
    long e = 0;
    for (; e + 16 <= vdim; e += 16) {
        f32x8 x = load8f(q + e), y = load8f(q + e + 8);
        a0 += x * LOAD8(r0 + e); b0 += y * LOAD8(r0 + e + 8);
        a1 += x * LOAD8(r1 + e); b1 += y * LOAD8(r1 + e + 8);
        a2 += x * LOAD8(r2 + e); b2 += y * LOAD8(r2 + e + 8);
        a3 += x * LOAD8(r3 + e); b3 += y * LOAD8(r3 + e + 8);
    }
    if (e < vdim) {
        f32x8 x = load8f(q + e);
        a0 += x * LOAD8(r0 + e); a1 += x * LOAD8(r1 + e);
        a2 += x * LOAD8(r2 + e); a3 += x * LOAD8(r3 + e);
    }
    partials[0] = a0 + b0; partials[2] = a1 + b1; partials[4] = a2 + b2; partials[6] = a3 + b3;
}

/// One query against every row: the rows as four streams, a quarter each, one row of each
/// stream side by side; two rows of each stream are reduced together.
static inline void RN(one_query)(const float *q, const ROW_T *rows, long rowCount, long dim, float *scores) {
    long vdim = dim & ~7L;
    // Rows per stream, even; the last `rowCount − 4·streamRows` (< 8) rows follow alone.
    long streamRows = rowCount / 8 * 2, step = streamRows * dim;
    // In memory, not registers: eight more live vectors would push the accumulators out.
    f32x8 partials[8];
    for (long i = 0; i < streamRows; i += 2) {
        for (int u = 0; u < 2; u++) {
            const ROW_T *r0 = rows + (i + u) * dim;
            RN(four_rows)(q, r0, r0 + step, r0 + 2 * step, r0 + 3 * step, vdim, partials + u);
        }
        // Lane 2s + u: row i + u of stream s.
        f32x8 sums = sums8(partials[0], partials[1], partials[2], partials[3], partials[4], partials[5],
                           partials[6], partials[7]);
        for (long t = vdim; t < dim; t++)
            for (int p = 0; p < 8; p++) sums[p] += q[t] * SCALAR(rows[(p >> 1) * step + (i + (p & 1)) * dim + t]);
        for (int s = 0; s < 4; s++) {
            scores[s * streamRows + i] = sums[2 * s];
            scores[s * streamRows + i + 1] = sums[2 * s + 1];
        }
    }
    for (long j = 4 * streamRows; j < rowCount; j++) scores[j] = RN(dot)(q, rows + j * dim, dim);
}

void RN(score_tile)(const float *queries, long queryCount, const ROW_T *rows, long rowCount, long dim,
                    float *scores, long stride) {
    long q = 0;
    for (; q + 4 <= queryCount; q += 4)
        RN(four_queries)(queries + q * dim, rows, rowCount, dim, scores + q * stride, stride);
    if (q + 2 <= queryCount) {
        RN(two_queries)(queries + q * dim, rows, rowCount, dim, scores + q * stride, stride);
        q += 2;
    }
    if (q < queryCount) RN(one_query)(queries + q * dim, rows, rowCount, dim, scores + q * stride);
}

// The networks' small kernels, in the same two builds as the search kernels: MTCNN's direct
// 3×3 convolution (two output rows × eight columns × four channels stay in registers over all
// taps), max pooling, im2col rows and bias + PReLU, and dlib-resnet's ReLUs
// and strided im2col gathers.

/// PReLU as `a·v` where `v < 0`, else `v` (the products exactly as the scalar form rounds them).
static inline f32x8 prelu_exact8(f32x8 v, f32x8 a) {
    i32x8 negative = v < 0;
    return (f32x8)(((i32x8)(v * a) & negative) | ((i32x8)v & ~negative));
}

/// `ROWS` output rows (1 or 2) from `oh` × eight columns from `c0` × four channels: 4·ROWS
/// accumulators over all `cin·k·k` taps (eight independent sums hide the FMA latency; twelve
/// would not fit the 16 registers without spilling one).
#define DIRECT_CONV4_BLOCK(ROWS)                                                                           \
    do {                                                                                                   \
        f32x8 acc[ROWS][4];                                                                                \
        for (int r = 0; r < ROWS; r++)                                                                     \
            for (int j = 0; j < 4; j++) acc[r][j] = splat(bias[j]);                                        \
        const float *wt = weights;                                                                         \
        for (long c = 0; c < cin; c++) {                                                                   \
            for (long ki = 0; ki < k; ki++) {                                                              \
                const float *row = src + (c * h + oh + ki) * w + c0;                                       \
                for (long kj = 0; kj < k; kj++, wt += 4) {                                                 \
                    f32x8 v[ROWS];                                                                         \
                    for (int r = 0; r < ROWS; r++) v[r] = load8f(row + r * w + kj);                        \
                    for (int j = 0; j < 4; j++) {                                                          \
                        f32x8 weight = splat(wt[j]);                                                       \
                        for (int r = 0; r < ROWS; r++) acc[r][j] += v[r] * weight;                         \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        for (int r = 0; r < ROWS; r++)                                                                     \
            for (int j = 0; j < 4; j++) /* constant indices keep acc in registers */                       \
                if (j < channels)                                                                          \
                    store8f(dst + j * plane + (oh + r) * wo + c0, prelu_exact8(acc[r][j], splat(slope[j])));\
    } while (0)

void N(direct_conv4)(const float *src, long cin, long h, long w, long k, const float *weights, long channels,
                     const float *bias, const float *slope, float *dst, long ho, long wo, long row0, long rows) {
    long plane = ho * wo, end = row0 + rows;
    for (long oh = row0; oh < end;) {
        int pair = oh + 2 <= end; // two rows at a time, the last odd one alone
        for (long ow0 = 0; ow0 < wo; ow0 += 8) {
            long c0 = ow0 < wo - 8 ? ow0 : wo - 8; // the last block overlaps the previous one
            if (pair) DIRECT_CONV4_BLOCK(2);
            else DIRECT_CONV4_BLOCK(1);
        }
        oh += pair ? 2 : 1;
    }
}
#undef DIRECT_CONV4_BLOCK

/// The larger of each lane pair; `b` where either is NaN (no ordering).
static inline f32x8 max8(f32x8 a, f32x8 b) {
    i32x8 greater = a > b;
    return (f32x8)(((i32x8)a & greater) | ((i32x8)b & ~greater));
}

static inline float max1(float a, float b) { return a > b ? a : b; }

void N(max_pool)(const float *src, long planes, long h, long w, long k, long s, float *dst, long ho, long wo,
                 float *scratch) {
    for (long p = 0; p < planes; p++) {
        const float *plane = src + p * h * w;
        for (long i = 0; i < ho; i++) {
            // Vertical maxima of the window's rows, then the windows along them.
            long y0 = i * s, y1 = y0 + k < h ? y0 + k : h;
            const float *first = plane + y0 * w;
            long x = 0;
            for (; x + 8 <= w; x += 8) {
                f32x8 m = load8f(first + x);
                for (long y = y0 + 1; y < y1; y++) m = max8(m, load8f(plane + y * w + x));
                store8f(scratch + x, m);
            }
            for (; x < w; x++) {
                float m = first[x];
                for (long y = y0 + 1; y < y1; y++) m = max1(m, plane[y * w + x]);
                scratch[x] = m;
            }
            float *out = dst + (p * ho + i) * wo;
            long j = 0;
            if (s == 2 && (k == 2 || k == 3)) {
                // Eight windows at a time: columns 2j (even lanes), 2j + 1 (odd) and, for k = 3, 2j + 2.
                for (; j + 8 <= wo && 2 * j + (k == 3 ? 18 : 16) <= w; j += 8) {
                    f32x8 a = load8f(scratch + 2 * j), b = load8f(scratch + 2 * j + 8);
                    f32x8 m = max8(__builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14),
                                   __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
                    if (k == 3) {
                        f32x8 c = load8f(scratch + 2 * j + 2), d = load8f(scratch + 2 * j + 10);
                        m = max8(m, __builtin_shufflevector(c, d, 0, 2, 4, 6, 8, 10, 12, 14));
                    }
                    store8f(out + j, m);
                }
            }
            for (; j < wo; j++) {
                long x0 = j * s, x1 = x0 + k < w ? x0 + k : w;
                float m = scratch[x0];
                for (long t = x0 + 1; t < x1; t++) m = max1(m, scratch[t]);
                out[j] = m;
            }
        }
    }
}

void N(im2col)(const float *src, long cin, long h, long w, long k, float *dst, long rowStride, long ho, long wo) {
    for (long c = 0; c < cin; c++) {
        for (long ki = 0; ki < k; ki++) {
            for (long kj = 0; kj < k; kj++) {
                float *row = dst + ((c * k + ki) * k + kj) * rowStride;
                const float *from = src + (c * h + ki) * w + kj;
                for (long oh = 0; oh < ho; oh++) {
                    const float *a = from + oh * w;
                    float *b = row + oh * wo;
                    long x = 0;
                    for (; x + 8 <= wo; x += 8) store8f(b + x, load8f(a + x));
                    for (; x < wo; x++) b[x] = a[x];
                }
            }
        }
    }
}

void N(bias_prelu)(const float *src, float *dst, long count, float bias, float slope) {
    f32x8 b = splat(bias), a = splat(slope);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        store8f(dst + i, prelu_exact8(load8f(src + i) + b, a));
    }
    for (; i < count; i++) {
        float v = src[i] + bias;
        dst[i] = v < 0 ? v * slope : v;
    }
}

void N(relu)(float *values, long count) {
    f32x8 zero = splat(0);
    long i = 0;
    for (; i + 8 <= count; i += 8) store8f(values + i, max8(zero, load8f(values + i)));
    for (; i < count; i++) values[i] = max1(0, values[i]);
}

void N(add_relu)(float *values, const float *addend, long count) {
    f32x8 zero = splat(0);
    long i = 0;
    for (; i + 8 <= count; i += 8) store8f(values + i, max8(zero, load8f(values + i) + load8f(addend + i)));
    for (; i < count; i++) values[i] = max1(0, values[i] + addend[i]);
}

void N(gather_strided)(const float *src, long stride, float *dst, long count) {
    long i = 0;
    if (stride == 2) {
        // Eight outputs read 16 values; the last one read must be the last one used or before it.
        for (; i + 9 <= count; i += 8) {
            f32x8 a = load8f(src + 2 * i), b = load8f(src + 2 * i + 8);
            store8f(dst + i, __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14));
        }
    }
    for (; i < count; i++) dst[i] = src[i * stride];
}

// MTCNN's direct convolution for few input channels, in the same two builds as the search
// kernels: eight output columns × four output channels stay in registers over all taps.

void N(direct_conv4)(const float *src, long cin, long h, long w, long k, const float *weights, long channels,
                     const float *bias, const float *slope, float *dst, long ho, long wo) {
    long plane = ho * wo;
    for (long oh = 0; oh < ho; oh++) {
        for (long ow0 = 0; ow0 < wo; ow0 += 8) {
            long c0 = ow0 < wo - 8 ? ow0 : wo - 8; // the last block overlaps the previous one
            f32x8 acc0 = splat(bias[0]), acc1 = splat(bias[1]), acc2 = splat(bias[2]), acc3 = splat(bias[3]);
            const float *wt = weights;
            for (long c = 0; c < cin; c++) {
                for (long ki = 0; ki < k; ki++) {
                    const float *row = src + (c * h + oh + ki) * w + c0;
                    for (long kj = 0; kj < k; kj++, wt += 4) {
                        f32x8 v = load8f(row + kj);
                        acc0 += v * wt[0]; acc1 += v * wt[1]; acc2 += v * wt[2]; acc3 += v * wt[3];
                    }
                }
            }
            f32x8 acc[4] = {acc0, acc1, acc2, acc3};
            for (long j = 0; j < channels; j++) {
                // PReLU: a·v where v < 0.
                i32x8 negative = acc[j] < 0;
                f32x8 scaled = acc[j] * slope[j];
                f32x8 r = (f32x8)(((i32x8)scaled & negative) | ((i32x8)acc[j] & ~negative));
                store8f(dst + j * plane + oh * wo + c0, r);
            }
        }
    }
}

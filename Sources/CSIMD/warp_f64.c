// Imaging's double-precision bilinear warp (`Image.warpedAffine`, dlib's `extract_image_chip`
// arithmetic): one scalar build, the same operations in the same order as the Swift definition.
#include "CSIMD.h"

#pragma STDC FP_CONTRACT OFF

/// The bilinear blend of four neighbours, as a byte: truncated, or rounded half up.
static inline uint8_t warp_byte(double p00, double p10, double p01, double p11, double ax, double ay, int truncate) {
    double value = (1 - ay) * ((1 - ax) * p00 + ax * p10) + ay * ((1 - ax) * p01 + ax * p11);
    double r = truncate ? value : __builtin_floor(value + 0.5);
    return r <= 0 ? 0 : r >= 255 ? 255 : (uint8_t)r;
}

void csimd_warp_bilinear_f64(const uint8_t *src, long w, long h, uint8_t *dst, long ow, long oh,
                             const double *m, int border, uint8_t constant, int truncate) {
    const double limit = 1073741824.0, fill = constant;
    for (long y = 0; y < oh; y++) {
        for (long x = 0; x < ow; x++) {
            double fx = (double)x, fy = (double)y;
            double u = m[0] * fx + m[1] * fy + m[2], v = m[3] * fx + m[4] * fy + m[5];
            uint8_t *o = dst + (y * ow + x) * 3;
            if (!(__builtin_fabs(u) < limit && __builtin_fabs(v) < limit)) {
                if (border == 1) {
                    long cx = u < 0 ? 0 : w - 1, cy = v < 0 ? 0 : h - 1;
                    const uint8_t *s = src + (cy * w + cx) * 3;
                    o[0] = s[0]; o[1] = s[1]; o[2] = s[2];
                } else {
                    o[0] = o[1] = o[2] = border == 0 ? constant : 0;
                }
                continue;
            }
            double fu = __builtin_floor(u), fv = __builtin_floor(v);
            long x0 = (long)fu, y0 = (long)fv, x1 = x0 + 1, y1 = y0 + 1;
            double ax = u - fu, ay = v - fv;
            if (x0 >= 0 && y0 >= 0 && x1 < w && y1 < h) {
                const uint8_t *s0 = src + (y0 * w + x0) * 3, *s1 = s0 + w * 3;
                for (int k = 0; k < 3; k++) {
                    o[k] = warp_byte(s0[k], s0[3 + k], s1[k], s1[3 + k], ax, ay, truncate);
                }
            } else if (border == 2) {
                o[0] = o[1] = o[2] = 0;
            } else {
                for (int k = 0; k < 3; k++) {
#define WARP_AT(px, py)                                                                                       \
    ((px) >= 0 && (py) >= 0 && (px) < w && (py) < h ? (double)src[((py) * w + (px)) * 3 + k]                \
     : border == 1 ? (double)src[((py) < 0 ? 0 : (py) >= h ? h - 1 : (py)) * w * 3 +                        \
                                 ((px) < 0 ? 0 : (px) >= w ? w - 1 : (px)) * 3 + k]                           \
                   : fill)
                    o[k] = warp_byte(WARP_AT(x0, y0), WARP_AT(x1, y0), WARP_AT(x0, y1), WARP_AT(x1, y1), ax, ay, truncate);
#undef WARP_AT
                }
            }
        }
    }
}

// Imaging's OpenCV-exact bilinear warp (`warpedAffineOpenCV`), in the same two builds: the AVX2
// one has fused multiply-add and floor in single instructions, the portable one calls libm.

static inline uint8_t warp_clamp(float value) { return value <= 0 ? 0 : value >= 255 ? 255 : (uint8_t)value; }

void N(warp_affine)(const uint8_t *src, long w, long h, uint8_t *dst, long ow, long oh, const float *m,
                    uint8_t borderValue) {
    // OpenCV's arithmetic exactly: fused where it fuses, and nowhere else.
#pragma clang fp contract(off)
    float a = m[0], b = m[1], tx = m[2], c = m[3], d = m[4], ty = m[5], border = borderValue;
    const float limit = 1073741824.0f;
    for (long y = 0; y < oh; y++) {
        float fy = (float)y, rowU = __builtin_fmaf(b, fy, tx), rowV = __builtin_fmaf(d, fy, ty);
        for (long x = 0; x < ow; x++) {
            float fx = (float)x, u = __builtin_fmaf(a, fx, rowU), v = __builtin_fmaf(c, fx, rowV);
            uint8_t *o = dst + (y * ow + x) * 3;
            if (!(__builtin_isfinite(u) && __builtin_isfinite(v) && __builtin_fabsf(u) < limit &&
                  __builtin_fabsf(v) < limit)) {
                o[0] = o[1] = o[2] = borderValue;
                continue;
            }
            float fu = __builtin_floorf(u), fv = __builtin_floorf(v);
            long x0 = (long)fu, y0 = (long)fv;
            float alpha = u - fu, beta = v - fv;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
                const uint8_t *s0 = src + (y0 * w + x0) * 3, *s1 = s0 + w * 3;
                for (int k = 0; k < 3; k++) {
                    float p00 = s0[k], p01 = s0[3 + k], p10 = s1[k], p11 = s1[3 + k];
                    float top = p00 + alpha * (p01 - p00), bottom = p10 + alpha * (p11 - p10);
                    o[k] = warp_clamp(__builtin_roundevenf(top + beta * (bottom - top)));
                }
            } else if (x0 >= w || x0 + 1 < 0 || y0 >= h || y0 + 1 < 0) {
                o[0] = o[1] = o[2] = borderValue;
            } else {
                for (int k = 0; k < 3; k++) {
#define WARP_AT(px, py) ((px) >= 0 && (py) >= 0 && (px) < w && (py) < h ? (float)src[((py) * w + (px)) * 3 + k] : border)
                    float p00 = WARP_AT(x0, y0), p01 = WARP_AT(x0 + 1, y0);
                    float p10 = WARP_AT(x0, y0 + 1), p11 = WARP_AT(x0 + 1, y0 + 1);
#undef WARP_AT
                    float top = p00 + alpha * (p01 - p00), bottom = p10 + alpha * (p11 - p10);
                    o[k] = warp_clamp(__builtin_roundevenf(top + beta * (bottom - top)));
                }
            }
        }
    }
}

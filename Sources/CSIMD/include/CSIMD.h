// SIMD kernels of the gallery search, the networks and the face warp, compiled twice: once for x86-64-v3 (AVX2, FMA, F16C)
// through function target attributes, once portable. Each call runs the AVX2 build where the
// CPU has those instructions, the portable one elsewhere (older x86-64, arm64).
#ifndef CSIMD_H
#define CSIMD_H

#include <stdint.h>

/// Whether calls run the AVX2/FMA/F16C kernels: the CPU has them and they are not switched off.
int csimd_accelerated(void);

/// Switches the AVX2 kernels off (`portable` nonzero) or back on where the CPU has them, for
/// the whole process; the portable kernels give the same results up to float rounding.
void csimd_force_portable(int portable);

/// `scores[q·stride + j] = ⟨query q, row j⟩`, queries `queryCount × dim` row-major float32,
/// rows `rowCount × dim` row-major float32 (`_f32`) or float16 (`_f16`, any alignment).
void csimd_score_tile_f32(const float *queries, long queryCount, const float *rows, long rowCount, long dim,
                          float *scores, long stride);
void csimd_score_tile_f16(const float *queries, long queryCount, const void *rows, long rowCount, long dim,
                          float *scores, long stride);

/// One query with one row of `dim` float32 (`_f32`) or float16 (`_f16`) values.
float csimd_dot_f32(const float *query, const float *row, long dim);
float csimd_dot_f16(const float *query, const void *row, long dim);

/// Widens `count` float16 values at `source` to float32 at `destination`.
void csimd_widen_f16(const void *source, float *destination, long count);

/// The panel kernel (queries packed 16 to a panel, `dim × 16` floats, interleaved by
/// dimension) over rows `start ..< rowCount` (float32, `dim` apart), six rows a step: returns
/// the first step's row `j` at which some row's score beats its query's floor (`floors[i]`,
/// i < 16), with the six rows' scores in `spill[r·16 + i]`; or the row where the six-row steps
/// end (`rowCount − (rowCount − start) mod 6`), past which `csimd_panel_one_row` scores the rest.
long csimd_panel_scan(const float *panel, const float *rows, long start, long rowCount, long dim,
                      const float *floors, float *spill);
/// The panel's 16 queries against one row: `out[i]` for query i.
void csimd_panel_one_row(const float *panel, const float *row, long dim, float *out);

/// The integer bound pass's panel kernel: 16 queries quantized to int16 pairs (`pairs` =
/// dim/2 of them, `pairs × 16 × 2` int16), rows of `2·pairs` int16 from `start` to `rowCount`.
/// Upper bounds `s_q (s_x d + c_x) + e_q s_x + slack` (s_q, e_q: `queryScales[i]`,
/// `queryErrors[i]`; s_x, c_x: `rowScales[j]`, `rowErrors[j]`; d the integer product) are
/// compared with `floors[i]`; returns like `csimd_panel_scan`, the bounds in `spill`.
long csimd_quantized_scan(const int16_t *panel, const int16_t *rows, long start, long rowCount, long pairs,
                          const float *queryScales, const float *queryErrors,
                          const float *rowScales, const float *rowErrors, float slack,
                          const float *floors, float *spill);
/// The upper bounds of one quantized row (row index `row` of `rowScales`/`rowErrors`) for the
/// panel's 16 queries, into `out[i]`.
void csimd_quantized_one_row(const int16_t *panel, const int16_t *rows, long row, long pairs,
                             const float *queryScales, const float *queryErrors,
                             const float *rowScales, const float *rowErrors, float slack, float *out);

/// Quantizes `rowCount × dim` row-major float32 rows to int16 (`quantized`, row-major), each row
/// with its own scale `scales[j] = max|x_j| / levels` and bound term `errors[j] = scales[j]·‖x̂_j‖₁/2`;
/// a row with a NaN or infinite element gets scale 0 and error +∞.
void csimd_quantize_rows(const float *rows, long rowCount, long dim, float levels, int16_t *quantized, float *scales,
                         float *errors);

/// F(4×4, 3×3) Winograd input transform of one tile-row segment of one channel: `rows` holds
/// the six input rows (`rowLength` apart, `length` values each, zero-padded, a multiple of 8);
/// `scratch` room for six rows alike. Writes `V[ξ][t]` for the segment's `count` tiles to
/// `v[ξ·vStride + t]`, ξ < 36, in whole vectors of 8 (up to 7 values past `count`).
void csimd_winograd4_input(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                           long vStride);

/// F(4×4, 3×3) Winograd output transform of one tile-row segment of one output channel:
/// `m[ξ·mStride + t]` the GEMM outputs of its `count` tiles; adds `bias`, applies PReLU with
/// slope `*slope` when given, adds `residual` (laid out as `out`) when given, and writes `rows`
/// (≤ 4) output rows of at most `columns` values each, `outStride` apart, from `out`.
void csimd_winograd4_output(const float *m, long mStride, long count, float bias, const float *slope, float *out,
                            const float *residual, long outStride, long rows, long columns);

/// The same for F(2×2, 3×3): four input rows, `V[ξ]` for ξ < 16, and up to two output rows
/// of at most `columns` values.
void csimd_winograd2_input(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                           long vStride);
void csimd_winograd2_output(const float *m, long mStride, long count, float bias, const float *slope, float *out,
                            const float *residual, long outStride, long rows, long columns);

/// Output-gradient transform of the Winograd weight gradient, F(4×4, 3×3): `rows` holds the four
/// output-gradient rows of one tile-row segment of one channel (`rowLength` apart, `length`
/// values each, zero past the output, a multiple of 8 and at least 4·count rounded up to 8
/// tiles); `scratch` room for six rows alike. Writes `(A dY Aᵀ)_ξ` of the segment's `count`
/// tiles to `v[ξ·vStride + t]`, ξ < 36, in whole vectors of 8 (up to 7 values past `count`).
void csimd_winograd4_gradient(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                              long vStride);
/// The same for F(2×2, 3×3): two output-gradient rows, ξ < 16, `scratch` room for four rows.
void csimd_winograd2_gradient(const float *rows, float *scratch, long rowLength, long length, long count, float *v,
                              long vStride);

/// Direct convolution (stride 1, no padding) of one image `[inputChannels, height, width]` with a
/// `kernelSize`² kernel for four output channels, fused with bias and PReLU: `weights[t·4 + j]`
/// is tap t (`c·k² + ki·k + kj`) of channel j, `bias[j]` and `slope[j]` for j < 4; writes the
/// first `channels` (≤ 4) output planes (`outputHeight × outputWidth`, outputWidth ≥ 8) at
/// `destination + j·outputHeight·outputWidth`, their rows `firstRow ..< firstRow + rowCount` only.
void csimd_direct_conv4(const float *source, long inputChannels, long height, long width, long kernelSize,
                        const float *weights, long channels, const float *bias, const float *slope, float *destination,
                        long outputHeight, long outputWidth, long firstRow, long rowCount);

/// Max pooling of `planes` planes (`height × width` each) with `kernelSize`² windows every
/// `stride` pixels, no padding, windows clipped at the right and bottom edges (PyTorch's
/// `ceil_mode=True` geometry; the caller sizes the output). `scratch`: room for `width` floats.
void csimd_max_pool(const float *source, long planes, long height, long width, long kernelSize, long stride,
                    float *destination, long outputHeight, long outputWidth, float *scratch);

/// im2col of one image `[inputChannels, height, width]` for a `kernelSize`² kernel, stride 1, no
/// padding: row `(c·k + ki)·k + kj` (at `destination + row·rowStride`) holds the input under tap
/// (ki, kj) of channel c for each output pixel, `outputHeight × outputWidth` values.
void csimd_im2col(const float *source, long inputChannels, long height, long width, long kernelSize, float *destination,
                  long rowStride, long outputHeight, long outputWidth);

/// `destination[i] = prelu(source[i] + bias)` with slope `slope` below zero (may run in place).
void csimd_bias_prelu(const float *source, float *destination, long count, float bias, float slope);

/// `values[i] = max(values[i], 0)` (a NaN stays NaN).
void csimd_relu(float *values, long count);

/// `values[i] = max(values[i] + addend[i], 0)`.
void csimd_add_relu(float *values, const float *addend, long count);

/// `destination[i] = source[i·stride]` for i < `count` (an im2col row of a strided convolution).
void csimd_gather_strided(const float *source, long stride, float *destination, long count);

/// Bilinear warp of an RGB image (`width × height × 3` bytes) with OpenCV's `warpAffine`
/// arithmetic (see Imaging's `warpedAffineOpenCV`): `matrix` = a, b, tx, c, d, ty of the
/// output-to-source map in float32; neighbours outside the image count as `borderValue`.
void csimd_warp_affine(const uint8_t *source, long width, long height, uint8_t *destination, long outputWidth,
                       long outputHeight, const float *matrix, uint8_t borderValue);

/// `Image.warpedAffine`'s double-precision bilinear warp of RGB bytes: output pixel (x, y) samples
/// `(m[0]x + m[1]y + m[2], m[3]x + m[4]y + m[5])`; `border` 0 blends `constant` for neighbours
/// outside, 1 clamps them to the edge, 2 gives 0 unless all four are inside; `truncate` nonzero
/// truncates the value, zero rounds half up.
void csimd_warp_bilinear_f64(const uint8_t *source, long width, long height, uint8_t *destination, long outputWidth,
                             long outputHeight, const double *matrix, int border, uint8_t constant, int truncate);

/// One cascade level of regression trees (dlib's shape predictor): each of `trees` complete
/// binary trees of `splits` split nodes (node n goes right, to 2n + 1, when
/// `features[a] − features[b] > thresholds[n]` for its pair `split_features[2n], [2n + 1]`)
/// is walked to a leaf, its index stored in `reached[t]`; then each reached leaf's `values`
/// floats are added to `shape`, in tree order. Tables are laid out tree after tree.
void csimd_regression_trees(const float *features, const int32_t *split_features, const float *thresholds,
                            const float *leaves, long trees, long splits, long values, int32_t *reached,
                            float *shape);

#endif

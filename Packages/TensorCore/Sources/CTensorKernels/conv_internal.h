// Internal interface between the convolution driver (conv.c) and its per-ISA routines
// (conv_<isa>.c, built from conv_template.h).
#ifndef DT_CONV_INTERNAL_H
#define DT_CONV_INTERNAL_H
#include "dt_conv.h"
#include "gemm_internal.h"
#include <stddef.h>

/// A convolution operand seen by the packers. "Columns" number the output pixels of consecutive
/// images: column `c` is pixel `c % pixels` of image `first_image + c / pixels`.
typedef struct {
    const dt_conv2d_geometry *geometry;
    size_t out_h, out_w, pixels;  // pixels = out_h · out_w
    size_t patch;                 // in_channels · kernel_h · kernel_w
    const float *input;           // the whole batch
    const float *grad_output;     // the whole batch
    size_t first_image;
    const void *plans;            // per patch index: the path's precomputed gathering plan
    float *padded;                // direct kernels: this thread's zero-padded image buffer, or NULL
} dt_conv_source;

typedef struct {
    /// Forward B: element (j = pixel of image `first_image`, p = patch index) of the patch matrix.
    dt_gemm_pack_fn pack_patches;
    /// Weight-gradient B: element (j = patch index, p = column) of the transposed patch matrix.
    dt_gemm_pack_fn pack_patches_by_column;
    /// Weight-gradient A: element (i = output channel, p = column) of grad_output.
    dt_gemm_pack_fn pack_grad_output_by_column;
    /// `grad_input[image] += col2im(columns)` for pixels `[pixel0, pixel0 + count)` of one image, where
    /// `columns` is `patch × count` (row stride `count`).
    void (*scatter_columns)(const dt_conv_source *source, float *grad_input_image, const float *columns,
                            size_t pixel0, size_t count);
    /// Direct kernels for few output channels, one image at a time: forward into `output` (the
    /// whole batch), input gradient into `grad_input` (the whole batch; the image is overwritten),
    /// weight gradient added lane-wise into `sums` (`lanes` floats per weight, summed at the end).
    void (*direct_forward)(const dt_conv_source *source, const float *weight, size_t image, float *output);
    void (*direct_backward_input)(const dt_conv_source *source, const float *weight, size_t image, float *grad_input);
    void (*direct_backward_weight)(const dt_conv_source *source, size_t image, float *sums);
    int lanes;
    /// Size of one tap plan, and the routine that fills `plans` with one per patch index.
    size_t plan_bytes;
    void (*plan_taps)(const dt_conv_source *source, void *plans);
    /// Floats of the zero-padded image buffer the direct forward and weight-gradient kernels want
    /// (`padded`: zeroed before a thread's first image, one per thread), or 0 when they take no buffer.
    size_t (*padded_floats)(const dt_conv_source *source);
    /// Weight gradient of images [first, last) as dot products along the pixels, into `partial`
    /// (`[patch][out_channels]`, overwritten): `group` images per run of `run` columns (a multiple
    /// of `lanes`, at least group · pixels); `scratch` holds weight_gradient_dot_floats(source, run).
    void (*weight_gradient_dot)(const dt_conv_source *source, size_t first, size_t last, size_t group, size_t run,
                                float *scratch, float *partial);
    size_t (*weight_gradient_dot_floats)(const dt_conv_source *source, size_t run);
    /// Forward of one image of a 3×3 stride-2 layer (see s2_applies in conv.c) into `output` (the
    /// whole batch), through `padded`, which holds s2_padded_floats(source) floats, zeroed before
    /// a thread's first image.
    void (*s2_forward)(const dt_conv_source *source, const float *weight, size_t image, float *output);
    size_t (*s2_padded_floats)(const dt_conv_source *source);
    /// Input gradient of one image (overwritten) of a 3×3 stride-2 layer with padding 1 and an
    /// input twice its output (see s2_input_applies in conv.c), or NULL where the ISA lacks the
    /// interleaving it needs.
    void (*s2_backward_input)(const dt_conv_source *source, const float *weight, size_t image, float *grad_input);
    /// `out[c]` = the sum, in double, of `src[image][c][0 ..< plane]` over images [first, last)
    /// (NCHW with `channels` planes of `plane` floats per image).
    void (*sum_channels)(const float *src, size_t first, size_t last, size_t channels, size_t plane, float *out);
    /// Applies `epilogue` (see dt_conv_epilogue) to one image of a result, `channels` planes of
    /// `pixels` values, while it is still in cache; `mask` is that image's part of the epilogue's.
    void (*finish_image)(float *values, size_t channels, size_t pixels, const dt_conv_epilogue *epilogue,
                         const float *mask);
} dt_conv_isa_ops;

extern const dt_conv_isa_ops dt_conv_ops_portable;
#if defined(__x86_64__)
extern const dt_conv_isa_ops dt_conv_ops_avx2;
extern const dt_conv_isa_ops dt_conv_ops_avx512;
#endif
#if defined(__aarch64__)
extern const dt_conv_isa_ops dt_conv_ops_neon;
#endif

#endif

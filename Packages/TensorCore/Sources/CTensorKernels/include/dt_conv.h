// 2-D convolution (NCHW input, OIHW weight, groups = 1) on the CPU: forward and the two
// gradients, as GEMMs whose packing gathers patches straight from the image (no im2col buffer).
#ifndef DT_CONV_H
#define DT_CONV_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Shape of a convolution. The output is `batch × out_channels × out_h × out_w` with
/// `out_h = (height + 2·pad_h − dilation_h·(kernel_h − 1) − 1) / stride_h + 1` (likewise out_w);
/// strides and dilations are at least 1.
typedef struct {
    size_t batch, in_channels, height, width;
    size_t out_channels, kernel_h, kernel_w;
    size_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
} dt_conv2d_geometry;

/// What each image of a forward or input-gradient result gets while it is still in cache, in this
/// order: `bias` (one value per channel of the result; NULL for none) added, then with `relu` every
/// value below 0 set to 0 (the layer's ReLU), then with `mask` (contiguous, the result's shape; NULL
/// for none) every value set to 0 where the mask is 0 (the gradient of a ReLU whose output is
/// `mask`). Each step rounds as the separate elementwise pass it replaces would.
typedef struct {
    const float *bias;
    int relu;
    const float *mask;
} dt_conv_epilogue;

/// `output = conv(input, weight)`: contiguous input `[batch, in_channels, height, width]` and weight
/// `[out_channels, in_channels, kernel_h, kernel_w]` into contiguous output (overwritten), then
/// `epilogue` (NULL for none; its bias has out_channels values).
void dt_conv2d_forward(const dt_conv2d_geometry *geometry, const float *input, const float *weight, float *output,
                       const dt_conv_epilogue *epilogue);

/// Gradient with respect to the input (a transposed convolution): contiguous grad_output and
/// weight into contiguous grad_input `[batch, in_channels, height, width]` (overwritten; input
/// positions no output depends on get 0), then `epilogue` (NULL for none; its bias has
/// in_channels values, its mask grad_input's shape).
void dt_conv2d_backward_input(const dt_conv2d_geometry *geometry, const float *grad_output, const float *weight,
                              float *grad_input, const dt_conv_epilogue *epilogue);

/// A bias gradient computed beside a weight gradient: `out` (one value per channel, overwritten; NULL
/// for none) = the sum over the batch and the pixels of `grad_output` (a convolution's bias), or with
/// `of_input` of `input` (a transposed convolution's bias, its output gradient being the
/// convolution's input). Summed as the weight gradient is: in double within each leaf of the
/// batch's sum tree, the leaves pairwise in float, so it too is bit for bit the sum of its halves'.
typedef struct {
    float *out;
    int of_input;
} dt_conv_bias_gradient;

/// Gradient with respect to the weight, summed over the batch: contiguous input and grad_output
/// into contiguous grad_weight `[out_channels, in_channels, kernel_h, kernel_w]` (overwritten), and
/// the bias gradient `bias` (NULL for none).
void dt_conv2d_backward_weight(const dt_conv2d_geometry *geometry, const float *input, const float *grad_output,
                               float *grad_weight, const dt_conv_bias_gradient *bias);

/// The product dt_conv2d_weight_gradient_with computes beside the weight gradient.
typedef enum {
    /// dt_conv2d_forward of `input` (a transposed convolution's input gradient).
    DT_CONV_PRODUCT_FORWARD,
    /// dt_conv2d_backward_input of `grad_output` (a convolution's input gradient).
    DT_CONV_PRODUCT_INPUT_GRADIENT,
} dt_conv_product;

/// dt_conv2d_backward_weight(input, grad_output, bias) and `product` (into `result`, then `epilogue`), in
/// one pass over the batch: each leaf of the weight gradient's sum tree runs both, so the operands
/// read from memory for one are in cache for the other. The same bits as the two calls; the sets of
/// pointers must not overlap.
void dt_conv2d_weight_gradient_with(const dt_conv2d_geometry *geometry, const float *input, const float *grad_output,
                                    const float *weight, dt_conv_product product, float *result,
                                    const dt_conv_epilogue *epilogue, float *grad_weight,
                                    const dt_conv_bias_gradient *bias);

#ifdef __cplusplus
}
#endif
#endif

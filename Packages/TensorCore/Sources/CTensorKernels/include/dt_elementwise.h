// Elementwise, select, copy and reduction kernels of the CPU backend.
//
// Operands are strided views described by a rank, a shape and per-operand strides (in elements,
// possibly 0 for broadcast dimensions, possibly negative); pointers already include each view's
// offset. Unless stated otherwise the output is contiguous in row-major order and must not alias
// an input. Every kernel has a `_with_isa` form that runs one instruction-set path (clamped to the
// paths compiled for this architecture); the plain form uses dt_active_isa().
#ifndef DT_ELEMENTWISE_H
#define DT_ELEMENTWISE_H
#include <stddef.h>
#include <stdint.h>
#include "dt_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Operations of one operand. `p0`/`p1` are the scalar parameters where an operation has them.
typedef enum {
    DT_UNARY_NEG = 0,
    DT_UNARY_EXP,
    DT_UNARY_LOG,
    DT_UNARY_SQRT,
    DT_UNARY_ABS,
    DT_UNARY_RELU,
    DT_UNARY_TANH,
    DT_UNARY_SIGMOID,
    DT_UNARY_SOFTPLUS,           ///< log(1 + exp(x)), computed stably
    DT_UNARY_SIGN,               ///< -1, 0 or 1 (NaN stays NaN)
    DT_UNARY_ADD_SCALAR,         ///< x + p0
    DT_UNARY_MUL_SCALAR,         ///< x * p0
    DT_UNARY_RECIPROCAL_SCALED,  ///< p0 / x
    DT_UNARY_POW_SCALAR,         ///< x ^ p0
    DT_UNARY_CLAMP,              ///< min(max(x, p0), p1) (NaN stays NaN)
    DT_UNARY_GREATER_THAN_SCALAR ///< 1 where x > p0, else 0
} dt_unary_op;

/// Operations of two operands; comparisons yield 1 for true and 0 for false.
typedef enum {
    DT_BINARY_ADD = 0,
    DT_BINARY_SUB,
    DT_BINARY_MUL,
    DT_BINARY_DIV,
    DT_BINARY_POW,
    DT_BINARY_MAXIMUM,   ///< NaN if either operand is NaN
    DT_BINARY_MINIMUM,   ///< NaN if either operand is NaN
    DT_BINARY_EQUAL,
    DT_BINARY_NOT_EQUAL,
    DT_BINARY_LESS,
    DT_BINARY_LESS_EQUAL,
    DT_BINARY_GREATER,
    DT_BINARY_GREATER_EQUAL
} dt_binary_op;

/// Reductions of the middle axis of an [outer, extent, inner] block. Sums accumulate in double;
/// max/min propagate NaN; argmax/argmin write the index (as float) of the first extreme element
/// (a NaN counts as the extreme).
typedef enum {
    DT_REDUCE_SUM = 0,
    DT_REDUCE_MAX,
    DT_REDUCE_MIN,
    DT_REDUCE_ARGMAX,
    DT_REDUCE_ARGMIN
} dt_reduce_op;

/// Copies the view (shape, src, src_strides) to the view (shape, dst, dst_strides); destination
/// elements must not alias each other or the source. Contiguous and row-contiguous layouts are
/// copied with memcpy; 2-D transposes go through cache-sized tiles.
void dt_copy(int rank, const ptrdiff_t *shape,
             const float *src, const ptrdiff_t *src_strides,
             float *dst, const ptrdiff_t *dst_strides);

/// out[i] = op(x[i]) with contiguous `out` of `shape`.
void dt_unary(dt_unary_op op, float p0, float p1, int rank, const ptrdiff_t *shape,
              const float *x, const ptrdiff_t *x_strides, float *out);
void dt_unary_with_isa(dt_isa isa, dt_unary_op op, float p0, float p1, int rank, const ptrdiff_t *shape,
                       const float *x, const ptrdiff_t *x_strides, float *out);

/// out[i] = a[i] op b[i] with contiguous `out` of `shape` (broadcast operands have stride 0).
void dt_binary(dt_binary_op op, int rank, const ptrdiff_t *shape,
               const float *a, const ptrdiff_t *a_strides,
               const float *b, const ptrdiff_t *b_strides, float *out);
void dt_binary_with_isa(dt_isa isa, dt_binary_op op, int rank, const ptrdiff_t *shape,
                        const float *a, const ptrdiff_t *a_strides,
                        const float *b, const ptrdiff_t *b_strides, float *out);

/// out[i] = post(a[i] op b[i]) with contiguous `out` of `shape`: a binary operation followed by a
/// unary one (`p0`, `p1` its parameters) in one pass over memory, e.g. a bias addition and a ReLU.
/// Gives exactly the bits of dt_binary followed by dt_unary.
void dt_binary_unary(dt_binary_op op, dt_unary_op post, float p0, float p1, int rank, const ptrdiff_t *shape,
                     const float *a, const ptrdiff_t *a_strides,
                     const float *b, const ptrdiff_t *b_strides, float *out);
void dt_binary_unary_with_isa(dt_isa isa, dt_binary_op op, dt_unary_op post, float p0, float p1, int rank,
                              const ptrdiff_t *shape, const float *a, const ptrdiff_t *a_strides,
                              const float *b, const ptrdiff_t *b_strides, float *out);

/// out[i] = cond[i] != 0 ? a[i] : b[i] with contiguous `out` of `shape`.
void dt_select(int rank, const ptrdiff_t *shape,
               const float *cond, const ptrdiff_t *cond_strides,
               const float *a, const ptrdiff_t *a_strides,
               const float *b, const ptrdiff_t *b_strides, float *out);
void dt_select_with_isa(dt_isa isa, int rank, const ptrdiff_t *shape,
                        const float *cond, const ptrdiff_t *cond_strides,
                        const float *a, const ptrdiff_t *a_strides,
                        const float *b, const ptrdiff_t *b_strides, float *out);

/// Reduces the contiguous block x[outer][extent][inner] over its middle axis into contiguous
/// out[outer][inner]. `extent` must be at least 1.
void dt_reduce(dt_reduce_op op, const float *x, ptrdiff_t outer, ptrdiff_t extent, ptrdiff_t inner, float *out);
void dt_reduce_with_isa(dt_isa isa, dt_reduce_op op, const float *x, ptrdiff_t outer, ptrdiff_t extent,
                        ptrdiff_t inner, float *out);

#ifdef __cplusplus
}
#endif
#endif

// Operation codes shared by the kernels and the Swift side. Tools/dev/run gen-ptx copies every
// `#define DT_<GROUP>_<NAME> <value>` line into the generated Swift file, so the two cannot drift.
#pragma once

// Unary operations (kernel dt_unary; p0, p1 are the scalar parameters).
#define DT_UNARY_NEG 0
#define DT_UNARY_EXP 1
#define DT_UNARY_LOG 2
#define DT_UNARY_SQRT 3
#define DT_UNARY_ABS 4
#define DT_UNARY_RELU 5
#define DT_UNARY_TANH 6
#define DT_UNARY_SIGMOID 7
#define DT_UNARY_SOFTPLUS 8
#define DT_UNARY_SIGN 9
#define DT_UNARY_ADD_SCALAR 10
#define DT_UNARY_MUL_SCALAR 11
#define DT_UNARY_RECIPROCAL_SCALED 12
#define DT_UNARY_POW_SCALAR 13
#define DT_UNARY_CLAMP 14
#define DT_UNARY_GREATER_THAN_SCALAR 15

// Binary operations (kernel dt_binary).
#define DT_BINARY_ADD 0
#define DT_BINARY_SUB 1
#define DT_BINARY_MUL 2
#define DT_BINARY_DIV 3
#define DT_BINARY_POW 4
#define DT_BINARY_MAXIMUM 5
#define DT_BINARY_MINIMUM 6
#define DT_BINARY_EQUAL 7
#define DT_BINARY_NOT_EQUAL 8
#define DT_BINARY_LESS 9
#define DT_BINARY_LESS_EQUAL 10
#define DT_BINARY_GREATER 11
#define DT_BINARY_GREATER_EQUAL 12

// Reductions (kernels dt_reduce_rows, dt_reduce_columns).
#define DT_REDUCE_SUM 0
#define DT_REDUCE_MAX 1
#define DT_REDUCE_MIN 2
#define DT_REDUCE_ARGMAX 3
#define DT_REDUCE_ARGMIN 4

// Random distributions (kernel dt_philox_fill).
#define DT_RANDOM_UNIFORM 0
#define DT_RANDOM_NORMAL 1

// Limits of the parameter blocks.
#define DT_LIMIT_MAX_RANK 8
#define DT_LIMIT_MAX_OPERANDS 4
#define DT_LIMIT_BLOCK_SIZE 256
#define DT_LIMIT_GEMM_TILE 64

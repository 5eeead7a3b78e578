// Private: the balanced summation tree of the split-invariant sums (a product's depth with
// dt_gemm_args.pairwise_depth, reduce.c's column sums). A sum of n terms is cut into the 2^d
// leaves of a perfect binary tree, leaf i holding terms [⌊i·n/2^d⌋, ⌊(i+1)·n/2^d⌋), with d the
// fewest levels that bring every leaf to at most DT_SUM_TREE_LEAF terms; each leaf is summed in
// order, and siblings are added, left + right, up to the root.
//
// Why: once 2h terms exceed one leaf, their tree is the tree over the first h plus the tree over
// the last h (node i of level k starts at ⌊i·n/2^k⌋ on every level, and halving n takes one level
// off). So a sum over a batch split into equal shares of more than half a leaf, each summed this
// way and the shares added pairwise (two ranks of data-parallel training: one addition, the same
// on both), gives the one-process sum bit for bit. It also keeps the rounding error growing with
// log n rather than n.
#ifndef DT_SUM_TREE_H
#define DT_SUM_TREE_H
#include <stddef.h>

/// The most terms a leaf holds.
#define DT_SUM_TREE_LEAF 32

/// The levels d of the tree over `n` terms: the least d with ⌈n / 2^d⌉ ≤ `limit`.
static inline int dt_sum_tree_levels(size_t n, size_t limit) {
    int d = 0;
    while (((n + ((size_t)1 << d) - 1) >> d) > limit) d++;
    return d;
}

/// Where node `i` of level `level` of the tree over `n` terms starts: ⌊i·n / 2^level⌋.
static inline size_t dt_sum_tree_bound(size_t n, int level, size_t i) {
    return (size_t)(((unsigned __int128)i * n) >> level);
}

/// A run of whole leaves of one tree: `count` (a power of two: a subtree) leaves from `first`, of
/// the tree over `n` terms with `levels` levels.
typedef struct {
    size_t n;
    int levels;
    size_t first, count;
} dt_sum_tree_span;

#endif

// Convolution front end: path dispatch and the split over the worker pool. Forward and input
// gradient give each thread whole images; the weight gradient splits the batch into the leaves of
// a balanced sum tree (sum_tree.h), each a partial sum, added pairwise at the end.
#include "dt_conv.h"
#include "conv_internal.h"
#include <string.h>

/// Scratch slots (see dt_gemm_scratch): 0, 1 and 7 belong to the GEMM driver.
enum { SCRATCH_WEIGHTS = 2, SCRATCH_COLUMNS = 3, SCRATCH_PLANS = 4, SCRATCH_PARTIALS = 5, SCRATCH_PADDED = 6 };

/// Parts per thread when images are split over threads.
#define DT_CONV_PARTS_PER_THREAD 4
/// Most images in a leaf of the weight gradient's sum over the batch (one part of the work).
#define DT_CONV_LEAF_IMAGES 8
/// Below this many multiply-adds a convolution runs on the calling thread alone.
#define DT_CONV_PARALLEL_MIN_MACS (1u << 18)
/// Layers with at most this many output channels use the direct kernels: as a GEMM they would
/// have one or two rows, and the patch gathering would cost more than the arithmetic.
#define DT_CONV_DIRECT_MAX_OUT_CHANNELS 3
/// Layers with a patch of at most this many values (and the shape rows_direct asks for) also take
/// the direct kernels for the forward pass and the weight gradient: as a GEMM their depth would be
/// a few dozen, too short to amortise the tile stores, and the patch gathering would cost as much
/// as the arithmetic (the CNN-VAE's 1→16 5×5 layer).
#define DT_CONV_DIRECT_MAX_PATCH 32
/// Column-buffer budget (floats) of the input gradient, per thread.
#define DT_CONV_COLUMN_BUDGET (1u << 16)
/// The weight gradient runs as dot products along the pixels (no transposing packs) when its
/// lane-wise sums (patch · out_channels · lanes floats, added to once per run) stay within this;
/// layers with more weights keep the GEMM, whose packing is amortised over their larger tiles.
#define DT_CONV_DOT_MAX_SUMS (1u << 17)
/// Columns (pixels of consecutive images) per run of the dot-product weight gradient.
#define DT_CONV_DOT_RUN 512

static const dt_conv_isa_ops *conv_ops_for(dt_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
    case DT_ISA_AVX512F: return &dt_conv_ops_avx512;
    case DT_ISA_AVX2_FMA: return &dt_conv_ops_avx2;
#endif
#if defined(__aarch64__)
    case DT_ISA_NEON: return &dt_conv_ops_neon;
#endif
    default: return &dt_conv_ops_portable;
    }
}

static size_t output_extent(size_t size, size_t pad, size_t dilation, size_t kernel, size_t stride) {
    long span = (long)size + 2 * (long)pad - (long)(dilation * (kernel - 1)) - 1;
    return span < 0 ? 0 : (size_t)span / stride + 1;
}

typedef struct {
    const dt_conv2d_geometry *g;
    const dt_gemm_isa_ops *gemm;
    const dt_conv_isa_ops *conv;
    const dt_gemm_shape *shape;
    dt_gemm_shape shape_storage; // the selected shape with a depth block fitted to the product
    dt_conv_source source;  // first_image is set per image or per member
    const float *packed_weight;
    const float *weight;
    float *out;             // output, grad_input or grad_weight
    const dt_conv_epilogue *epilogue; // forward and input gradient: applied to each image (NULL: none)
    size_t out_channels, out_pixels;  // forward and input gradient: planes of one image of `out`, and their size
    size_t column_chunk;    // input gradient: pixels per column buffer
    int direct;             // use the direct kernels
    int s2;                 // the 3×3 stride-2 kernels (forward: s2_applies; input gradient: s2_input_applies)
    int dot;                // weight gradient: dot products along the pixels (see weight_gradient_dot)
    size_t dot_group, dot_run; // images and columns per run of the dot-product weight gradient
    float *partials;        // weight gradient: each part's sum
    const dt_conv_bias_gradient *bias; // weight gradient: the bias gradient computed beside it, or NULL
    float *bias_partials;   // and each part's sum of it (bias_channels floats)
    size_t bias_channels;
} conv_job;

/// The GEMM shape for an m×n product of depth k, its depth block evened out: the nearest whole
/// number of blocks to k / kc, of equal size. A convolution's depth is its patch (144, 288 for the
/// CNN-VAE's 3×3 layers) or its channel count: a nominal block of 128 would leave a last block of
/// 16 or 32 steps, which writes and rereads the whole output for a tenth of the work.
static const dt_gemm_shape *fitted_shape(conv_job *job, size_t m, size_t n, size_t k) {
    job->shape_storage = *job->gemm->select_shape(m, n, k);
    size_t kc = job->shape_storage.kc;
    size_t blocks = (k + kc / 2) / kc;
    if (blocks < 1) blocks = 1;
    job->shape_storage.kc = (k + blocks - 1) / blocks;
    return &job->shape_storage;
}

static size_t member_first(size_t total, int index, int count) { return total * (size_t)index / (size_t)count; }

/// This thread's view of the job's source, with the zero-padded image buffer the direct kernels
/// ask for (zeroed here; the kernels rewrite only its interior).
static dt_conv_source direct_source(const conv_job *job) {
    dt_conv_source source = job->source;
    size_t floats = job->conv->padded_floats(&source);
    if (floats) {
        source.padded = dt_gemm_scratch(SCRATCH_PADDED, floats);
        memset(source.padded, 0, floats * sizeof(float));
    }
    return source;
}

/// This thread's view of the job's source, with the zeroed split copy the 3×3 stride-2 forward
/// kernel asks for.
static dt_conv_source s2_source(const conv_job *job) {
    dt_conv_source source = job->source;
    size_t floats = job->conv->s2_padded_floats(&source);
    source.padded = dt_gemm_scratch(SCRATCH_PADDED, floats);
    memset(source.padded, 0, floats * sizeof(float));
    return source;
}

/// Whether the row-blocked direct kernels with register reuse take this layer (see
/// DT_CONV_DIRECT_MAX_PATCH): unit strides and row dilation, 3- or 5-row kernels, output rows of at
/// most two vectors.
static int rows_direct(const dt_conv2d_geometry *g, const dt_conv_source *s, size_t lanes) {
    return s->patch <= DT_CONV_DIRECT_MAX_PATCH && g->stride_w == 1 && g->stride_h == 1 && g->dilation_h == 1 &&
           (g->kernel_h == 3 || g->kernel_h == 5) && s->out_w >= 1 && s->out_w <= 2 * lanes;
}

/// Whether the channel-blocked 3×3 stride-2 forward kernel takes this layer: stride 2 and dilation
/// 1 both ways, a 3×3 kernel, output rows of one or two vectors (at least one whole vector: rows of
/// a few lanes waste most of each FMA, and the GEMM does better there), and an image whose padded
/// columns fit the split copy's rows.
static int s2_applies(const dt_conv2d_geometry *g, const dt_conv_source *s, size_t lanes) {
    if (g->stride_h != 2 || g->stride_w != 2 || g->dilation_h != 1 || g->dilation_w != 1 || g->kernel_h != 3 ||
        g->kernel_w != 3 || s->out_w < lanes || s->out_w > 2 * lanes || s->out_h == 0 || g->in_channels == 0)
        return 0;
    size_t vectors = s->out_w <= lanes ? 1 : 2;
    return (g->pad_w + g->width - 1) / 2 < vectors * lanes + 1;
}

/// Whether the parity-split input-gradient kernel takes this layer: 3×3, stride 2, padding 1 and
/// dilation 1 both ways, an input exactly twice the output, output rows of one or two whole vectors.
static int s2_input_applies(const dt_conv2d_geometry *g, const dt_conv_source *s, const dt_conv_isa_ops *conv) {
    size_t lanes = (size_t)conv->lanes;
    return conv->s2_backward_input && g->stride_h == 2 && g->stride_w == 2 && g->dilation_h == 1 &&
           g->dilation_w == 1 && g->kernel_h == 3 && g->kernel_w == 3 && g->pad_h == 1 && g->pad_w == 1 &&
           g->height == 2 * s->out_h && g->width == 2 * s->out_w && (s->out_w == lanes || s->out_w == 2 * lanes) &&
           g->in_channels > 0;
}

/// `small_patch_direct`: also use the direct kernels for rows_direct layers (forward and weight
/// gradient; the input gradient keeps the GEMM for them).
static void prepare(conv_job *job, const dt_conv2d_geometry *g, const float *input, const float *grad_output,
                    int small_patch_direct) {
    memset(job, 0, sizeof *job);
    job->g = g;
    job->gemm = dt_gemm_ops_for(dt_active_isa());
    job->conv = conv_ops_for(dt_active_isa());
    job->source.geometry = g;
    job->source.out_h = output_extent(g->height, g->pad_h, g->dilation_h, g->kernel_h, g->stride_h);
    job->source.out_w = output_extent(g->width, g->pad_w, g->dilation_w, g->kernel_w, g->stride_w);
    job->source.pixels = job->source.out_h * job->source.out_w;
    job->source.patch = g->in_channels * g->kernel_h * g->kernel_w;
    job->source.input = input;
    job->source.grad_output = grad_output;
    job->direct = g->out_channels <= DT_CONV_DIRECT_MAX_OUT_CHANNELS ||
                  (small_patch_direct && rows_direct(g, &job->source, (size_t)job->conv->lanes));
    if (!job->direct && job->source.pixels > 0 && job->source.patch > 0) {
        size_t floats = (job->source.patch * job->conv->plan_bytes + sizeof(float) - 1) / sizeof(float);
        void *plans = dt_gemm_scratch(SCRATCH_PLANS, floats);
        job->conv->plan_taps(&job->source, plans);
        job->source.plans = plans;
    }
}

static int thread_budget(const conv_job *job) {
    double macs = (double)job->g->batch * (double)job->source.pixels * (double)job->source.patch *
                  (double)job->g->out_channels;
    return macs < (double)DT_CONV_PARALLEL_MIN_MACS ? 1 : dt_thread_count();
}

/// Parts (runs of whole images) to split the batch into: a few per thread, so a descheduled worker
/// delays the rest by at most one part.
static int image_parts(const conv_job *job) {
    int threads = thread_budget(job);
    if (threads <= 1) return 1;
    size_t parts = (size_t)threads * DT_CONV_PARTS_PER_THREAD;
    return (int)(parts < job->g->batch ? parts : job->g->batch);
}

// MARK: - Forward

static void forward_image(const conv_job *job, size_t image, int threads) {
    dt_conv_source source = job->source;
    source.first_image = image;
    size_t oc = job->g->out_channels, pixels = source.pixels;
    dt_gemm_args args = {
        .m = oc, .n = pixels, .k = source.patch, .alpha = 1.0f, .beta = 0.0f,
        .a = {.prepacked = job->packed_weight},
        .b = {.pack = job->conv->pack_patches, .source = &source},
        .c = job->out + image * oc * pixels, .ldc = pixels,
    };
    if (threads > 1) dt_gemm_run(job->gemm, &args, job->shape, threads);
    else job->gemm->run_block(&args, job->shape, 0, oc, 0, pixels);
}

/// Applies the job's epilogue to image `image` of its output, just written and still in cache.
static void finish_image(const conv_job *job, size_t image) {
    const dt_conv_epilogue *e = job->epilogue;
    if (!e || (!e->bias && !e->relu && !e->mask)) return;
    size_t floats = job->out_channels * job->out_pixels;
    job->conv->finish_image(job->out + image * floats, job->out_channels, job->out_pixels, e,
                            e->mask ? e->mask + image * floats : NULL);
}

static void forward_member(void *ctx, int index, int count) {
    const conv_job *job = ctx;
    size_t first = member_first(job->g->batch, index, count), last = member_first(job->g->batch, index + 1, count);
    if (job->direct) {
        if (first == last) return;
        dt_conv_source source = direct_source(job);
        for (size_t image = first; image < last; image++) {
            job->conv->direct_forward(&source, job->weight, image, job->out);
            finish_image(job, image);
        }
        return;
    }
    if (job->s2) {
        if (first == last) return;
        dt_conv_source source = s2_source(job);
        for (size_t image = first; image < last; image++) {
            job->conv->s2_forward(&source, job->weight, image, job->out);
            finish_image(job, image);
        }
        return;
    }
    for (size_t image = first; image < last; image++) {
        forward_image(job, image, 1);
        finish_image(job, image);
    }
}

/// Prepares the forward job (packing the weights for the GEMM path); 0 when there is nothing to do.
static int forward_setup(conv_job *job, const dt_conv2d_geometry *g, const float *input, const float *weight,
                         float *output, const dt_conv_epilogue *epilogue) {
    prepare(job, g, input, NULL, 1);
    size_t oc = g->out_channels, patch = job->source.patch;
    if (g->batch == 0 || job->source.pixels == 0 || oc == 0) return 0;
    job->out = output;
    job->epilogue = epilogue;
    job->out_channels = oc;
    job->out_pixels = job->source.pixels;
    job->weight = weight;
    job->s2 = !job->direct && s2_applies(g, &job->source, (size_t)job->conv->lanes);
    if (job->direct || job->s2) return 1;
    job->shape = fitted_shape(job, oc, job->source.pixels, patch);
    size_t mr = (size_t)job->shape->mr;
    float *packed = dt_gemm_scratch(SCRATCH_WEIGHTS, (oc + mr - 1) / mr * mr * patch);
    dt_gemm_matrix w = {weight, patch, 1};
    job->gemm->pack_transposing(&w, 0, oc, 0, patch, packed, (int)mr);
    job->packed_weight = packed;
    return 1;
}

void dt_conv2d_forward(const dt_conv2d_geometry *g, const float *input, const float *weight, float *output,
                       const dt_conv_epilogue *epilogue) {
    conv_job job;
    if (!forward_setup(&job, g, input, weight, output, epilogue)) return;
    int threads = thread_budget(&job);
    if (!job.direct && !job.s2 && threads > 1 && g->batch < (size_t)threads) {
        for (size_t image = 0; image < g->batch; image++) {
            forward_image(&job, image, threads);
            finish_image(&job, image);
        }
    } else {
        dt_parallel_parts(image_parts(&job), forward_member, &job);
    }
}

// MARK: - Input gradient

static void backward_input_member(void *ctx, int index, int count) {
    const conv_job *job = ctx;
    const dt_conv2d_geometry *g = job->g;
    size_t patch = job->source.patch, pixels = job->source.pixels, oc = g->out_channels;
    size_t image_size = g->in_channels * g->height * g->width;
    size_t last = member_first(g->batch, index + 1, count);
    if (job->direct) {
        for (size_t image = member_first(g->batch, index, count); image < last; image++) {
            job->conv->direct_backward_input(&job->source, job->weight, image, job->out);
            finish_image(job, image);
        }
        return;
    }
    if (job->s2) {
        for (size_t image = member_first(g->batch, index, count); image < last; image++) {
            job->conv->s2_backward_input(&job->source, job->weight, image, job->out);
            finish_image(job, image);
        }
        return;
    }
    float *columns = dt_gemm_scratch(SCRATCH_COLUMNS, patch * job->column_chunk);
    for (size_t image = member_first(g->batch, index, count); image < last; image++) {
        float *grad_input = job->out + image * image_size;
        memset(grad_input, 0, image_size * sizeof(float));
        for (size_t pixel = 0; pixel < pixels; pixel += job->column_chunk) {
            size_t run = pixels - pixel < job->column_chunk ? pixels - pixel : job->column_chunk;
            // columns[patch × run] = Wᵀ · grad_output[:, pixel ..< pixel + run]
            dt_gemm_matrix grad = {job->source.grad_output + image * oc * pixels + pixel, 1, pixels};
            dt_gemm_args args = {
                .m = patch, .n = run, .k = oc, .alpha = 1.0f, .beta = 0.0f,
                .a = {.prepacked = job->packed_weight},
                .b = {.pack = job->gemm->pack_contiguous, .source = &grad,
                      // read in place unless rows are 4 KB apart (see dt_sgemm)
                      .direct = pixels % 1024 ? grad.data : NULL, .direct_step = pixels},
                .c = columns, .ldc = run,
            };
            job->gemm->run_block(&args, job->shape, 0, patch, 0, run);
            job->conv->scatter_columns(&job->source, grad_input, columns, pixel, run);
        }
        finish_image(job, image);
    }
}

/// Prepares the input-gradient job (packing the weights for the GEMM path); 0 when there is nothing
/// (more) to do: an empty batch, or a result without inputs to the sum, written here.
static int backward_input_setup(conv_job *job, const dt_conv2d_geometry *g, const float *grad_output,
                                const float *weight, float *grad_input, const dt_conv_epilogue *epilogue) {
    prepare(job, g, NULL, grad_output, 0);
    size_t oc = g->out_channels, patch = job->source.patch, pixels = job->source.pixels;
    if (g->batch == 0) return 0;
    job->out = grad_input;
    job->weight = weight;
    job->epilogue = epilogue;
    job->out_channels = g->in_channels;
    job->out_pixels = g->height * g->width;
    if (pixels == 0 || oc == 0) {
        memset(grad_input, 0, g->batch * g->in_channels * g->height * g->width * sizeof(float));
        for (size_t image = 0; image < g->batch; image++) finish_image(job, image);
        return 0;
    }
    job->s2 = !job->direct && s2_input_applies(g, &job->source, job->conv);
    if (job->direct || job->s2) return 1;
    size_t chunk = DT_CONV_COLUMN_BUDGET / patch;
    chunk = chunk < 64 ? 64 : chunk / 64 * 64;
    job->column_chunk = chunk < pixels ? chunk : pixels;
    job->shape = fitted_shape(job, patch, job->column_chunk, oc);
    size_t mr = (size_t)job->shape->mr;
    float *packed = dt_gemm_scratch(SCRATCH_WEIGHTS, (patch + mr - 1) / mr * mr * oc);
    dt_gemm_matrix wt = {weight, 1, patch}; // Wᵀ: element (patch index, output channel)
    job->gemm->pack_contiguous(&wt, 0, patch, 0, oc, packed, (int)mr);
    job->packed_weight = packed;
    return 1;
}

void dt_conv2d_backward_input(const dt_conv2d_geometry *g, const float *grad_output, const float *weight,
                              float *grad_input, const dt_conv_epilogue *epilogue) {
    conv_job job;
    if (backward_input_setup(&job, g, grad_output, weight, grad_input, epilogue))
        dt_parallel_parts(image_parts(&job), backward_input_member, &job);
}

// MARK: - Weight gradient

/// Sums the job's bias operand over images [first, last) into `partial` (one float per channel).
static void bias_leaf(const conv_job *job, size_t first, size_t last, float *partial) {
    const dt_conv2d_geometry *g = job->g;
    const dt_conv_bias_gradient *bias = job->bias;
    size_t channels = bias->of_input ? g->in_channels : g->out_channels;
    size_t plane = bias->of_input ? g->height * g->width : job->source.pixels;
    job->conv->sum_channels(bias->of_input ? job->source.input : job->source.grad_output, first, last, channels, plane,
                            partial);
}

static void weight_leaf(conv_job *job, int index, int count);

static void backward_weight_member(void *ctx, int index, int count) {
    conv_job *job = ctx;
    weight_leaf(job, index, count);
    if (job->bias) {
        size_t first = member_first(job->g->batch, index, count), last = member_first(job->g->batch, index + 1, count);
        bias_leaf(job, first, last, job->bias_partials + (size_t)index * job->bias_channels);
    }
}

/// Leaf `index` of `count` of the weight gradient into its part of the job's partials.
static void weight_leaf(conv_job *job, int index, int count) {
    const dt_conv2d_geometry *g = job->g;
    size_t oc = g->out_channels, patch = job->source.patch, weights = oc * patch;
    // Leaf `index` of the batch's sum tree: member_first(batch, i, 2^levels) = ⌊i·batch / 2^levels⌋.
    size_t first = member_first(g->batch, index, count), last = member_first(g->batch, index + 1, count);
    float *partial = job->partials + (size_t)index * weights;
    if (job->direct) {
        // Lane-wise sums, reduced to one float per weight ([oc][patch] layout).
        size_t lanes = (size_t)job->conv->lanes;
        float *sums = dt_gemm_scratch(SCRATCH_COLUMNS, weights * lanes);
        memset(sums, 0, weights * lanes * sizeof(float));
        if (first < last) {
            dt_conv_source source = direct_source(job);
            for (size_t image = first; image < last; image++) job->conv->direct_backward_weight(&source, image, sums);
        }
        for (size_t i = 0; i < weights; i++) {
            float total = 0.0f;
            for (size_t lane = 0; lane < lanes; lane++) total += sums[i * lanes + lane];
            partial[i] = total;
        }
        return;
    }
    if (first == last) {
        memset(partial, 0, weights * sizeof(float));
        return;
    }
    if (job->dot) {
        float *scratch = dt_gemm_scratch(SCRATCH_COLUMNS, job->conv->weight_gradient_dot_floats(&job->source, job->dot_run));
        job->conv->weight_gradient_dot(&job->source, first, last, job->dot_group, job->dot_run, scratch, partial);
        return;
    }
    dt_conv_source source = job->source;
    source.first_image = first;
    // grad_weightᵀ[patch × oc] = patches[patch × columns] · grad_outputᵀ[columns × oc]: the patch
    // dimension (hundreds) makes better tiles than the output channels (tens).
    dt_gemm_args args = {
        .m = patch, .n = oc, .k = (last - first) * source.pixels, .alpha = 1.0f, .beta = 0.0f,
        .a = {.pack = job->conv->pack_patches_by_column, .source = &source},
        .b = {.pack = job->conv->pack_grad_output_by_column, .source = &source},
        .c = partial, .ldc = oc,
    };
    job->gemm->run_block(&args, job->shape, 0, patch, 0, oc);
}

/// Prepares the weight-gradient job; the number of parts (the leaves of the batch's sum tree), or 0
/// when there is nothing (more) to do (the result, without inputs to the sum, is written here).
static int backward_weight_setup(conv_job *job, const dt_conv2d_geometry *g, const float *input,
                                 const float *grad_output, float *grad_weight, const dt_conv_bias_gradient *bias) {
    prepare(job, g, input, grad_output, 1);
    job->bias = bias && bias->out ? bias : NULL;
    job->bias_channels = job->bias ? (bias->of_input ? g->in_channels : g->out_channels) : 0;
    size_t oc = g->out_channels, patch = job->source.patch, weights = oc * patch;
    if (oc == 0 || patch == 0 || g->batch == 0 || job->source.pixels == 0) {
        // No products to sum: the weight gradient is 0 (if it has elements), the bias sums whatever
        // its operand holds, in one leaf.
        if (weights) memset(grad_weight, 0, weights * sizeof(float));
        if (job->bias) bias_leaf(job, 0, g->batch, job->bias->out);
        return 0;
    }
    size_t lanes = (size_t)job->conv->lanes;
    job->dot = !job->direct && weights * lanes <= DT_CONV_DOT_MAX_SUMS;
    if (job->dot) {
        size_t pixels = job->source.pixels;
        job->dot_group = pixels >= DT_CONV_DOT_RUN ? 1 : DT_CONV_DOT_RUN / pixels;
        job->dot_run = (job->dot_group * pixels + lanes - 1) / lanes * lanes;
    }
    // The batch is summed as a balanced tree (sum_tree.h) whose leaves of at most
    // DT_CONV_LEAF_IMAGES images are the parts: the gradient of a batch of more than one leaf is
    // then, bit for bit, the sum of its halves' (data-parallel training), whatever the thread count.
    const int parts = 1 << dt_sum_tree_levels(g->batch, DT_CONV_LEAF_IMAGES);
    if (!job->dot && !job->direct) {
        size_t leaf_images = (g->batch + (size_t)parts - 1) / (size_t)parts;
        job->shape = fitted_shape(job, patch, oc, leaf_images * job->source.pixels);
    }
    job->partials = dt_gemm_scratch(SCRATCH_PARTIALS, (size_t)parts * (weights + job->bias_channels));
    job->bias_partials = job->partials + (size_t)parts * weights;
    job->out = grad_weight;
    return parts;
}

/// Adds `parts` consecutive arrays of `size` floats pairwise, up the tree, into the first.
static void add_parts_pairwise(float *parts_base, size_t size, int parts) {
    for (int step = 1; step < parts; step *= 2) {
        for (int member = 0; member + step < parts; member += 2 * step) {
            float *restrict into = parts_base + (size_t)member * size;
            const float *restrict from = parts_base + (size_t)(member + step) * size;
            for (size_t i = 0; i < size; i++) into[i] += from[i];
        }
    }
}

/// Adds the parts' sums pairwise into the job's grad_weight (the GEMM path's parts are transposed,
/// [patch][oc]) and its bias gradient.
static void backward_weight_finish(const conv_job *job, int parts) {
    size_t oc = job->g->out_channels, patch = job->source.patch, weights = oc * patch;
    add_parts_pairwise(job->partials, weights, parts);
    if (job->bias) {
        add_parts_pairwise(job->bias_partials, job->bias_channels, parts);
        memcpy(job->bias->out, job->bias_partials, job->bias_channels * sizeof(float));
    }
    const float *total = job->partials;
    if (job->direct) memcpy(job->out, total, weights * sizeof(float));
    else
        for (size_t o = 0; o < oc; o++)
            for (size_t t = 0; t < patch; t++) job->out[o * patch + t] = total[t * oc + o];
}

void dt_conv2d_backward_weight(const dt_conv2d_geometry *g, const float *input, const float *grad_output,
                               float *grad_weight, const dt_conv_bias_gradient *bias) {
    conv_job job;
    int parts = backward_weight_setup(&job, g, input, grad_output, grad_weight, bias);
    if (!parts) return;
    // Small layers keep to the calling thread (as image_parts does); the parts, and so the bits,
    // are the same either way.
    if (thread_budget(&job) <= 1)
        for (int part = 0; part < parts; part++) backward_weight_member(&job, part, parts);
    else
        dt_parallel_parts(parts, backward_weight_member, &job);
    backward_weight_finish(&job, parts);
}

// MARK: - The weight gradient with another product of the same operands

/// A weight gradient and, leaf by leaf, the other product of one of its operands (see
/// dt_conv2d_weight_gradient_with).
typedef struct {
    conv_job *product, *weight;
    int forward; // the product is the forward pass of `input` (else the input gradient of `grad_output`)
} conv_pair;

static void pair_member(void *ctx, int index, int count) {
    const conv_pair *pair = ctx;
    if (pair->forward) forward_member(pair->product, index, count);
    else backward_input_member(pair->product, index, count);
    backward_weight_member(pair->weight, index, count);
}

void dt_conv2d_weight_gradient_with(const dt_conv2d_geometry *g, const float *input, const float *grad_output,
                                    const float *weight, dt_conv_product product, float *result,
                                    const dt_conv_epilogue *epilogue, float *grad_weight,
                                    const dt_conv_bias_gradient *bias) {
    conv_job first, second;
    int forward = product == DT_CONV_PRODUCT_FORWARD;
    int ready = forward ? forward_setup(&first, g, input, weight, result, epilogue)
                        : backward_input_setup(&first, g, grad_output, weight, result, epilogue);
    if (!ready) {
        // The product had nothing to compute, or wrote its whole result in its setup.
        dt_conv2d_backward_weight(g, input, grad_output, grad_weight, bias);
        return;
    }
    // An empty weight gradient (and its bias) is written in the setup (no parts).
    int parts = backward_weight_setup(&second, g, input, grad_output, grad_weight, bias);
    int threads = parts ? thread_budget(&second) : 1;
    // Leaf by leaf only where every thread gets a few leaves; otherwise (small batches) the two
    // products run one after the other, each split its own way. The bits are the same either way.
    if (!parts || (threads > 1 && parts < 2 * threads)) {
        if (forward) dt_conv2d_forward(g, input, weight, result, epilogue);
        else dt_conv2d_backward_input(g, grad_output, weight, result, epilogue);
        if (parts) dt_conv2d_backward_weight(g, input, grad_output, grad_weight, bias);
        return;
    }
    // Both jobs were planned for the same geometry: where the second planned taps too, it did so
    // in the scratch holding the first one's, with the same contents.
    if (first.source.plans && second.source.plans) first.source.plans = second.source.plans;
    conv_pair pair = {&first, &second, forward};
    if (threads <= 1)
        for (int part = 0; part < parts; part++) pair_member(&pair, part, parts);
    else
        dt_parallel_parts(parts, pair_member, &pair);
    backward_weight_finish(&second, parts);
}

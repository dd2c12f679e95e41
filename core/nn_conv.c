#include "nn_conv.h"

#include <stdio.h>
#include <string.h>

#include "nn_gemm.h"
#include "nn_layer.h"
#include "nn_ref.h"

/* Examples whose patches go through one product: as many as keep the
 * patches within 2 MB (at least one). */
static size_t chunk(const struct nn_conv_shape *s, size_t batch)
{
	size_t per = nn_conv_out_h(s) * nn_conv_out_w(s) * s->k * s->k * s->c;
	size_t n = (size_t)1 << 19 > per ? ((size_t)1 << 19) / per : 1;

	return n < batch ? n : batch;
}

static size_t widest(const struct nn_conv_shape *s)
{
	size_t patch = s->k * s->k * s->c;

	return s->m > patch ? s->m : patch;
}

/* Per thread: the patches of a chunk, their gradients and the product's
 * packing. */
size_t nn_conv_scratch(const struct nn_conv_shape *s, size_t max_batch)
{
	size_t patch = s->k * s->k * s->c;

	return 2 * chunk(s, max_batch) * nn_conv_out_h(s) * nn_conv_out_w(s) * patch +
	       nn_gemm_scratch(widest(s));
}

/* The weight gradients of a batch are summed in NN_CONV_SLICES slices of
 * its examples (fewer when the batch is smaller), a fixed split: each
 * slice's sum the same whichever thread makes it, and the slices added in
 * their order, so any number of threads gives the same bits. */
static size_t slices(size_t batch)
{
	return batch < NN_CONV_SLICES ? batch : NN_CONV_SLICES;
}

/* The first slice adds into gw and gb, the others into their own sums
 * here, added in after. */
size_t nn_conv_shared(const struct nn_conv_shape *s)
{
	return (NN_CONV_SLICES - 1) * (s->m * s->k * s->k * s->c + s->m);
}

/* cols[(oy, ox)] = the k x k x c patch of in at (oy, ox), in (kh, kw, c)
 * order: each patch row is row = k * c contiguous floats of the input.
 * Inlined with a constant row for the short rows of one-channel inputs,
 * whose copies then compile to a move or two instead of a loop. */
static inline __attribute__((always_inline)) void
im2col_rows(float *cols, const float *in, const struct nn_conv_shape *s, size_t row)
{
	size_t oh = nn_conv_out_h(s), ow = nn_conv_out_w(s);

	for (size_t oy = 0; oy < oh; oy++)
		for (size_t ox = 0; ox < ow; ox++) {
			float *restrict dst = cols + (oy * ow + ox) * s->k * row;

			for (size_t ky = 0; ky < s->k; ky++)
				memcpy(dst + ky * row, in + ((oy + ky) * s->w + ox) * s->c, row * sizeof(float));
		}
}

static void im2col(float *cols, const float *in, const struct nn_conv_shape *s)
{
	switch (s->k * s->c) {
	case 3: im2col_rows(cols, in, s, 3); break;
	case 5: im2col_rows(cols, in, s, 5); break;
	case 7: im2col_rows(cols, in, s, 7); break;
	default: im2col_rows(cols, in, s, s->k * s->c); break;
	}
}

/* din += the patches of dcols, each added back where im2col took it. */
static void col2im(float *din, const float *dcols, const struct nn_conv_shape *s)
{
	size_t oh = nn_conv_out_h(s), ow = nn_conv_out_w(s), row = s->k * s->c;

	for (size_t oy = 0; oy < oh; oy++)
		for (size_t ox = 0; ox < ow; ox++) {
			const float *src = dcols + (oy * ow + ox) * s->k * row;

			for (size_t ky = 0; ky < s->k; ky++) {
				float *restrict d = din + ((oy + ky) * s->w + ox) * s->c;
				const float *restrict p = src + ky * row;

				for (size_t i = 0; i < row; i++)
					d[i] += p[i];
			}
		}
}

/* Whether the product reads the patches where they lie in the input
 * (nn_patches): when a tile's rows fit in an output row. */
static int reads_in_place(const struct nn_conv_shape *s)
{
	return nn_conv_out_w(s) % NN_GEMM_ROWS == 0;
}

/* A pass over a batch, split into parts of its examples. */
struct job {
	float *out, *gw, *gb, *din, *keep;
	const float *in, *w, *b, *dout, *kept;
	const struct nn_conv_shape *s;
	size_t batch, slices;
	struct nn_team *team;
};

/* Examples [e0, e1) forward. */
static void forward_examples(const struct job *j, size_t e0, size_t e1, size_t thread)
{
	const struct nn_conv_shape *s = j->s;
	size_t pos = nn_conv_out_h(s) * nn_conv_out_w(s), patch = s->k * s->k * s->c;
	size_t step = chunk(s, j->batch), in_n = s->h * s->w * s->c;
	float *scratch = nn_team_scratch(j->team, thread), *pack = scratch + 2 * step * pos * patch;

	if (!j->keep && reads_in_place(s)) {
		/* The patches read where they lie, all the part's at once. */
		struct nn_patches p = { j->in + e0 * in_n, s->h, s->w, s->c, s->k };
		struct nn_gemm g = { .c = j->out + e0 * pos * s->m, .ldc = s->m, .b = j->w, .ldb = patch,
				     .tb = 1, .m = (e1 - e0) * pos, .n = s->m, .k = patch, .bias = j->b, .pa = &p };

		nn_gemm(&g, pack);
		return;
	}
	for (size_t r0 = e0; r0 < e1; r0 += step) {
		size_t n = e1 - r0 < step ? e1 - r0 : step;
		float *cols = j->keep ? j->keep + r0 * pos * patch : scratch;

		for (size_t r = 0; r < n; r++)
			im2col(cols + r * pos * patch, j->in + (r0 + r) * in_n, s);
		/* out (examples * positions, M) = patches (.., K) w^T (K, M) + b. */
		struct nn_gemm g = { .c = j->out + r0 * pos * s->m, .ldc = s->m, .a = cols, .lda = patch,
				     .b = j->w, .ldb = patch, .tb = 1, .m = n * pos, .n = s->m, .k = patch,
				     .bias = j->b };
		nn_gemm(&g, pack);
	}
}

static void forward_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	const struct job *j = ctx;

	forward_examples(j, j->batch * part / parts, j->batch * (part + 1) / parts, thread);
}

void nn_conv_forward(float *out, const float *in, const float *w, const float *b, float *keep,
		     struct nn_team *team, const struct nn_conv_shape *s, size_t batch)
{
	struct job j = { .out = out, .in = in, .w = w, .b = b, .keep = keep, .s = s, .batch = batch,
			 .team = team };

	nn_team_run(team, forward_part, &j, nn_team_parts(team));
}

/* Slice 'slice' of the weight gradients: its examples' sums, in gw and gb
 * or its own. */
static void weights_slice(const struct job *j, size_t slice, size_t thread)
{
	const struct nn_conv_shape *s = j->s;
	size_t pos = nn_conv_out_h(s) * nn_conv_out_w(s), patch = s->k * s->k * s->c;
	size_t e0 = j->batch * slice / j->slices, e1 = j->batch * (slice + 1) / j->slices;
	size_t step = chunk(s, j->batch), in_n = s->h * s->w * s->c;
	float *scratch = nn_team_scratch(j->team, thread), *pack = scratch + 2 * step * pos * patch;
	float *gw = j->gw, *gb = j->gb;
	/* The patches: kept forward; or read from the input as the product
	 * packs them (no copy of them all first) when their kernel rows are
	 * a vector long or more; or copied first (im2col's constant short
	 * rows: conv1's are 5 floats, which the product's packing copied at
	 * half the speed). */
	int from_input = !j->kept && s->k * s->c >= 16;

	if (slice > 0) {
		gw = nn_team_shared(j->team) + (slice - 1) * (s->m * patch + s->m);
		gb = gw + s->m * patch;
		memset(gw, 0, (s->m * patch + s->m) * sizeof(float));
	}
	for (size_t r0 = e0; r0 < e1; r0 += step) {
		size_t n = e1 - r0 < step ? e1 - r0 : step;
		const float *d = j->dout + r0 * pos * s->m, *cols = scratch;
		struct nn_patches p = { j->in + r0 * in_n, s->h, s->w, s->c, s->k };

		if (j->kept)
			cols = j->kept + r0 * pos * patch;
		else if (!from_input)
			for (size_t r = 0; r < n; r++)
				im2col(scratch + r * pos * patch, j->in + (r0 + r) * in_n, s);
		/* gw (M, K) += d^T (M, examples * positions) patches; gb += column sums of d. */
		struct nn_gemm g = { .c = gw, .ldc = patch, .a = d, .lda = s->m, .ta = 1, .b = cols,
				     .ldb = patch, .m = s->m, .n = patch, .k = n * pos, .accumulate = 1,
				     .pb = from_input ? &p : NULL };

		nn_gemm(&g, pack);
		for (size_t q = 0; q < n * pos; q++)
			for (size_t c = 0; c < s->m; c++)
				gb[c] += d[q * s->m + c];
	}
}

/* Examples [e0, e1) of the input gradients, written whole: each
 * example's own. */
static void inputs_part(const struct job *j, size_t e0, size_t e1, size_t thread)
{
	const struct nn_conv_shape *s = j->s;
	size_t pos = nn_conv_out_h(s) * nn_conv_out_w(s), patch = s->k * s->k * s->c;
	size_t step = chunk(s, j->batch), in_n = s->h * s->w * s->c;
	float *dcols = nn_team_scratch(j->team, thread), *pack = dcols + 2 * step * pos * patch;

	memset(j->din + e0 * in_n, 0, (e1 - e0) * in_n * sizeof(float));
	for (size_t r0 = e0; r0 < e1; r0 += step) {
		size_t n = e1 - r0 < step ? e1 - r0 : step;
		/* dpatches (.., K) = d w, each added back where it came from. */
		struct nn_gemm g = { .c = dcols, .ldc = patch, .a = j->dout + r0 * pos * s->m, .lda = s->m,
				     .b = j->w, .ldb = patch, .m = n * pos, .n = patch, .k = s->m };
		nn_gemm(&g, pack);
		for (size_t r = 0; r < n; r++)
			col2im(j->din + (r0 + r) * in_n, dcols + r * pos * patch, s);
	}
}

/* The first j->slices parts are the weight gradients' slices, the rest
 * the input gradients' parts. */
static void backward_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	const struct job *j = ctx;
	size_t p = part - j->slices, np = parts - j->slices;

	if (part < j->slices)
		weights_slice(j, part, thread);
	else
		inputs_part(j, j->batch * p / np, j->batch * (p + 1) / np, thread);
}

/* Elements [part of parts] of gw and gb (the biases after the weights)
 * plus the other slices' sums, added in their order. */
static void add_slices_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)thread;
	const struct job *j = ctx;
	const struct nn_conv_shape *s = j->s;
	size_t nw = s->m * s->k * s->k * s->c, n = nw + s->m;
	size_t i0 = n * part / parts, i1 = n * (part + 1) / parts;

	for (size_t k = 1; k < j->slices; k++) {
		const float *pw = nn_team_shared(j->team) + (k - 1) * n;

		for (size_t i = i0; i < i1 && i < nw; i++)
			j->gw[i] += pw[i];
		for (size_t i = i0 > nw ? i0 : nw; i < i1; i++)
			j->gb[i - nw] += pw[i];
	}
}

void nn_conv_backward(float *gw, float *gb, float *din, const float *dout, const float *in,
		      const float *kept, const float *w, struct nn_team *team, const struct nn_conv_shape *s,
		      size_t batch)
{
	struct job j = { .gw = gw, .gb = gb, .din = din, .dout = dout, .in = in, .kept = kept, .w = w,
			 .s = s, .batch = batch, .slices = slices(batch), .team = team };
	size_t patch = s->k * s->k * s->c, np = nn_team_parts(team), n = nn_team_size(team);
	size_t home[NN_CONV_SLICES + NN_TEAM_MAX];

	/* Each part is for the thread that made its examples forward (the
	 * thread of forward part q is q * n / np): their patches and
	 * gradients are in its cache. */
	for (size_t k = 0; k < j.slices; k++) {
		size_t e0 = batch * k / j.slices, q = 0;

		while (q + 1 < np && batch * (q + 1) / np <= e0)
			q++;
		home[k] = q * n / np;
	}
	for (size_t q = 0; din && q < np; q++)
		home[j.slices + q] = q * n / np;
	nn_team_run_homed(team, backward_part, &j, j.slices + (din ? np : 0), home);
	if (j.slices > 1)
		nn_team_run_awake(team, add_slices_part, &j, np, s->m * patch + s->m);
}

/* The convolution kind. */
static struct nn_conv_shape conv_shape(const struct nn_layer *l)
{
	return (struct nn_conv_shape){ l->in.h, l->in.w, l->in.c, l->spec.kernel, l->spec.size };
}

static int conv_plan(struct nn_layer *l, struct nn_err *err)
{
	size_t k = l->spec.kernel, m = l->spec.size;

	if (m == 0 || m > 4096 || k == 0 || k > 64)
		return nn_errorf(err, NN_EINVAL, "%zu maps of %zux%zu, expected 1 to 4096 maps of 1x1 to 64x64",
				 m, k, k);
	if (l->in.h == 1 && l->in.w == 1 && k > 1)
		return nn_errorf(err, NN_EINVAL, "input is a vector of %zu values (a 1x1 image of %zu channels, which only a 1x1 kernel fits), not an image for a %zux%zu kernel: name the input's image shape with a first layer 'input CxHxW', and put convolutions and pooling before fully connected layers",
				 l->in.c, l->in.c, k, k);
	if (l->in.h < k || l->in.w < k)
		return nn_errorf(err, NN_EINVAL, "input is %zux%zux%zu, smaller than the %zux%zu kernel",
				 l->in.c, l->in.h, l->in.w, k, k);
	struct nn_conv_shape s = conv_shape(l);
	l->out = (struct nn_shape){ nn_conv_out_h(&s), nn_conv_out_w(&s), m };
	l->nw = m * k * k * l->in.c;
	l->nb = m;
	l->fan_in = k * k * l->in.c;
	l->fan_out = m * k * k;
	l->scratch = nn_conv_scratch(&s, l->max_batch);
	l->shared = nn_conv_shared(&s);
	/* Patches are kept for the backward pass only where forward cannot
	 * read them in place. */
	l->nmask = reads_in_place(&s) ? 0 : l->out.h * l->out.w * l->fan_in;
	return 0;
}

/* In training the patches are kept for the backward pass, unless
 * forward reads them in place (backward makes them again then). */
static void conv_forward_begin(struct nn_layer *l, struct nn_rng *rng)
{
	struct nn_conv_shape s = conv_shape(l);

	l->dropped = rng != NULL && !reads_in_place(&s);
}

static void conv_forward(struct nn_layer *l, const float *in, const struct nn_work *x,
			 struct nn_rng *rng, size_t batch)
{
	struct nn_conv_shape s = conv_shape(l);

	conv_forward_begin(l, rng);
	nn_conv_forward(l->a, in, l->w, l->b, l->dropped ? l->mask : NULL, x->team, &s, batch);
}

static void conv_forward_examples(struct nn_layer *l, const float *in, size_t e0, size_t e1,
				  struct nn_team *team, size_t thread)
{
	struct nn_conv_shape s = conv_shape(l);
	struct job j = { .out = l->a, .in = in, .w = l->w, .b = l->b, .keep = l->dropped ? l->mask : NULL,
			 .s = &s, .batch = l->max_batch, .team = team };

	forward_examples(&j, e0, e1, thread);
}

static void conv_backward(struct nn_layer *l, float *din, const float *in, const struct nn_work *x,
			  size_t batch)
{
	struct nn_conv_shape s = conv_shape(l);

	nn_conv_backward(l->gw, l->gb, din, l->d, in, l->dropped ? l->mask : NULL, l->w, x->team, &s, batch);
}

/* Files nest the kernels (M, C, K, K), network3.py's filter_shape; the
 * model keeps (M, K, K, C), a patch's order. */
static size_t conv_file_dims(const struct nn_layer *l, size_t dims[4])
{
	dims[0] = l->spec.size;
	dims[1] = l->in.c;
	dims[2] = dims[3] = l->spec.kernel;
	return 4;
}

static size_t conv_file_index(const struct nn_layer *l, size_t i)
{
	size_t k = l->spec.kernel, c = l->in.c;
	size_t kx = i % k, ky = i / k % k, ch = i / (k * k) % c, m = i / (k * k * c);

	return ((m * k + ky) * k + kx) * c + ch;
}

/* "conv MxKxK [ACT]" (or "MxK") after its word. */
static int conv_parse(const char *p, const char *text, struct nn_spec *out, int *named,
		      struct nn_err *err)
{
	size_t b;

	if (nn_spec_count(&p, &out->size) < 0)
		return nn_errorf(err, NN_EINVAL, "'%s': expected a count of 1 to %u after 'conv'", text, 1u << 24);
	if (*p != 'x' || (p++, nn_spec_count(&p, &out->kernel) < 0))
		return nn_errorf(err, NN_EINVAL, "'%s': expected 'conv MxKxK': M maps of K x K", text);
	if (*p == 'x' && (p++, nn_spec_count(&p, &b) < 0 || b != out->kernel))
		return nn_errorf(err, NN_EINVAL, "'%s': kernels are square (conv MxKxK)", text);
	return nn_spec_act(p, text, out, named, err);
}

static void conv_format(const struct nn_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "conv %zux%zux%zu %s", s->size, s->kernel, s->kernel, nn_act_name(s->act));
}

static void conv_ref_forward(const struct nn_layer *l, const float *in, float *out, size_t batch)
{
	struct nn_ref_conv s = { l->in.h, l->in.w, l->in.c, l->spec.kernel, l->spec.size };

	nn_ref_conv_forward(out, in, l->w, l->b, &s, batch);
}

static void conv_ref_backward(const struct nn_layer *l, const float *d, const float *in, float *din, float *gw,
			      float *gb, size_t batch)
{
	struct nn_ref_conv s = { l->in.h, l->in.w, l->in.c, l->spec.kernel, l->spec.size };

	nn_ref_conv_backward(gw, gb, din, d, in, l->w, &s, batch);
}

const struct nn_layer_kind nn_conv_kind = {
	.name = "conv",
	.kind = NN_CONV,
	.parse = conv_parse,
	.format = conv_format,
	.activates = 1,
	.sets_din = 1,
	.plan = conv_plan,
	.forward = conv_forward,
	.forward_begin = conv_forward_begin,
	.forward_examples = conv_forward_examples,
	.backward = conv_backward,
	.file_dims = conv_file_dims,
	.file_index = conv_file_index,
	.ref_forward = conv_ref_forward,
	.ref_backward = conv_ref_backward,
};

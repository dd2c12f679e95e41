/* The layers a network is stacked from: what a config names (struct
 * nn_spec), the shapes the model infers from its input, and the table of
 * kinds through which the model runs each layer. Activations are
 * channels-last, (H, W, C) per example; a flat vector of n values is
 * 1 x 1 x n. Each kind's forward and backward live in its own file
 * (nn_dense.c, nn_conv.c, nn_pool.c, nn_dropout.c). */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "nn_act.h"
#include "nn_err.h"
#include "nn_rng.h"
#include "nn_step.h"
#include "nn_team.h"

enum nn_kind {
	NN_FC,       /* fully connected: size units */
	NN_CONV,     /* valid kernel x kernel convolution, stride 1: size maps */
	NN_POOL,     /* max-pooling size x size, stride size, border dropped */
	NN_DROPOUT   /* drops each input with probability p in training */
};

struct nn_shape {
	size_t h, w, c;
};

static inline size_t nn_shape_size(struct nn_shape s) { return s.h * s.w * s.c; }

/* Whether every side is 1 to max and so is their product, tested without
 * forming a product that could wrap. */
static inline int nn_shape_fits(struct nn_shape s, size_t max)
{
	if (s.h < 1 || s.w < 1 || s.c < 1 || s.h > max || s.w > max || s.c > max)
		return 0;
	return s.w <= max / s.h && s.c <= max / (s.h * s.w);
}

/* One layer as a config names it. */
struct nn_spec {
	enum nn_kind kind;
	size_t size;       /* FC: units; CONV: maps; POOL: window side */
	size_t kernel;     /* CONV: kernel side */
	float p;           /* DROPOUT: the probability of dropping an input */
	enum nn_act act;   /* FC and CONV: applied to the output */
};

struct nn_layer_kind;

enum { NN_SHORT_SIZE = 1, NN_SHORT_SKIP = 2 };

/* What a layer's kernels work with: the model's team of threads, each
 * with scratch of the largest size a layer asks for. */
struct nn_work {
	struct nn_team *team;
};

/* A layer of a built model: its shapes and views into the model's blocks.
 * A layer reads the previous layer's a (or the model's input). */
struct nn_layer {
	struct nn_spec spec;
	const struct nn_layer_kind *kind;
	struct nn_shape in, out;
	size_t nw, nb;              /* parameters: weights, then biases */
	size_t fan_in, fan_out;     /* FC, CONV: the inputs and outputs one weight joins */
	size_t max_batch;           /* examples a pass may hold (set before plan) */
	size_t scratch;             /* floats of scratch the kernels need per thread */
	size_t shared;              /* floats the kernels need shared by the threads */
	size_t nidx;                /* uint32_t per example: POOL's winners */
	size_t nmask;               /* floats per example kept from forward to backward:
				       DROPOUT's mask, CONV's patches */
	float *w, *b, *gw, *gb;     /* (nw), (nb) views into params and grads */
	float *a;                   /* (max_batch, out): the output, after the activation */
	float *d;                   /* (max_batch, out): dC/da in backward */
	uint32_t *idx;              /* POOL: (max_batch, out) the input each output came from */
	float *mask;                /* (max_batch, nmask): DROPOUT's 0 or 1/(1 - p), CONV's patches */
	int dropped;                /* the last forward was training's: mask (idx) holds its values */
	/* The activation the model applies to this layer's output: an fc or
	 * conv layer's own, except that a conv layer followed by pooling
	 * hands it to the pooling layer, which applies it to the pooled
	 * values (network3.py's order: pool, add the bias, activate; the
	 * bias is per map, so adding it before pooling is the same). For a
	 * nondecreasing activation this equals pooling the activated map,
	 * at a quarter of the activations' cost. */
	int activates;
	enum nn_act act;
};

/* What the model calls for a kind of layer. */
struct nn_layer_kind {
	const char *name;           /* "fc", "conv", "pool", "dropout": the written form's word */
	enum nn_kind kind;          /* what a spec of this kind holds in spec.kind */
	int activates;              /* has an activation (spec.act) */
	int output;                 /* may be the output layer */
	/* Applies the activation of the layer before it, when that one has
	 * one: a max pooling after a convolution gives the same values at a
	 * quarter of the activations' cost (nondecreasing activations). */
	int takes_activation;
	/* backward (and backward_step) writes din whole rather than adding
	 * to it, each thread zeroing its own part: the model does not zero
	 * it first. */
	int sets_din;
	/* In the book's short form [n0, n1, ..., nL]: NN_SHORT_SIZE for a
	 * kind that is one of the sizes, NN_SHORT_SKIP for one the short form
	 * leaves out (dropout, from model.dropout); 0: not expressible. */
	int short_form;
	/* network3.py's initialisation: what a layer's fan_out is divided by
	 * when this layer follows it (pooling: its window's area); NULL: 1. */
	double (*fan_out_divisor)(const struct nn_layer *l);
	/* The written form after the word (args: "20x5x5 relu" of "conv
	 * 20x5x5 relu"; text is the whole item, for messages) into out,
	 * whose act is the default; *named says whether it named one.
	 * Returns 0 or NN_EINVAL (nn_spec_count and nn_spec_act help). */
	int (*parse)(const char *args, const char *text, struct nn_spec *out, int *named,
		     struct nn_err *err);
	/* The written form of s ("conv 20x5x5 relu") into buf. */
	void (*format)(const struct nn_spec *s, char *buf, size_t len);
	/* From l->spec and l->in: sets out, nw, nb, fan_in, fan_out, scratch,
	 * nidx, nmask. Returns 0, or NN_EINVAL with a message that gives
	 * the sizes (the caller prefixes the layer). */
	int (*plan)(struct nn_layer *l, struct nn_err *err);
	/* l->a = the layer's output for batch rows of in (before the
	 * activation); rng is NULL outside training. */
	void (*forward)(struct nn_layer *l, const float *in /* (B, in) */, const struct nn_work *x,
			struct nn_rng *rng, size_t batch);
	/* A forward pass in pieces, for kinds whose examples are
	 * independent: forward_begin once (rng as forward's), then
	 * forward_examples for examples [e0, e1) of the batch on the calling
	 * thread (thread's scratch of team), any split among threads giving
	 * forward's bits. The model runs a stack of such layers (the conv
	 * and pooling layers of a conv net) as one job, each thread taking
	 * its examples through them all a few at a time, in its cache. NULL
	 * for other kinds. */
	void (*forward_begin)(struct nn_layer *l, struct nn_rng *rng);
	void (*forward_examples)(struct nn_layer *l, const float *in /* (B, in) */, size_t e0, size_t e1,
				 struct nn_team *team, size_t thread);
	/* From l->d = dC/d(output before the activation): gw, gb += their
	 * gradients and, when din is not NULL, din += dC/d(in), or din =
	 * dC/d(in) for a kind that sets_din. Callers zero what accumulates. */
	void (*backward)(struct nn_layer *l, float *din /* (B, in) or NULL */,
			 const float *in /* (B, in) */, const struct nn_work *x, size_t batch);
	/* Training's backward with the step of the layer's own parameters
	 * folded in, v their velocities (weights, then biases): the same bits
	 * as backward on zeroed gradients followed by nn_step_update of w and
	 * of b (decay for w only), in one pass over the weights where the two
	 * make four; din comes from the weights before the step, and gw, gb
	 * stay zero. NULL: the model steps the layer after backward. */
	void (*backward_step)(struct nn_layer *l, float *din, const float *in, const struct nn_work *x,
			      size_t batch, const struct nn_step *s, float *v);
	/* Model files: the weight tensor's dimensions as the file nests them
	 * (returns how many, at most 4), and the index into w of the file's
	 * i-th weight in that order. NULL for kinds without weights. */
	size_t (*file_dims)(const struct nn_layer *l, size_t dims[4]);
	size_t (*file_index)(const struct nn_layer *l, size_t i);
	/* The reference (nn_ref.h): out = the layer's output for batch rows
	 * of in, before the activation; and from d = dC/d(that output), gw
	 * and gb += their gradients and din (when not NULL, zeroed first) +=
	 * dC/d(in), through the plain-loop kernels. NULL for kinds the
	 * reference does not model (dropout, whose masks are drawn). */
	void (*ref_forward)(const struct nn_layer *l, const float *in, float *out, size_t batch);
	void (*ref_backward)(const struct nn_layer *l, const float *d, const float *in, float *din, float *gw,
			     float *gb, size_t batch);
};

extern const struct nn_layer_kind nn_fc_kind, nn_conv_kind, nn_pool_kind, nn_dropout_kind;

/* The kind of a spec, from the registry (nn_layer.c) of every kind. */
const struct nn_layer_kind *nn_layer_kind_of(enum nn_kind kind);

/* For the kinds' parse: a count at *p (digits only, 1 to 2^24), *p moved
 * past it; returns 0 or -1. The rest of an item after its sizes: nothing
 * (0), or one activation into out->act (0, *named set), or NN_EINVAL
 * naming text. */
int nn_spec_count(const char **p, size_t *out);
int nn_spec_act(const char *p, const char *text, struct nn_spec *out, int *named, struct nn_err *err);

/* "conv 20x5x5 relu", "pool 2", "fc 100 sigmoid", "dropout 0.5": a spec
 * as configs write it, into buf. */
const char *nn_spec_format(const struct nn_spec *s, char *buf, size_t len);

/* Parses a layer as configs and model files write it: "fc N [ACT]" (or
 * just "N"), "softmax N" (fc N softmax), "conv MxKxK [ACT]" (M maps of
 * K x K; "MxK" too), "pool P" (or "pool PxP"), "dropout P". An fc or
 * conv layer without ACT gets def, and *named (when not NULL) says
 * whether ACT was there. Returns 0, or NN_EINVAL with a message saying
 * what is wrong. */
int nn_spec_parse(const char *text, enum nn_act def, struct nn_spec *out, int *named,
		  struct nn_err *err);

/* Weight i of a layer with parameters, counted in its model file's
 * order (a conv layer's (maps, channels, k, k), a fc layer's rows (out,
 * in) with the inputs of an image stack in (channel, row, column)): how
 * code outside core/ reads a layer's weights without knowing the layout
 * its kernels use. */
float nn_layer_file_weight(const struct nn_layer *l, size_t i);

#endif

/* A feed-forward network: a stack of layers (nn_layer.h) with every shape
 * inferred from the input shape. The model owns a few blocks: parameters,
 * gradients and momentum velocities (all three in the same layout: per
 * layer with parameters its weights, then its biases), the input, each
 * layer's outputs and deltas for up to max_batch examples, pooling
 * indices, dropout masks and the convolutions' scratch; layers hold views
 * into them. Code outside core/ reads a model through the accessors. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nn_act.h"
#include "nn_cost.h"
#include "nn_err.h"
#include "nn_json.h"
#include "nn_layer.h"
#include "nn_rng.h"
#include "nn_step.h"
#include "nn_team.h"

#define NN_MAX_LAYERS 32 /* layers of any kind */

struct nn_model {
	size_t nlayers;
	struct nn_layer layers[NN_MAX_LAYERS];
	struct nn_shape input;
	int acts_recorded;                /* read from a file that named them */
	enum nn_cost cost;

	size_t nparams;
	float *params;                    /* per layer with parameters: w, then b */
	float *grads;                     /* same layout as params */
	float *velocity;                  /* same layout as params: momentum state */
	size_t nweighted;                 /* layers with parameters */

	size_t max_batch;
	float *x;                         /* (max_batch, input): the input rows */
	float *acts, *deltas;             /* every layer's a and d */
	float *masks;                     /* every dropout layer's mask */
	uint32_t *idx;                    /* every pooling layer's winners */
	size_t scratch;                   /* floats of scratch per thread: a layer's largest */
	size_t shared;                    /* floats shared by the threads: a layer's largest */
	struct nn_team *team;             /* the threads the layers run on */
	uint32_t *rows;                   /* (max_batch) scratch: example indices */
	int32_t *labels;                  /* (max_batch) scratch: their labels */
};

/* The specs of the book's short form, sizes [n0, n1, ..., nL]: fully
 * connected layers n1 .. nL, the hidden ones with hidden and, when
 * dropout > 0, each followed by a dropout layer; the last with output.
 * Returns the number of specs written to out (at most cap), or 0 when
 * they do not fit. */
size_t nn_specs_dense(struct nn_spec *out, size_t cap, const size_t *sizes, size_t nsizes,
		      enum nn_act hidden, enum nn_act output, float dropout);

/* Infers every layer's shape from input and returns the bytes a model of
 * these layers would allocate for max_batch examples (a double, so no
 * size overflows), with the planned layers (shapes and parameter counts,
 * no storage) in layers[0 .. n) when layers is not NULL; or returns -1,
 * sets *bad to the index of the first layer that does not fit and fills
 * err with why, giving the sizes ("input is 20x4x4, smaller than the 5x5
 * kernel"). */
double nn_model_plan(const struct nn_spec *specs, size_t n, struct nn_shape input,
		     size_t max_batch, struct nn_layer *layers, size_t *bad, struct nn_err *err);

/* Creates a model of n layers (1..NN_MAX_LAYERS) on input, with zero
 * parameters and the quadratic cost, able to run batches of up to
 * max_batch examples. The last layer must be fully connected. Returns
 * NULL and fills err ("layer 2 'conv 40x5x5 relu': input is ...") on
 * failure. */
struct nn_model *nn_model_create(const struct nn_spec *specs, size_t n, struct nn_shape input,
				 size_t max_batch, struct nn_err *err);

/* The short form: fully connected layers of sizes (2..NN_MAX_LAYERS+1
 * sizes, each > 0), sigmoid throughout, no dropout. */
struct nn_model *nn_model_create_dense(const size_t *sizes, size_t nsizes, size_t max_batch,
				       struct nn_err *err);
void nn_model_destroy(struct nn_model *m);

/* Runs the model's large products on threads (1 .. NN_TEAM_MAX; a model
 * starts with 1). The results do not depend on the number: each output of
 * a product is summed by one thread in the same order. Returns 0, or a
 * negative code with err filled (the model keeps its threads). */
int nn_model_set_threads(struct nn_model *m, size_t threads, struct nn_err *err);
size_t nn_model_threads(const struct nn_model *m);
/* How the threads ran (nn_team.h's pace): the mini-batches trained so far
 * on more than one thread and those spread over them; returns whether
 * the work is spread now. */
int nn_model_pace(const struct nn_model *m, unsigned long long *batches, unsigned long long *spread);

/* Sets the activation of every activating layer but the last to hidden,
 * and the last layer's to output. */
void nn_model_set_acts(struct nn_model *m, enum nn_act hidden, enum nn_act output);

/* Accessors. */
size_t nn_model_layer_count(const struct nn_model *m);
const struct nn_layer *nn_model_layer(const struct nn_model *m, size_t i);
/* The k-th layer with parameters, k < m->nweighted: its w, b, gw, gb. */
struct nn_layer *nn_model_weighted(struct nn_model *m, size_t k);
size_t nn_model_inputs(const struct nn_model *m);      /* features per example */
size_t nn_model_outputs(const struct nn_model *m);     /* classes */
/* The layers with parameters but the last: the hidden layers whose
 * learning speed nn_bias_gradient_norms measures. */
size_t nn_model_hidden_count(const struct nn_model *m);
/* Whether the net is the book's kind (fully connected layers, dropout
 * aside, every hidden one with the same activation): then *hidden is that
 * activation (sigmoid when there is none) and sizes (input first, at
 * most cap) is filled; returns the number of sizes, or 0 for other nets. */
size_t nn_model_dense_sizes(const struct nn_model *m, size_t *sizes, size_t cap,
			    enum nn_act *hidden);
/* The same two for layers planned by nn_model_plan on input, before
 * (or without) a model. */
size_t nn_layers_dense_sizes(const struct nn_layer *layers, size_t n, struct nn_shape input,
			     size_t *sizes, size_t cap, enum nn_act *hidden);
const char *nn_layers_describe(const struct nn_layer *layers, size_t n, struct nn_shape input,
			       char *buf, size_t len);
/* The output layer's activation. */
enum nn_act nn_model_output_act(const struct nn_model *m);
/* The cost the model trains and scores with. */
enum nn_cost nn_model_cost(const struct nn_model *m);
void nn_model_set_cost(struct nn_model *m, enum nn_cost cost);
/* Whether the model came from a file that names its activations (every
 * file nnlab writes; network2.py's do not, and mean sigmoid). */
int nn_model_acts_recorded(const struct nn_model *m);
size_t nn_model_param_count(const struct nn_model *m);
struct nn_shape nn_model_input_shape(const struct nn_model *m);
/* The net in words, into buf: "[784, 30, 10]" for the book's kind (see
 * nn_model_dense_sizes for its activations), else its layers ("input
 * 1x28x28, conv 20x5x5 relu, pool 2, fc 10 softmax"). */
const char *nn_model_describe(const struct nn_model *m, char *buf, size_t len);
/* Copies the parameters of src, which must have the same layout (the same
 * layers, dropout aside). Returns 0 or NN_EINVAL. */
int nn_model_copy_params(struct nn_model *dst, const struct nn_model *src, struct nn_err *err);

/* The book's network.py initialisation: every weight and bias N(0, 1). */
void nn_model_init_large(struct nn_model *m, struct nn_rng *rng);

/* network2.py's default: weights N(0, 1/n_in) (standard deviation
 * 1/sqrt(n_in)), n_in the inputs a unit sums (k * k * channels for a
 * convolution), biases N(0, 1). */
void nn_model_init_scaled(struct nn_model *m, struct nn_rng *rng);

/* network3.py's: weights N(0, 1/n_out) with n_out the units a unit feeds
 * (a fully connected layer's size; a convolution's maps * k * k divided
 * by the area of the pooling that follows it), biases N(0, 1), and the
 * output layer's weights and biases 0 when it is a softmax. */
void nn_model_init_network3(struct nn_model *m, struct nn_rng *rng);

/* The input rows (max_batch, inputs) that nn_model_forward reads. */
float *nn_model_input(struct nn_model *m);

/* Runs batch rows of the input through the net; returns the output
 * activations (batch, outputs), owned by the model. */
const float *nn_model_forward(struct nn_model *m, size_t batch);

/* As nn_model_forward, with its dropout layers' masks drawn from rng. */
const float *nn_model_forward_train(struct nn_model *m, size_t batch, struct nn_rng *rng);

/* After nn_model_forward on the same batch: grads += gradient of the
 * summed cost of the batch's examples with respect to every parameter. */
void nn_model_backward(struct nn_model *m, const int32_t *labels /* (B) */, size_t batch);

/* With g the summed gradient: for weights u = lr g + l2 w + l1 sgn(w),
 * for biases u = lr g (biases are not decayed); then w -= u, or with
 * momentum v = mu v - u, w += v. Zeroes the gradient. With no decay and
 * no momentum this is the book's w -= (eta/m) sum_x grad_x. */
void nn_model_step(struct nn_model *m, const struct nn_step *s);

/* Training's nn_model_backward then nn_model_step, with the same bits;
 * the layers whose kind can (fully connected ones) step in their backward
 * pass, which reads and writes each weight once where the two calls would
 * go over the weights and their gradients four times. */
void nn_model_backward_step(struct nn_model *m, const int32_t *labels /* (B) */, size_t batch,
			    const struct nn_step *s);

/* Sums over all weights (not biases) of w^2 and of |w|. */
void nn_model_weight_norms(const struct nn_model *m, double *sum_sq, double *sum_abs);

/* Whether a parameter is NaN or infinite: returns 1 and describes the
 * first one in what as the model file would name it ("weights[1][3][17]
 * is nan", indices in the file's order), or returns 0 when every
 * parameter is finite. */
int nn_model_nonfinite(const struct nn_model *m, char *what, size_t len);

/* Writes the model in the JSON format of the book's network2.py:
 * {"sizes": [...], "weights": [...], "biases": [...], "cost": "..."},
 * and the keys network2.py ignores: "activation" (hidden) and "output";
 * or, for a net of other kinds (see nn_model_dense_sizes), in nnlab's
 * superset described in nn_model_io.c.
 * Refuses (NN_EFORMAT) a model holding a NaN or infinite parameter, which
 * no JSON reader would take back. Returns 0, NN_EFORMAT or NN_EIO; name
 * is used in messages. */
int nn_model_write_json(const struct nn_model *m, FILE *f, const char *name,
			struct nn_err *err);

/* The training state (parameters and momentum velocities, exactly, in
 * this machine's byte order) for resuming a run: written after a
 * "nnlab-state-1 NPARAMS" line; read into a model of the same layers
 * (NN_EINVAL naming name when it does not fit), its gradients zeroed. */
int nn_model_write_state(const struct nn_model *m, FILE *f);
int nn_model_read_state(struct nn_model *m, FILE *f, const char *name, struct nn_err *err);

/* Builds a model from JSON text (len bytes) in network2.py's format or
 * nnlab's superset, able to run batches of max_batch, with the
 * activations the file records (acts_recorded), else sigmoid as
 * network2.py. Refuses, before allocating, a model that would take more
 * than max_bytes (nn_model_plan). name (a file name) prefixes error
 * locations. Returns NULL and fills err on malformed input. */
struct nn_model *nn_model_read_json(const char *text, size_t len, const char *name,
				    size_t max_batch, double max_bytes, struct nn_err *err);

/* The same, parsing the file as read pulls it in (nn_json.h), so input
 * that cannot be a model is refused at its first wrong byte; reading and
 * parsing take at most max_bytes / 2. */
struct nn_model *nn_model_read_json_stream(nn_json_read_fn read, void *ctx, const char *name,
					   size_t max_batch, double max_bytes, struct nn_err *err);

#endif

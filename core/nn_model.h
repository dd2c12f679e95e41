/* A fully connected feed-forward network. The model owns a few blocks:
 * parameters, gradients and momentum velocities (all three in the same
 * layout), activations and deltas for up to max_batch examples, and the
 * dropout masks; per-layer pointers are views into them. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nn_act.h"
#include "nn_cost.h"
#include "nn_err.h"
#include "nn_rng.h"

#define NN_MAX_LAYERS 16 /* weight layers; sizes has one more entry */

struct nn_model {
	size_t nlayers;                   /* weight layers */
	size_t sizes[NN_MAX_LAYERS + 1];  /* neurons per layer, input first */
	enum nn_act hidden_act, output_act;
	int acts_recorded;                /* read from a file that named them */
	enum nn_cost cost;

	float dropout;                    /* hidden units dropped in training, 0 <= p < 1 */

	size_t nparams;
	float *params;                    /* per layer: w (OUT, IN), then b (OUT) */
	float *grads;                     /* same layout as params */
	float *velocity;                  /* same layout as params: momentum state */
	float *w[NN_MAX_LAYERS], *b[NN_MAX_LAYERS];
	float *gw[NN_MAX_LAYERS], *gb[NN_MAX_LAYERS];

	size_t max_batch;
	float *acts;                      /* a[l]: (max_batch, sizes[l]); a[0] is the input */
	float *deltas;                    /* d[l]: (max_batch, sizes[l]), l >= 1 */
	float *a[NN_MAX_LAYERS + 1], *d[NN_MAX_LAYERS + 1];
	float *masks;                     /* m[l], hidden l: 0 or 1/(1 - dropout) */
	float *undropped;                 /* h[l], hidden l: f(z) before the mask */
	float *m[NN_MAX_LAYERS + 1], *h[NN_MAX_LAYERS + 1];
	int dropped;                      /* the last forward pass applied dropout */
	uint32_t *rows;                   /* (max_batch) scratch: example indices */
	int32_t *labels;                  /* (max_batch) scratch: their labels */
};

/* Creates a model with nsizes layer sizes (2..NN_MAX_LAYERS+1, each > 0),
 * sigmoid activations, quadratic cost and zero parameters, able to run
 * batches of up to max_batch examples. Returns NULL and fills err on failure. */
struct nn_model *nn_model_create(const size_t *sizes, size_t nsizes, size_t max_batch,
				 struct nn_err *err);
void nn_model_destroy(struct nn_model *m);

/* The bytes nn_model_create (and dropout) would allocate for these sizes
 * and max_batch, as a double so no size overflows: parameters, gradients
 * and velocities, activations and deltas, dropout masks. */
double nn_model_memory(const size_t *sizes, size_t nsizes, size_t max_batch, int dropout);

/* The book's network.py initialisation: every weight and bias N(0, 1). */
void nn_model_init_large(struct nn_model *m, struct nn_rng *rng);

/* network2.py's default: weights N(0, 1/n_in) (standard deviation
 * 1/sqrt(n_in)), biases N(0, 1). */
void nn_model_init_scaled(struct nn_model *m, struct nn_rng *rng);

/* Inverted dropout: nn_model_forward_train zeroes each hidden unit with
 * probability p and scales the kept ones by 1/(1 - p), so inference needs
 * no scaling. p = 0 turns it off. Returns 0, NN_EINVAL (p outside [0, 1))
 * or NN_ENOMEM. */
int nn_model_set_dropout(struct nn_model *m, float p, struct nn_err *err);

/* The input rows (max_batch, sizes[0]) that nn_model_forward reads. */
float *nn_model_input(struct nn_model *m);

/* Runs batch rows of the input through the net; returns the output
 * activations (batch, sizes[nlayers]), owned by the model. */
const float *nn_model_forward(struct nn_model *m, size_t batch);

/* As nn_model_forward, with dropout (drawn from rng) when it is on. */
const float *nn_model_forward_train(struct nn_model *m, size_t batch, struct nn_rng *rng);

/* After nn_model_forward on the same batch: grads += gradient of the
 * summed cost of the batch's examples with respect to every parameter. */
void nn_model_backward(struct nn_model *m, const int32_t *labels /* (B) */, size_t batch);

/* One update from the summed gradient of a mini-batch. */
struct nn_step {
	float lr;        /* eta / m, m the examples in the mini-batch */
	float l2;        /* eta * lambda / n, n the training-set size: L2 decay */
	float l1;        /* eta * lambda_1 / n: L1 decay */
	float momentum;  /* mu, 0 for plain SGD */
};

/* With g the summed gradient: for weights u = lr g + l2 w + l1 sgn(w),
 * for biases u = lr g (biases are not decayed); then w -= u, or with
 * momentum v = mu v - u, w += v. Zeroes the gradient. With no decay and
 * no momentum this is the book's w -= (eta/m) sum_x grad_x. */
void nn_model_step(struct nn_model *m, const struct nn_step *s);

/* Sums over all weights (not biases) of w^2 and of |w|. */
void nn_model_weight_norms(const struct nn_model *m, double *sum_sq, double *sum_abs);

/* Whether a parameter is NaN or infinite: returns 1 and describes the
 * first one in what as the model file would name it ("weights[1][3][17]
 * is nan"), or returns 0 when every parameter is finite. */
int nn_model_nonfinite(const struct nn_model *m, char *what, size_t len);

/* Writes the model in the JSON format of the book's network2.py:
 * {"sizes": [...], "weights": [...], "biases": [...], "cost": "..."},
 * and the keys network2.py ignores: "activation" (hidden) and "output".
 * Refuses (NN_EFORMAT) a model holding a NaN or infinite parameter, which
 * no JSON reader would take back. Returns 0, NN_EFORMAT or NN_EIO; name
 * is used in messages. */
int nn_model_write_json(const struct nn_model *m, FILE *f, const char *name,
			struct nn_err *err);

/* Builds a model from network2.py JSON text (len bytes), able to run
 * batches of max_batch, with the activations the file records
 * (acts_recorded), else sigmoid as network2.py. name (a file name) prefixes error locations.
 * Returns NULL and fills err on malformed input. */
struct nn_model *nn_model_read_json(const char *text, size_t len, const char *name,
				    size_t max_batch, struct nn_err *err);

#endif

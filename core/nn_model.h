/* A fully connected feed-forward network. The model owns four blocks:
 * parameters, gradients (same layout), activations and deltas for up to
 * max_batch examples; per-layer pointers are views into them. */
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
	enum nn_cost cost;

	size_t nparams;
	float *params;                    /* per layer: w (OUT, IN), then b (OUT) */
	float *grads;                     /* same layout as params */
	float *w[NN_MAX_LAYERS], *b[NN_MAX_LAYERS];
	float *gw[NN_MAX_LAYERS], *gb[NN_MAX_LAYERS];

	size_t max_batch;
	float *acts;                      /* a[l]: (max_batch, sizes[l]); a[0] is the input */
	float *deltas;                    /* d[l]: (max_batch, sizes[l]), l >= 1 */
	float *a[NN_MAX_LAYERS + 1], *d[NN_MAX_LAYERS + 1];
	uint32_t *rows;                   /* (max_batch) scratch: example indices */
	int32_t *labels;                  /* (max_batch) scratch: their labels */
};

/* Creates a model with nsizes layer sizes (2..NN_MAX_LAYERS+1, each > 0),
 * sigmoid activations, quadratic cost and zero parameters, able to run
 * batches of up to max_batch examples. Returns NULL and fills err on failure. */
struct nn_model *nn_model_create(const size_t *sizes, size_t nsizes, size_t max_batch,
				 struct nn_err *err);
void nn_model_destroy(struct nn_model *m);

/* The book's network.py initialisation: every weight and bias N(0, 1). */
void nn_model_init_large(struct nn_model *m, struct nn_rng *rng);

/* The input rows (max_batch, sizes[0]) that nn_model_forward reads. */
float *nn_model_input(struct nn_model *m);

/* Runs batch rows of the input through the net; returns the output
 * activations (batch, sizes[nlayers]), owned by the model. */
const float *nn_model_forward(struct nn_model *m, size_t batch);

/* After nn_model_forward on the same batch: grads += gradient of the
 * summed cost of the batch's examples with respect to every parameter. */
void nn_model_backward(struct nn_model *m, const int32_t *labels /* (B) */, size_t batch);

/* params -= lr * grads, then grads = 0. */
void nn_model_step(struct nn_model *m, float lr);

/* Writes the model in the JSON format of the book's network2.py:
 * {"sizes": [...], "weights": [...], "biases": [...], "cost": "..."}.
 * Returns 0 or NN_EIO; name is used in messages. */
int nn_model_write_json(const struct nn_model *m, FILE *f, const char *name,
			struct nn_err *err);

/* Builds a model from network2.py JSON text (len bytes), able to run
 * batches of max_batch. name (a file name) prefixes error locations.
 * Returns NULL and fills err on malformed input. */
struct nn_model *nn_model_read_json(const char *text, size_t len, const char *name,
				    size_t max_batch, struct nn_err *err);

#endif

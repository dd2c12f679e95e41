/* Mini-batch stochastic gradient descent and evaluation over a dataset
 * view. Examples are kept as the dataset stores them (bytes for images) and
 * converted to floats one mini-batch at a time. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "nn_err.h"
#include "nn_model.h"
#include "nn_rng.h"

enum nn_dtype {
	NN_U8,   /* uint8_t features, multiplied by scale */
	NN_F32   /* float features, multiplied by scale */
};

/* A borrowed view of n examples of dim features each. */
struct nn_data {
	const void *x;           /* (n, dim) of type */
	enum nn_dtype type;
	float scale;             /* feature = stored value * scale */
	const int32_t *labels;   /* (n), each in [0, classes) */
	size_t n, dim;
};

/* A view of rows [first, first + count) of d. */
struct nn_data nn_data_slice(const struct nn_data *d, size_t first, size_t count);

/* out[r] = features of example idx[r], for r < batch. */
void nn_data_gather(float *out /* (B, dim) */, const struct nn_data *d,
		    const uint32_t *idx /* (B) */, size_t batch);

struct nn_sgd {
	size_t batch_size;
	float eta;
	int shuffle;            /* reshuffle the order before each epoch */
	float l2;               /* lambda of L2 regularisation, 0 for none */
	float l1;               /* lambda of L1 regularisation, 0 for none */
	float momentum;         /* mu, 0 for plain SGD */
};

/* Called after each mini-batch with the examples done so far; returns
 * nonzero to stop the epoch there. */
typedef int (*nn_progress_fn)(void *ctx, size_t done, size_t total);

/* One epoch of SGD: w -= eta/m sum_x dC_x/dw for each mini-batch of m
 * examples (the last one may be smaller), with weight decay eta*lambda/n
 * for n = d->n examples and momentum as nn_model_step says. order (n entries, a permutation
 * of 0..n-1, owned by the caller) is shuffled in place when opt->shuffle,
 * and so carries the book's cumulative shuffle from epoch to epoch.
 * The model's max_batch must be at least opt->batch_size. Returns 0 after
 * the whole epoch, 1 when progress asked to stop early. */
int nn_train_epoch(struct nn_model *m, const struct nn_data *d, const struct nn_sgd *opt,
		    uint32_t *order, struct nn_rng *rng,
		    nn_progress_fn progress, void *ctx);

struct nn_eval {
	size_t correct;   /* argmax of the output equals the label */
	size_t total;
	double cost;      /* mean cost per example */
};

/* Scores the model on every example of d, max_batch rows at a time. */
void nn_evaluate(struct nn_model *m, const struct nn_data *d, struct nn_eval *out);

/* As nn_evaluate, and adds one to confusion[label * K + predicted] for
 * every example, K = the model's outputs. */
void nn_evaluate_confusion(struct nn_model *m, const struct nn_data *d, struct nn_eval *out,
			   size_t *confusion /* (K, K) */);

/* pred[i] = the class the model predicts for example i of d (the argmax
 * of its output, the first of equal outputs). */
void nn_predict(struct nn_model *m, const struct nn_data *d, int32_t *pred /* (n) */);

/* The plurality vote of nmodels models' predictions: out[i] = the class
 * most of preds[k * n + i] name; of tied classes, the one the earliest
 * model predicts (as Python's Counter.most_common, which network3's
 * ensemble used). Classes are 0 .. classes - 1. */
void nn_vote(int32_t *out /* (n) */, const int32_t *preds /* (nmodels, n) */, size_t nmodels,
	     size_t n, size_t classes);

/* The learning speed of each hidden layer (the book's chapter 5): the
 * norm of the average over d of dC/db for the biases of the k-th layer
 * with parameters, into norms[k] for k < nn_model_hidden_count, with the
 * current weights, no dropout and no update (the gradients are left
 * zero). */
void nn_bias_gradient_norms(struct nn_model *m, const struct nn_data *d, double *norms);

#endif

#include "nn_ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_cost.h"
#include "nn_layer.h"

void nn_ref_gemm(const struct nn_gemm *g)
{
	for (size_t i = 0; i < g->m; i++)
		for (size_t j = 0; j < g->n; j++) {
			double sum = 0;

			for (size_t q = 0; q < g->k; q++) {
				double a = g->ta ? g->a[q * g->lda + i] : g->a[i * g->lda + q];
				double b = g->tb ? g->b[j * g->ldb + q] : g->b[q * g->ldb + j];

				sum += a * b;
			}
			float *c = &g->c[i * g->ldc + j];

			if (g->accumulate)
				*c = (float)(*c + sum);
			else
				*c = (float)(sum + (g->bias ? g->bias[j] : 0));
		}
}

void nn_ref_fc_forward(float *out, const float *in, const float *w, const float *b, size_t batch, size_t in_n,
		       size_t out_n)
{
	for (size_t r = 0; r < batch; r++)
		for (size_t j = 0; j < out_n; j++) {
			double z = b[j];

			for (size_t i = 0; i < in_n; i++)
				z += (double)w[j * in_n + i] * in[r * in_n + i];
			out[r * out_n + j] = (float)z;
		}
}

void nn_ref_fc_backward(float *gw, float *gb, float *din, const float *dout, const float *in,
			const float *w, size_t batch, size_t in_n, size_t out_n)
{
	for (size_t j = 0; j < out_n; j++) {
		double sb = 0;

		for (size_t r = 0; r < batch; r++)
			sb += dout[r * out_n + j];
		gb[j] = (float)(gb[j] + sb);
		for (size_t i = 0; i < in_n; i++) {
			double sw = 0;

			for (size_t r = 0; r < batch; r++)
				sw += (double)dout[r * out_n + j] * in[r * in_n + i];
			gw[j * in_n + i] = (float)(gw[j * in_n + i] + sw);
		}
	}
	for (size_t r = 0; din && r < batch; r++)
		for (size_t i = 0; i < in_n; i++) {
			double d = 0;

			for (size_t j = 0; j < out_n; j++)
				d += (double)dout[r * out_n + j] * w[j * in_n + i];
			din[r * in_n + i] = (float)(din[r * in_n + i] + d);
		}
}

/* Element (y, x, ch) of an (h, w, c) image. */
#define AT(img, y, x, ch, w, c) ((img)[((y) * (w) + (x)) * (c) + (ch)])

void nn_ref_conv_forward(float *out, const float *in, const float *w, const float *b,
			 const struct nn_ref_conv *s, size_t batch)
{
	size_t oh = s->h - s->k + 1, ow = s->w - s->k + 1, k = s->k;

	for (size_t r = 0; r < batch; r++) {
		const float *img = in + r * s->h * s->w * s->c;
		float *o = out + r * oh * ow * s->m;

		for (size_t y = 0; y < oh; y++)
			for (size_t x = 0; x < ow; x++)
				for (size_t m = 0; m < s->m; m++) {
					double z = b[m];

					for (size_t ky = 0; ky < k; ky++)
						for (size_t kx = 0; kx < k; kx++)
							for (size_t c = 0; c < s->c; c++)
								z += (double)w[((m * k + ky) * k + kx) * s->c + c] *
								     AT(img, y + ky, x + kx, c, s->w, s->c);
					AT(o, y, x, m, ow, s->m) = (float)z;
				}
	}
}

void nn_ref_conv_backward(float *gw, float *gb, float *din, const float *dout, const float *in,
			  const float *w, const struct nn_ref_conv *s, size_t batch)
{
	size_t oh = s->h - s->k + 1, ow = s->w - s->k + 1, k = s->k;

	for (size_t m = 0; m < s->m; m++) {
		double sb = 0;

		for (size_t r = 0; r < batch; r++)
			for (size_t y = 0; y < oh; y++)
				for (size_t x = 0; x < ow; x++)
					sb += AT(dout + r * oh * ow * s->m, y, x, m, ow, s->m);
		gb[m] = (float)(gb[m] + sb);
		for (size_t ky = 0; ky < k; ky++)
			for (size_t kx = 0; kx < k; kx++)
				for (size_t c = 0; c < s->c; c++) {
					double sw = 0;

					for (size_t r = 0; r < batch; r++)
						for (size_t y = 0; y < oh; y++)
							for (size_t x = 0; x < ow; x++)
								sw += (double)AT(dout + r * oh * ow * s->m, y, x, m, ow, s->m) *
								      AT(in + r * s->h * s->w * s->c, y + ky, x + kx, c, s->w, s->c);
					float *g = &gw[((m * k + ky) * k + kx) * s->c + c];
					*g = (float)(*g + sw);
				}
	}
	for (size_t r = 0; din && r < batch; r++)
		for (size_t iy = 0; iy < s->h; iy++)
			for (size_t ix = 0; ix < s->w; ix++)
				for (size_t c = 0; c < s->c; c++) {
					double d = 0;

					/* Every output whose window holds (iy, ix). */
					for (size_t ky = 0; ky < k; ky++)
						for (size_t kx = 0; kx < k; kx++) {
							if (iy < ky || ix < kx || iy - ky >= oh || ix - kx >= ow)
								continue;
							for (size_t m = 0; m < s->m; m++)
								d += (double)w[((m * k + ky) * k + kx) * s->c + c] *
								     AT(dout + r * oh * ow * s->m, iy - ky, ix - kx, m, ow, s->m);
						}
					float *p = &AT(din + r * s->h * s->w * s->c, iy, ix, c, s->w, s->c);
					*p = (float)(*p + d);
				}
}

/* The first of the largest of output (oy, ox, ch)'s window, as an offset
 * into the image. */
static size_t window_max(const float *img, size_t w, size_t c, size_t p, size_t oy, size_t ox, size_t ch)
{
	size_t best = (oy * p * w + ox * p) * c + ch;

	for (size_t y = oy * p; y < oy * p + p; y++)
		for (size_t x = ox * p; x < ox * p + p; x++)
			if (img[(y * w + x) * c + ch] > img[best])
				best = (y * w + x) * c + ch;
	return best;
}

void nn_ref_pool_forward(float *out, const float *in, size_t h, size_t w, size_t c, size_t p, size_t batch)
{
	size_t oh = h / p, ow = w / p;

	for (size_t r = 0; r < batch; r++)
		for (size_t oy = 0; oy < oh; oy++)
			for (size_t ox = 0; ox < ow; ox++)
				for (size_t ch = 0; ch < c; ch++) {
					const float *img = in + r * h * w * c;

					out[((r * oh + oy) * ow + ox) * c + ch] = img[window_max(img, w, c, p, oy, ox, ch)];
				}
}

void nn_ref_pool_backward(float *din, const float *dout, const float *in, size_t h, size_t w, size_t c, size_t p,
			  size_t batch)
{
	size_t oh = h / p, ow = w / p;

	for (size_t r = 0; r < batch; r++)
		for (size_t oy = 0; oy < oh; oy++)
			for (size_t ox = 0; ox < ow; ox++)
				for (size_t ch = 0; ch < c; ch++) {
					size_t at = window_max(in + r * h * w * c, w, c, p, oy, ox, ch);

					din[r * h * w * c + at] += dout[((r * oh + oy) * ow + ox) * c + ch];
				}
}

void nn_ref_act_forward(float *x, size_t batch, size_t n, enum nn_act act)
{
	for (size_t r = 0; r < batch; r++) {
		float *row = x + r * n;
		double max = -INFINITY, sum = 0;

		for (size_t i = 0; i < n; i++) {
			double z = row[i];

			switch (act) {
			case NN_SIGMOID: row[i] = (float)(1 / (1 + exp(-z))); break;
			case NN_TANH: row[i] = (float)tanh(z); break;
			case NN_RELU: row[i] = (float)(z > 0 ? z : 0); break;
			case NN_SOFTMAX: max = z > max ? z : max; break;
			}
		}
		if (act != NN_SOFTMAX)
			continue;
		for (size_t i = 0; i < n; i++)
			sum += exp(row[i] - max);
		for (size_t i = 0; i < n; i++)
			row[i] = (float)(exp(row[i] - max) / sum);
	}
}

void nn_ref_act_backward(float *d, const float *a, size_t batch, size_t n, enum nn_act act)
{
	for (size_t i = 0; i < batch * n; i++) {
		double y = a[i];

		switch (act) {
		case NN_SIGMOID: d[i] = (float)(d[i] * y * (1 - y)); break;
		case NN_TANH: d[i] = (float)(d[i] * (1 - y * y)); break;
		case NN_RELU: d[i] = y > 0 ? d[i] : 0.0f; break;
		case NN_SOFTMAX: break;
		}
	}
}

void nn_ref_step(float *w, float *g, float *v, size_t n, double lr, double l2, double l1, double mu)
{
	for (size_t i = 0; i < n; i++) {
		double sign = (w[i] > 0) - (w[i] < 0);
		double u = lr * g[i] + l2 * w[i] + l1 * sign;

		if (mu != 0) {
			v[i] = (float)(mu * v[i] - u);
			w[i] += v[i];
		} else {
			w[i] = (float)(w[i] - u);
		}
		g[i] = 0;
	}
}

/* --- a whole net ---------------------------------------------------------- */

/* The output delta of the cost, or -1 for a pairing without a closed form here. */
static int output_delta(float *d, const float *a, const int32_t *labels, size_t batch, size_t n,
			enum nn_cost cost, enum nn_act act)
{
	int quadratic = cost == NN_QUADRATIC && act == NN_SIGMOID;

	if (!quadratic && !(cost == NN_CROSS_ENTROPY && act == NN_SIGMOID) &&
	    !(cost == NN_LOG_LIKELIHOOD && act == NN_SOFTMAX))
		return -1;
	for (size_t r = 0; r < batch; r++)
		for (size_t j = 0; j < n; j++) {
			double y = a[r * n + j], e = y - ((size_t)labels[r] == j);

			d[r * n + j] = (float)(quadratic ? e * y * (1 - y) : e);
		}
	return 0;
}

/* Layer l's forward pass from in into out, its activation included
 * (where the kind has one: a conv layer's, which the model applies after
 * the pooling that follows, is the same there, max pooling and the
 * monotonic activations commuting). */
static void forward_layer(const struct nn_layer *l, const float *in, float *out, size_t batch)
{
	l->kind->ref_forward(l, in, out, batch);
	if (l->kind->activates)
		nn_ref_act_forward(out, batch, nn_shape_size(l->out), l->spec.act);
}

/* Layer l's backward pass: d holds dC/da of its output (dC/dz for the
 * output layer); its gradients go to gw, gb, and dC/da of its input to
 * din (when not NULL). */
static void backward_layer(const struct nn_layer *l, float *d, const float *a, const float *in, float *din,
			   float *gw, float *gb, size_t batch, int last)
{
	if (!last && l->kind->activates)
		nn_ref_act_backward(d, a, batch, nn_shape_size(l->out), l->spec.act);
	if (din)
		memset(din, 0, batch * nn_shape_size(l->in) * sizeof(float));
	l->kind->ref_backward(l, d, in, din, gw, gb, batch);
}

int nn_ref_train_batch(struct nn_model *m, const float *x, const int32_t *labels, size_t batch,
		       const struct nn_step *s)
{
	size_t n = m->nlayers, off[NN_MAX_LAYERS + 1] = { 0 };
	const struct nn_layer *last = &m->layers[n - 1];

	for (size_t i = 0; i < n; i++) {
		if (!m->layers[i].kind->ref_forward)
			return NN_EINVAL;
		off[i + 1] = off[i] + batch * nn_shape_size(m->layers[i].out);
	}
	float *acts = malloc(off[n] * sizeof(float)), *d = malloc(off[n] * sizeof(float));
	float *g = calloc(m->nparams, sizeof(float));
	int rc = NN_ENOMEM;

	if (!acts || !d || !g)
		goto done;
	for (size_t i = 0; i < n; i++)
		forward_layer(&m->layers[i], i ? acts + off[i - 1] : x, acts + off[i], batch);
	rc = NN_EINVAL;
	if (output_delta(d + off[n - 1], acts + off[n - 1], labels, batch, last->spec.size, m->cost,
			 last->spec.act) < 0)
		goto done;
	for (size_t i = n; i-- > 0;) {
		const struct nn_layer *l = &m->layers[i];
		size_t p = l->w ? (size_t)(l->w - m->params) : 0;

		backward_layer(l, d + off[i], acts + off[i], i ? acts + off[i - 1] : x, i ? d + off[i - 1] : NULL,
			       g + p, g + p + l->nw, batch, i + 1 == n);
	}
	for (size_t i = 0; i < n; i++) {
		const struct nn_layer *l = &m->layers[i];
		size_t p = (size_t)(l->w - m->params);

		if (!l->nw && !l->nb)
			continue;
		nn_ref_step(m->params + p, g + p, m->velocity + p, l->nw, s->lr, s->l2, s->l1, s->momentum);
		nn_ref_step(m->params + p + l->nw, g + p + l->nw, m->velocity + p + l->nw, l->nb, s->lr, 0, 0,
			    s->momentum);
	}
	rc = 0;
done:
	free(acts);
	free(d);
	free(g);
	return rc;
}

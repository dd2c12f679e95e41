#include "nn_pool.h"

void nn_pool_forward(float *out, uint32_t *arg, const float *in, size_t h, size_t w, size_t c,
		     size_t p, size_t batch)
{
	size_t oh = h / p, ow = w / p;

	for (size_t r = 0; r < batch; r++) {
		const float *x = in + r * h * w * c;
		float *o = out + r * oh * ow * c;
		uint32_t *a = arg + r * oh * ow * c;

		for (size_t oy = 0; oy < oh; oy++)
			for (size_t ox = 0; ox < ow; ox++)
				for (size_t ch = 0; ch < c; ch++) {
					size_t best = ((oy * p) * w + ox * p) * c + ch;

					/* The first of equal values wins, row by row. */
					for (size_t py = 0; py < p; py++)
						for (size_t px = 0; px < p; px++) {
							size_t i = ((oy * p + py) * w + ox * p + px) * c + ch;

							if (x[i] > x[best])
								best = i;
						}
					o[(oy * ow + ox) * c + ch] = x[best];
					a[(oy * ow + ox) * c + ch] = (uint32_t)best;
				}
	}
}

void nn_pool_backward(float *din, const float *dout, const uint32_t *arg, size_t h, size_t w,
		      size_t c, size_t p, size_t batch)
{
	size_t n = (h / p) * (w / p) * c;

	for (size_t r = 0; r < batch; r++)
		for (size_t i = 0; i < n; i++)
			din[r * h * w * c + arg[r * n + i]] += dout[r * n + i];
}

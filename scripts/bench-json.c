/* How long a model file takes to read (make bench-json): a [1000, 1000,
 * 1000, 10] net (about 2 million parameters, a 1000 x 1000 layer and
 * more) written by nnlab and read back with nn_model_read_json, best of 5. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn_model.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(void)
{
	const size_t sizes[] = { 1000, 1000, 1000, 10 };
	struct nn_model *m = nn_model_create_dense(sizes, 4, 1, NULL);
	struct nn_rng rng;
	char *text;
	size_t len;
	double best = 1e9;
	FILE *f = open_memstream(&text, &len);

	nn_rng_init(&rng, 1);
	nn_model_init_scaled(m, &rng);
	nn_model_write_json(m, f, "mem", NULL);
	fclose(f);
	for (int i = 0; i < 5; i++) {
		double t0 = now();
		struct nn_model *back = nn_model_read_json(text, len, "mem", 1, 1e12, NULL);
		double t = now() - t0;

		if (!back)
			return 1;
		best = t < best ? t : best;
		nn_model_destroy(back);
	}
	printf("model file of %zu parameters, %.1f MB: read in %.3f s (best of 5)\n",
	       nn_model_param_count(m), (double)len / 1e6, best);
	nn_model_destroy(m);
	free(text);
	return 0;
}

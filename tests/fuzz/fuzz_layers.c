/* libFuzzer target: the layers' written form (make fuzz). The input is a
 * model.layers value as --set gives it ("[input 1x28x28, conv 20x5x5,
 * pool 2, softmax 10]"); the first line, when there are several, also
 * sets model.dropout. What loads is planned, and a model small enough is
 * built, run on a batch, written as JSON and read back: shape products
 * near 2^64 once passed the config and crashed the writer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_config.h"
#include "nn_model.h"
#include "nn_rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] = "data:\n  plugin: mnist\nmodel:\n  layers: [784, 30, 10]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct exp_config cfg;
	struct nn_err err;
	char *text = malloc(size + 32), *nl, *drop = NULL;
	const char *sets[2];
	size_t nsets = 0;

	if (!path[0]) {
		FILE *f;

		snprintf(path, sizeof(path), "/tmp/nnlab-fuzz-layers-%d.yaml", (int)getpid());
		f = fopen(path, "wb");
		fputs(base, f);
		fclose(f);
	}
	memcpy(text, "model.layers=", 13);
	memcpy(text + 13, data, size);
	text[13 + size] = '\0';
	if ((nl = strchr(text, '\n'))) {
		*nl = '\0';
		drop = malloc(strlen(nl + 1) + 16);
		snprintf(drop, strlen(nl + 1) + 16, "model.dropout=%s", nl + 1);
	}
	sets[nsets++] = text;
	if (drop)
		sets[nsets++] = drop;
	if (exp_config_load(&cfg, path, sets, nsets, &err) == 0) {
		struct nn_spec specs[NN_MAX_LAYERS];
		struct nn_shape input = nn_shape_size(cfg.model.input) ? cfg.model.input : (struct nn_shape){ 28, 28, 1 };
		size_t n = exp_config_specs(&cfg, specs, NULL, &err), bad;
		double need = n ? nn_model_plan(specs, n, input, 2, NULL, &bad, &err) : -1;

		/* Models of up to 16 MB are built, run, written and read back. */
		if (need > 0 && need < 16e6) {
			struct nn_model *m = nn_model_create(specs, n, input, 2, &err), *back;
			struct nn_rng rng;
			char *json = NULL;
			size_t len = 0;
			FILE *f;

			if (!m)
				abort();  /* planned, so it must build */
			nn_rng_init(&rng, 1);
			nn_model_init_scaled(m, &rng);
			memset(nn_model_input(m), 0, 2 * nn_model_inputs(m) * sizeof(float));
			nn_model_forward(m, 2);
			f = open_memstream(&json, &len);
			if (nn_model_write_json(m, f, "m.json", &err) == 0) {
				fclose(f);
				back = nn_model_read_json(json, len, "m.json", 2, 1e9, &err);
				if (!back || nn_model_param_count(back) != nn_model_param_count(m))
					abort();  /* nnlab reads back what it writes */
				nn_model_destroy(back);
			} else {
				fclose(f);
			}
			free(json);
			nn_model_destroy(m);
		}
	}
	exp_config_fini(&cfg);
	free(drop);
	free(text);
	return 0;
}

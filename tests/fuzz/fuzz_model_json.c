/* libFuzzer target: model files, network2.py JSON and nnlab's superset (make fuzz). */
#include <stddef.h>
#include <stdint.h>

#include "nn_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nn_err err;
	struct nn_model *m = nn_model_read_json((const char *)data, size, "fuzz.json", 4, 256.0 * 1024 * 1024, &err);

	nn_model_destroy(m);
	return 0;
}

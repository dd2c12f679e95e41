/* libFuzzer target: network2 JSON model files (make fuzz). */
#include <stddef.h>
#include <stdint.h>

#include "nn_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nn_err err;
	struct nn_model *m = nn_model_read_json((const char *)data, size, "fuzz.json", 4, &err);

	nn_model_destroy(m);
	return 0;
}

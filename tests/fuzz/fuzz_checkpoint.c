/* libFuzzer target: a run's checkpoint file (make fuzz), read into a
 * small model and an order of 5 training examples. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exp_checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64], path[96];
	static struct nn_model *m;
	const size_t sizes[] = { 4, 3, 2 };
	struct exp_checkpoint c;
	struct nn_err err;
	uint32_t order[5];
	FILE *f;

	if (!m) {
		snprintf(dir, sizeof(dir), "/tmp/nnlab-fuzz-ck-%d", (int)getpid());
		snprintf(path, sizeof(path), "%s/checkpoint", dir);
		mkdir(dir, 0777);
		m = nn_model_create_dense(sizes, 3, 10, NULL);
	}
	f = fopen(path, "wb");
	fwrite(data, 1, size, f);
	fclose(f);
	if (exp_checkpoint_read(dir, &c, m, order, 5, &err) == 0)
		free(c.metrics);
	return 0;
}

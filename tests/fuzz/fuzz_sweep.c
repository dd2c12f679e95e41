/* libFuzzer target: sweep sections (make fuzz): the input is a config
 * whose 'sweep' section is expanded and every trial's config checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_config.h"
#include "exp_sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err err;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/nnlab-fuzz-sweep-%d.yaml", (int)getpid());
	f = fopen(path, "wb");
	fwrite(data, 1, size, f);
	fclose(f);
	if (exp_config_load(&cfg, path, NULL, 0, &err) == 0) {
		exp_sweep_load(&s, &cfg, &err);
		exp_sweep_fini(&s);
	}
	exp_config_fini(&cfg);
	return 0;
}

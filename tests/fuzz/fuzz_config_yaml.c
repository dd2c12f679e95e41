/* libFuzzer target: experiment configs and --set overrides (make fuzz). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct exp_config cfg;
	struct nn_err err;
	const char *sets[1];
	char *text = malloc(size + 1);
	char *nl;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/nnlab-fuzz-%d.yaml", (int)getpid());
	memcpy(text, data, size);
	text[size] = '\0';
	/* The first line is a --set override, the rest the config file. */
	nl = strchr(text, '\n');
	sets[0] = text;
	f = fopen(path, "wb");
	if (nl) {
		*nl = '\0';
		fwrite(nl + 1, 1, size - (size_t)(nl + 1 - text), f);
	}
	fclose(f);
	exp_config_load(&cfg, path, sets, nl ? 1 : 0, &err);
	exp_config_fini(&cfg);
	free(text);
	return 0;
}

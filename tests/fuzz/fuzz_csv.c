/* libFuzzer target: the csv plugin's reader with its options (make fuzz).
 * The plugin's source is compiled in. The first input line holds options
 * as "name=value" separated by ';' (label, header, delimiter, scale,
 * divisor, skip_rows, test_fraction); the rest is the CSV file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ds_plugin.h"

extern const struct ds_plugin ds_plugin;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	const char *names[16], *values[16];
	size_t n = 0;
	struct ds_dataset ds;
	char err[DS_ERR_MAX];
	char *text = malloc(size + 1), *nl, *opt;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/nnlab-fuzz-%d.csv", (int)getpid());
	memcpy(text, data, size);
	text[size] = '\0';
	nl = memchr(text, '\n', size);
	f = fopen(path, "wb");
	if (nl) {
		fwrite(nl + 1, 1, size - (size_t)(nl + 1 - text), f);
		*nl = '\0';
	}
	fclose(f);
	/* The host passes every declared option: defaults, then the input's. */
	for (const struct ds_option *o = ds_plugin.options; o->name && n < 16; o++) {
		names[n] = o->name;
		values[n++] = o->default_value ? o->default_value : "";
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], "train"))
			values[i] = path;
	for (opt = nl ? strtok(text, ";") : NULL; opt; opt = strtok(NULL, ";")) {
		char *eq = strchr(opt, '=');

		if (!eq)
			continue;
		*eq = '\0';
		for (size_t i = 0; i < n; i++)
			if (!strcmp(names[i], opt) && strcmp(opt, "train") && strcmp(opt, "test"))
				values[i] = eq + 1;
	}
	if (ds_plugin.load(&ds, names, values, n, err) == 0)
		ds_plugin.release(&ds);
	free(text);
	return 0;
}

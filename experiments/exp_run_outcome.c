/* The outcome file of a run (nnlab run --result FILE, and each trial of
 * a sweep): what became of it, read back without parsing its log. */
#include "exp_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_fs.h"

static const char *const outcome_names[] = { "done", "diverged", "stopped", "config", "failed" };

enum exp_outcome exp_run_outcome_of(int rc)
{
	switch (rc) {
	case 0: return EXP_OUTCOME_DONE;
	case NN_EDIVERGED: return EXP_OUTCOME_DIVERGED;
	case NN_EINTR: return EXP_OUTCOME_STOPPED;
	case NN_EINVAL: return EXP_OUTCOME_CONFIG;
	default: return EXP_OUTCOME_FAILED;
	}
}

const char *exp_run_outcome_name(enum exp_outcome o)
{
	return outcome_names[o];
}

struct result {
	int rc;
	const char *message;
	double seconds;
};

static int write_result(FILE *f, void *ctx, struct nn_err *err)
{
	const struct result *r = ctx;

	(void)err;
	fprintf(f, "outcome: %s\nmessage: ", outcome_names[exp_run_outcome_of(r->rc)]);
	for (const char *p = r->message; *p; p++)
		fputc(*p == '\n' ? ' ' : *p, f);
	fputc('\n', f);
	if (r->seconds > 0)
		fprintf(f, "seconds: %.3f\n", r->seconds);
	return 0;
}

int exp_run_result_write(const char *path, int rc, const char *message, double seconds,
			 struct nn_err *err)
{
	struct result r = { rc, message ? message : "", seconds };

	return exp_fs_write_atomic(path, write_result, &r, err);
}

int exp_run_result_read(const char *path, char *message, size_t len, double *seconds)
{
	char *text, *line;
	size_t n;
	int outcome = -1;

	message[0] = '\0';
	if (seconds)
		*seconds = NAN;
	if (exp_fs_read_file_max(path, 65536, "run outcome file", &text, &n, NULL) < 0)
		return -1;
	for (line = text; line && *line;) {
		char *end = strchr(line, '\n');

		if (end)
			*end = '\0';
		if (!strncmp(line, "outcome: ", 9)) {
			for (int i = 0; i < (int)(sizeof(outcome_names) / sizeof(outcome_names[0])); i++)
				if (!strcmp(line + 9, outcome_names[i]))
					outcome = i;
		} else if (!strncmp(line, "message: ", 9)) {
			snprintf(message, len, "%s", line + 9);
		} else if (!strncmp(line, "seconds: ", 9) && seconds) {
			char *rest;
			double v = strtod(line + 9, &rest);

			*seconds = *rest || !(v >= 0) ? NAN : v;
		}
		line = end ? end + 1 : NULL;
	}
	free(text);
	return outcome;
}

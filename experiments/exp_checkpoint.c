#include "exp_checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_fs.h"
#include "exp_text.h"

/* FNV-1a over the config's text. */
uint64_t exp_checkpoint_config_hash(const struct exp_config *resolved, const char *const *names,
				    const char *const *values, size_t nopts)
{
	struct exp_config c = *resolved;
	char *text = NULL;
	size_t len = 0;
	uint64_t h;
	FILE *f;

	c.train.epochs = 0;
	c.train.threads = 0;
	f = open_memstream(&text, &len);
	if (!f)
		return 0;
	exp_config_write(&c, f, names, values, nopts);
	if (fclose(f) != 0) {
		free(text);
		return 0;
	}
	h = exp_text_hash(text, len);
	free(text);
	return h;
}

struct writing {
	const struct exp_checkpoint *c;
	const struct nn_model *m;
	const uint32_t *order;
	size_t n;
};

/* The fields as "name value" lines (doubles in hexadecimal, exact), the
 * metrics' text, the order and the model's state. */
static int write_checkpoint(FILE *f, void *ctx, struct nn_err *err)
{
	const struct writing *w = ctx;
	const struct exp_checkpoint *c = w->c;

	(void)err;
	fprintf(f, "nnlab-checkpoint-1\nconfig %016" PRIx64 "\nnext_epoch %zu\neta %a\n", c->config,
		c->next_epoch, c->eta);
	fprintf(f, "best_select %zu\nsince_best %zu\nsince_change %zu\nscored %zu\n", c->best_select,
		c->since_best, c->since_change, c->scored);
	fprintf(f, "peak %zu %zu\nbest %zu %zu %zu %zu\nseconds %a\nstopped %d\n", c->peak_epoch,
		c->peak_correct, c->best_epoch, c->best_correct, c->best_selection, c->selection_total,
		c->seconds, c->stopped);
	if (c->at_chance)
		fprintf(f, "at_chance %zu\n", c->at_chance);
	fprintf(f, "rng %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %a %d\n", c->rng.s[0],
		c->rng.s[1], c->rng.s[2], c->rng.s[3], c->rng.spare, c->rng.has_spare);
	fprintf(f, "metrics %zu\n", c->metrics_len);
	fwrite(c->metrics, 1, c->metrics_len, f);
	fprintf(f, "order %zu\n", w->n);
	fwrite(w->order, sizeof(*w->order), w->n, f);
	return nn_model_write_state(w->m, f);
}

int exp_checkpoint_write(const char *dir, const struct exp_checkpoint *c, const struct nn_model *m,
			 const uint32_t *order, size_t n, struct nn_err *err)
{
	char path[4200];
	struct writing w = { c, m, order, n };

	snprintf(path, sizeof(path), "%s/checkpoint", dir);
	return exp_fs_write_atomic(path, write_checkpoint, &w, err);
}

int exp_checkpoint_read(const char *dir, struct exp_checkpoint *c, struct nn_model *m, uint32_t *order,
			size_t n, struct nn_err *err)
{
	char path[4200];
	FILE *f;
	size_t count = 0;
	int ok, rc;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/checkpoint", dir);
	if (!(f = fopen(path, "rb"))) {
		if (errno == ENOENT)
			return 1;
		return nn_errorf(err, NN_EIO, "cannot open '%s': %s", path, strerror(errno));
	}
	ok = fscanf(f, "nnlab-checkpoint-1 config %" SCNx64 " next_epoch %zu eta %la", &c->config,
		    &c->next_epoch, &c->eta) == 3 &&
	     fscanf(f, " best_select %zu since_best %zu since_change %zu scored %zu", &c->best_select,
		    &c->since_best, &c->since_change, &c->scored) == 4 &&
	     fscanf(f, " peak %zu %zu best %zu %zu %zu %zu seconds %la stopped %d", &c->peak_epoch,
		    &c->peak_correct, &c->best_epoch, &c->best_correct, &c->best_selection,
		    &c->selection_total, &c->seconds, &c->stopped) == 8 &&
	     fscanf(f, " at_chance %zu", &c->at_chance) >= 0 &&
	     fscanf(f, " rng %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %la %d", &c->rng.s[0],
		    &c->rng.s[1], &c->rng.s[2], &c->rng.s[3], &c->rng.spare, &c->rng.has_spare) == 6 &&
	     fscanf(f, " metrics %zu", &c->metrics_len) == 1 && fgetc(f) == '\n' &&
	     c->metrics_len < ((size_t)1 << 30);
	if (!ok) {
		fclose(f);
		return nn_errorf(err, NN_EINVAL, "'%s' is not a checkpoint nnlab can read", path);
	}
	c->metrics = malloc(c->metrics_len + 1);
	if (!c->metrics) {
		fclose(f);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	ok = fread(c->metrics, 1, c->metrics_len, f) == c->metrics_len &&
	     fscanf(f, "order %zu", &count) == 1 && fgetc(f) == '\n';
	c->metrics[ok ? c->metrics_len : 0] = '\0';
	if (ok && count != n)
		rc = nn_errorf(err, NN_EINVAL, "'%s' orders %zu training examples, the data has %zu", path,
			       count, n);
	else if (!ok || fread(order, sizeof(*order), n, f) != n)
		rc = nn_errorf(err, NN_EINVAL, "'%s' is cut short", path);
	else
		rc = nn_model_read_state(m, f, path, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (order[i] >= n)
			rc = nn_errorf(err, NN_EINVAL, "'%s' orders an example %" PRIu32 " of %zu", path,
				       order[i], n);
	fclose(f);
	if (rc < 0) {
		free(c->metrics);
		c->metrics = NULL;
	}
	return rc;
}

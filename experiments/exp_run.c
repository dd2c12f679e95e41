#include "exp_run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "exp_fs.h"
#include "exp_plugin.h"
#include "nn_train.h"

#define EVAL_BATCH 256

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* --- the run directory ---------------------------------------------- */

static int pick_dir(const struct exp_config *cfg, const struct exp_run_opts *opts,
		    char *dir, size_t len, struct nn_err *err)
{
	int rc;

	if (opts->out_dir) {
		snprintf(dir, len, "%s", opts->out_dir);
		return exp_mkdirs(dir, err);
	}
	if ((rc = exp_mkdirs("runs", err)) < 0)
		return rc;
	/* mkdir claims a name atomically, so two runs never share one. */
	snprintf(dir, len, "runs/%s", cfg->name);
	for (int i = 2; mkdir(dir, 0777) < 0; i++) {
		if (errno != EEXIST)
			return nn_errorf(err, NN_EIO, "cannot create directory '%s': %s", dir,
					 strerror(errno));
		if (i > 100000)
			return nn_errorf(err, NN_EIO, "too many runs named 'runs/%s-N'", cfg->name);
		snprintf(dir, len, "runs/%s-%d", cfg->name, i);
	}
	return 0;
}

struct config_file {
	const struct exp_config *cfg;
	const struct exp_plugin *plugin;
};

static int write_config(FILE *f, void *ctx, struct nn_err *err)
{
	const struct config_file *c = ctx;

	(void)err;
	exp_config_write(c->cfg, f, c->plugin->opt_names, c->plugin->opt_values, c->plugin->nopts);
	return 0;
}

struct text {
	char *buf;
	size_t len, cap;
};

static int text_appendf(struct text *t, struct nn_err *err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int text_appendf(struct text *t, struct nn_err *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return nn_errorf(err, NN_EINVAL, "cannot format a metrics row");
		if (t->len + (size_t)n < t->cap)
			break;
		size_t cap = (t->cap + (size_t)n + 1) * 2;
		char *p = realloc(t->buf, cap);

		if (!p)
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		t->buf = p;
		t->cap = cap;
	}
	t->len += (size_t)n;
	return 0;
}

static int write_text(FILE *f, void *ctx, struct nn_err *err)
{
	const struct text *t = ctx;

	(void)err;
	fwrite(t->buf, 1, t->len, f);
	return 0;
}

struct model_file {
	const struct nn_model *model;
	const char *path;
};

static int write_model(FILE *f, void *ctx, struct nn_err *err)
{
	const struct model_file *m = ctx;

	return nn_model_write_json(m->model, f, m->path, err);
}

static int save_model(const struct nn_model *m, const char *dir, const char *file,
		      struct nn_err *err)
{
	char path[4200];
	struct model_file mf = { m, path };

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return exp_write_atomic(path, write_model, &mf, err);
}

/* --- progress on a terminal ----------------------------------------- */

struct progress {
	size_t epoch, epochs;
	double start, epoch_start, last;
	int draw;                       /* draw the bar */
	volatile sig_atomic_t *stop;    /* or NULL */
};

static int on_batch(void *ctx, size_t done, size_t total)
{
	struct progress *p = ctx;
	double t;
	char bar[31];
	size_t fill = total ? done * 30 / total : 30;

	if (p->stop && *p->stop)
		return 1;
	if (!p->draw)
		return 0;
	t = now();
	if (t - p->last < 0.1 && done < total)
		return 0;
	p->last = t;
	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = '\0';
	double rate = done / (t - p->epoch_start + 1e-9);
	double frac = ((double)p->epoch + (double)done / (double)total) / (double)p->epochs;
	double eta = frac > 0 ? (t - p->start) * (1 - frac) / frac : 0;
	fprintf(stderr, "\r  epoch %zu/%zu [%s] %zu/%zu  %.0fk ex/s  ETA %.0f s \033[K",
		p->epoch + 1, p->epochs, bar, done, total, rate / 1000, eta);
	fflush(stderr);
	return 0;
}

/* --- checking what the plugin handed back ------------------------------ */

static int check_split(const struct ds_dataset *ds, const struct ds_split *s,
		       const char *which, const char *plugin, struct nn_err *err)
{
	if (s->count > 0 && (!s->features || !s->labels))
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned a %s split without data",
				 plugin, which);
	for (size_t i = 0; i < s->count; i++)
		if (s->labels[i] < 0 || (size_t)s->labels[i] >= ds->class_count)
			return nn_errorf(err, NN_EFORMAT,
					 "plugin '%s': %s example %zu has label %d, outside 0-%zu",
					 plugin, which, i + 1, s->labels[i], ds->class_count - 1);
	return 0;
}

static int check_dataset(const struct ds_dataset *ds, const char *plugin, struct nn_err *err)
{
	int rc;

	if (ds->input_size == 0 || ds->class_count == 0)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned %zu features and %zu classes",
				 plugin, ds->input_size, ds->class_count);
	if (ds->feature_type != DS_FEATURE_U8 && ds->feature_type != DS_FEATURE_F32)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned unknown feature type %d",
				 plugin, ds->feature_type);
	if (!isfinite(ds->feature_scale))
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned a non-finite feature scale",
				 plugin);
	if (ds->train.count == 0 || ds->train.count > UINT32_MAX)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned %zu training examples",
				 plugin, ds->train.count);
	if ((rc = check_split(ds, &ds->train, "training", plugin, err)) < 0 ||
	    (rc = check_split(ds, &ds->test, "test", plugin, err)) < 0)
		return rc;
	return 0;
}

static struct nn_data data_view(const struct ds_dataset *ds, const struct ds_split *s)
{
	struct nn_data d = {
		.x = s->features,
		.type = ds->feature_type == DS_FEATURE_U8 ? NN_U8 : NN_F32,
		.scale = ds->feature_scale,
		.labels = s->labels,
		.n = s->count,
		.dim = ds->input_size,
	};
	return d;
}

/* Where a config value came from, for messages: "file:line:col" or a default. */
static const char *where(const struct exp_config *cfg, const char *section, const char *key,
			 char *buf, size_t len)
{
	const struct exp_node *n = exp_node_get(exp_node_get(cfg->tree, section), key);

	if (n)
		return exp_node_where(n, buf, len);
	snprintf(buf, len, "%s: default %s.%s", cfg->path, section, key);
	return buf;
}

/* Builds the model: from cfg->from, or fresh with cfg->layers. */
static struct nn_model *make_model(const struct exp_config *cfg, size_t max_batch,
				   struct nn_rng *rng, struct nn_err *err)
{
	struct nn_model *m;
	char loc[512];

	if (!cfg->from) {
		m = nn_model_create(cfg->layers, cfg->nlayers, max_batch, err);
		if (m)
			nn_model_init_large(m, rng);
		return m;
	}

	char *text;
	size_t len;

	if (exp_read_file(cfg->from, &text, &len, err) < 0)
		return NULL;
	m = nn_model_read_json(text, len, cfg->from, max_batch, err);
	free(text);
	if (!m || cfg->nlayers == 0)
		return m;
	int same = m->nlayers + 1 == cfg->nlayers;
	for (size_t l = 0; same && l < cfg->nlayers; l++)
		same = m->sizes[l] == cfg->layers[l];
	if (!same) {
		nn_errorf(err, NN_EINVAL, "%s: 'layers' disagrees with the sizes in '%s'",
			  where(cfg, "model", "layers", loc, sizeof(loc)), cfg->from);
		nn_model_destroy(m);
		return NULL;
	}
	return m;
}

static double peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

int exp_run(const struct exp_config *cfg, const struct exp_run_opts *opts,
	    struct exp_run_result *res, struct nn_err *err)
{
	struct exp_plugin plugin = { 0 };
	struct ds_dataset ds = { 0 };
	struct nn_model *model = NULL;
	struct text metrics = { 0 };
	uint32_t *order = NULL;
	struct nn_rng rng;
	char path[4200], loc[512];
	int rc;
	double t_start = now();

	memset(res, 0, sizeof(*res));

	/* The plugin and its data. */
	if ((rc = exp_plugin_find(cfg->plugin, path, sizeof(path), err)) < 0) {
		char msg[NN_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		rc = nn_errorf(err, NN_EINVAL, "%s: %s", where(cfg, "data", "plugin", loc, sizeof(loc)), msg);
		goto done;
	}
	if ((rc = exp_plugin_open(&plugin, path, err)) < 0 ||
	    (rc = exp_plugin_set_options(&plugin, cfg->options, err)) < 0 ||
	    (rc = exp_plugin_load(&plugin, &ds, err)) < 0 ||
	    (rc = check_dataset(&ds, cfg->plugin, err)) < 0)
		goto done;

	size_t total = ds.train.count;
	if (cfg->validation_size >= total) {
		rc = nn_errorf(err, NN_EINVAL, "%s: 'validation_size' is %zu but the training split has only %zu examples",
			       where(cfg, "data", "validation_size", loc, sizeof(loc)),
			       cfg->validation_size, total);
		goto done;
	}
	size_t train_n = total - cfg->validation_size;
	if (cfg->train_size >= 0) {
		if ((size_t)cfg->train_size > train_n) {
			rc = nn_errorf(err, NN_EINVAL, "%s: 'train_size' is %ld but only %zu examples remain after %zu held out for validation",
				       where(cfg, "data", "train_size", loc, sizeof(loc)),
				       cfg->train_size, train_n, cfg->validation_size);
			goto done;
		}
		train_n = (size_t)cfg->train_size;
	}
	struct nn_data all = data_view(&ds, &ds.train);
	struct nn_data train = nn_data_slice(&all, 0, train_n);
	struct nn_data eval = cfg->eval == EXP_SPLIT_TEST
		? data_view(&ds, &ds.test)
		: nn_data_slice(&all, total - cfg->validation_size, cfg->validation_size);
	if (eval.n == 0) {
		rc = nn_errorf(err, NN_EINVAL, "%s: the %s split of plugin '%s' is empty",
			       where(cfg, "data", "eval", loc, sizeof(loc)),
			       cfg->eval == EXP_SPLIT_TEST ? "test" : "validation", cfg->plugin);
		goto done;
	}

	/* The model. */
	nn_rng_init(&rng, cfg->seed);
	model = make_model(cfg, cfg->batch_size > EVAL_BATCH ? cfg->batch_size : EVAL_BATCH,
			   &rng, err);
	if (!model) {
		rc = err ? err->code : NN_EINVAL;
		goto done;
	}
	if (model->sizes[0] != ds.input_size || model->sizes[model->nlayers] != ds.class_count) {
		rc = nn_errorf(err, NN_EINVAL,
			       "%s: the model maps %zu inputs to %zu outputs, but plugin '%s' gives %zu features and %zu classes",
			       cfg->from ? cfg->from : where(cfg, "model", "layers", loc, sizeof(loc)),
			       model->sizes[0], model->sizes[model->nlayers], cfg->plugin,
			       ds.input_size, ds.class_count);
		goto done;
	}
	model->hidden_act = model->output_act = cfg->activation;
	model->cost = cfg->cost;

	/* The run directory and its resolved config. */
	struct exp_config resolved = *cfg;
	resolved.train_size = (long)train_n;
	resolved.nlayers = model->nlayers + 1;
	memcpy(resolved.layers, model->sizes, sizeof(resolved.layers));
	struct config_file cf = { &resolved, &plugin };
	if ((rc = pick_dir(cfg, opts, res->dir, sizeof(res->dir), err)) < 0)
		goto done;
	snprintf(path, sizeof(path), "%s/config.yaml", res->dir);
	if ((rc = exp_write_atomic(path, write_config, &cf, err)) < 0)
		goto done;

	order = malloc(train.n * sizeof(*order));
	if (!order) {
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < train.n; i++)
		order[i] = (uint32_t)i;
	if ((rc = text_appendf(&metrics, err, "epoch,eval_correct,eval_total,eval_accuracy,eval_cost,eta,train_seconds,eval_seconds,seconds\n")) < 0)
		goto done;

	struct nn_sgd sgd = { cfg->batch_size, (float)cfg->eta, cfg->shuffle };
	struct progress prog = { 0, cfg->epochs, t_start, 0, 0, opts->progress, opts->stop };
	res->eval_total = eval.n;
	if (cfg->from) {
		/* Score the saved model before training from it. */
		struct nn_eval ev;
		double t0 = now();

		nn_evaluate(model, &eval, &ev);
		if (opts->log)
			fprintf(opts->log, "Start: %zu / %zu  (eval %.2f s, model '%s')\n",
				ev.correct, ev.total, now() - t0, cfg->from);
		res->best_correct = ev.correct;
		if ((rc = save_model(model, res->dir, "model.json", err)) < 0)
			goto done;
	}
	for (size_t epoch = 0; epoch < cfg->epochs; epoch++) {
		struct nn_eval ev;
		double t0 = now();

		prog.epoch = epoch;
		prog.epoch_start = t0;
		int stopped = nn_train_epoch(model, &train, &sgd, order, &rng, on_batch, &prog);
		if (opts->progress)
			fputs("\r\033[K", stderr);
		if (stopped) {
			rc = nn_errorf(err, NN_EINTR, "stopped during epoch %zu; '%s' holds the %zu finished epochs",
				       epoch, res->dir, epoch);
			goto done;
		}
		double t1 = now();
		nn_evaluate(model, &eval, &ev);
		double t2 = now();

		if (opts->log) {
			fprintf(opts->log, "Epoch %zu: %zu / %zu  (train %.2f s, eval %.2f s)\n",
				epoch, ev.correct, ev.total, t1 - t0, t2 - t1);
			fflush(opts->log);
		}
		if ((rc = text_appendf(&metrics, err, "%zu,%zu,%zu,%.4f,%.6f,%.17g,%.3f,%.3f,%.3f\n",
				       epoch, ev.correct, ev.total, (double)ev.correct / (double)ev.total,
				       ev.cost, cfg->eta, t1 - t0, t2 - t1, t2 - t0)) < 0)
			goto done;
		snprintf(path, sizeof(path), "%s/metrics.csv", res->dir);
		if ((rc = exp_write_atomic(path, write_text, &metrics, err)) < 0)
			goto done;
		res->epochs_run = epoch + 1;
		if (!isfinite(ev.cost)) {
			rc = nn_errorf(err, NN_EDIVERGED,
				       "training diverged at epoch %zu: the eval cost is %g (try a smaller train.eta than %g)",
				       epoch, ev.cost, cfg->eta);
			goto done;
		}
		if (epoch == 0 || ev.correct > res->best_correct) {
			res->best_epoch = epoch;
			res->best_correct = ev.correct;
			if ((rc = save_model(model, res->dir, "best.json", err)) < 0)
				goto done;
		}
		if ((rc = save_model(model, res->dir, "model.json", err)) < 0)
			goto done;
	}
	res->seconds = now() - t_start;
	if (opts->log && res->epochs_run)
		fprintf(opts->log, "best: Epoch %zu: %zu / %zu (%.2f%%); %zu epochs in %.1f s, peak memory %.0f MB; run directory %s\n",
			res->best_epoch, res->best_correct, res->eval_total,
			100.0 * (double)res->best_correct / (double)res->eval_total,
			res->epochs_run, res->seconds, peak_rss_mb(), res->dir);
	rc = 0;
done:
	free(order);
	free(metrics.buf);
	nn_model_destroy(model);
	exp_plugin_close(&plugin, &ds);
	return rc;
}

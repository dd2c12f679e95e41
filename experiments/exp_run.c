#include "exp_run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exp_charts.h"
#include "exp_checkpoint.h"
#include "exp_data.h"
#include "exp_clock.h"
#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_plot.h"
#include "exp_plugin.h"
#include "exp_policy.h"
#include "exp_progress.h"
#include "nn_train.h"
#include "exp_model.h"



/* --- the run directory ---------------------------------------------- */

/* Removes what an earlier run wrote into dir (its files by name, and any
 * temporary file a killed run left), so a reused --out directory never
 * mixes two runs. Other files stay. */
static void clear_previous_run(const char *dir)
{
	static const char *const files[] = { "config.yaml", "metrics.csv", "model.json", "best.json",
					     "report.html", "initial_gradient_norms.csv", "checkpoint", NULL };
	static const char *const chart_files[] = { "gp", "png", "svg", "pdf", "tex", "dat", NULL };
	char path[4400];

	for (const char *const *f = files; *f; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		unlink(path);
	}
	for (const char *const *c = exp_plot_run_charts; *c; c++)
		for (const char *const *x = chart_files; *x; x++) {
			snprintf(path, sizeof(path), "%s/%s.%s", dir, *c, *x);
			unlink(path);
		}
}

static int pick_dir(const struct exp_config *cfg, const struct exp_run_opts *opts,
		    char *dir, size_t len, struct nn_err *err)
{
	int rc;

	if (opts->out_dir) {
		snprintf(dir, len, "%s", opts->out_dir);
		return exp_fs_mkdirs(dir, err);
	}
	if ((rc = exp_fs_mkdirs("runs", err)) < 0)
		return rc;
	if (opts->resume) {
		snprintf(dir, len, "runs/%s", cfg->name);
		return exp_fs_mkdirs(dir, err);
	}
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

static int write_text(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_text *t = ctx;

	(void)err;
	fwrite(t->s, 1, t->len, f);
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
	return exp_fs_write_atomic(path, write_model, &mf, err);
}

/* best.json and model.json, the same model: rendered once (writing a
 * model's numbers is most of a short epoch's file work). */
static int save_best(const struct nn_model *m, const char *dir, struct nn_err *err)
{
	struct exp_text t = { 0 };
	char path[4200];
	FILE *f = open_memstream(&t.s, &t.len);
	int rc;

	if (!f)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/best.json", dir);
	rc = nn_model_write_json(m, f, path, err);
	if (fclose(f) != 0 && rc == 0)
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
	if (rc == 0)
		rc = exp_fs_write_atomic(path, write_text, &t, err);
	snprintf(path, sizeof(path), "%s/model.json", dir);
	if (rc == 0)
		rc = exp_fs_write_atomic(path, write_text, &t, err);
	free(t.s);
	return rc;
}

static double peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

/* --- one epoch's numbers ----------------------------------------------- */

struct scores {
	struct nn_eval train, eval, validation;
	int has_train, has_validation;
	long one_class;  /* the class predicted for every scored example, or -1 */
};

static void score(struct nn_model *m, const struct exp_config *cfg, const struct exp_data *d,
		  struct scores *s)
{
	const struct nn_data *eval = exp_data_eval(d, cfg);

	s->has_train = cfg->monitor.train_cost || cfg->monitor.train_accuracy;
	s->has_validation = d->validation.n > 0 && cfg->data.eval == EXP_SPLIT_TEST;
	if (s->has_train) {
		nn_evaluate(m, &d->train, &s->train);
		s->train.cost += exp_model_reg_cost(m, cfg, d->train.n);
	}
	/* The evaluated split's confusion tells a net that predicts one
	 * class for everything (one that has not left chance). */
	size_t k = nn_model_outputs(m), *confusion = calloc(k * k, sizeof(size_t)), used = 0;
	if (confusion) {
		nn_evaluate_confusion(m, eval, &s->eval, confusion);
		s->one_class = -1;
		for (size_t c = 0; c < k; c++) {
			size_t n = 0;

			for (size_t t = 0; t < k; t++)
				n += confusion[t * k + c];
			if (n) {
				used++;
				s->one_class = (long)c;
			}
		}
		if (used != 1 || eval->n < 2)
			s->one_class = -1;
		free(confusion);
	} else {
		nn_evaluate(m, eval, &s->eval);
		s->one_class = -1;
	}
	s->eval.cost += exp_model_reg_cost(m, cfg, eval->n);
	if (s->has_validation) {
		nn_evaluate(m, &d->validation, &s->validation);
		s->validation.cost += exp_model_reg_cost(m, cfg, d->validation.n);
	}
}

/* The split that picks the best epoch and drives the schedule and early
 * stopping: validation when there is one, else the evaluated split. */
static const struct nn_eval *selection(const struct scores *s)
{
	return s->has_validation ? &s->validation : &s->eval;
}

static void print_epoch(FILE *log, size_t epoch, const struct scores *s,
			const struct exp_config *cfg, double train_s, double eval_s)
{
	if (cfg->monitor.eval_accuracy)
		fprintf(log, "Epoch %zu: %zu / %zu", epoch, s->eval.correct, s->eval.total);
	else
		fprintf(log, "Epoch %zu training complete", epoch);
	fprintf(log, "  (train %.2f s, eval %.2f s)", train_s, eval_s);
	if (cfg->monitor.eval_cost)
		fprintf(log, "  eval cost %.4f", s->eval.cost);
	if (s->has_validation)
		fprintf(log, "  validation %zu / %zu", s->validation.correct, s->validation.total);
	if (cfg->monitor.train_accuracy)
		fprintf(log, "  train %zu / %zu", s->train.correct, s->train.total);
	if (cfg->monitor.train_cost)
		fprintf(log, "  train cost %.4f", s->train.cost);
	fputc('\n', log);
	fflush(log);
}

/* NN_EDIVERGED, naming the epoch and the weight, when a parameter is NaN
 * or infinite; else 0. */
static int check_weights(const struct nn_model *m, size_t epoch, double eta, struct nn_err *err)
{
	char what[96];

	if (!nn_model_nonfinite(m, what, sizeof(what)))
		return 0;
	return nn_errorf(err, NN_EDIVERGED, "training diverged at epoch %zu: %s (try a smaller train.eta than %g)",
			 epoch, what, eta);
}

static int finite_scores(const struct scores *s)
{
	return isfinite(s->eval.cost) && (!s->has_train || isfinite(s->train.cost)) &&
	       (!s->has_validation || isfinite(s->validation.cost));
}

/* --- a run, step by step ------------------------------------------------ */

/* A run in progress: what its steps (open, start, epoch, close) share. */
struct run {
	const struct exp_config *cfg;
	const struct exp_run_opts *opts;
	struct exp_run_result *res;
	struct exp_config resolved;      /* as config.yaml writes it */
	struct exp_data data;
	int have_data;
	struct nn_model *model;
	struct exp_text metrics;         /* metrics.csv's text so far */
	uint32_t *order;                 /* the training examples' order */
	struct nn_rng rng;
	struct exp_policy policy;        /* best epoch, early stopping, schedule */
	uint64_t config_hash;            /* what a checkpoint must match */
	size_t next_epoch;               /* the first epoch to run */
	int lock, resumed;
	int said_chance;                 /* the note of a net at chance is out */
	double page_time;                /* when the run's page was last rewritten */
	double t_start;                  /* the run's start (earlier when resumed) */
	struct exp_progress prog;
};

/* Goes on from dir/checkpoint: the model's state, the order and the
 * generator, the policy, the best and peak epochs and metrics.csv's rows
 * so far. Returns 0, or a code naming the checkpoint. */
static int resume(struct run *r, struct nn_err *err)
{
	struct exp_checkpoint ck = { 0 };
	struct exp_run_result *res = r->res;
	int rc = exp_checkpoint_read(res->dir, &ck, r->model, r->order, r->data.train.n, err);

	if (rc < 0) {
		char msg[NN_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return nn_errorf(err, rc, "%s; remove it to start the run over", msg);
	}
	if (rc == 1)
		return 0;  /* no checkpoint: a new run */
	if (ck.config != r->config_hash) {
		free(ck.metrics);
		return nn_errorf(err, NN_EINVAL,
				 "'%s/checkpoint' is of a run with another config (only train.epochs and train.threads may change); run without --resume to start over",
				 res->dir);
	}
	r->resumed = 1;
	exp_text_put(&r->metrics, ck.metrics, ck.metrics_len);
	free(ck.metrics);
	r->rng = ck.rng;
	r->policy = (struct exp_policy){ .ties = r->cfg->monitor.ties, .eta = ck.eta, .best_select = ck.best_select,
					 .since_best = ck.since_best, .since_change = ck.since_change,
					 .scored = ck.scored, .at_chance = ck.at_chance, .ended = ck.stopped };
	r->next_epoch = res->epochs_run = ck.next_epoch;
	res->peak_epoch = ck.peak_epoch;
	res->peak_correct = ck.peak_correct;
	res->best_epoch = ck.best_epoch;
	res->best_correct = ck.best_correct;
	res->best_selection = ck.best_selection;
	res->selection_total = ck.selection_total;
	r->t_start -= ck.seconds;
	if (r->opts->log)
		fprintf(r->opts->log, "Resuming '%s' after epoch %zu\n", res->dir, ck.next_epoch - 1);
	return 0;
}

/* The data, the model, the run directory (locked, cleared unless the run
 * resumes) and its config.yaml. */
static int run_open(struct run *r, struct nn_err *err)
{
	const struct exp_config *cfg = r->cfg;
	struct exp_run_result *res = r->res;
	char path[4200];
	int rc;

	if ((rc = exp_data_open(&r->data, cfg, err)) < 0)
		return rc;
	r->have_data = 1;
	nn_rng_init(&r->rng, cfg->seed);
	exp_policy_init(&r->policy, cfg);
	if (!(r->model = exp_model_make(cfg, &r->data, exp_model_batch(cfg), &r->rng, err)))
		return err ? err->code : NN_EINVAL;
	r->resolved = *cfg;
	r->resolved.data.train_size = (long)(cfg->data.expand ? r->data.train.n / 5 : r->data.train.n);
	exp_model_resolve(&r->resolved, r->model);
	if (r->opts->before_writing)
		r->opts->before_writing();
	if ((rc = pick_dir(cfg, r->opts, res->dir, sizeof(res->dir), err)) < 0)
		return rc;
	if ((r->lock = exp_fs_lock_dir(res->dir, "run", err)) < 0)
		return r->lock;
	/* Temporary files of a killed run of this directory (the lock says
	 * no other process is writing here): removed on a resume too. */
	exp_fs_remove_temps(res->dir);
	if (!(r->order = malloc((r->data.train.n + 1) * sizeof(*r->order))))
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->data.train.n; i++)
		r->order[i] = (uint32_t)i;
	r->config_hash = exp_checkpoint_config_hash(&r->resolved, r->data.plugin.opt_names,
						    r->data.plugin.opt_values, r->data.plugin.nopts);
	if (r->opts->resume && (rc = resume(r, err)) < 0)
		return rc;
	if (!r->resumed) {
		clear_previous_run(res->dir);
		exp_metrics_header(&r->metrics, &r->resolved);
	}
	struct config_file cf = { &r->resolved, &r->data.plugin };
	snprintf(path, sizeof(path), "%s/config.yaml", res->dir);
	return exp_fs_write_atomic(path, write_config, &cf, err);
}

/* Before the first epoch of a new run: a saved model's score, and the
 * hidden layers' learning speed (the book's bar chart). */
static int run_start(struct run *r, struct nn_err *err)
{
	const struct exp_config *cfg = r->cfg;
	FILE *log = r->opts->log;
	char path[4200];
	int rc;

	r->res->eval_total = exp_data_eval(&r->data, cfg)->n;
	/* Choosing a model by its test score flatters the score: say so. */
	if (log && r->data.validation.n == 0 && cfg->data.eval == EXP_SPLIT_TEST)
		fprintf(stderr, "nnlab: note: no validation split: best.json and the best epoch are chosen on the test split, whose accuracy then flatters them; set data.validation_size (the book holds out 10000) to choose on other data\n");
	if (r->resumed)
		return 0;
	if (cfg->model.from) {
		struct nn_eval ev;
		double t0 = exp_clock_now();

		nn_evaluate(r->model, exp_data_eval(&r->data, cfg), &ev);
		if (log)
			fprintf(log, "Start: %zu / %zu  (eval %.2f s, model '%s')\n",
				ev.correct, ev.total, exp_clock_now() - t0, cfg->model.from);
		r->res->best_correct = ev.correct;
		if ((rc = save_model(r->model, r->res->dir, "model.json", err)) < 0)
			return rc;
	}
	if (cfg->monitor.gradient_norms && nn_model_hidden_count(r->model) > 0) {
		double norms[NN_MAX_LAYERS];
		struct exp_text t = { 0 };

		nn_bias_gradient_norms(r->model, &r->data.train, norms);
		exp_text_puts(&t, "layer,gradient_norm\n");
		if (log)
			fputs("Start: gradient norms", log);
		for (size_t l = 0; l < nn_model_hidden_count(r->model); l++) {
			exp_text_printf(&t, "hidden%zu,%.6g\n", l + 1, norms[l]);
			if (log)
				fprintf(log, "%s hidden %zu %.6g", l ? "," : "", l + 1, norms[l]);
		}
		if (log)
			fputc('\n', log);
		snprintf(path, sizeof(path), "%s/initial_gradient_norms.csv", r->res->dir);
		rc = t.failed ? nn_errorf(err, NN_ENOMEM, "out of memory") : exp_fs_write_atomic(path, write_text, &t, err);
		exp_text_fini(&t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A scored epoch's row of metrics.csv, written; then the divergence
 * checks, which stop the run before its models are saved, so the files
 * keep the last finite epoch. */
static int record_epoch(struct run *r, size_t epoch, const struct scores *s, double train_s,
			double eval_s, struct nn_err *err)
{
	const struct exp_config *cfg = r->cfg;
	char path[4200];
	int rc;
	struct exp_metrics_row row = {
		.epoch = epoch, .train_cost = s->train.cost, .train_correct = s->train.correct,
		.train_total = s->train.total, .eval_correct = s->eval.correct,
		.eval_total = s->eval.total, .eval_cost = s->eval.cost,
		.validation_correct = s->validation.correct, .validation_total = s->validation.total,
		.validation_cost = s->validation.cost, .eta = r->policy.eta,
		.train_seconds = train_s, .eval_seconds = eval_s,
	};

	/* Learning speed: each hidden layer's gradient, no update. */
	if (cfg->monitor.gradient_norms)
		nn_bias_gradient_norms(r->model, &r->data.train, row.grad_norms);
	exp_metrics_row(&r->metrics, &r->resolved, &row);
	if (r->metrics.failed)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/metrics.csv", r->res->dir);
	if ((rc = exp_fs_write_atomic(path, write_text, &r->metrics, err)) < 0)
		return rc;
	r->res->epochs_run = epoch + 1;
	if ((rc = check_weights(r->model, epoch, r->policy.eta, err)) < 0)
		return rc;
	if (!finite_scores(s))
		return nn_errorf(err, NN_EDIVERGED,
				 "training diverged at epoch %zu: the cost is %g (try a smaller train.eta than %g)",
				 epoch, s->eval.cost, r->policy.eta);
	return 0;
}

/* The best and the peak epoch after a scored epoch; best.json and
 * model.json. */
static int keep_models(struct run *r, size_t epoch, const struct scores *s, struct nn_err *err)
{
	struct exp_run_result *res = r->res;
	const struct nn_eval *sel = selection(s);

	if (!r->policy.scored || s->eval.correct > res->peak_correct) {
		res->peak_epoch = epoch;
		res->peak_correct = s->eval.correct;
	}
	if (exp_policy_score(&r->policy, sel->correct)) {
		res->best_epoch = epoch;
		res->best_correct = s->eval.correct;
		res->best_selection = sel->correct;
		res->selection_total = sel->total;
		return save_best(r->model, res->dir, err);
	}
	return save_model(r->model, res->dir, "model.json", err);
}

/* Everything the next epoch starts from, and how this one ended. */
static int checkpoint(struct run *r, size_t epoch, struct nn_err *err)
{
	const struct exp_run_result *res = r->res;
	const struct exp_policy *p = &r->policy;
	struct exp_checkpoint ck = {
		.config = r->config_hash, .next_epoch = epoch + 1, .eta = p->eta,
		.best_select = p->best_select, .since_best = p->since_best,
		.since_change = p->since_change, .scored = p->scored, .at_chance = p->at_chance,
		.peak_epoch = res->peak_epoch, .peak_correct = res->peak_correct,
		.best_epoch = res->best_epoch, .best_correct = res->best_correct,
		.best_selection = res->best_selection, .selection_total = res->selection_total,
		.seconds = exp_clock_now() - r->t_start, .stopped = p->ended, .rng = r->rng,
		.metrics = r->metrics.s, .metrics_len = r->metrics.len,
	};

	return exp_checkpoint_write(res->dir, &ck, r->model, r->order, r->data.train.n, err);
}

/* Says, once, that the net predicts one class for every scored example:
 * it has not left chance (a learning rate too small or too large, or the
 * slow start of sigmoid conv nets). */
static void say_chance(struct run *r, size_t epoch, const struct scores *s)
{
	int sigmoid_conv = 0;

	for (size_t i = 0; i < nn_model_layer_count(r->model); i++) {
		const struct nn_layer *l = nn_model_layer(r->model, i);

		sigmoid_conv |= l->spec.kind == NN_CONV && l->spec.act == NN_SIGMOID;
	}
	fprintf(stderr, "nnlab: note: after epoch %zu the net predicts class %ld for every %s example (%.2f%%: that class's share), as a net that has not left chance does%s\n",
		epoch, s->one_class, exp_config_split_name(r->cfg->data.eval),
		100.0 * (double)s->eval.correct / (double)s->eval.total,
		sigmoid_conv ? "; the book's sigmoid conv nets at eta 0.1 stay there for about their first 30,000 training images" : "");
	r->said_chance = 1;
}

#define PAGE_SECONDS 2.0

/* The run's page, when one was asked for (it exists): live after a
 * scored epoch, final at the end. A failure costs the page, not the run. */
static void redo_page(struct run *r, int live)
{
	char path[4400];
	struct nn_err perr;
	double now = exp_clock_now();

	/* At most every PAGE_SECONDS while going: a page with its model
	 * embedded takes tens of milliseconds to write. */
	if (!r->opts->page || (live && now - r->page_time < PAGE_SECONDS))
		return;
	snprintf(path, sizeof(path), "%s/report.html", r->res->dir);
	if (access(path, F_OK) == 0) {
		r->opts->page(r->res->dir, live, NULL, &perr);
		r->page_time = now;
	}
}

/* One epoch: train, then (every monitor.every-th epoch and the last)
 * score, log, write the metrics and the models; the schedule and early
 * stopping; the checkpoint. */
static int run_epoch(struct run *r, size_t epoch, struct nn_err *err)
{
	const struct exp_config *cfg = r->cfg;
	struct nn_sgd sgd = {
		.batch_size = cfg->train.batch_size, .eta = (float)r->policy.eta, .shuffle = cfg->train.shuffle,
		.l2 = (float)cfg->train.l2, .l1 = (float)cfg->train.l1, .momentum = (float)cfg->train.momentum,
	};
	struct scores s;
	double t0 = exp_clock_now(), t1, t2;
	int rc;

	r->prog.epoch = epoch;
	r->prog.epoch_start = t0;
	int stopped = nn_train_epoch(r->model, &r->data.train, &sgd, r->order, &r->rng, exp_progress_batch,
				     &r->prog);
	if (r->opts->progress)
		fputs("\r\033[K", stderr);
	if (stopped)
		return nn_errorf(err, NN_EINTR, "stopped during epoch %zu; '%s' holds the %zu finished epochs",
				 epoch, r->res->dir, epoch);
	t1 = exp_clock_now();
	/* monitor.every N: only every Nth epoch (and the last) is scored
	 * and written; the others are checked for divergence alone. */
	if ((epoch + 1) % cfg->monitor.every != 0 && epoch + 1 < cfg->train.epochs) {
		if ((rc = check_weights(r->model, epoch, r->policy.eta, err)) < 0)
			return rc;
		exp_policy_end_epoch(&r->policy, cfg, epoch, 0, r->opts->log);
		return 0;
	}
	score(r->model, cfg, &r->data, &s);
	t2 = exp_clock_now();
	r->prog.score_s = t2 - t1;
	if (r->opts->log)
		print_epoch(r->opts->log, epoch, &s, cfg, t1 - t0, t2 - t1);
	if (r->opts->log && s.one_class >= 0 && !r->said_chance)
		say_chance(r, epoch, &s);
	if ((rc = record_epoch(r, epoch, &s, t1 - t0, t2 - t1, err)) < 0 ||
	    (rc = keep_models(r, epoch, &s, err)) < 0)
		return rc;
	exp_policy_end_epoch(&r->policy, cfg, epoch, 1, r->opts->log);
	exp_policy_chance(&r->policy, cfg, s.one_class >= 0);
	if ((rc = checkpoint(r, epoch, err)) == 0)
		redo_page(r, 1);
	return rc;
}

/* The threads the run trained on, for the summary: "" on one, else " on
 * N threads" and the share of the mini-batches the pace spread over them,
 * saying why when it ran a tenth or more of them on one. */
static const char *threads_used(const struct nn_model *m, char *buf, size_t len)
{
	unsigned long long batches, spread;
	size_t n = nn_model_threads(m);

	nn_model_pace(m, &batches, &spread);
	if (n == 1 || !batches)
		return "";
	double share = 100.0 * (double)spread / (double)batches;
	snprintf(buf, len, " on %zu threads (%.0f%% of the mini-batches spread over them%s)", n, share,
		 share < 90 ? ", the rest on one: other processes held the cores" : "");
	return buf;
}

/* After the last epoch: the charts and the summary line. */
static int run_close(struct run *r, struct nn_err *err)
{
	const struct exp_config *cfg = r->cfg;
	struct exp_run_result *res = r->res;
	FILE *log = r->opts->log;

	if (cfg->charts && res->epochs_run && !r->opts->charts_later)
		exp_charts_draw(cfg, &r->data, res->dir, res->best_epoch, log ? stderr : NULL);
	redo_page(r, 0);
	if (r->opts->stop && *r->opts->stop)
		/* Stopped while drawing: gnuplot was ended, the rest undrawn. */
		return nn_errorf(err, NN_EINTR, "stopped while drawing the charts; '%s' holds the %zu finished epochs",
				 res->dir, res->epochs_run);
	if (r->opts->plot_terminal && log && res->epochs_run && exp_plot_terminal(res->dir, log, err) < 0)
		fprintf(stderr, "nnlab: warning: %s\n", err->msg);
	res->seconds = exp_clock_now() - r->t_start;
	if (!log || !res->epochs_run)
		return 0;
	if (r->policy.ended)
		fprintf(log, "stopped after epoch %zu: %s\n", res->epochs_run - 1,
			exp_policy_reason(r->policy.ended));
	fprintf(log, "best: Epoch %zu: %zu / %zu (%.2f%%)", res->peak_epoch, res->peak_correct,
		res->eval_total, 100.0 * (double)res->peak_correct / (double)res->eval_total);
	if (r->data.validation.n > 0 && cfg->data.eval == EXP_SPLIT_TEST)
		fprintf(log, "; at the best validation epoch %zu (%zu / %zu): %zu / %zu (%.2f%%)",
			res->best_epoch, res->best_selection, res->selection_total, res->best_correct,
			res->eval_total, 100.0 * (double)res->best_correct / (double)res->eval_total);
	char threads[128];
	fprintf(log, "; %zu epoch%s in %.1f s%s, peak memory %.0f MB; run directory %s (its page: nnlab report %s)\n",
		res->epochs_run, res->epochs_run == 1 ? "" : "s", res->seconds,
		threads_used(r->model, threads, sizeof(threads)), peak_rss_mb(), res->dir, res->dir);
	return 0;
}

static void run_fini(struct run *r)
{
	if (r->lock >= 0)
		exp_fs_remove_temps(r->res->dir);
	exp_fs_unlock_dir(r->lock);
	free(r->order);
	exp_text_fini(&r->metrics);
	nn_model_destroy(r->model);
	if (r->have_data)
		exp_data_close(&r->data);
}

int exp_run(const struct exp_config *cfg, const struct exp_run_opts *opts,
	    struct exp_run_result *res, struct nn_err *err)
{
	struct run r = { .cfg = cfg, .opts = opts, .res = res, .lock = -1, .t_start = exp_clock_now() };
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = run_open(&r, err)) == 0 && (rc = run_start(&r, err)) == 0) {
		r.prog = (struct exp_progress){ .epochs = cfg->train.epochs, .start = r.t_start,
						.draw = opts->progress, .stop = opts->stop,
						.heartbeat = opts->heartbeat, .last_beat = -1e9, .model = r.model,
						.every = cfg->monitor.every ? cfg->monitor.every : 1 };
		exp_progress_beat(&r.prog, exp_clock_now());
		for (size_t epoch = r.next_epoch; epoch < cfg->train.epochs && !r.policy.ended && rc == 0; epoch++)
			rc = run_epoch(&r, epoch, err);
		if (rc == 0)
			rc = run_close(&r, err);
	}
	/* The wall time, whatever the outcome (a resumed run's attempts
	 * added up). */
	res->seconds = exp_clock_now() - r.t_start;
	run_fini(&r);
	return rc;
}

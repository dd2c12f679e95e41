/* Scoring saved models (nnlab eval, alone or as an ensemble) and checking
 * a config without training (nnlab check). */
#include "exp_eval.h"

#include <stdlib.h>
#include <string.h>

#include "exp_data.h"
#include "exp_fs.h"
#include "exp_plot.h"
#include "nn_train.h"
#include "exp_model.h"


static void print_confusion(FILE *log, const size_t *confusion, size_t k)
{
	fputs("confusion matrix (rows: true label, columns: predicted):\n      ", log);
	for (size_t j = 0; j < k; j++)
		fprintf(log, " %5zu", j);
	fputc('\n', log);
	for (size_t i = 0; i < k; i++) {
		fprintf(log, "%5zu ", i);
		for (size_t j = 0; j < k; j++)
			fprintf(log, " %5zu", confusion[i * k + j]);
		fputc('\n', log);
	}
}

/* A row of eval.csv: a model's score, or the vote's (path NULL). */
struct score {
	const char *path;
	size_t correct;
};

struct scores {
	const struct score *rows;
	size_t n, total;
	const char *split;
};

static int write_scores(FILE *f, void *ctx, struct nn_err *err)
{
	const struct scores *s = ctx;

	(void)err;
	fputs("model,split,correct,total,accuracy,path\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct score *r = &s->rows[i];

		if (r->path)
			fprintf(f, "%zu,", i + 1);
		else
			fputs("vote,", f);
		fprintf(f, "%s,%zu,%zu,%.6f,", s->split, r->correct, s->total,
			s->total ? (double)r->correct / (double)s->total : 0.0);
		if (r->path)
			exp_fs_put_csv_field(f, r->path);
		fputc('\n', f);
	}
	return 0;
}

/* DIR/eval.csv: each model's score on the split, then the vote's. */
static int save_scores(const char *dir, const struct score *rows, size_t n, size_t total, const char *split,
		       struct nn_err *err)
{
	char path[4200];
	struct scores s = { rows, n, total, split };

	snprintf(path, sizeof(path), "%s/eval.csv", dir);
	return exp_fs_write_atomic(path, write_scores, &s, err);
}

/* Several models: each one's count, then their plurality vote's. */
static int eval_ensemble(const struct exp_config *cfg, struct exp_data *data, const char *const *more,
			 size_t nmore, const char *chart_dir, FILE *log, struct nn_err *err)
{
	const struct nn_data *eval = exp_data_eval(data, cfg);
	size_t n = eval->n, k = data->ds.class_count, nmodels = nmore + 1, correct = 0;
	int32_t *preds = malloc(nmodels * n * sizeof(*preds)), *vote = malloc(n * sizeof(*vote));
	size_t *confusion = calloc(k * k, sizeof(*confusion));
	struct score *rows = calloc(nmodels + 1, sizeof(*rows));
	int rc = 0;

	if (!preds || !vote || !confusion || !rows) {
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nmodels; i++) {
		struct exp_config one = *cfg;
		struct nn_model *m;
		size_t right = 0;

		one.model.from = i ? more[i - 1] : cfg->model.from;
		if (!(m = exp_model_make(&one, data, EXP_EVAL_BATCH, NULL, err))) {
			rc = err ? err->code : NN_EINVAL;
			goto done;
		}
		nn_predict(m, eval, preds + i * n);
		nn_model_destroy(m);
		for (size_t j = 0; j < n; j++)
			right += preds[i * n + j] == eval->labels[j];
		fprintf(log, "model %zu: %zu / %zu (%.2f%%)  %s\n", i + 1, right, n, 100.0 * (double)right / (double)n,
			one.model.from);
		rows[i] = (struct score){ one.model.from, right };
	}
	nn_vote(vote, preds, nmodels, n, k);
	for (size_t j = 0; j < n; j++) {
		correct += vote[j] == eval->labels[j];
		confusion[(size_t)eval->labels[j] * k + (size_t)vote[j]]++;
	}
	fprintf(log, "plurality vote of %zu models: %zu / %zu (%.2f%%) on the %s split\n", nmodels, correct, n,
		100.0 * (double)correct / (double)n, exp_config_split_name(cfg->data.eval));
	print_confusion(log, confusion, k);
	rows[nmodels] = (struct score){ NULL, correct };
	if (chart_dir) {
		char title[256], what[128];

		snprintf(title, sizeof(title), "plurality vote of %zu models: %zu / %zu (%.2f%%)", nmodels, correct,
			 n, 100.0 * (double)correct / (double)n);
		snprintf(what, sizeof(what), "the vote's misclassified %s examples (true>vote)", exp_config_split_name(cfg->data.eval));
		if ((rc = exp_fs_mkdirs(chart_dir, err)) < 0 ||
		    (rc = save_scores(chart_dir, rows, nmodels + 1, n, exp_config_split_name(cfg->data.eval), err)) < 0)
			goto done;
		exp_plot_mistakes(chart_dir, "misclassified", title, what, cfg, data, vote, log);
	}
done:
	free(rows);
	free(preds);
	free(vote);
	free(confusion);
	return rc;
}

int exp_eval(const struct exp_config *cfg, const char *const *more, size_t nmore,
	     const char *chart_dir, FILE *log, struct nn_err *err)
{
	struct exp_data data;
	struct nn_model *model = NULL;
	size_t *confusion = NULL;
	struct nn_eval ev;
	int rc;

	if ((rc = exp_data_open(&data, cfg, err)) < 0)
		return rc;
	if (nmore) {
		rc = eval_ensemble(cfg, &data, more, nmore, chart_dir, log, err);
		goto done;
	}
	model = exp_model_make(cfg, &data, EXP_EVAL_BATCH, NULL, err);
	if (!model) {
		rc = err ? err->code : NN_EINVAL;
		goto done;
	}
	size_t k = data.ds.class_count;
	confusion = calloc(k * k, sizeof(*confusion));
	if (!confusion) {
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		goto done;
	}
	const struct nn_data *eval = exp_data_eval(&data, cfg);
	nn_evaluate_confusion(model, eval, &ev, confusion);
	ev.cost += exp_model_reg_cost(model, cfg, eval->n);
	fprintf(log, "%zu / %zu (%.2f%%) on the %s split, mean cost %.6f (%s)\n", ev.correct,
		ev.total, 100.0 * (double)ev.correct / (double)ev.total,
		exp_config_split_name(cfg->data.eval), ev.cost, nn_cost_name(nn_model_cost(model)));
	print_confusion(log, confusion, k);
	rc = 0;
	if (chart_dir) {
		int32_t *pred = malloc((eval->n ? eval->n : 1) * sizeof(*pred));
		char title[256], what[128];

		if (!pred) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
			goto done;
		}
		nn_predict(model, eval, pred);
		snprintf(title, sizeof(title), "%s: %zu / %zu (%.2f%%)", cfg->model.from, ev.correct, ev.total,
			 100.0 * (double)ev.correct / (double)ev.total);
		snprintf(what, sizeof(what), "misclassified %s examples (true>predicted)", exp_config_split_name(cfg->data.eval));
		struct score row = { cfg->model.from, ev.correct };

		if ((rc = exp_fs_mkdirs(chart_dir, err)) == 0 &&
		    (rc = save_scores(chart_dir, &row, 1, ev.total, exp_config_split_name(cfg->data.eval), err)) == 0)
			exp_plot_mistakes(chart_dir, "misclassified", title, what, cfg, &data, pred, log);
		free(pred);
	}
done:
	free(confusion);
	nn_model_destroy(model);
	exp_data_close(&data);
	return rc;
}

/* The book's chapter-1 defaults the config leaves in place, named, so
 * a config that gives only layers knows why it scores as network.py
 * does, not as a modern net would. */
static void say_defaults(const struct exp_config *cfg, FILE *log)
{
	static const char *const keys[][3] = {
		{ "model", "init", "large (N(0, 1) weights)" }, { "model", "output", "sigmoid" },
		{ "train", "cost", "quadratic" }, { "train", "eta", "3" }, { "train", "batch_size", "10" },
		{ "data", "validation_size", "0 (the best epoch chosen on the test split)" },
	};
	char line[1024] = "";
	size_t len = 0;
	int book_model = 0;   /* init, output or cost left as the book's */

	if (cfg->model.from)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct exp_node *sec = exp_node_get(cfg->tree, keys[i][0]);

		if (exp_node_get(sec, keys[i][1]))
			continue;
		/* A softmax or pool layer in the list sets the output itself. */
		if (!strcmp(keys[i][1], "output") && cfg->model.output != NN_SIGMOID)
			continue;
		book_model |= i < 3;
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s.%s %s", len ? ", " : "", keys[i][0],
					keys[i][1], keys[i][2]);
		if (len >= sizeof(line))
			break;
	}
	if (len)
		fprintf(log, "  defaults (chapter 1's network.py, not set in the config): %s%s\n", line,
			book_model ? "; a modern net sets model.init: scaled, model.output: softmax, train.cost: log_likelihood"
				   : "");
}

int exp_eval_check(const struct exp_config *cfg, FILE *log, struct nn_err *err)
{
	struct exp_data data;
	struct exp_model_plan plan;
	int rc;

	if ((rc = exp_data_open(&data, cfg, err)) < 0)
		return rc;
	/* The run's own plan and memory estimate, with nothing allocated. */
	if ((rc = exp_model_plan(&plan, cfg, &data, exp_model_batch(cfg), err)) < 0)
		goto done;
	if (log) {
		char desc[1024];
		size_t sizes[NN_MAX_LAYERS + 1];
		enum nn_act hidden;

		fprintf(log, "%s: ok\n  plugin %s (%s): %zu features, %zu classes\n", cfg->path,
			cfg->data.plugin, data.plugin.path, data.ds.input_size, data.ds.class_count);
		fprintf(log, "  training %zu, validation %zu, test %zu examples; scored each epoch: %s\n",
			data.train.n, data.validation.n, data.test.n,
			exp_config_split_name(cfg->data.eval));
		fprintf(log, "  model %s, %zu parameters, ",
			nn_layers_describe(plan.layers, plan.n, plan.input, desc, sizeof(desc)), plan.params);
		if (nn_layers_dense_sizes(plan.layers, plan.n, plan.input, sizes, NN_MAX_LAYERS + 1, &hidden))
			fprintf(log, "%s hidden, %s output, ", nn_act_name(hidden),
				nn_act_name(plan.specs[plan.n - 1].act));
		fprintf(log, "%s cost%s%s\n", nn_cost_name(plan.cost), cfg->model.from ? ", from " : "",
			cfg->model.from ? cfg->model.from : "");
		fprintf(log, "  model memory: %.1f MiB (parameters, gradients, momentum and buffers for batches of %zu)\n",
			plan.bytes / (1 << 20), plan.max_batch);
		say_defaults(cfg, log);
	}
	exp_model_plan_fini(&plan);
	rc = 0;
done:
	exp_data_close(&data);
	return rc;
}

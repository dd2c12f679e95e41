#include "exp_charts.h"

#include <string.h>
#include <unistd.h>

#include "exp_metrics.h"
#include "exp_model.h"
#include "exp_plot.h"
#include "exp_yaml.h"

void exp_charts_draw(const struct exp_config *cfg, const struct exp_data *data, const char *dir,
		     size_t best_epoch, FILE *log)
{
	char path[4200], which[200];
	struct nn_err err = { 0, "" };
	struct exp_config from_best = *cfg;
	struct nn_model *best;

	snprintf(path, sizeof(path), "%s/best.json", dir);
	from_best.model.from = path;
	best = exp_model_make(&from_best, data, EXP_EVAL_BATCH, NULL, &err);
	if (!best) {
		if (log)
			fprintf(log, "nnlab: warning: no charts: %s\n", err.msg);
		return;
	}
	snprintf(which, sizeof(which), "epoch %zu's model (best.json: the best %s accuracy)", best_epoch,
		 data->validation.n > 0 ? "validation" : exp_config_split_name(cfg->data.eval));
	exp_plot_run(dir, cfg, data, best, which, log);
	nn_model_destroy(best);
}

int exp_charts_pending(const char *dir)
{
	char path[4200];
	struct nn_err err;
	struct exp_node *tree;
	const struct exp_node *charts;
	int pending;

	snprintf(path, sizeof(path), "%s/best.json", dir);
	if (access(path, R_OK) != 0)
		return 0;
	/* Drawn (or, without gnuplot, written as scripts) once accuracy.gp is there. */
	snprintf(path, sizeof(path), "%s/accuracy.gp", dir);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	if (!(tree = exp_yaml_load_file(path, path, &err)))
		return 0;
	charts = exp_node_get(tree, "charts");
	pending = !charts || (charts->kind == EXP_SCALAR && !strcmp(charts->value, "true"));
	exp_node_free(tree);
	return pending;
}

/* The epoch best.json holds (exp_metrics_kept). */
static long kept_epoch(const char *dir, const struct exp_config *cfg, struct nn_err *err)
{
	char path[4200];
	struct exp_metrics m;
	long col, row;
	double v;

	snprintf(path, sizeof(path), "%s/metrics.csv", dir);
	if (exp_metrics_read(&m, path, err) < 0) {
		exp_metrics_fini(&m);
		return -1;
	}
	row = exp_metrics_kept(&m, cfg->monitor.ties, &v);
	if (row < 0) {
		exp_metrics_fini(&m);
		nn_errorf(err, NN_EFORMAT, "%s: no scored epoch", path);
		return -1;
	}
	col = exp_metrics_column(&m, "epoch");
	long epoch = col >= 0 ? (long)m.values[(size_t)row * m.ncols + (size_t)col] : row;
	exp_metrics_fini(&m);
	return epoch;
}

int exp_charts_draw_pending(const char *dir, const char *plugin_file, FILE *log, struct nn_err *err)
{
	char path[4200];
	struct exp_config cfg;
	struct exp_data data;
	long epoch;
	int rc;

	if (!exp_charts_pending(dir))
		return 0;
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	if ((rc = exp_config_load(&cfg, path, NULL, 0, err)) < 0)
		return rc;
	cfg.data.plugin_file = plugin_file;
	if ((epoch = kept_epoch(dir, &cfg, err)) < 0) {
		exp_config_fini(&cfg);
		return err->code;
	}
	if ((rc = exp_data_open(&data, &cfg, err)) == 0) {
		exp_charts_draw(&cfg, &data, dir, (size_t)epoch, log);
		exp_data_close(&data);
	}
	exp_config_fini(&cfg);
	return rc;
}

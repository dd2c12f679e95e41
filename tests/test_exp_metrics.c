#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "exp_metrics.h"
#include "helpers.h"

Test(exp_metrics, header_and_rows_match_the_columns)
{
	struct exp_config cfg;
	struct exp_text t = { 0 };

	memset(&cfg, 0, sizeof(cfg));
	cfg.data.validation_size = 100;
	cfg.data.eval = EXP_SPLIT_TEST;
	cfg.monitor.eval_accuracy = cfg.monitor.eval_cost = 1;
	cfg.monitor.train_accuracy = 1;
	struct exp_metrics_row r = { 3, 0.5, 45, 50, 90, 100, 0.25, 80, 100, 0.75, 3.0, 1.5, 0.25, { 0 } };
	exp_metrics_header(&t, &cfg);
	exp_metrics_row(&t, &cfg, &r);
	char *s = exp_text_take(&t);
	cr_assert_str_eq(s, "epoch,train_cost,train_accuracy,eval_correct,eval_total,eval_accuracy,eval_cost,"
			    "validation_correct,validation_total,validation_accuracy,validation_cost,eta,"
			    "train_seconds,eval_seconds,seconds\n"
			    "3,,0.9000,90,100,0.9000,0.250000,80,100,0.8000,0.750000,3,1.500,0.250,1.750\n");
	free(s);
}

Test(exp_metrics, read_back_with_empty_cells_and_the_first_best)
{
	char dir[4096], path[4200], why[1024];
	struct exp_metrics m;
	struct nn_err err = { 0, "" };
	double v;

	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/metrics.csv", dir);
	th_write_str(path, "epoch,train_cost,eval_accuracy\n0,,0.5\n1,,0.7\n2,,0.7\n3,,0.6\n");
	cr_assert_eq(exp_metrics_read(&m, path, &err), 0, "%s", err.msg);
	cr_assert_eq(m.nrows, 4);
	cr_assert_eq(m.ncols, 3);
	cr_assert_eq(exp_metrics_column(&m, "eval_accuracy"), 2);
	cr_assert_eq(exp_metrics_best(&m, 2, 1, EXP_TIES_FIRST, &v), 1, "the first of tied rows");
	cr_assert_float_eq(v, 0.7, 1e-12);
	cr_assert_eq(exp_metrics_best(&m, 2, 0, EXP_TIES_FIRST, &v), 0);
	cr_assert_eq(exp_metrics_best(&m, 1, 1, EXP_TIES_FIRST, &v), -1, "an empty column has no best");
	exp_metrics_fini(&m);
	th_write_str(path, "epoch,eval_accuracy\n0,0.5\n1\n");
	cr_assert_eq(exp_metrics_read(&m, path, &err), NN_EFORMAT);
	cr_assert(strstr(err.msg, "metrics.csv:3: expected 2 fields, got 1"), "%s", err.msg);
	exp_metrics_fini(&m);

	struct exp_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.monitor.eval_accuracy = 1;
	cr_assert(exp_metrics_fills(&cfg, "eval_accuracy", why, sizeof(why)));
	cr_assert(!exp_metrics_fills(&cfg, "eval_cost", why, sizeof(why)));
	cr_assert_str_eq(why, "'eval_cost' stays empty in this config's runs (monitor.eval_cost is off)");
	cr_assert(!exp_metrics_fills(&cfg, "accuracy", why, sizeof(why)));
	cr_assert(strstr(why, "'accuracy' is not a metrics.csv column of this config's runs"), "%s", why);
}

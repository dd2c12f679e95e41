/* End-to-end tests of 'nnlab run': the real program, real plugin, real files. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp_run.h"
#include "helpers.h"

static char dir[4096];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
}

TestSuite(exp_run, .init = setup, .timeout = 300);

/* A small config over th_write_mnist data of 6x6 images in dir/data. */
static void write_small(const char *name, const char *extra)
{
	char path[4300], data[4300], text[8192];

	snprintf(data, sizeof(data), "%s/data", dir);
	mkdir(data, 0777);
	th_write_mnist(data, 400, 100, 6, 6, 1, 77);
	snprintf(text, sizeof(text),
		 "name: small\n"
		 "seed: 5\n"
		 "charts: false\n"
		 "data:\n"
		 "  plugin: mnist\n"
		 "  options:\n"
		 "    dir: %s\n"
		 "  validation_size: 50\n"
		 "model:\n"
		 "  layers: [36, 12, 10]\n"
		 "train:\n"
		 "  epochs: 4\n"
		 "  batch_size: 10\n"
		 "  eta: 3.0\n"
		 "%s",
		 data, extra);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	th_write_str(path, text);
}

static int run(char **out, char **err, const char *config, const char *outdir,
	       const char *set1, const char *set2)
{
	char cpath[4300], opath[4300];
	const char *argv[12];
	int n = 0;

	snprintf(cpath, sizeof(cpath), "%s/%s", dir, config);
	snprintf(opath, sizeof(opath), "%s/%s", dir, outdir);
	argv[n++] = "run";
	argv[n++] = cpath;
	argv[n++] = "--out";
	argv[n++] = opath;
	if (set1) {
		argv[n++] = "--set";
		argv[n++] = set1;
	}
	if (set2) {
		argv[n++] = "--set";
		argv[n++] = set2;
	}
	argv[n] = NULL;
	return th_nnlab(out, err, argv);
}

static char *read_run_file(const char *outdir, const char *file)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, outdir, file);
	return th_read(path, NULL);
}

/* metrics.csv without the timing columns (the last three). */
static void strip_timing(char *csv)
{
	char *o = csv;

	for (char *line = csv; *line;) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		int commas = 0;
		size_t keep = len;

		for (size_t i = len; i > 0; i--)
			if (line[i - 1] == ',' && ++commas == 3) {
				keep = i - 1;
				break;
			}
		memmove(o, line, keep);
		o += keep;
		*o++ = '\n';
		line += len + (end ? 1 : 0);
	}
	*o = '\0';
}

/* The sorted names in a directory, each followed by a space (static). */
static const char *list_dir(const char *path)
{
	static char buf[4096];
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			strncat(buf, names[i]->d_name, sizeof(buf) - strlen(buf) - 2);
			strcat(buf, " ");
		}
		free(names[i]);
	}
	free(names);
	return buf;
}

Test(exp_run, writes_the_run_directory)
{
	char *out, *err;

	write_small("s.yaml", "");
	cr_assert_eq(run(&out, &err, "s.yaml", "r", NULL, NULL), 0, "stderr: %s", err);
	cr_assert(strstr(out, "Epoch 0: "), "%s", out);
	cr_assert(strstr(out, "Epoch 3: "), "%s", out);
	cr_assert(strstr(out, " / 100  (train "), "%s", out);
	cr_assert(strstr(out, "best: Epoch "), "%s", out);

	char *csv = read_run_file("r", "metrics.csv");
	cr_assert_not_null(csv);
	const char header[] = "epoch,train_cost,train_accuracy,eval_correct,eval_total,eval_accuracy,eval_cost,validation_correct,validation_total,validation_accuracy,validation_cost,eta,train_seconds,eval_seconds,seconds\n";
	char f[64];
	cr_assert_eq(strncmp(csv, header, strlen(header)), 0, "%s", csv);
	cr_assert_eq(th_csv_rows(csv), 4, "%s", csv);
	cr_assert_str_eq(th_csv(csv, 3, "epoch", f, sizeof(f)), "3");
	cr_assert_str_eq(th_csv(csv, 3, "eval_total", f, sizeof(f)), "100");
	cr_assert_str_eq(th_csv(csv, 3, "validation_total", f, sizeof(f)), "50");
	cr_assert_str_eq(th_csv(csv, 3, "train_cost", f, sizeof(f)), "");
	cr_assert_str_eq(th_csv(csv, 3, "eta", f, sizeof(f)), "3");

	char *model = read_run_file("r", "model.json");
	cr_assert_not_null(model);
	cr_assert_eq(strncmp(model, "{\"sizes\": [36, 12, 10], \"weights\": [[[", 38), 0);
	cr_assert(strstr(model, "\"cost\": \"QuadraticCost\", \"activation\": \"sigmoid\", \"output\": \"sigmoid\"}"));
	char *best = read_run_file("r", "best.json");
	cr_assert_not_null(best);

	char *cfg = read_run_file("r", "config.yaml");
	cr_assert(strstr(cfg, "  train_size: 350\n"), "%s", cfg);
	cr_assert(strstr(cfg, "  layers: [36, 12, 10]\n"), "%s", cfg);
	cr_assert(strstr(cfg, "    train_prefix: \"train\"\n"), "%s", cfg);

	/* Exactly these files, no temporary ones left behind. */
	char rdir[4300];
	snprintf(rdir, sizeof(rdir), "%s/r", dir);
	cr_assert_str_eq(list_dir(rdir), "best.json checkpoint config.yaml metrics.csv model.json ");
	free(cfg);
	free(best);
	free(model);
	free(csv);
	free(out);
	free(err);
}

Test(exp_run, same_seed_gives_identical_results)
{
	char *a, *b;

	write_small("s.yaml", "");
	cr_assert_eq(run(NULL, NULL, "s.yaml", "a", NULL, NULL), 0);
	cr_assert_eq(run(NULL, NULL, "s.yaml", "b", NULL, NULL), 0);
	cr_assert_eq(run(NULL, NULL, "s.yaml", "c", "seed=6", NULL), 0);

	a = read_run_file("a", "model.json");
	b = read_run_file("b", "model.json");
	cr_assert_str_eq(a, b);
	char *c = read_run_file("c", "model.json");
	cr_assert_str_neq(a, c, "a different seed gave the same model");
	free(a);
	free(b);
	free(c);

	a = read_run_file("a", "metrics.csv");
	b = read_run_file("b", "metrics.csv");
	strip_timing(a);
	strip_timing(b);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
}

Test(exp_run, saved_model_scores_the_same_when_loaded)
{
	char *out, *err, *csv, mpath[4300], set[4400], want[128];

	write_small("s.yaml", "");
	cr_assert_eq(run(NULL, NULL, "s.yaml", "a", "train.epochs=1", NULL), 0);
	csv = read_run_file("a", "metrics.csv");
	char f[64];
	size_t correct = strtoul(th_csv(csv, 0, "eval_correct", f, sizeof(f)), NULL, 10);
	snprintf(mpath, sizeof(mpath), "%s/a/model.json", dir);
	snprintf(set, sizeof(set), "model.from=%s", mpath);
	cr_assert_eq(run(&out, &err, "s.yaml", "b", set, "train.epochs=0"), 0, "%s", err);
	snprintf(want, sizeof(want), "Start: %zu / 100 ", correct);
	cr_assert(strstr(out, want), "expected '%s' in: %s", want, out);
	free(out);
	free(err);
	free(csv);
}

Test(exp_run, config_errors_exit_2_with_location)
{
	char *out, *err, want[4400];

	write_small("s.yaml", "  lerning_rate: 1\n");
	cr_assert_eq(run(&out, &err, "s.yaml", "r", NULL, NULL), 2);
	snprintf(want, sizeof(want), "nnlab: error: %s/s.yaml:15:3: unknown key 'lerning_rate' in 'train'\n", dir);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);

	write_small("s.yaml", "");
	cr_assert_eq(run(&out, &err, "s.yaml", "r", "data.plugin=nosuch", NULL), 2);
	cr_assert(strstr(err, "nnlab: error: --set 'data.plugin=nosuch': no plugin 'nosuch': ds_nosuch.so is not in "),
		  "%s", err);
	free(out);
	free(err);

	cr_assert_eq(run(&out, &err, "s.yaml", "r", "data.plugin=../../x", NULL), 2);
	cr_assert(strstr(err, "'../../x' is not a plugin name"), "%s", err);
	free(out);
	free(err);

	cr_assert_eq(run(&out, &err, "s.yaml", "r", "model.layers=[35,12,10]", NULL), 2);
	cr_assert(strstr(err, "--set 'model.layers=[35,12,10]': the model maps 35 inputs to 10 outputs, but plugin 'mnist' gives 36 features and 10 classes"),
		  "%s", err);
	free(out);
	free(err);

	cr_assert_eq(run(&out, &err, "s.yaml", "r", "data.options.colour=1", NULL), 2);
	cr_assert(strstr(err, "plugin 'mnist' has no option 'colour' (it has: dir, train_prefix, test_prefix)"),
		  "%s", err);
	free(out);
	free(err);

	cr_assert_eq(run(&out, &err, "s.yaml", "r", "data.train_size=400", NULL), 2);
	cr_assert(strstr(err, "'train_size' is 400 but only 350 examples remain after 50 held out for validation"),
		  "%s", err);
	free(out);
	free(err);
}

Test(exp_run, data_errors_exit_1_naming_the_file)
{
	char *out, *err, set[9000], cmd[4400];

	write_small("s.yaml", "");
	snprintf(cmd, sizeof(cmd), "%s/data/t10k-labels-idx1-ubyte.gz", dir);
	th_write_maybe_gz(cmd, "\0\0\x08\x01\0\0\0\x02\x01\x02", 10, 1);
	cr_assert_eq(run(&out, &err, "s.yaml", "r", NULL, NULL), 1);
	snprintf(set, sizeof(set), "nnlab: error: '%s/data/t10k-images-idx3-ubyte.gz' holds 100 images but '%s' holds 2 labels\n",
		 dir, cmd);
	cr_assert_str_eq(err, set);
	free(out);
	free(err);

	snprintf(set, sizeof(set), "data.options.dir=%s/none", dir);
	cr_assert_eq(run(&out, &err, "s.yaml", "r", set, NULL), 1);
	cr_assert(strstr(err, "/none/train-images-idx3-ubyte.gz' or '"), "%s", err);
	free(out);
	free(err);
}

Test(exp_run, runs_get_numbered_directories)
{
	char cpath[4300], runs[4300];
	const char *argv[] = { "run", cpath, "--quiet", "--set", "train.epochs=1", NULL };

	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(th_nnlab_ex(NULL, NULL, argv, dir, 0, 0), 0);
	snprintf(runs, sizeof(runs), "%s/runs", dir);
	cr_assert_str_eq(list_dir(runs), "small small-2 small-3 ");
}

Test(exp_run, sigterm_stops_cleanly_keeping_finished_epochs)
{
	char *out, *err, *csv, rdir[4300];
	size_t rows = 0;

	/* Enough epochs that the run is still going when the signal comes. */
	write_small("s.yaml", "");
	char cpath[4300], opath[4300];
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/r", dir);
	const char *argv[] = { "run", cpath, "--out", opath, "--set", "train.epochs=1000000", NULL };
	cr_assert_eq(th_nnlab_ex(&out, &err, argv, NULL, 1.0, SIGTERM), 1, "%s", err);
	cr_assert(strstr(err, "nnlab: error: stopped during epoch "), "%s", err);
	csv = read_run_file("r", "metrics.csv");
	cr_assert_not_null(csv);
	for (char *p = csv; *p; p++)
		rows += *p == '\n';
	cr_assert_gt(rows, 2, "%s", csv);
	/* Every row is whole: the last line ends with a newline and has 9 fields. */
	cr_assert_eq(csv[strlen(csv) - 1], '\n');
	char *last = csv + strlen(csv) - 1;
	while (last > csv && last[-1] != '\n')
		last--;
	int commas = 0;
	for (char *p = last; *p; p++)
		commas += *p == ',';
	cr_assert_eq(commas, 14, "%s", last);
	snprintf(rdir, sizeof(rdir), "%s/r", dir);
	cr_assert_str_eq(list_dir(rdir), "best.json checkpoint config.yaml metrics.csv model.json ");
	free(csv);
	free(out);
	free(err);
}

/* Runs s.yaml into dir/OUTDIR, with --resume if resume, and the given
 * --set options (NULL-terminated). */
static int run_into(char **out, char **err, const char *outdir, int resume, const char *const *sets)
{
	char cpath[4300], opath[4300];
	const char *argv[40];
	int n = 0;

	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/%s", dir, outdir);
	argv[n++] = "run";
	argv[n++] = cpath;
	argv[n++] = "--out";
	argv[n++] = opath;
	if (resume)
		argv[n++] = "--resume";
	for (; *sets && n < 38; sets++) {
		argv[n++] = "--set";
		argv[n++] = *sets;
	}
	argv[n] = NULL;
	return th_nnlab(out, err, argv);
}

static int run_sets(char **out, char **err, const char *const *sets)
{
	return run_into(out, err, "r", 0, sets);
}

Test(exp_run, plateau_schedule_halves_eta_and_stops)
{
	/* An eta too small to change any prediction: no epoch improves. */
	const char *sets[] = { "train.eta=1e-9", "train.epochs=50", "train.schedule.type=plateau",
			       "train.schedule.patience=2", "train.schedule.stop_factor=4", NULL };
	char *out, *err, *csv, f[64];

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	csv = read_run_file("r", "metrics.csv");
	/* Halved after epochs 2 and 4; after epoch 6 eta would be eta0/8. */
	const char *want[] = { "1e-09", "1e-09", "1e-09", "5e-10", "5e-10", "2.5e-10", "2.5e-10" };
	cr_assert_eq(th_csv_rows(csv), 7, "%s", csv);
	for (size_t i = 0; i < 7; i++)
		cr_assert_str_eq(th_csv(csv, i, "eta", f, sizeof(f)), want[i], "epoch %zu", i);
	cr_assert(strstr(out, "stopped after epoch 6: eta fell below"), "%s", out);
	free(csv);
	free(out);
	free(err);
}

Test(exp_run, step_schedule_decays_eta)
{
	const char *sets[] = { "train.eta=2", "train.epochs=5", "train.schedule.type=step",
			       "train.schedule.every=2", "train.schedule.factor=0.25", NULL };
	char *csv, f[64];
	const char *want[] = { "2", "2", "0.5", "0.5", "0.125" };

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(NULL, NULL, sets), 0);
	csv = read_run_file("r", "metrics.csv");
	for (size_t i = 0; i < 5; i++)
		cr_assert_str_eq(th_csv(csv, i, "eta", f, sizeof(f)), want[i], "epoch %zu", i);
	free(csv);
}

Test(exp_run, early_stopping_keeps_the_best_model)
{
	const char *sets[] = { "train.epochs=200", "train.early_stop=3", "data.eval=validation",
			       "train.cost=cross_entropy", "train.eta=0.5", NULL };
	char *out, *err, *csv, f[64], model[4400], cpath[4300];
	size_t best = 0, rows;

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	cr_assert(strstr(out, "no improvement for train.early_stop epochs"), "%s", out);
	csv = read_run_file("r", "metrics.csv");
	rows = th_csv_rows(csv);
	cr_assert_lt(rows, 200);
	for (size_t i = 0; i < rows; i++) {
		size_t c = strtoul(th_csv(csv, i, "eval_correct", f, sizeof(f)), NULL, 10);

		if (c > best)
			best = c;
	}
	free(out);
	free(err);
	/* best.json scores what the best epoch scored. */
	snprintf(model, sizeof(model), "%s/r/best.json", dir);
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	const char *argv[] = { "eval", model, cpath, "--set", "data.eval=validation", NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	char want[64];
	snprintf(want, sizeof(want), "%zu / 50 (", best);
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "expected '%s' in: %s", want, out);
	cr_assert(strstr(out, "confusion matrix (rows: true label, columns: predicted):\n"), "%s", out);
	free(out);
	free(err);
	/* The model gives the layers: a config without them scores the same. */
	const char *nolayers[] = { "eval", model, cpath, "--set", "data.eval=validation",
				   "--set", "model.layers=null", NULL };
	cr_assert_eq(th_nnlab(&out, &err, nolayers), 0, "%s", err);
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "expected '%s' in: %s", want, out);
	free(out);
	free(err);
	/* A config whose layers contradict the model's is refused. */
	const char *other[] = { "eval", model, cpath, "--set", "model.layers=[36, 13, 10]", NULL };
	cr_assert_eq(th_nnlab(&out, &err, other), 2, "%s", out);
	cr_assert(strstr(err, "13"), "%s", err);
	free(csv);
	free(out);
	free(err);
	/* More models than a vote takes: the limit, by count, whatever the
	 * count (65 once read as "unexpected argument"). */
	for (int k = 65; k <= 1100; k += 1035) {
		const char **many = calloc((size_t)k + 3, sizeof(*many));
		many[0] = "eval";
		for (int i = 1; i <= k; i++)
			many[i] = model;
		many[k + 1] = cpath;
		cr_assert_eq(th_nnlab(&out, &err, many), 2, "%s", out);
		char limit[200];
		snprintf(limit, sizeof(limit), "nnlab: error: eval takes at most 64 models, got %d files before the config\n", k);
		cr_assert_str_eq(err, limit);
		free(many);
		free(out);
		free(err);
	}
}

Test(exp_run, monitoring_fills_train_columns_with_the_l2_term)
{
	const char *plain[] = { "monitor.train_cost=true", "monitor.train_accuracy=true",
				"train.epochs=1", NULL };
	const char *reg[] = { "monitor.train_cost=true", "monitor.train_accuracy=true",
			      "train.epochs=1", "train.l2=1000000", "train.eta=1e-9", NULL };
	const char *tiny[] = { "monitor.train_cost=true", "train.epochs=1", "train.eta=1e-9", NULL };
	char *csv, f[64];

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(NULL, NULL, plain), 0);
	csv = read_run_file("r", "metrics.csv");
	cr_assert_gt(strlen(th_csv(csv, 0, "train_cost", f, sizeof(f))), 0);
	double acc = strtod(th_csv(csv, 0, "train_accuracy", f, sizeof(f)), NULL);
	cr_assert(acc > 0.1 && acc <= 1.0, "%g", acc);
	free(csv);
	/* The same weights (eta 1e-9) cost far more with a huge lambda. */
	cr_assert_eq(run_sets(NULL, NULL, tiny), 0);
	csv = read_run_file("r", "metrics.csv");
	double base = strtod(th_csv(csv, 0, "train_cost", f, sizeof(f)), NULL);
	free(csv);
	cr_assert_eq(run_sets(NULL, NULL, reg), 0);
	csv = read_run_file("r", "metrics.csv");
	double with = strtod(th_csv(csv, 0, "train_cost", f, sizeof(f)), NULL);
	cr_assert_gt(with, base + 1000, "%g vs %g", with, base);
	free(csv);
}

Test(exp_run, check_validates_without_training)
{
	char *out, *err, cpath[4300], want[4400];

	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	const char *ok[] = { "check", cpath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, ok), 0, "%s", err);
	snprintf(want, sizeof(want), "%s: ok\n  plugin mnist (", cpath);
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "%s", out);
	cr_assert(strstr(out, "): 36 features, 10 classes\n  training 350, validation 50, test 100 examples; scored each epoch: test\n  model [36, 12, 10], 574 parameters, sigmoid hidden, sigmoid output, quadratic cost\n"),
		  "%s", out);
	free(out);
	free(err);
	/* The book's defaults the config leaves in place, named; none once set. */
	cr_assert_eq(th_nnlab(&out, &err, ok), 0, "%s", err);
	cr_assert(strstr(out, "  defaults (chapter 1's network.py, not set in the config): model.init large (N(0, 1) weights), "
			      "model.output sigmoid, train.cost quadratic; a modern net sets model.init: scaled, "
			      "model.output: softmax, train.cost: log_likelihood\n"), "%s", out);
	free(out);
	free(err);
	const char *modern[] = { "check", cpath, "--set", "model.init=scaled", "--set", "model.output=softmax",
				 "--set", "train.cost=log_likelihood", NULL };
	cr_assert_eq(th_nnlab(&out, &err, modern), 0, "%s", err);
	cr_assert_null(strstr(out, "defaults ("), "%s", out);
	free(out);
	free(err);
	const char *bad[] = { "check", cpath, "--set", "model.layers=[36, 12, 9]", NULL };
	cr_assert_eq(th_nnlab(&out, &err, bad), 2);
	cr_assert(strstr(err, "the model maps 36 inputs to 9 outputs, but plugin 'mnist' gives 36 features and 10 classes"),
		  "%s", err);
	free(out);
	free(err);
}

Test(exp_run, usage_errors_exit_2)
{
	char *out, *err;
	const char *none[] = { NULL };
	const char *bad[] = { "launch", NULL };
	const char *noarg[] = { "run", NULL };
	const char *help[] = { "--help", NULL };
	const char *version[] = { "--version", NULL };

	cr_assert_eq(th_nnlab(&out, &err, none), 2);
	free(out);
	free(err);
	cr_assert_eq(th_nnlab(&out, &err, bad), 2);
	cr_assert_str_eq(err, "nnlab: error: unknown command 'launch' (see 'nnlab --help')\n");
	free(out);
	free(err);
	cr_assert_eq(th_nnlab(&out, &err, noarg), 2);
	free(out);
	free(err);
	cr_assert_eq(th_nnlab(&out, &err, help), 0);
	cr_assert(strstr(out, "usage: nnlab run CONFIG"));
	free(out);
	free(err);
	cr_assert_eq(th_nnlab(&out, &err, version), 0);
	cr_assert(strstr(out, "nnlab 0."));
	free(out);
	free(err);
}

/* The book's chapter-1 config on real MNIST (fetched by 'make test'). */
Test(exp_run, real_mnist_one_epoch_reaches_90_percent)
{
	char *out, *err, *csv, set[4400], cpath[4400], opath[4400];
	size_t correct = 0, total = 0;

	snprintf(set, sizeof(set), "data.options.dir=%s/data/mnist", NNLAB_SOURCE_DIR);
	snprintf(cpath, sizeof(cpath), "%s/configs/nielsen-ch1.yaml", NNLAB_SOURCE_DIR);
	snprintf(opath, sizeof(opath), "%s/ch1", dir);
	const char *argv[] = { "run", cpath, "--out", opath, "--set", set,
			       "--set", "train.epochs=1", "--set", "charts=false", NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	csv = read_run_file("ch1", "metrics.csv");
	char f[64];
	correct = strtoul(th_csv(csv, 0, "eval_correct", f, sizeof(f)), NULL, 10);
	total = strtoul(th_csv(csv, 0, "eval_total", f, sizeof(f)), NULL, 10);
	cr_assert_eq(total, 10000);
	cr_assert_geq(correct, 9000, "epoch 0: %zu / 10000", correct);
	free(out);
	free(err);

	/* The saved model, loaded back, scores the same on the test set. */
	char from[4400], want[64];
	snprintf(from, sizeof(from), "model.from=%s/ch1/model.json", dir);
	snprintf(opath, sizeof(opath), "%s/again", dir);
	const char *argv2[] = { "run", cpath, "--out", opath, "--set", set,
				"--set", from, "--set", "train.epochs=0", NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv2), 0, "%s", err);
	snprintf(want, sizeof(want), "Start: %zu / 10000 ", correct);
	cr_assert(strstr(out, want), "expected '%s' in: %s", want, out);
	free(out);
	free(err);
	free(csv);
}

Test(exp_run, divergence_stops_the_run_and_no_model_holds_nan)
{
	char *out, *err;

	/* ReLU, softmax and log-likelihood at an absurd eta: the clamped
	 * logarithm once kept the cost finite while the weights were NaN. */
	write_small("d.yaml", "  cost: log_likelihood\n");
	int rc = run(&out, &err, "d.yaml", "d", "train.eta=1e6",
		     "model={layers: [36, 50, 50, 50, 10], activation: relu, output: softmax}");
	cr_assert_eq(rc, 1, "exit %d: %s", rc, err);
	cr_assert(strstr(err, "nnlab: error: training diverged at epoch 0: "), "%s", err);
	cr_assert(strstr(err, " is nan") || strstr(err, " is -nan") || strstr(err, " is inf") ||
		  strstr(err, " is -inf") || strstr(err, "the cost is"), "%s", err);
	for (int i = 0; i < 2; i++) {
		char *json = read_run_file("d", i ? "best.json" : "model.json");

		if (json)
			cr_assert(!strstr(json, "nan") && !strstr(json, "inf"), "a model file holds NaN");
		free(json);
	}
	free(out);
	free(err);
}

Test(exp_run, metrics_columns_hold_what_they_name)
{
	const char *sets[] = { "train.cost=cross_entropy", "train.eta=0.5",
			       "monitor.train_accuracy=true", "monitor.train_cost=true", NULL };
	char *out, *err, *csv, f[64];

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	free(out);
	free(err);
	csv = read_run_file("r", "metrics.csv");
	size_t rows = th_csv_rows(csv);
	cr_assert_eq(rows, 4);
	for (size_t i = 0; i < rows; i++) {
		static const char *const splits[] = { "eval", "validation" };

		for (int s = 0; s < 2; s++) {
			char col[64];

			snprintf(col, sizeof(col), "%s_correct", splits[s]);
			double c = atof(th_csv(csv, i, col, f, sizeof(f)));
			snprintf(col, sizeof(col), "%s_total", splits[s]);
			double t = atof(th_csv(csv, i, col, f, sizeof(f)));
			snprintf(col, sizeof(col), "%s_accuracy", splits[s]);
			double a = atof(th_csv(csv, i, col, f, sizeof(f)));
			cr_assert_float_eq(a, c / t, 1e-6, "row %zu: %s is %g, %g / %g", i, col, a, c, t);
		}
		double ta = atof(th_csv(csv, i, "train_accuracy", f, sizeof(f)));
		cr_assert(ta > 0.1 && ta <= 1.0, "train_accuracy %g", ta);
	}
	/* The last row's costs are those nnlab eval gives model.json. */
	char model[4400], cpath[4300];
	snprintf(model, sizeof(model), "%s/r/model.json", dir);
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	static const char *const splits[] = { "test", "validation" };
	static const char *const cols[] = { "eval_cost", "validation_cost" };
	for (int s = 0; s < 2; s++) {
		char set[64];
		const char *argv[] = { "eval", model, cpath, "--set", set, "--set", "train.cost=cross_entropy", NULL };

		snprintf(set, sizeof(set), "data.eval=%s", splits[s]);
		cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
		const char *mean = strstr(out, "mean cost ");
		cr_assert_not_null(mean, "%s", out);
		double want = atof(mean + 10);
		double got = atof(th_csv(csv, rows - 1, cols[s], f, sizeof(f)));
		cr_assert_float_eq(got, want, 1e-4 * want, "%s is %g, nnlab eval says %g", cols[s], got, want);
		free(out);
		free(err);
	}
	free(csv);
}

Test(exp_run, every_training_key_changes_the_run)
{
	/* A key read from the config but never passed to training would
	 * leave the model unchanged. */
	static const char *const changes[] = {
		"train.momentum=0.5", "train.l1=1", "train.l2=1", "model.dropout=0.3", "model.init=scaled",
		"train.shuffle=false", "model.activation=tanh", "model.activation=relu",
		"train.cost=cross_entropy", "train.batch_size=7", "seed=6", "data.train_size=300", NULL
	};
	char *out, *err, *base;

	write_small("s.yaml", "");
	const char *plain[] = { "train.epochs=1", NULL };
	cr_assert_eq(run_sets(&out, &err, plain), 0, "%s", err);
	base = read_run_file("r", "model.json");
	free(out);
	free(err);
	for (int i = 0; changes[i]; i++) {
		const char *sets[] = { "train.epochs=1", changes[i], NULL };

		cr_assert_eq(run_sets(&out, &err, sets), 0, "%s: %s", changes[i], err);
		char *m = read_run_file("r", "model.json");
		cr_assert_str_neq(m, base, "'%s' left the model as it was", changes[i]);
		free(m);
		free(out);
		free(err);
	}
	free(base);
}

Test(exp_run, best_epoch_is_the_first_of_tied_epochs)
{
	/* An eta too small to change any prediction: every epoch ties. */
	const char *sets[] = { "train.eta=1e-12", "train.epochs=4", NULL };
	char *out, *err;

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	cr_assert(strstr(out, "best: Epoch 0: "), "%s", out);
	cr_assert(strstr(out, "at the best validation epoch 0 "), "%s", out);
	free(out);
	free(err);
}

/* Waits up to 20 s for path to exist and be nonempty. */
static int wait_for_file(const char *path)
{
	struct stat st;

	for (int i = 0; i < 400; i++) {
		if (stat(path, &st) == 0 && st.st_size > 0)
			return 1;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

Test(exp_run, two_runs_into_one_directory_are_refused)
{
	char cpath[4300], opath[4300], lock[4400], *out, *err;

	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/r", dir);
	snprintf(lock, sizeof(lock), "%s/r/metrics.csv", dir);
	const char *first[] = { "run", cpath, "--out", opath, "--set", "train.epochs=1000000", NULL };
	pid_t pid = th_nnlab_start(first, NULL, -1, -1);
	cr_assert(wait_for_file(lock), "the first run did not start");
	const char *argv[] = { "run", cpath, "--out", opath, NULL };
	int rc = th_nnlab(&out, &err, argv);
	/* A sweep told to write there names the holder as a run, not as
	 * another sweep. */
	char scfg[4300], *sout, *serr, swant[4600];
	snprintf(scfg, sizeof(scfg), "%s/sw.yaml", dir);
	char *base = th_read(cpath, NULL);
	char stext[8192];
	snprintf(stext, sizeof(stext), "%ssweep:\n  grid:\n    train.eta: [0.5, 1]\n", base);
	free(base);
	th_write_str(scfg, stext);
	const char *sargv[] = { "sweep", scfg, "--out", opath, NULL };
	int src = th_nnlab(&sout, &serr, sargv);
	th_nnlab_end(pid, SIGKILL);
	cr_assert_eq(rc, 1, "%s", err);
	char want[4600];
	snprintf(want, sizeof(want), "nnlab: error: '%s' is in use by another nnlab run (pid %ld); wait for it to end or use another directory\n",
		 opath, (long)pid);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);
	cr_assert_eq(src, 1, "%s", serr);
	snprintf(swant, sizeof(swant), "nnlab: error: '%s' is in use by another nnlab run (pid %ld); wait for it to end or use another directory\n",
		 opath, (long)pid);
	cr_assert_str_eq(serr, swant);
	free(sout);
	free(serr);
	/* Its lock ends with it, even by kill -9. */
	cr_assert_eq(run(&out, &err, "s.yaml", "r", "train.epochs=1", NULL), 0, "%s", err);
	free(out);
	free(err);
}

Test(exp_run, a_reused_directory_keeps_nothing_of_the_previous_run)
{
	char *out, *err, path[4400];
	struct stat st;

	write_small("s.yaml", "  cost: log_likelihood\n");
	cr_assert_eq(run(&out, &err, "s.yaml", "r", "model.output=softmax", NULL), 0, "%s", err);
	free(out);
	free(err);
	/* A temporary file as a kill -9 leaves it. */
	snprintf(path, sizeof(path), "%s/r/model.json.tmp.Ab12Cd", dir);
	th_write_str(path, "{\"sizes\": [3");
	/* A second run into it fails at epoch 0. */
	int rc = run(&out, &err, "s.yaml", "r", "train.eta=1e6",
		     "model={layers: [36, 50, 50, 50, 10], activation: relu, output: softmax}");
	cr_assert_eq(rc, 1, "%s", err);
	char rdir[4300];
	snprintf(rdir, sizeof(rdir), "%s/r", dir);
	cr_assert_str_eq(list_dir(rdir), "config.yaml metrics.csv ");
	char *cfg = read_run_file("r", "config.yaml");
	cr_assert(strstr(cfg, "  eta: 1000000\n"), "%s", cfg);
	snprintf(path, sizeof(path), "%s/r/model.json", dir);
	cr_assert_neq(stat(path, &st), 0, "the previous run's model is still there");
	free(cfg);
	free(out);
	free(err);
}

Test(exp_run, models_beyond_the_memory_limit_or_the_data_are_refused_before_allocation)
{
	char *out, *err, want[4600], set[4400];

	write_small("s.yaml", "");
	/* A layer of 2^24 units: 2.2 GiB of parameters alone. */
	setenv("NNLAB_MAX_MEMORY", "1G", 1);
	int rc = run(&out, &err, "s.yaml", "r", "model.layers=[36, 16777216, 10]", NULL);
	cr_assert_eq(rc, 2, "%s", err);
	snprintf(want, sizeof(want), "nnlab: error: --set 'model.layers=[36, 16777216, 10]': the model needs 40.8 GiB");
	cr_assert(!strncmp(err, want, strlen(want)), "%s", err);
	cr_assert(strstr(err, " GiB (parameters, gradients, momentum and buffers for batches of 256), more than the limit of 1.0 GiB; set NNLAB_MAX_MEMORY (such as NNLAB_MAX_MEMORY=64G) to raise it\n"),
		  "%s", err);
	free(out);
	free(err);
	/* nnlab check says the same. */
	char cpath[4300];
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	const char *check[] = { "check", cpath, "--set", "model.layers=[36, 16777216, 10]", NULL };
	cr_assert_eq(th_nnlab(&out, &err, check), 2, "%s", err);
	cr_assert(strstr(err, "more than the limit of 1.0 GiB"), "%s", err);
	free(out);
	free(err);
	/* check counts what run counts: evaluation batches of 256 too, not
	 * the mini-batches of 10 alone (it said ok to what run refused). */
	setenv("NNLAB_MAX_MEMORY", "2M", 1);
	const char *check2[] = { "check", cpath, "--set", "model.layers=[36, 1000, 10]", NULL };
	cr_assert_eq(th_nnlab(&out, &err, check2), 2, "%s", out);
	cr_assert(strstr(err, "the model needs 2.55 MiB (parameters, gradients, momentum and buffers for batches of 256), more than the limit of 2.00 MiB"),
		  "%s", err);
	char *check_err = err;
	free(out);
	cr_assert_eq(run(&out, &err, "s.yaml", "r", "model.layers=[36, 1000, 10]", NULL), 2, "%s", err);
	cr_assert_str_eq(err, check_err);
	free(check_err);
	free(out);
	free(err);
	setenv("NNLAB_MAX_MEMORY", "1G", 1);
	/* A model that does not fit the data is refused before it is made. */
	rc = run(&out, &err, "s.yaml", "r", "model.layers=[78400, 3000, 10]", NULL);
	cr_assert_eq(rc, 2, "%s", err);
	cr_assert(strstr(err, "the model maps 78400 inputs to 10 outputs, but plugin 'mnist' gives 36 features and 10 classes"),
		  "%s", err);
	free(out);
	free(err);
	setenv("NNLAB_MAX_MEMORY", "lots", 1);
	cr_assert_eq(run(&out, &err, "s.yaml", "r", NULL, NULL), 2);
	cr_assert(strstr(err, "NNLAB_MAX_MEMORY is 'lots': expected a size from 1M to below 16777216T (2^64 bytes), such as 16G"), "%s", err);
	free(out);
	free(err);
	/* A model file is parsed as it is read: /dev/zero once ate 24 GB,
	 * then 1.1 GB before its refusal; now its first byte refuses it. */
	setenv("NNLAB_MAX_MEMORY", "64M", 1);
	rc = run(&out, &err, "s.yaml", "r", "model.from=/dev/zero", NULL);
	cr_assert_eq(rc, 1, "%s", err);
	cr_assert(strstr(err, "nnlab: error: /dev/zero:1:1: a NUL byte where a value belongs\n"), "%s", err);
	free(out);
	free(err);
	/* Valid JSON that would not fit stops at half the limit. */
	char big[4300];
	snprintf(big, sizeof(big), "%s/big.json", dir);
	FILE *f = fopen(big, "w");
	cr_assert_not_null(f);
	fputs("{\"sizes\": [36, 10], \"weights\": [[[0", f);
	for (int i = 0; i < 400000; i++)
		fputs(", 0", f);
	cr_assert_eq(fclose(f), 0);
	setenv("NNLAB_MAX_MEMORY", "1M", 1);
	snprintf(set, sizeof(set), "model.from=%s", big);
	rc = run(&out, &err, "s.yaml", "r", set, NULL);
	cr_assert_eq(rc, 1, "%s", err);
	cr_assert(strstr(err, "big.json:1:"), "%s", err);
	cr_assert(strstr(err, ": reading stopped here: the file takes more than 0.5 MiB to read, the limit (half of the memory limit)\n"),
		  "%s", err);
	free(out);
	free(err);
	unsetenv("NNLAB_MAX_MEMORY");
}

Test(exp_run, a_stop_while_loading_ends_the_run_at_once)
{
	char fifo[4300], cpath[4300], opath[4300], set[4400], *err;
	struct stat st;

	/* A model file that never comes: the run waits in the loading. */
	snprintf(fifo, sizeof(fifo), "%s/model.fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/r", dir);
	snprintf(set, sizeof(set), "model.from=%s", fifo);
	const char *argv[] = { "run", cpath, "--out", opath, "--set", set, NULL };
	int rc = th_nnlab_ex(NULL, &err, argv, NULL, 0.5, SIGTERM);
	cr_assert_eq(rc, -1, "ended by the signal, not by a handler: exit %d, %s", rc, err);
	cr_assert_neq(stat(opath, &st), 0, "nothing was written");
	free(err);
}

Test(exp_run, long_values_are_shortened_in_messages_never_the_reason)
{
	char *out, *err, set[6000], path[5000];

	write_small("s.yaml", "");
	snprintf(set, sizeof(set), "train.eta=1");
	memset(set + 11, 'x', 5000);
	set[5011] = '\0';
	cr_assert_eq(run(&out, &err, "s.yaml", "r", set, NULL), 2);
	cr_assert(strstr(err, "': 'eta' must be a number, got '1xxxxx"), "%s", err);
	cr_assert(strstr(err, "xxx...xxx"), "%s", err);
	cr_assert_lt(strlen(err), 400, "%s", err);
	cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
	free(out);
	free(err);
	/* A long path keeps the system's reason at the end. */
	snprintf(path, sizeof(path), "model.from=%s/", dir);
	memset(path + strlen(path), 'd', 3000);
	path[4000] = '\0';
	cr_assert_eq(run(&out, &err, "s.yaml", "r", path, NULL), 1);
	cr_assert(strstr(err, ": File name too long\n") || strstr(err, ": No such file or directory\n"), "%s", err);
	free(out);
	free(err);
	/* Usage errors are one line too. */
	const char *argv[] = { "run", NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 2);
	cr_assert_str_eq(err, "nnlab: error: run needs a CONFIG file (see 'nnlab --help')\n");
	free(out);
	free(err);
}

Test(exp_run, a_plugin_option_error_names_the_place_in_the_config)
{
	char train[4300], cpath[4300], text[9000], *out, *err, want[4600];

	snprintf(train, sizeof(train), "%s/t.csv", dir);
	th_write_str(train, "y,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n0,1,1\n");
	snprintf(cpath, sizeof(cpath), "%s/c.yaml", dir);
	snprintf(text, sizeof(text),
		 "charts: false\ndata:\n  plugin: csv\n  options:\n    train: %s\n    scale: divide\n"
		 "    divisor: 1e-300\nmodel:\n  layers: [2, 3, 2]\n", train);
	th_write_str(cpath, text);
	char opath[4300];
	snprintf(opath, sizeof(opath), "%s/r", dir);
	const char *argv[] = { "run", cpath, "--out", opath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 2, "%s", err);
	snprintf(want, sizeof(want), "nnlab: error: %s:7:14: option 'divisor' is 1e-300: feature 1 of training row 1 becomes", cpath);
	cr_assert(!strncmp(err, want, strlen(want)), "%s", err);
	free(out);
	free(err);
}

Test(exp_run, the_progress_bar_numbers_epochs_as_the_epoch_lines)
{
	char cmd[20000], log[4400];

	/* A terminal for stderr: script(1) gives the run a pseudo-terminal. */
	if (system("command -v script > /dev/null") != 0)
		cr_skip_test("script(1) is not installed");
	write_small("s.yaml", "");
	snprintf(log, sizeof(log), "%s/tty.txt", dir);
	snprintf(cmd, sizeof(cmd), "script -qec \"'%s/nnlab' run '%s/s.yaml' --out '%s/r' --set train.epochs=2\" /dev/null > '%s' 2>&1",
		 NNLAB_BUILD_DIR, dir, dir, log);
	cr_assert_eq(system(cmd), 0);
	char *text = th_read(log, NULL);
	cr_assert(strstr(text, "Epoch 0 (1 of 2) ["), "%s", text);
	cr_assert(strstr(text, "Epoch 1 (2 of 2) ["), "%s", text);
	cr_assert_null(strstr(text, "epoch 1/2"), "%s", text);
	/* No guess of the time left before there is anything to go on. */
	char frame[512];
	const char *first = strstr(text, "Epoch 0 (1 of 2) [");
	snprintf(frame, sizeof(frame), "%.*s", (int)strcspn(first, "\033"), first);
	cr_assert(strstr(frame, "left ?"), "%s", frame);
	free(text);
}

Test(exp_run, every_command_has_its_own_help)
{
	static const char *const commands[] = { "run", "sweep", "check", "eval", "plot", "report", "plugins" };
	char *out, *err, want[64];

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const char *argv[] = { commands[i], "--help", NULL };

		cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s: %s", commands[i], err);
		snprintf(want, sizeof(want), "usage: nnlab %s", commands[i]);
		cr_assert(!strncmp(out, want, strlen(want)), "%s --help: %s", commands[i], out);
		cr_assert_str_eq(err, "");
		free(out);
		free(err);
	}
	/* "--help" as a --set value is a value. */
	const char *value[] = { "run", "x.yaml", "--set", "--help", NULL };
	cr_assert_eq(th_nnlab(&out, &err, value), 2);
	free(out);
	free(err);
}

Test(exp_run, the_result_file_says_how_a_run_ended)
{
	char cpath[4300], opath[4300], result[4400], *out, *err;

	write_small("s.yaml", "  cost: log_likelihood\n");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/r", dir);
	snprintf(result, sizeof(result), "%s/result", dir);
	const char *ok[] = { "run", cpath, "--out", opath, "--result", result, "--set", "train.epochs=1", NULL };
	cr_assert_eq(th_nnlab(&out, &err, ok), 0, "%s", err);
	char *text = th_read(result, NULL);
	/* The run's wall time follows: data loading and all, as its summary line. */
	cr_assert(!strncmp(text, "outcome: done\nmessage: \nseconds: ", 33), "%s", text);
	char *endp;
	double secs = strtod(text + 33, &endp);
	cr_assert(secs > 0 && secs < 60 && !strcmp(endp, "\n"), "%s", text);
	char message[64];
	double read_back = 0;
	cr_assert_eq(exp_run_result_read(result, message, sizeof(message), &read_back), EXP_OUTCOME_DONE);
	cr_assert_float_eq(read_back, secs, 1e-9);
	free(text);
	free(out);
	free(err);
	const char *diverge[] = { "run", cpath, "--out", opath, "--result", result, "--set", "train.eta=1e6", "--set",
				  "model={layers: [36, 50, 50, 50, 10], activation: relu, output: softmax}", NULL };
	cr_assert_eq(th_nnlab(&out, &err, diverge), 1, "%s", err);
	text = th_read(result, NULL);
	cr_assert(!strncmp(text, "outcome: diverged\nmessage: training diverged at epoch 0: ", 57), "%s", text);
	free(text);
	free(out);
	free(err);
	const char *bad[] = { "run", cpath, "--out", opath, "--result", result, "--set", "train.eta=fast", NULL };
	cr_assert_eq(th_nnlab(&out, &err, bad), 2, "%s", err);
	text = th_read(result, NULL);
	cr_assert_str_eq(text, "outcome: config\nmessage: --set 'train.eta=fast': 'eta' must be a number, got 'fast'\n");
	free(text);
	free(out);
	free(err);
}

/* The sum of the squares of every weight (not bias) of a network2 JSON
 * model, read by hand. */
static double sum_sq_weights(const char *json)
{
	const char *w = strstr(json, "\"weights\": "), *b = strstr(json, "\"biases\": ");
	double sum = 0;

	for (const char *p = w + 11; p < b; p++) {
		if (strchr("-0123456789", *p)) {
			char *end;
			double v = strtod(p, &end);

			sum += v * v;
			p = end - 1;
		}
	}
	return sum;
}

Test(exp_run, costs_add_the_l2_term_as_network2_does)
{
	/* network2.py's total_cost: the mean cost plus lambda/(2 len(data))
	 * sum w^2, len(data) the size of the data being scored. */
	const char *sets[] = { "train.epochs=1", "train.l2=5", "train.cost=cross_entropy", "train.eta=0.5",
			       "monitor.train_cost=true", NULL };
	char *out, *err, *csv, f[64], model[4400], cpath[4300];

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	free(out);
	free(err);
	csv = read_run_file("r", "metrics.csv");
	char *json = read_run_file("r", "model.json");
	double sq = sum_sq_weights(json);
	free(json);
	/* The costs without the term, from nnlab eval with lambda 0. */
	snprintf(model, sizeof(model), "%s/r/model.json", dir);
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	static const char *const splits[] = { "test", "validation" };
	static const char *const cols[] = { "eval_cost", "validation_cost" };
	static const double n[] = { 100, 50 };
	for (int i = 0; i < 2; i++) {
		char set[64];
		const char *argv[] = { "eval", model, cpath, "--set", set, "--set", "train.cost=cross_entropy", NULL };

		snprintf(set, sizeof(set), "data.eval=%s", splits[i]);
		cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
		double plain = atof(strstr(out, "mean cost ") + 10);
		double want = plain + 5.0 / (2 * n[i]) * sq;
		double got = atof(th_csv(csv, 0, cols[i], f, sizeof(f)));
		cr_assert_float_eq(got, want, 1e-4 * want, "%s: %g, by hand %g", cols[i], got, want);
		free(out);
		free(err);
	}
	free(csv);
}

Test(exp_run, gradient_norms_are_monitored_per_hidden_layer)
{
	const char *sets[] = { "train.epochs=2", "monitor.gradient_norms=true", "model.layers=[36, 12, 8, 10]",
			       "train.cost=cross_entropy", "train.eta=0.5", NULL };
	char *out, *err, *csv, f[64];

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	cr_assert(strstr(out, "Start: gradient norms hidden 1 "), "%s", out);
	free(out);
	free(err);
	csv = read_run_file("r", "metrics.csv");
	cr_assert(strstr(csv, ",seconds,grad_norm_hidden1,grad_norm_hidden2\n"), "%s", csv);
	for (size_t r = 0; r < 2; r++)
		for (int l = 1; l <= 2; l++) {
			char col[32];

			snprintf(col, sizeof(col), "grad_norm_hidden%d", l);
			cr_assert_gt(atof(th_csv(csv, r, col, f, sizeof(f))), 0, "%s", csv);
		}
	free(csv);
	char *start = read_run_file("r", "initial_gradient_norms.csv");
	cr_assert(!strncmp(start, "layer,gradient_norm\nhidden1,", 28), "%s", start);
	cr_assert(strstr(start, "\nhidden2,"), "%s", start);
	free(start);
}

Test(exp_run, monitor_every_scores_every_nth_epoch_and_the_last)
{
	const char *sets[] = { "train.epochs=7", "monitor.every=3", NULL };
	char *out, *err, *csv, f[64];

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	cr_assert(strstr(out, "Epoch 2: ") && strstr(out, "Epoch 5: ") && strstr(out, "Epoch 6: "), "%s", out);
	cr_assert_null(strstr(out, "Epoch 0: "), "%s", out);
	csv = read_run_file("r", "metrics.csv");
	cr_assert_eq(th_csv_rows(csv), 3, "%s", csv);
	cr_assert_str_eq(th_csv(csv, 0, "epoch", f, sizeof(f)), "2");
	cr_assert_str_eq(th_csv(csv, 1, "epoch", f, sizeof(f)), "5");
	cr_assert_str_eq(th_csv(csv, 2, "epoch", f, sizeof(f)), "6");
	free(csv);
	free(out);
	free(err);
	/* The same seed trains the same weights whatever is scored. */
	char *a = read_run_file("r", "model.json");
	const char *every1[] = { "train.epochs=7", NULL };
	cr_assert_eq(run_sets(&out, &err, every1), 0, "%s", err);
	char *b = read_run_file("r", "model.json");
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	free(out);
	free(err);
}

Test(exp_run, a_model_runs_with_the_activations_its_file_records)
{
	/* A ReLU/softmax model scored with a sigmoid config once gave a wrong
	 * count without a word. */
	const char *sets[] = { "train.epochs=2", "model.activation=relu", "model.output=softmax",
			       "train.cost=log_likelihood", "train.eta=0.1", "model.init=scaled", NULL };
	char *out, *err, *csv, f[64], model[4400], cpath[4300], want[4700];

	write_small("s.yaml", "");
	cr_assert_eq(run_sets(&out, &err, sets), 0, "%s", err);
	free(out);
	free(err);
	csv = read_run_file("r", "metrics.csv");
	snprintf(want, sizeof(want), "%s / 100 (", th_csv(csv, 1, "eval_correct", f, sizeof(f)));
	free(csv);
	snprintf(model, sizeof(model), "%s/r/model.json", dir);
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	/* The config says nothing of activations: the file's are used. */
	const char *plain[] = { "eval", model, cpath, "--set", "train.cost=log_likelihood", NULL };
	cr_assert_eq(th_nnlab(&out, &err, plain), 0, "%s", err);
	cr_assert(!strncmp(out, want, strlen(want)), "expected '%s': %s", want, out);
	free(out);
	free(err);
	/* A config that says otherwise is refused, naming both. */
	const char *sigmoid[] = { "eval", model, cpath, "--set", "model.activation=sigmoid", NULL };
	cr_assert_eq(th_nnlab(&out, &err, sigmoid), 2, "%s", out);
	snprintf(want, sizeof(want), "nnlab: error: --set 'model.activation=sigmoid': 'activation' is 'sigmoid' but '%s' was trained with 'relu'\n",
		 model);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);
	char from[4500], again[4400];
	snprintf(from, sizeof(from), "model.from=%s", model);
	snprintf(again, sizeof(again), "%s/again", dir);
	const char *resume[] = { "run", cpath, "--set", from, "--set", "model.output=sigmoid", "--out", again, NULL };
	cr_assert_eq(th_nnlab(&out, &err, resume), 2, "%s", out);
	cr_assert(strstr(err, "'output' is 'sigmoid' but '"), "%s", err);
	cr_assert(strstr(err, "' was trained with 'softmax'\n"), "%s", err);
	free(out);
	free(err);
}

Test(exp_run, eval_of_several_models_scores_their_plurality_vote)
{
	char *out, *err, models[3][4400], cpath[4300], want[256];

	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	for (int i = 0; i < 3; i++) {
		char seed[32], name[32];

		snprintf(seed, sizeof(seed), "seed=%d", i + 1);
		snprintf(name, sizeof(name), "m%d", i);
		cr_assert_eq(run(&out, &err, "s.yaml", name, seed, "train.epochs=2"), 0, "%s", err);
		free(out);
		free(err);
		snprintf(models[i], sizeof(models[i]), "%s/m%d/model.json", dir, i);
	}
	char vdir[4300], path[4400], f[4400], *csv;
	unsigned long alone[3];

	snprintf(vdir, sizeof(vdir), "%s/vote", dir);
	const char *three[] = { "eval", models[0], models[1], models[2], cpath, "--out", vdir, NULL };
	cr_assert_eq(th_nnlab(&out, &err, three), 0, "%s", err);
	for (int i = 0; i < 3; i++) {
		/* Each model's count is the one nnlab eval gives it alone, which
		 * --out writes to eval.csv too. */
		char odir[4300];

		snprintf(odir, sizeof(odir), "%s/alone%d", dir, i);
		const char *one[] = { "eval", models[i], cpath, "--out", odir, NULL };
		char *o1, *e1;

		cr_assert_eq(th_nnlab(&o1, &e1, one), 0, "%s", e1);
		snprintf(want, sizeof(want), "model %d: %.*s", i + 1, (int)strcspn(o1, "("), o1);
		cr_assert(strstr(out, want), "lacks '%s': %s", want, out);
		alone[i] = strtoul(o1, NULL, 10);
		snprintf(path, sizeof(path), "%s/eval.csv", odir);
		csv = th_read(path, NULL);
		cr_assert_not_null(csv, "no %s", path);
		cr_assert_eq(th_csv_rows(csv), 1, "%s", csv);
		cr_assert_eq(strtoul(th_csv(csv, 0, "correct", f, sizeof(f)), NULL, 10), alone[i], "%s", csv);
		cr_assert_str_eq(th_csv(csv, 0, "path", f, sizeof(f)), models[i]);
		free(csv);
		free(o1);
		free(e1);
	}
	cr_assert(strstr(out, "plurality vote of 3 models: "), "%s", out);
	cr_assert(strstr(out, " / 100 (") && strstr(out, "confusion matrix"), "%s", out);
	/* eval.csv: the three models, then the vote, as printed. */
	snprintf(path, sizeof(path), "%s/eval.csv", vdir);
	csv = th_read(path, NULL);
	cr_assert_not_null(csv, "no %s", path);
	cr_assert_eq(strncmp(csv, "model,split,correct,total,accuracy,path\n", 40), 0, "%s", csv);
	cr_assert_eq(th_csv_rows(csv), 4, "%s", csv);
	for (size_t i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "%zu", i + 1);
		cr_assert_str_eq(th_csv(csv, i, "model", f, sizeof(f)), want);
		cr_assert_eq(strtoul(th_csv(csv, i, "correct", f, sizeof(f)), NULL, 10), alone[i], "%s", csv);
		cr_assert_str_eq(th_csv(csv, i, "path", f, sizeof(f)), models[i]);
	}
	cr_assert_str_eq(th_csv(csv, 3, "model", f, sizeof(f)), "vote");
	cr_assert_str_eq(th_csv(csv, 3, "split", f, sizeof(f)), "test");
	cr_assert_str_eq(th_csv(csv, 3, "total", f, sizeof(f)), "100");
	snprintf(want, sizeof(want), "plurality vote of 3 models: %s / 100 (", th_csv(csv, 3, "correct", f, sizeof(f)));
	cr_assert(strstr(out, want), "lacks '%s': %s", want, out);
	snprintf(want, sizeof(want), "%.6f", strtod(f, NULL) / 100);
	cr_assert_str_eq(th_csv(csv, 3, "accuracy", f, sizeof(f)), want);
	free(csv);
	free(out);
	free(err);
	/* One model three times votes as that model. */
	const char *same[] = { "eval", models[1], models[1], models[1], cpath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, same), 0, "%s", err);
	const char *m2 = strstr(out, "model 2: ") + 9, *vote = strstr(out, "plurality vote of 3 models: ") + 28;
	cr_assert_eq(strncmp(m2, vote, strcspn(m2, "(")), 0, "%s", out);
	free(out);
	free(err);
}

/* The best accuracy and its count in a run's metrics.csv. */
static size_t last_correct(const char *outdir)
{
	char *csv = read_run_file(outdir, "metrics.csv"), f[64];
	size_t n;

	cr_assert_not_null(csv);
	n = strtoul(th_csv(csv, th_csv_rows(csv) - 1, "eval_correct", f, sizeof(f)), NULL, 10);
	free(csv);
	return n;
}

/* A small conv net on 3,000 real MNIST images beats a dense net of about
 * as many parameters (11,738 against 11,935) after 2 epochs: the conv
 * path really trains. Its model file, scored again by nnlab eval, gives
 * the same count, and its charts include the filters. */
Test(exp_run, conv_net_trains_on_real_mnist_and_beats_a_dense_net_of_its_size)
{
	char *out, *err, set[4400], cpath[4400], opath[4400], mpath[4400];
	const char *common[] = { "--set", "train.epochs=2", "--set", "data.train_size=3000",
				 "--set", "data.validation_size=0", "--set", "model.activation=relu",
				 "--set", "model.output=softmax", "--set", "train.cost=log_likelihood",
				 "--set", "model.init=scaled", "--set", "train.eta=0.1" };
	const char *nets[] = { "model.layers=[conv 8x5x5, pool 2, 10]", "model.layers=[784, 15, 10]" };
	const char *dirs[] = { "conv", "dense" };
	size_t correct[2];

	snprintf(set, sizeof(set), "data.options.dir=%s/data/mnist", NNLAB_SOURCE_DIR);
	snprintf(cpath, sizeof(cpath), "%s/configs/nielsen-ch1.yaml", NNLAB_SOURCE_DIR);
	for (int i = 0; i < 2; i++) {
		const char *argv[32] = { "run", cpath, "--out", opath, "--set", set, "--set", nets[i],
					 "--set", i ? "charts=false" : "charts=true" };
		size_t n = 10;

		for (size_t k = 0; k < sizeof(common) / sizeof(common[0]); k++)
			argv[n++] = common[k];
		snprintf(opath, sizeof(opath), "%s/%s", dir, dirs[i]);
		cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
		free(out);
		free(err);
		correct[i] = last_correct(dirs[i]);
	}
	cr_assert_geq(correct[0], 9000, "conv: %zu / 10000", correct[0]);
	cr_assert_geq(correct[0], correct[1] + 300, "conv %zu against dense %zu", correct[0], correct[1]);

	/* The model file is nnlab's superset and scores the same again. */
	snprintf(mpath, sizeof(mpath), "%s/conv/model.json", dir);
	char *model = th_read(mpath, NULL);
	cr_assert(strstr(model, "\"layers\": [\"conv 8x5x5 relu\", \"pool 2\", \"fc 10 softmax\"]"), "%.200s", model);
	free(model);
	const char *eval[] = { "eval", mpath, cpath, "--set", set, "--set", "model.activation=relu",
			       "--set", "model.output=softmax", NULL };
	cr_assert_eq(th_nnlab(&out, &err, eval), 0, "%s", err);
	char want[64];
	snprintf(want, sizeof(want), "%zu / 10000", correct[0]);
	cr_assert(strstr(out, want), "expected '%s' in: %s", want, out);
	free(out);
	free(err);
	/* A config that names other activations than the file is refused. */
	const char *sig[] = { "eval", mpath, cpath, "--set", set, NULL };
	cr_assert_eq(th_nnlab(&out, &err, sig), 2);
	cr_assert(strstr(err, "'activation' is 'sigmoid' but"), "%s", err);
	cr_assert(strstr(err, "model.json' was trained with 'relu'"), "%s", err);
	free(out);
	free(err);

	struct stat st;
	snprintf(mpath, sizeof(mpath), "%s/conv/filters1.gp", dir);
	cr_assert_eq(stat(mpath, &st), 0, "no filters chart");
	snprintf(mpath, sizeof(mpath), "%s/conv/misclassified.gp", dir);
	cr_assert_eq(stat(mpath, &st), 0, "no misclassified chart");
	snprintf(mpath, sizeof(mpath), "%s/conv/weights.gp", dir);
	cr_assert_neq(stat(mpath, &st), 0, "a dense weights chart for a conv net");
}

/* Shape errors name the config's item and the sizes. */
Test(exp_run, conv_shape_errors_name_the_layer_and_sizes)
{
	char *out, *err;

	write_small("s.yaml", "");
	int rc = run(&out, &err, "s.yaml", "r", "model.layers=[conv 4x3x3, pool 2, conv 8x3x3, 10]", NULL);
	cr_assert_eq(rc, 2, "%s", err);
	cr_assert(strstr(err, "--set 'model.layers=[conv 4x3x3, pool 2, conv 8x3x3, 10]': model.layers[2] 'conv 8x3x3 sigmoid': input is 4x2x2, smaller than the 3x3 kernel"),
		  "%s", err);
	free(out);
	free(err);
	rc = run(&out, &err, "s.yaml", "r", "model.layers=[conv 4x3x3, pool 2, 10]", NULL);
	cr_assert_eq(rc, 0, "%s", err);
	free(out);
	free(err);
}

/* The same seed and number of threads train the same conv net bit for bit;
 * another number of threads only regroups sums (the counts stay close). */
Test(exp_run, conv_runs_repeat_bit_for_bit_for_a_number_of_threads)
{
	char *out, *err, *models[4];
	const char *threads[] = { "train.threads=1", "train.threads=1", "train.threads=2", "train.threads=2" };
	const char *dirs[] = { "t1a", "t1b", "t2a", "t2b" };

	write_small("s.yaml", "  cost: log_likelihood\n");
	for (int i = 0; i < 4; i++) {
		int rc = run(&out, &err, "s.yaml", dirs[i], "model={layers: [input 6x6, conv 3x3x3 relu, pool 2, softmax 10], init: scaled}",
			     threads[i]);
		cr_assert_eq(rc, 0, "%s", err);
		free(out);
		free(err);
		models[i] = read_run_file(dirs[i], "model.json");
		cr_assert_not_null(models[i]);
	}
	cr_assert_str_eq(models[0], models[1], "1 thread: two runs differ");
	cr_assert_str_eq(models[2], models[3], "2 threads: two runs differ");
	char *config = read_run_file("t2a", "config.yaml");
	cr_assert(strstr(config, "  threads: 2\n"), "%s", config);
	cr_assert(strstr(config, "  layers: [input 1x6x6, conv 3x3x3 relu, pool 2, fc 10 softmax]\n"), "%s", config);
	free(config);
	/* The resolved config.yaml runs the same net again. */
	char cpath[4400], opath[4400];
	snprintf(cpath, sizeof(cpath), "%s/t2a/config.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/again", dir);
	const char *again[] = { "run", cpath, "--out", opath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, again), 0, "%s", err);
	free(out);
	free(err);
	char *model = read_run_file("again", "model.json");
	cr_assert_str_eq(model, models[2], "config.yaml trains another net");
	free(model);
	for (int i = 0; i < 4; i++)
		free(models[i]);
}

static int resume_sets(char **out, char **err, const char *outdir, const char *const *sets)
{
	return run_into(out, err, outdir, 1, sets);
}

/* A run of 3 epochs resumed to 7 ends as one that ran 7: the same
 * models, the same metrics but for the timings, with momentum, L2,
 * dropout, reshuffling and a step schedule carried over; also when only
 * every second epoch is scored (4 epochs resumed to 7). */
Test(exp_run, a_resumed_run_ends_as_one_never_stopped)
{
	const char *extra =
		"  momentum: 0.5\n"
		"  l2: 0.5\n"
		"  schedule: {type: step, every: 2, factor: 0.5}\n";
	char *out = NULL, *err = NULL;

	write_small("s.yaml", extra);
	for (int every = 1; every <= 2; every++) {
		char e[32], whole_dir[32], part_dir[32];
		const char *whole[] = { "train.epochs=7", "model.dropout=0.2", e, NULL };
		const char *part[] = { every == 1 ? "train.epochs=3" : "train.epochs=4", "model.dropout=0.2", e, NULL };

		snprintf(e, sizeof(e), "monitor.every=%d", every);
		snprintf(whole_dir, sizeof(whole_dir), "whole%d", every);
		snprintf(part_dir, sizeof(part_dir), "part%d", every);
		cr_assert_eq(resume_sets(&out, &err, whole_dir, whole), 0, "%s", err);
		cr_assert_null(strstr(out, "Resuming"), "%s", out);   /* no checkpoint: a new run */
		free(out);
		free(err);
		cr_assert_eq(resume_sets(&out, &err, part_dir, part), 0, "%s", err);
		free(out);
		free(err);
		cr_assert_eq(resume_sets(&out, &err, part_dir, whole), 0, "%s", err);
		/* The checkpoint is of the first run's last epoch. */
		cr_assert(strstr(out, every == 1 ? "after epoch 2\n" : "after epoch 3\n"), "%s", out);
		cr_assert(strstr(out, "7 epochs in "), "%s", out);
		free(out);
		free(err);
		const char *files[] = { "model.json", "best.json", "metrics.csv" };
		for (size_t f = 0; f < 3; f++) {
			char *a = read_run_file(whole_dir, files[f]), *b = read_run_file(part_dir, files[f]);

			cr_assert(a && b);
			if (f == 2) {
				strip_timing(a);
				strip_timing(b);
				cr_assert_eq(th_csv_rows(a), every == 1 ? 7 : 4, "%s", a);
			}
			cr_assert_str_eq(a, b, "every %d: %s differs", every, files[f]);
			free(a);
			free(b);
		}
		char rdir[4300];
		snprintf(rdir, sizeof(rdir), "%s/%s", dir, part_dir);
		cr_assert_str_eq(list_dir(rdir), "best.json checkpoint config.yaml metrics.csv model.json ");
	}
}

/* A run killed by a signal goes on from its last checkpoint, its
 * finished epochs kept as they were. */
Test(exp_run, a_run_stopped_by_a_signal_resumes)
{
	char *out, *err, *before, *after, cpath[4300], opath[4300], sets[64];

	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/r", dir);
	const char *argv[] = { "run", cpath, "--out", opath, "--set", "train.epochs=1000000", NULL };
	cr_assert_eq(th_nnlab_ex(&out, &err, argv, NULL, 1.0, SIGTERM), 1, "%s", err);
	free(out);
	free(err);
	before = read_run_file("r", "metrics.csv");
	size_t rows = th_csv_rows(before);
	cr_assert_gt(rows, 2);
	/* What a kill -9 in the middle of writes leaves, and a file of the
	 * user's that only looks like it. */
	const char *temps[] = { "model.json.tmp.Ab12Cd", "checkpoint.tmp.ZZ9zz9", "best.json.tmp.000000" };
	char tpath[4400];
	for (size_t i = 0; i < 3; i++) {
		snprintf(tpath, sizeof(tpath), "%s/%s", opath, temps[i]);
		th_write_str(tpath, "{\"sizes\": [36");
	}
	snprintf(tpath, sizeof(tpath), "%s/notes.tmp.txt", opath);
	th_write_str(tpath, "mine");
	/* The same config but for the epochs. */
	snprintf(sets, sizeof(sets), "train.epochs=%zu", rows + 2);
	const char *more[] = { sets, NULL };
	cr_assert_eq(resume_sets(&out, &err, "r", more), 0, "%s", err);
	for (size_t i = 0; i < 3; i++) {
		snprintf(tpath, sizeof(tpath), "%s/%s", opath, temps[i]);
		cr_assert_neq(access(tpath, F_OK), 0, "'%s' is left", temps[i]);
	}
	snprintf(tpath, sizeof(tpath), "%s/notes.tmp.txt", opath);
	cr_assert_eq(access(tpath, F_OK), 0, "the user's file is gone");
	char want[4400];
	snprintf(want, sizeof(want), "Resuming '%s' after epoch %zu\n", opath, rows - 1);
	cr_assert(strstr(out, want), "%s", out);
	after = read_run_file("r", "metrics.csv");
	cr_assert_eq(th_csv_rows(after), rows + 2, "%s", after);
	cr_assert_eq(strncmp(before, after, strlen(before)), 0, "the finished epochs changed");
	free(before);
	free(after);
	free(out);
	free(err);
}

/* A checkpoint of another config, or one cut short, is refused with the
 * file's name (exit 2) and the run directory left as it was; a run that
 * ended by early stopping does not go on. */
Test(exp_run, resume_refuses_another_config_and_a_broken_checkpoint)
{
	char *out, *err, path[4400];
	const char *first[] = { "train.epochs=2", NULL };
	const char *other[] = { "train.epochs=4", "train.eta=0.5", NULL };

	write_small("s.yaml", "");
	cr_assert_eq(resume_sets(&out, &err, "r", first), 0, "%s", err);
	free(out);
	free(err);
	char *metrics = read_run_file("r", "metrics.csv");
	cr_assert_eq(resume_sets(&out, &err, "r", other), 2);
	cr_assert(strstr(err, "/r/checkpoint' is of a run with another config (only train.epochs and train.threads may change)"), "%s", err);
	free(out);
	free(err);
	char *kept = read_run_file("r", "metrics.csv");
	cr_assert_str_eq(metrics, kept);
	free(kept);

	size_t len;
	snprintf(path, sizeof(path), "%s/r/checkpoint", dir);
	char *ck = th_read(path, &len);
	cr_assert_gt(len, 1000);
	th_write(path, ck, len / 2);
	const char *more[] = { "train.epochs=4", NULL };
	cr_assert_eq(resume_sets(&out, &err, "r", more), 2);
	cr_assert(strstr(err, "/r/checkpoint' ends inside its parameters"), "%s", err);
	free(out);
	free(err);
	th_write_str(path, "nnlab-checkpoint-1\nconfig zz\n");
	cr_assert_eq(resume_sets(&out, &err, "r", more), 2);
	cr_assert(strstr(err, "/r/checkpoint' is not a checkpoint nnlab can read"), "%s", err);
	free(out);
	free(err);
	kept = read_run_file("r", "metrics.csv");
	cr_assert_str_eq(metrics, kept);
	free(kept);
	free(metrics);
	free(ck);

	/* Early stopping after epoch 2 (eta too small to improve): resumed
	 * with more epochs, it stays stopped. */
	const char *stop[] = { "train.eta=1e-9", "train.epochs=10", "train.early_stop=2", NULL };
	const char *longer[] = { "train.eta=1e-9", "train.epochs=20", "train.early_stop=2", NULL };
	cr_assert_eq(resume_sets(&out, &err, "e", stop), 0, "%s", err);
	free(out);
	free(err);
	cr_assert_eq(resume_sets(&out, &err, "e", longer), 0, "%s", err);
	cr_assert(strstr(out, "stopped after epoch 2: no improvement for train.early_stop epochs"), "%s", out);
	cr_assert_null(strstr(out, "Epoch 3:"), "%s", out);
	free(out);
	free(err);
}

/* Without a validation split the best epoch is chosen on the test split:
 * the console and the run's page say so; with one, nothing is said. */
Test(exp_run, choosing_on_the_test_split_is_said)
{
	char *out, *err, page[4400];

	write_small("s.yaml", "");
	cr_assert_eq(run(&out, &err, "s.yaml", "v", "train.epochs=1", NULL), 0, "%s", err);
	cr_assert_null(strstr(err, "no validation split"), "%s", err);
	free(out);
	free(err);
	/* Evaluating on validation itself chooses on it: nothing to say. */
	cr_assert_eq(run(&out, &err, "s.yaml", "e", "data.eval=validation", "train.epochs=1"), 0, "%s", err);
	cr_assert_null(strstr(err, "no validation split"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(run(&out, &err, "s.yaml", "t", "data.validation_size=0", "train.epochs=1"), 0, "%s", err);
	cr_assert(strstr(err, "nnlab: note: no validation split: best.json and the best epoch are chosen on the test split"),
		  "%s", err);
	free(out);
	free(err);
	snprintf(page, sizeof(page), "%s/t", dir);
	const char *report[] = { "report", page, NULL };
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);
	snprintf(page, sizeof(page), "%s/t/report.html", dir);
	char *html = th_read(page, NULL);
	cr_assert(strstr(html, "no validation split was held out, so the best epoch was chosen on the test split"), "%s", html);
	free(html);
}

/* A net that predicts one class for everything has not left chance: the
 * console says so once, naming the class and its share. */
/* dir/flat.yaml: a net on examples that are all the same (so it predicts
 * one class for all of them), for epochs epochs; its path into cfg. */
static void write_flat(char *cfg, size_t len, int epochs)
{
	char csv[4300], text[8192];

	snprintf(csv, sizeof(csv), "%s/flat.csv", dir);
	FILE *f = fopen(csv, "w");
	cr_assert_not_null(f);
	fputs("y,a,b\n", f);
	for (int i = 0; i < 90; i++)
		fprintf(f, "%d,0.5,0.5\n", i % 3);
	fclose(f);
	snprintf(cfg, len, "%s/flat.yaml", dir);
	snprintf(text, sizeof(text),
		 "charts: false\ndata:\n  plugin: csv\n  options:\n    train: '%s'\n    label: y\n"
		 "model:\n  layers: [2, 4, 3]\ntrain:\n  epochs: %d\n", csv, epochs);
	th_write_str(cfg, text);
}

Test(exp_run, a_net_at_chance_is_said)
{
	char cfg[4300], opath[4300], *out, *err;

	write_flat(cfg, sizeof(cfg), 2);
	snprintf(opath, sizeof(opath), "%s/flat", dir);
	const char *argv[] = { "run", cfg, "--out", opath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	cr_assert(strstr(err, "nnlab: note: after epoch 0 the net predicts class "), "%s", err);
	cr_assert(strstr(err, " for every test example ("), "%s", err);
	cr_assert(strstr(err, "%: that class's share), as a net that has not left chance does\n"), "%s", err);
	cr_assert_null(strstr(strstr(err, "has not left chance") + 1, "has not left chance"), "said twice: %s", err);
	cr_assert_null(strstr(err, "sigmoid conv nets"), "%s", err);
	free(out);
	free(err);
	/* A net that learns says nothing of the kind. */
	write_small("s.yaml", "");
	cr_assert_eq(run(&out, &err, "s.yaml", "r", "train.epochs=2", NULL), 0, "%s", err);
	cr_assert_null(strstr(err, "has not left chance"), "%s", err);
	free(out);
	free(err);
}

/* The flat run's metrics hold rows epochs; its config.yaml holds line,
 * or (NULL) no stop_at_chance at all. */
static void flat_run_has(size_t rows, const char *line)
{
	char *m = read_run_file("flat", "metrics.csv");

	cr_assert_eq(th_csv_rows(m), rows, "%s", m);
	free(m);
	m = read_run_file("flat", "config.yaml");
	cr_assert(line ? strstr(m, line) != NULL : strstr(m, "stop_at_chance") == NULL, "%s", m);
	free(m);
}

/* train.stop_at_chance N ends a run once the net has predicted one
 * class for N scored epochs in a row, saying why; a wrong value is a
 * config error at its place; unset, config.yaml does not mention it. */
Test(exp_run, a_run_stays_at_chance_stops_when_asked)
{
	char cfg[4300], opath[4300], *out, *err;

	write_flat(cfg, sizeof(cfg), 10);
	snprintf(opath, sizeof(opath), "%s/flat", dir);
	const char *argv[] = { "run", cfg, "--out", opath, "--set", "train.stop_at_chance=3", NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	cr_assert(strstr(out, "stopped after epoch 2: the net predicted one class for every example for "
			      "train.stop_at_chance scored epochs in a row: it has not left chance"), "%s", out);
	free(out);
	free(err);
	flat_run_has(3, "  stop_at_chance: 3\n");
	/* Without it the run goes on; its config says nothing of it. */
	const char *plain[] = { "run", cfg, "--out", opath, "--set", "train.epochs=4", NULL };
	cr_assert_eq(th_nnlab(&out, &err, plain), 0, "%s", err);
	free(out);
	free(err);
	flat_run_has(4, NULL);
	const char *bad[] = { "run", cfg, "--out", opath, "--set", "train.stop_at_chance=-1", NULL };
	cr_assert_eq(th_nnlab(&out, &err, bad), 2, "%s", err);
	cr_assert(strstr(err, "stop_at_chance"), "%s", err);
	free(out);
	free(err);
}

/* monitor.every scores every Nth epoch: the run's page counts the epochs
 * run, not the rows; the summary says how to get the page. */
Test(exp_run, the_page_counts_epochs_run_under_monitor_every)
{
	char *out, *err, page[4400];

	write_small("s.yaml", "");
	cr_assert_eq(run(&out, &err, "s.yaml", "r", "train.epochs=6", "monitor.every=3"), 0, "%s", err);
	cr_assert(strstr(out, " (its page: nnlab report "), "%s", out);
	free(out);
	free(err);
	snprintf(page, sizeof(page), "%s/r", dir);
	const char *report[] = { "report", page, NULL };
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);
	snprintf(page, sizeof(page), "%s/r/report.html", dir);
	char *html = th_read(page, NULL);
	cr_assert(strstr(html, "<p>6 epochs. Peak "), "%s", html);
	cr_assert(strstr(html, "final (epoch 5)"), "%s", html);
	free(html);
}

/* Another tool's way of setting a value gets the --set that does it. */
Test(exp_run, other_tools_ways_to_set_a_value_are_pointed_to_set)
{
	char cpath[4300], *out, *err;

	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	const char *hydra[] = { "run", cpath, "train.eta=0.5", NULL };
	cr_assert_eq(th_nnlab(&out, &err, hydra), 2);
	cr_assert(strstr(err, "unexpected argument 'train.eta=0.5' (did you mean --set train.eta=0.5?)"), "%s", err);
	free(out);
	free(err);
	const char *flag[] = { "run", cpath, "--epochs", "3", NULL };
	cr_assert_eq(th_nnlab(&out, &err, flag), 2);
	cr_assert(strstr(err, "unknown option '--epochs' (did you mean --set train.epochs=3?)"), "%s", err);
	free(out);
	free(err);
	const char *lr[] = { "run", cpath, "--lr", "0.1", NULL };
	cr_assert_eq(th_nnlab(&out, &err, lr), 2);
	cr_assert(strstr(err, "unknown option '--lr' (did you mean --set train.eta=0.1?)"), "%s", err);
	free(out);
	free(err);
}

/* A run's page asked for while the run goes reloads itself, says how far
 * the run is, and is rewritten as the run goes on; stopped, a report of
 * it stays still; resumed to its end, the run rewrites it with its
 * charts, still. */
Test(exp_run, a_page_asked_for_during_a_run_follows_it)
{
	char cpath[4300], opath[4300], metrics[4400], page[4400], *out, *err;
	int status;

	write_small("s.yaml", "");
	snprintf(cpath, sizeof(cpath), "%s/s.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/r", dir);
	snprintf(metrics, sizeof(metrics), "%s/r/metrics.csv", dir);
	snprintf(page, sizeof(page), "%s/r/report.html", dir);
	const char *run_argv[] = { "run", cpath, "--out", opath, "--set", "train.epochs=1000000", "--set", "charts=true",
				   "--set", "data.train_size=50", NULL };
	pid_t pid = th_nnlab_start(run_argv, NULL, -1, -1);
	cr_assert(wait_for_file(metrics), "the run did not start");
	const char *report[] = { "report", opath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);
	char *html = th_read(page, NULL);
	cr_assert(strstr(html, "<meta http-equiv=\"refresh\""), "not live: %.400s", html);
	cr_assert(strstr(html, " of 1000000 done"), "%.2000s", html);
	free(html);
	/* The run rewrites it (every 2 s at most). */
	struct stat first, later;
	cr_assert_eq(stat(page, &first), 0);
	int rewritten = 0;
	for (int i = 0; i < 400 && !rewritten; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		rewritten = stat(page, &later) == 0 && (later.st_mtim.tv_sec != first.st_mtim.tv_sec ||
							later.st_mtim.tv_nsec != first.st_mtim.tv_nsec);
	}
	cr_assert(rewritten, "the run never rewrote its page");
	html = th_read(page, NULL);
	cr_assert(strstr(html, "<meta http-equiv=\"refresh\""), "%.400s", html);
	free(html);
	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	th_nnlab_end(pid, 0);
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);
	html = th_read(page, NULL);
	cr_assert_null(strstr(html, "http-equiv"), "the stopped run's page reloads");
	free(html);
	/* Resumed for a few more epochs: at its end the run writes the page
	 * once more, with the charts, and it stays still. */
	char *csv = th_read(metrics, NULL), epochs[64];
	snprintf(epochs, sizeof(epochs), "train.epochs=%zu", th_csv_rows(csv) + 2);
	free(csv);
	const char *resume[] = { "run", cpath, "--out", opath, "--resume", "--set", epochs, "--set", "charts=true",
				 "--set", "data.train_size=50", NULL };
	cr_assert_eq(th_nnlab(&out, &err, resume), 0, "%s", err);
	free(out);
	free(err);
	html = th_read(page, NULL);
	cr_assert_null(strstr(html, "http-equiv"), "the ended run's page still reloads");
	cr_assert(strstr(html, "alt=\"accuracy per epoch\""), "no charts on the final page");
	free(html);
}

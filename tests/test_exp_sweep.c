/* Sweeps: expansion, and real sweeps of real nnlab processes that are
 * killed, crash, diverge, get pruned and resume. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_results.h"
#include "exp_sweep.h"
#include "helpers.h"

static char dir[4096], cfgpath[4300], outdir[4300];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
	snprintf(cfgpath, sizeof(cfgpath), "%s/s.yaml", dir);
	snprintf(outdir, sizeof(outdir), "%s/sweep", dir);
	setenv("NNLAB_PLUGIN_PATH", NNLAB_BUILD_DIR "/plugins", 1);
}

TestSuite(exp_sweep, .init = setup, .timeout = 240);

static const char base[] =
	"name: t\ncharts: false\n"
	"data:\n  plugin: synthetic\n  options:\n    kind: blobs\n    train_size: %s\n    test_size: 300\n"
	"model:\n  layers: [2, 8, 3]\n  activation: relu\n  output: softmax\n  init: scaled\n"
	"train:\n  epochs: %s\n  eta: 0.1\n  cost: log_likelihood\n"
	"sweep:\n%s";

static void write_cfg(const char *train_size, const char *epochs, const char *sweep)
{
	char text[8192];

	snprintf(text, sizeof(text), base, train_size, epochs, sweep);
	th_write_str(cfgpath, text);
}

/* Trials slow enough to be caught running: blobs in 100 dimensions. */
static void write_slow_cfg(const char *sweep)
{
	char text[8192];

	snprintf(text, sizeof(text),
		 "name: t\ncharts: false\n"
		 "data:\n  plugin: synthetic\n  options:\n    kind: blobs\n    dims: 100\n"
		 "    train_size: 20000\n    test_size: 300\n"
		 "model:\n  layers: [100, 100, 3]\n  activation: relu\n  output: softmax\n  init: scaled\n"
		 "train:\n  epochs: 8\n  eta: 0.1\n  cost: log_likelihood\n"
		 "sweep:\n%s", sweep);
	th_write_str(cfgpath, text);
}

static int load(struct exp_config *cfg, struct exp_sweep *s, struct nn_err *err)
{
	int rc = exp_config_load(cfg, cfgpath, NULL, 0, err);

	cr_assert_eq(rc, 0, "%s", err->msg);
	return exp_sweep_load(s, cfg, err);
}

Test(exp_sweep, grid_and_repeats_expand_in_order_with_stable_ids)
{
	struct exp_config cfg, cfg2;
	struct exp_sweep s, s2;
	struct nn_err err = { 0, "" };

	write_cfg("500", "2", "  grid:\n    train.eta: [0.1, 1, 10]\n    model.layers: [[2, 4, 3], [2, 16, 3]]\n  repeats: 2\n");
	cr_assert_eq(load(&cfg, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.ntrials, 12);
	/* eta varies slowest, then the layers, then the seed. */
	cr_assert_str_eq(s.trials[0].values[0], "0.1");
	cr_assert_str_eq(s.trials[0].values[1], "[2, 4, 3]");
	cr_assert_eq(s.trials[0].seed, 1);
	cr_assert_eq(s.trials[1].seed, 2);
	cr_assert_str_eq(s.trials[2].values[1], "[2, 16, 3]");
	cr_assert_str_eq(s.trials[11].values[0], "10");
	for (size_t i = 0; i < 12; i++)
		for (size_t j = i + 1; j < 12; j++)
			cr_assert_str_neq(s.trials[i].id, s.trials[j].id);
	cr_assert_eq(load(&cfg2, &s2, &err), 0);
	for (size_t i = 0; i < 12; i++)
		cr_assert_str_eq(s.trials[i].id, s2.trials[i].id);
	cr_assert_str_eq(s.metric, "eval_accuracy");
	cr_assert(s.maximize);
	exp_sweep_fini(&s);
	exp_sweep_fini(&s2);
	exp_config_fini(&cfg);
	exp_config_fini(&cfg2);
}

Test(exp_sweep, random_draws_within_ranges_reproducibly)
{
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err err = { 0, "" };

	write_cfg("500", "2",
		  "  random:\n    trials: 40\n    seed: 7\n    params:\n"
		  "      train.eta: {log_uniform: [0.001, 10]}\n"
		  "      train.batch_size: {choice: [10, 20, 50]}\n"
		  "      model.dropout: {uniform: [0, 0.5]}\n"
		  "      train.epochs: {int: [1, 3]}\n"
		  "  objective:\n    metric: eval_cost\n");
	cr_assert_eq(load(&cfg, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.ntrials, 40);
	cr_assert(!s.maximize, "a cost is minimized");
	int seen_bs[3] = { 0 }, seen_ep[3] = { 0 };
	for (size_t i = 0; i < 40; i++) {
		double eta = atof(s.trials[i].values[0]), drop = atof(s.trials[i].values[2]);
		int bs = atoi(s.trials[i].values[1]), ep = atoi(s.trials[i].values[3]);

		cr_assert(eta >= 0.001 && eta <= 10, "%g", eta);
		cr_assert(drop >= 0 && drop <= 0.5, "%g", drop);
		cr_assert(bs == 10 || bs == 20 || bs == 50, "%d", bs);
		cr_assert(ep >= 1 && ep <= 3, "%d", ep);
		seen_bs[bs == 10 ? 0 : bs == 20 ? 1 : 2]++;
		seen_ep[ep - 1]++;
	}
	for (int k = 0; k < 3; k++)
		cr_assert(seen_bs[k] > 0 && seen_ep[k] > 0);
	char first[64];
	snprintf(first, sizeof(first), "%s", s.trials[0].values[0]);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
	cr_assert_eq(load(&cfg, &s, &err), 0);
	cr_assert_str_eq(s.trials[0].values[0], first);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

static void expect_error(const char *sweep, const char *want)
{
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err err = { 0, "" };
	char full[8400] = "";

	write_cfg("500", "2", sweep);
	for (const char *p = want; *p; p++) {
		if (*p == '@')
			strcat(full, cfgpath);
		else
			strncat(full, p, 1);
	}
	cr_assert_lt(load(&cfg, &s, &err), 0, "loaded: %s", sweep);
	cr_assert(strstr(err.msg, full), "message '%s' lacks '%s'", err.msg, full);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

Test(exp_sweep, bad_sweeps_name_the_place)
{
	expect_error("  gird:\n    train.eta: [1]\n", "@:19:3: unknown key 'gird' in 'sweep' (did you mean 'grid'?)");
	expect_error("  grid:\n    train.eta: 1\n", "@:20:16: grid values of 'train.eta' must be a list");
	expect_error("  random:\n    params:\n      train.eta: {normal: [0, 1]}\n",
		     "@:21:19: unknown distribution 'normal'");
	expect_error("  random:\n    params:\n      train.eta: {uniform: [2, 1]}\n",
		     "@:21:28: 'uniform' needs two numbers, lo <= hi");
	expect_error("  grid:\n    train.eta: [0.5, fast]\n", "trial ");
	expect_error("  grid:\n    train.eta: [0.5, fast]\n", "'eta' must be a number, got 'fast'");
	expect_error("  repeats: 2\n", "@:19:3: a sweep needs 'grid' or 'random'");
	expect_error("  grid:\n    train.eta: [1]\n  trial_charts: some\n",
		     "@:21:17: 'trial_charts' is all (each trial draws its charts) or how many");
	expect_error("  grid:\n    train.eta: [1]\n  trial_charts: -1\n", "@:21:17: 'trial_charts' is all");
}

/* nnlab sweep with extra arguments (NULL-terminated). */
static int sweep(char **out, char **err, const char *const *extra)
{
	const char *argv[32] = { "sweep", cfgpath, "--out", outdir };
	int n = 4;

	for (; extra && *extra; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	return th_nnlab(out, err, argv);
}

static char *read_in(const char *sub, const char *file)
{
	char path[8800];

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, file);
	return th_read(path, NULL);
}

/* Counts results.csv rows in each state. */
static void count_states(size_t *done, size_t *rows, const char *state, size_t *other)
{
	char *csv = read_in(".", "results.csv"), f[256];

	cr_assert_not_null(csv);
	*rows = th_csv_rows(csv);
	*done = *other = 0;
	for (size_t i = 0; i < *rows; i++) {
		th_csv(csv, i, "status", f, sizeof(f));
		*done += !strcmp(f, "done");
		*other += state && !strcmp(f, state);
	}
	free(csv);
}

Test(exp_sweep, runs_every_trial_once_in_parallel)
{
	char *out, *err;
	size_t done, rows, other;
	const char *j2[] = { "-j", "2", NULL };

	write_cfg("1000", "3", "  grid:\n    train.eta: [0.05, 0.5]\n    model.layers: [[2, 4, 3], [2, 16, 3]]\n");
	cr_assert_eq(sweep(&out, &err, j2), 0, "%s", err);
	count_states(&done, &rows, NULL, &other);
	cr_assert_eq(rows, 4);
	cr_assert_eq(done, 4);
	char *md = read_in(".", "summary.md");
	cr_assert(strstr(md, "4 trials: 4 done, 0 running, 0 pending"), "%s", md);
	free(md);
	/* The sweep's own progress, with the time left, as trials end. */
	cr_assert(strstr(out, "sweep: 1 of 4 trials ended, about "), "%s", out);
	cr_assert(strstr(out, "sweep: 3 of 4 trials ended, about "), "%s", out);
	cr_assert(strstr(out, "sweep: 4 of 4 trials ended\n"), "%s", out);
	/* seconds: each trial's wall time as its run counted it (data
	 * loading included, once reported as the epochs' 0.0-0.1 s);
	 * epoch_seconds: its epochs alone. */
	char *csv = read_in(".", "results.csv"), f[64], id[64], sub[128];
	for (size_t i = 0; i < 4; i++) {
		th_csv(csv, i, "trial", id, sizeof(id));
		double wall = atof(th_csv(csv, i, "seconds", f, sizeof(f)));
		double epochs = atof(th_csv(csv, i, "epoch_seconds", f, sizeof(f)));
		snprintf(sub, sizeof(sub), "trials/%s", id);
		char *result = read_in(sub, "result"), *at = strstr(result, "seconds: ");
		cr_assert_not_null(at, "%s", result);
		cr_assert_float_eq(wall, atof(at + 9), 0.0006, "trial %s: %g against %s", id, wall, result);
		cr_assert_gt(wall, 0.0);
		cr_assert_leq(epochs, wall + 0.001, "trial %s: epochs %g, wall %g", id, epochs, wall);
		free(result);
	}
	free(csv);
	free(out);
	free(err);
	/* nnlab plot takes the sweep directory for its trials. */
	char chart[4400];
	snprintf(chart, sizeof(chart), "%s/overlay", dir);
	const char *plot[] = { "plot", outdir, "-o", chart, NULL };
	cr_assert_eq(th_nnlab(&out, &err, plot), 0, "%s", err);
	cr_assert(strstr(out, "(4 runs)"), "%s", out);
	free(out);
	free(err);
	/* Again: nothing is rerun. */
	cr_assert_eq(sweep(&out, &err, j2), 0, "%s", err);
	cr_assert(strstr(out, "resuming the sweep in"), "%s", out);
	cr_assert_null(strstr(out, "started"), "%s", out);
	free(out);
	free(err);
	/* A changed definition is refused; --force starts a new directory. */
	const char *changed[] = { "--set", "train.epochs=4", NULL };
	cr_assert_eq(sweep(&out, &err, changed), 2);
	cr_assert(strstr(err, "has another definition (was: 'config train.epochs=3'; now: 'config train.epochs=4'); use --force"),
		  "%s", err);
	free(out);
	free(err);
	const char *forced[] = { "--set", "train.epochs=4", "--force", NULL };
	cr_assert_eq(sweep(&out, &err, forced), 0, "%s", err);
	char path[4400];
	struct stat st;
	snprintf(path, sizeof(path), "%s-2/results.csv", outdir);
	cr_assert_eq(stat(path, &st), 0);
	free(out);
	free(err);
}

Test(exp_sweep, crashing_and_diverging_trials_are_marked_and_others_finish)
{
	char *out, *err, csvfile[4400], counter[4400], f[512];

	/* Huge features diverge; a data source that goes away after the
	 * sweep's check fails its trial at run time. */
	snprintf(csvfile, sizeof(csvfile), "%s/huge.csv", dir);
	snprintf(counter, sizeof(counter), "%s/loads", dir);
	FILE *hf = fopen(csvfile, "w");
	fputs("y,a,b\n", hf);
	for (int i = 0; i < 60; i++)
		fprintf(hf, "%d,3e38,-3e38\n", i % 3);
	fclose(hf);
	char text[16384];
	snprintf(text, sizeof(text),
		 "name: t\ncharts: false\ndata:\n  plugin: synthetic\n"
		 "model:\n  layers: [2, 8, 3]\n  activation: relu\n"
		 "train:\n  epochs: 2\n"
		 "sweep:\n  grid:\n    data: [{plugin: synthetic, options: {kind: blobs}},\n"
		 "           {plugin: csv, options: {train: '%s', label: y}},\n"
		 "           {plugin: flaky, options: {counter: '%s', works: 1}}]\n", csvfile, counter);
	th_write_str(cfgpath, text);
	setenv("NNLAB_PLUGIN_PATH", NNLAB_BUILD_DIR "/plugins:" NNLAB_BUILD_DIR "/tests/plugins", 1);
	/* Every trial ran, and the exit status says some failed. */
	cr_assert_eq(sweep(&out, &err, NULL), 1, "%s", err);
	cr_assert(strstr(err, "nnlab: error: 1 of 3 trials failed (the first: trial "), "%s", err);
	cr_assert(strstr(err, "/results.csv'\n"), "%s", err);
	char *csv = read_in(".", "results.csv");
	size_t rows = th_csv_rows(csv), done = 0, failed = 0, diverged = 0;
	for (size_t i = 0; i < rows; i++) {
		th_csv(csv, i, "status", f, sizeof(f));
		done += !strcmp(f, "done");
		failed += !strcmp(f, "failed");
		diverged += !strcmp(f, "diverged");
	}
	cr_assert_eq(rows, 3);
	cr_assert_eq(done, 1, "%s", csv);      /* synthetic blobs */
	cr_assert_eq(diverged, 1, "%s", csv);  /* csv huge */
	cr_assert_eq(failed, 1, "%s", csv);    /* the source gone */
	cr_assert(strstr(csv, "the source went away after 1 loads"), "%s", csv);
	cr_assert(strstr(csv, "training diverged at epoch 0"), "%s", csv);
	free(csv);
	free(out);
	free(err);
	/* The source is back. Run again, the failed trial stays failed; with
	 * --retry-failed it runs again in place. */
	th_write_str(counter, "-100\n");
	cr_assert_eq(sweep(&out, &err, NULL), 1, "%s", err);
	cr_assert(strstr(err, "1 of 3 trials failed"), "%s", err);
	free(out);
	free(err);
	const char *retry[] = { "--retry-failed", NULL };
	cr_assert_eq(sweep(&out, &err, retry), 0, "%s", err);
	cr_assert(strstr(out, ": failed, retried\n"), "%s", out);
	cr_assert(strstr(out, "1 failed trial to retry\n"), "%s", out);
	csv = read_in(".", "results.csv");
	done = failed = diverged = 0;
	for (size_t i = 0; i < th_csv_rows(csv); i++) {
		th_csv(csv, i, "status", f, sizeof(f));
		done += !strcmp(f, "done");
		failed += !strcmp(f, "failed");
		diverged += !strcmp(f, "diverged");
	}
	cr_assert_eq(done, 2, "%s", csv);
	cr_assert_eq(diverged, 1, "%s", csv);
	cr_assert_eq(failed, 0, "%s", csv);
	free(csv);
	free(out);
	free(err);
}

/* A grid that crosses plugins, options and layers into trials their runs
 * would refuse (a kind the plugin lacks, layers that do not fit the
 * data) is a config error before any trial runs. */
Test(exp_sweep, trials_their_runs_would_refuse_are_a_config_error)
{
	char *out, *err;
	struct stat st;

	th_write_str(cfgpath,
		     "name: t\ncharts: false\ndata:\n  plugin: synthetic\n"
		     "model:\n  layers: [2, 8, 3]\n  activation: relu\n"
		     "train:\n  epochs: 2\n"
		     "sweep:\n  grid:\n    data.options: [{kind: blobs}, {kind: nosuch}]\n"
		     "    model.layers: [[2, 8, 3], [4, 8, 3]]\n");
	cr_assert_eq(sweep(&out, &err, NULL), 2, "%s", err);
	cr_assert(strstr(err, "s.yaml: trial "), "%s", err);
	cr_assert(strstr(err, "--set 'model.layers=[4, 8, 3]': the model maps 4 inputs to 3 outputs, but plugin 'synthetic' gives 2 features and 3 classes\n"),
		  "%s", err);
	cr_assert_neq(stat(outdir, &st), 0, "no trial ran, no sweep directory");
	free(out);
	free(err);
	th_write_str(cfgpath,
		     "name: t\ncharts: false\ndata:\n  plugin: synthetic\n"
		     "model:\n  layers: [2, 8, 3]\n"
		     "sweep:\n  grid:\n    data.options: [{kind: blobs}, {kind: nosuch}]\n");
	cr_assert_eq(sweep(&out, &err, NULL), 2, "%s", err);
	cr_assert(strstr(err, "option 'kind' is 'nosuch', expected blobs"), "%s", err);
	cr_assert_neq(stat(outdir, &st), 0, "no trial ran, no sweep directory");
	free(out);
	free(err);
}

/* Starts the sweep in the background; returns its pid. */
static pid_t start_sweep(const char *jobs)
{
	const char *argv[] = { "sweep", cfgpath, "--out", outdir, "-j", jobs, NULL };

	return th_nnlab_start(argv, NULL, -1, -1);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* The pid in a running trial's status, or 0. */
static long running_pid(void)
{
	char path[4400], cmd[9000];

	snprintf(path, sizeof(path), "%s/running.txt", dir);
	snprintf(cmd, sizeof(cmd), "grep -l '^state: running' '%s'/trials/*/status 2>/dev/null | head -n 1 | xargs -r grep '^pid:' | cut -d' ' -f2 > '%s'",
		 outdir, path);
	if (system(cmd) != 0)
		return 0;
	char *t = th_read(path, NULL);
	long pid = t ? atol(t) : 0;
	free(t);
	return pid;
}

Test(exp_sweep, killed_sweep_and_killed_worker_resume_to_done_exactly_once)
{
	size_t done, rows, other;
	int status;

	write_slow_cfg("  grid:\n    train.eta: [0.05, 0.1, 0.2]\n  repeats: 2\n");
	/* Kill -9 one worker while the sweep goes on. */
	pid_t sw = start_sweep("2");
	long worker = 0;
	for (int i = 0; i < 100 && !worker; i++) {
		sleep_s(0.05);
		worker = running_pid();
	}
	cr_assert_gt(worker, 0, "no trial started");
	kill((pid_t)worker, SIGKILL);
	/* Then kill -9 the sweep itself, mid-way. */
	sleep_s(1.0);
	kill(sw, SIGKILL);
	waitpid(sw, &status, 0);
	sleep_s(0.3);
	count_states(&done, &rows, NULL, &other);
	cr_assert_eq(rows, 6);
	cr_assert_lt(done, 6, "the sweep finished before it was killed");
	th_nnlab_end(sw, 0);

	/* Trials done before the resume are never run again. */
	char *before = read_in(".", "results.csv");
	char *csv0 = before;
	char f[64], id[64];
	time_t mtime[6] = { 0 };
	for (size_t i = 0; i < rows; i++) {
		struct stat st;
		char path[8800];

		th_csv(csv0, i, "status", f, sizeof(f));
		th_csv(csv0, i, "trial", id, sizeof(id));
		snprintf(path, sizeof(path), "%s/trials/%s/metrics.csv", outdir, id);
		if (!strcmp(f, "done") && stat(path, &st) == 0)
			mtime[i] = st.st_mtime;
	}
	sleep_s(1.1);
	char *out, *err;
	const char *j2[] = { "-j", "2", NULL };
	cr_assert_eq(sweep(&out, &err, j2), 0, "%s", err);
	count_states(&done, &rows, NULL, &other);
	cr_assert_eq(rows, 6);
	cr_assert_eq(done, 6, "%s", out);
	char *after = read_in(".", "results.csv");
	for (size_t i = 0; i < rows; i++) {
		struct stat st;
		char path[8800];

		th_csv(after, i, "trial", id, sizeof(id));
		snprintf(path, sizeof(path), "%s/trials/%s/metrics.csv", outdir, id);
		cr_assert_eq(stat(path, &st), 0);
		if (mtime[i])
			cr_assert_eq(st.st_mtime, mtime[i], "trial %s ran again", id);
		char *mc, sub[128];
		snprintf(sub, sizeof(sub), "trials/%s", id);
		mc = read_in(sub, "metrics.csv");
		cr_assert_eq(th_csv_rows(mc), 8, "trial %s: %zu epochs", id, th_csv_rows(mc));
		free(mc);
	}
	free(before);
	free(after);
	free(out);
	free(err);
}

Test(exp_sweep, sigterm_stops_and_the_sweep_resumes)
{
	size_t done, rows, other;
	int status;

	write_slow_cfg("  grid:\n    train.eta: [0.05, 0.1, 0.2, 0.4]\n");
	pid_t sw = start_sweep("2");
	for (int i = 0; i < 100 && !running_pid(); i++)
		sleep_s(0.05);
	sleep_s(0.3);
	kill(sw, SIGTERM);
	waitpid(sw, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
	th_nnlab_end(sw, 0);
	count_states(&done, &rows, "running", &other);
	cr_assert_eq(other, 0, "trials left marked running");
	cr_assert_lt(done, 4);
	char *out, *err;
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	count_states(&done, &rows, NULL, &other);
	cr_assert_eq(done, 4);
	free(out);
	free(err);
}

Test(exp_sweep, median_pruning_stops_a_poor_trial)
{
	char *out, *err;
	size_t done, rows, pruned;

	/* Run one at a time: two good trials finish, then a hopeless one
	 * (eta far too small) falls below their median and is stopped. */
	write_cfg("20000", "30", "  grid:\n    train.eta: [0.1, 0.11, 0.000001]\n"
		  "  prune:\n    warmup: 1\n    min_trials: 2\n");
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	count_states(&done, &rows, "pruned", &pruned);
	cr_assert_eq(done, 2, "%s", out);
	cr_assert_eq(pruned, 1, "%s", out);
	char *csv = read_in(".", "results.csv"), f[256];
	th_csv(csv, 2, "note", f, sizeof(f));
	cr_assert(strstr(f, "pruned after epoch "), "%s", f);
	th_csv(csv, 2, "epochs", f, sizeof(f));
	cr_assert_lt(atoi(f), 30);
	free(csv);
	free(out);
	free(err);
	/* Resuming reruns neither the done nor the pruned trials. */
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	cr_assert(strstr(out, "resuming the sweep in"), "%s", out);
	cr_assert_null(strstr(out, "started"), "%s", out);
	count_states(&done, &rows, "pruned", &pruned);
	cr_assert_eq(done, 2);
	cr_assert_eq(pruned, 1);
	free(out);
	free(err);
}

/* The same sweep under Open MPI (rank 0 hands out trials to two ranks)
 * gives the same results table as the local run. */
/* Skips the test unless Open MPI is here and nnlab was built with it. */
static void need_mpi(void)
{
	char cmd[4400];

	if (system("command -v mpirun > /dev/null 2>&1") != 0)
		cr_skip_test("Open MPI is not installed (sh scripts/setup.sh openmpi-bin libopenmpi-dev)");
	snprintf(cmd, sizeof(cmd), "ldd '%s/nnlab' | grep -q libmpi", NNLAB_BUILD_DIR);
	if (system(cmd) != 0)
		cr_skip_test("this nnlab was built without MPI (make MPI=1)");
}

/* The config's sweep under mpirun with np ranks, in dir/mpi: its
 * results.csv. */
static char *mpi_results(int np)
{
	char cmd[16384], mpidir[4400], log[4400], path[4500];

	snprintf(mpidir, sizeof(mpidir), "%s/mpi", dir);
	snprintf(log, sizeof(log), "%s/mpi.log", dir);
	/* Open MPI's own allocations are not ours to leak-check. */
	snprintf(cmd, sizeof(cmd),
		 "ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe -np %d '%s/nnlab' sweep '%s' --mpi --out '%s' > '%s' 2>&1",
		 np, NNLAB_BUILD_DIR, cfgpath, mpidir, log);
	cr_assert_eq(system(cmd), 0, "mpirun failed: see %s", log);
	snprintf(path, sizeof(path), "%s/results.csv", mpidir);
	char *mpi = th_read(path, NULL);
	cr_assert_not_null(mpi);
	return mpi;
}

Test(exp_sweep, mpi_sweep_matches_the_local_one)
{
	char *out, *err;
	const char *j2[] = { "-j", "2", NULL };

	need_mpi();
	write_cfg("1500", "3", "  grid:\n    train.eta: [0.05, 0.5]\n    model.layers: [[2, 4, 3], [2, 16, 3]]\n  repeats: 2\n");
	cr_assert_eq(sweep(&out, &err, j2), 0, "%s", err);
	free(out);
	free(err);
	char *mpi = mpi_results(3);
	char *local = read_in(".", "results.csv");
	cr_assert_eq(th_csv_rows(mpi), 8);
	const char *columns[] = { "trial", "train.eta", "model.layers", "seed", "status",
				  "best_eval_accuracy", "best_epoch", "final_eval_accuracy", "epochs" };
	for (size_t r = 0; r < 8; r++) {
		for (size_t c = 0; c < sizeof(columns) / sizeof(columns[0]); c++) {
			char a[256], b[256];

			cr_assert_not_null(th_csv(local, r, columns[c], a, sizeof(a)));
			cr_assert_not_null(th_csv(mpi, r, columns[c], b, sizeof(b)));
			cr_assert_str_eq(a, b, "row %zu, %s", r, columns[c]);
		}
		char st[64];
		cr_assert_str_eq(th_csv(mpi, r, "status", st, sizeof(st)), "done");
	}
	free(local);
	free(mpi);
}

/* A trial's file under outdir/trials/ID. */
static char *read_trial(const struct exp_trial *t, const char *file)
{
	char sub[64];

	snprintf(sub, sizeof(sub), "trials/%s", t->id);
	return read_in(sub, file);
}

Test(exp_sweep, set_values_of_the_sweep_reach_every_trial)
{
	char *out, *err, *csv, f[64];
	const char *extra[] = { "--set", "train.epochs=1", "--set", "seed=7", "-j", "2", NULL };

	write_cfg("300", "3", "  grid:\n    train.eta: [0.05, 0.5]\n");
	cr_assert_eq(sweep(&out, &err, extra), 0, "%s", err);
	/* The console names each trial by its values and its objective. */
	cr_assert(strstr(out, "trial 1/2 (") && strstr(out, ") train.eta=0.05 seed=7: started\n"), "%s", out);
	cr_assert(strstr(out, ") train.eta=0.5 seed=7: done, best eval_accuracy "), "%s", out);
	cr_assert(strstr(out, "% at epoch 0\n"), "%s", out);
	csv = read_in(".", "results.csv");
	cr_assert_eq(th_csv_rows(csv), 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_str_eq(th_csv(csv, i, "epochs", f, sizeof(f)), "1", "%s", csv);
		cr_assert_str_eq(th_csv(csv, i, "seed", f, sizeof(f)), "7", "%s", csv);
	}
	free(csv);
	/* Each trial ran with them: its resolved config and its metrics. */
	char *def = read_in(".", "definition.txt");
	cr_assert(strstr(def, "config train.epochs=1\n"), "%s", def);
	free(def);
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err e = { 0, "" };
	const char *sets[] = { "train.epochs=1", "seed=7" };
	cr_assert_eq(exp_config_load(&cfg, cfgpath, sets, 2, &e), 0, "%s", e.msg);
	cr_assert_eq(exp_sweep_load(&s, &cfg, &e), 0, "%s", e.msg);
	for (size_t i = 0; i < s.ntrials; i++) {
		char *yaml = read_trial(&s.trials[i], "config.yaml");
		char *metrics = read_trial(&s.trials[i], "metrics.csv");

		cr_assert(strstr(yaml, "  epochs: 1\n") && strstr(yaml, "\nseed: 7\n"), "%s", yaml);
		cr_assert_eq(th_csv_rows(metrics), 1, "%s", metrics);
		free(yaml);
		free(metrics);
	}
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
	free(out);
	free(err);
}

Test(exp_sweep, a_swept_seed_is_the_trials_seed)
{
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err e = { 0, "" };
	char *out, *err, *csv;

	write_cfg("300", "1", "  grid:\n    seed: [1, 2]\n    train.eta: [0.5]\n");
	cr_assert_eq(load(&cfg, &s, &e), 0, "%s", e.msg);
	cr_assert_eq(s.ntrials, 2);
	cr_assert_eq(s.trials[0].seed, 1);
	cr_assert_eq(s.trials[1].seed, 2);
	cr_assert_eq(s.trials[0].nparams, 1, "the seed is not also a parameter");
	cr_assert_str_eq(s.trials[0].keys[0], "train.eta");
	cr_assert_str_neq(s.trials[0].id, s.trials[1].id);
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	csv = read_in(".", "results.csv");
	cr_assert(!strncmp(csv, "trial,train.eta,seed,status,", 28), "one seed column: %s", csv);
	for (size_t i = 0; i < 2; i++) {
		char *yaml = read_trial(&s.trials[i], "config.yaml"), want[32];

		snprintf(want, sizeof(want), "\nseed: %zu\n", i + 1);
		cr_assert(strstr(yaml, want), "trial %zu: %s", i, yaml);
		free(yaml);
	}
	char *m1 = read_trial(&s.trials[0], "model.json"), *m2 = read_trial(&s.trials[1], "model.json");
	cr_assert_str_neq(m1, m2, "two seeds, two models");
	free(m1);
	free(m2);
	free(csv);
	free(out);
	free(err);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);

	/* A drawn seed too. */
	write_cfg("300", "1", "  random:\n    trials: 1\n    params:\n      seed: {int: [5, 5]}\n");
	cr_assert_eq(load(&cfg, &s, &e), 0, "%s", e.msg);
	cr_assert_eq(s.trials[0].seed, 5);
	cr_assert_eq(s.trials[0].nparams, 0);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

Test(exp_sweep, a_swept_seed_with_repeats_or_a_bad_seed_is_an_error)
{
	expect_error("  grid:\n    seed: [1, 2]\n  repeats: 2\n",
		     "@:21:12: 'repeats' and a swept 'seed' together");
	expect_error("  random:\n    params:\n      seed: {int: [1, 9]}\n  repeats: 3\n",
		     "'repeats' and a swept 'seed' together");
	expect_error("  grid:\n    seed: [1, -2]\n", "@:20:15: a swept 'seed' must be a whole number");
	expect_error("  grid:\n    seed: [1.5]\n", "a swept 'seed' must be a whole number from 0 to 18446744073709551615, got '1.5'");
}

Test(exp_sweep, a_grid_value_runs_exactly_as_it_was_checked)
{
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err e = { 0, "" };

	/* A quoted newline stays a newline (it once became a space). */
	write_cfg("300", "1", "  grid:\n    data.options.kind: [\"blobs\\n\", blobs]\n");
	cr_assert_eq(load(&cfg, &s, &e), 0, "%s", e.msg);
	cr_assert_str_eq(s.trials[0].values[0], "\"blobs\\n\"");
	cr_assert_str_eq(s.trials[1].values[0], "blobs");
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

Test(exp_sweep, random_ranges_that_no_draw_could_hold_are_errors)
{
	expect_error("  random:\n    params:\n      train.epochs: {int: [-9e18, 9e18]}\n",
		     "@:21:27: 'int' bounds must lie within -9007199254740992 and 9007199254740992");
	expect_error("  random:\n    params:\n      train.epochs: {int: [0, 1e300]}\n",
		     "'int' bounds must lie within");
	expect_error("  random:\n    seed: 1e300\n    params:\n      train.epochs: {int: [1, 2]}\n",
		     "@:20:11: 'seed' must be a whole number from 0 to 9007199254740992");
	expect_error("  random:\n    seed: 2.5\n    params:\n      train.epochs: {int: [1, 2]}\n",
		     "'seed' must be a whole number");
	expect_error("  grid:\n    train.eta: [1]\n  prune: {warmup: 1e300}\n", "'warmup' must be a whole number of epochs");
}

Test(exp_sweep, int_draws_near_the_limit_are_exact)
{
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err e = { 0, "" };

	write_cfg("300", "1", "  random:\n    trials: 20\n    params:\n      seed: {int: [9007199254740990, 9007199254740992]}\n");
	cr_assert_eq(load(&cfg, &s, &e), 0, "%s", e.msg);
	for (size_t i = 0; i < s.ntrials; i++)
		cr_assert(s.trials[i].seed >= 9007199254740990ull && s.trials[i].seed <= 9007199254740992ull,
			  "%llu", s.trials[i].seed);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

Test(exp_sweep, best_epoch_is_the_first_of_tied_epochs)
{
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err e = { 0, "" };
	char path[8800], f[64];

	write_cfg("300", "4", "  grid:\n    train.eta: [0.5, 1]\n");
	cr_assert_eq(load(&cfg, &s, &e), 0, "%s", e.msg);
	for (size_t i = 0; i < s.ntrials; i++) {
		snprintf(path, sizeof(path), "%s/trials/%s", outdir, s.trials[i].id);
		cr_assert_eq(exp_fs_mkdirs(path, &e), 0, "%s", e.msg);
		snprintf(path, sizeof(path), "%s/trials/%s/status", outdir, s.trials[i].id);
		th_write_str(path, "state: done\n");
		snprintf(path, sizeof(path), "%s/trials/%s/metrics.csv", outdir, s.trials[i].id);
		th_write_str(path, i ? "epoch,eval_accuracy,seconds\n0,0.5,1\n1,0.9,1\n2,0.7,1\n3,0.9,1\n"
				     : "epoch,eval_accuracy,seconds\n0,0.8,1\n1,0.8,1\n2,0.8,1\n3,0.8,1\n");
	}
	cr_assert_eq(exp_results_write(&s, outdir, &e), 0, "%s", e.msg);
	char *csv = read_in(".", "results.csv");
	cr_assert_str_eq(th_csv(csv, 0, "best_eval_accuracy", f, sizeof(f)), "0.8", "%s", csv);
	cr_assert_str_eq(th_csv(csv, 0, "best_epoch", f, sizeof(f)), "0", "%s", csv);
	cr_assert_str_eq(th_csv(csv, 1, "best_eval_accuracy", f, sizeof(f)), "0.9", "%s", csv);
	cr_assert_str_eq(th_csv(csv, 1, "best_epoch", f, sizeof(f)), "1", "%s", csv);
	cr_assert_str_eq(th_csv(csv, 1, "epochs", f, sizeof(f)), "4", "%s", csv);
	cr_assert_str_eq(th_csv(csv, 1, "final_eval_accuracy", f, sizeof(f)), "0.9", "%s", csv);
	free(csv);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

Test(exp_sweep, a_trial_whose_status_cannot_be_written_stops_the_sweep)
{
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err e = { 0, "" };
	char path[8800], *out, *err;

	/* A directory where the status file belongs fails every write of it,
	 * as a full disk does; the trial was once relaunched forever. */
	write_cfg("300", "1", "  grid:\n    train.eta: [0.5]\n");
	cr_assert_eq(load(&cfg, &s, &e), 0, "%s", e.msg);
	snprintf(path, sizeof(path), "%s/trials/%s/status/x", outdir, s.trials[0].id);
	cr_assert_eq(exp_fs_mkdirs(path, &e), 0, "%s", e.msg);
	time_t t0 = time(NULL);
	cr_assert_eq(sweep(&out, &err, NULL), 1, "%s", out);
	cr_assert_lt(time(NULL) - t0, 60);
	snprintf(path, sizeof(path), "nnlab: error: trial %s could not write its status or log in '%s/trials/%s' (is the disk full?)\n",
		 s.trials[0].id, outdir, s.trials[0].id);
	cr_assert_str_eq(err, path);
	int starts = 0;
	for (const char *p = out; (p = strstr(p, ": started")); p++)
		starts++;
	cr_assert_eq(starts, 1, "%s", out);
	free(out);
	free(err);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

Test(exp_sweep, two_sweeps_on_one_directory_are_refused)
{
	char *out, *err, want[4600];

	write_slow_cfg("  grid:\n    train.eta: [0.05, 0.1]\n");
	pid_t sw = start_sweep("1");
	long worker = 0;
	for (int i = 0; i < 200 && !worker; i++) {
		sleep_s(0.05);
		worker = running_pid();
	}
	cr_assert_gt(worker, 0, "no trial started");
	int rc = sweep(&out, &err, NULL);
	th_nnlab_end(sw, SIGKILL);
	cr_assert_eq(rc, 1, "%s", err);
	snprintf(want, sizeof(want), "nnlab: error: '%s' is in use by another nnlab sweep (pid %ld); wait for it to end or use another directory\n",
		 outdir, (long)sw);
	cr_assert_str_eq(err, want);
	cr_assert_str_eq(out, "");
	free(out);
	free(err);
}

Test(exp_sweep, an_objective_that_no_trial_fills_is_a_config_error)
{
	/* It once ran every trial and ended "done" with empty results. */
	expect_error("  grid:\n    train.eta: [1]\n  objective:\n    metric: val_accuracy\n",
		     "@:22:13: objective 'val_accuracy' is not a metrics.csv column of this config's runs (did you mean 'eval_accuracy'?); they fill epoch, eval_correct,");
	expect_error("  grid:\n    train.eta: [1]\n  objective:\n    metric: validation_accuracy\n",
		     "; validation columns need data.validation_size > 0");
	expect_error("  grid:\n    train.eta: [1]\n    monitor.eval_cost: [false]\n  objective:\n    metric: eval_cost\n",
		     "objective 'eval_cost' stays empty in this config's runs (monitor.eval_cost is off)");
	/* With a validation split the abbreviation finds its column. */
	struct exp_config cfg;
	struct exp_sweep s;
	struct nn_err e = { 0, "" };
	write_cfg("500", "2", "  grid:\n    data.validation_size: [100]\n  objective:\n    metric: val_accuracy\n");
	cr_assert_lt(load(&cfg, &s, &e), 0);
	cr_assert(strstr(e.msg, "(did you mean 'validation_accuracy'?)"), "%s", e.msg);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
	write_cfg("500", "2", "  grid:\n    data.validation_size: [100]\n  objective:\n    metric: validation_accuracy\n");
	cr_assert_eq(load(&cfg, &s, &e), 0, "%s", e.msg);
	exp_sweep_fini(&s);
	exp_config_fini(&cfg);
}

Test(exp_sweep, run_check_and_report_know_a_sweep_config)
{
	char *out, *err, want[9000];

	write_cfg("300", "1", "  grid:\n    train.eta: [0.5, 1]\n");
	/* nnlab run does not silently drop the sweep. */
	const char *run[] = { "run", cfgpath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, run), 2, "%s", out);
	snprintf(want, sizeof(want), "nnlab: error: %s:18:1: this config has a 'sweep' section: run its trials with 'nnlab sweep %s', or its base config once with --set sweep=null\n",
		 cfgpath, cfgpath);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);
	char runout[4400];
	snprintf(runout, sizeof(runout), "%s/base", dir);
	const char *once[] = { "run", cfgpath, "--set", "sweep=null", "--out", runout, NULL };
	cr_assert_eq(th_nnlab(&out, &err, once), 0, "%s", err);
	free(out);
	free(err);
	/* nnlab check lists the trials. */
	const char *check[] = { "check", cfgpath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, check), 0, "%s", err);
	cr_assert(strstr(out, "  sweep: 2 trials, objective eval_accuracy (max); each trial's config loads and its model fits\n"), "%s", out);
	cr_assert(strstr(out, " train.eta=0.5 seed=1\n") && strstr(out, " train.eta=1 seed=1\n"), "%s", out);
	free(out);
	free(err);
	/* The sweep's page is in its directory; nnlab report SWEEP_DIR redoes it. */
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	free(out);
	free(err);
	char page[4600];
	snprintf(page, sizeof(page), "%s/report.html", outdir);
	unlink(page);
	const char *report[] = { "report", outdir, NULL };
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	char *html = th_read(page, NULL);
	cr_assert_not_null(html);
	cr_assert(strstr(html, "2 trials: <span class=\"done\">2 done</span>"), "%s", html);
	free(html);
	free(out);
	free(err);
}

Test(exp_sweep, the_sweep_page_ranks_links_sorts_and_charts)
{
	char *out, *err, text[8192], page[4600];

	/* Two swept values, two seeds each: points with mean, sd and n. */
	snprintf(text, sizeof(text),
		 "name: t\ncharts: true\n"
		 "data:\n  plugin: synthetic\n  options:\n    kind: blobs\n    train_size: 300\n    test_size: 200\n"
		 "model:\n  layers: [2, 8, 3]\n  activation: relu\n  output: softmax\n  init: scaled\n"
		 "train:\n  epochs: 2\n  eta: 0.1\n  cost: log_likelihood\n"
		 "sweep:\n  grid:\n    train.eta: [0.01, 1]\n    model.layers: [[2, 4, 3], [2, 16, 3]]\n  repeats: 2\n");
	th_write_str(cfgpath, text);
	const char *j2[] = { "-j", "2", NULL };
	cr_assert_eq(sweep(&out, &err, j2), 0, "%s", err);
	free(out);
	free(err);
	snprintf(page, sizeof(page), "%s/report.html", outdir);
	char *html = th_read(page, NULL);
	cr_assert_not_null(html);
	cr_assert(strstr(html, "8 trials: <span class=\"done\">8 done</span>"), "%s", html);
	cr_assert(strstr(html, "<th>mean best eval_accuracy %</th><th>sd</th><th>n</th>"), "%s", html);
	size_t rows = 0, best = 0, links = 0;
	/* The trials' table: the first body. */
	char *body = strstr(html, "<tbody>"), *end = body ? strstr(body, "</tbody>") : NULL;
	for (char *p = body; p && (p = strstr(p, "<tr")) && p < end; p++)
		rows++;
	for (char *p = html; (p = strstr(p, "class=\"best\"")); p++)
		best++;
	cr_assert_eq(rows, 4, "one row per point");
	cr_assert_eq(best, 1);
	/* Every trial link resolves to the trial's own page. */
	for (char *p = html; (p = strstr(p, "<a href=\"")); p++) {
		char href[128], path[4800];

		sscanf(p + 9, "%127[^\"]", href);
		snprintf(path, sizeof(path), "%s/%s", outdir, href);
		cr_assert_eq(access(path, R_OK), 0, "broken link '%s'", href);
		links++;
	}
	cr_assert_eq(links, 8);
	/* What the objective depends on: a share per swept key. */
	cr_assert(strstr(html, "<h2>What the objective depends on</h2>"), "%s", html);
	cr_assert(strstr(html, "<tr><td class=\"text\">train.eta</td><td>0.") ||
		  strstr(html, "<tr><td class=\"text\">train.eta</td><td>1.00"), "%s", html);
	static const char *const charts[] = { "objective.png", "heatmap.png", "parallel.png", "params.png",
					      "progress.png" };
	for (int i = 0; i < 5; i++) {
		char path[4800];

		snprintf(path, sizeof(path), "%s/%s", outdir, charts[i]);
		cr_assert_eq(access(path, R_OK), 0, "no %s", charts[i]);
	}
	/* The objective chart: a colour and a legend entry per point, naming
	 * every swept value (once it coloured by the first value alone). */
	char gp[4800];
	snprintf(gp, sizeof(gp), "%s/objective.gp", outdir);
	char *script = th_read(gp, NULL);
	const char *legends[] = { "title 'train.eta=0.01 model.layers=[2, 4, 3]'", "title 'train.eta=0.01 model.layers=[2, 16, 3]'",
				  "title 'train.eta=1 model.layers=[2, 4, 3]'", "title 'train.eta=1 model.layers=[2, 16, 3]'" };
	for (int i = 0; i < 4; i++)
		cr_assert(strstr(script, legends[i]), "no %s in %s", legends[i], script);
	char colours[4][8];
	for (int i = 0; i < 4; i++) {
		char *at = strstr(script, legends[i]), *lc = NULL;
		for (char *q = script; (q = strstr(q, "lc rgb '")) && q < at; q++)
			lc = q;
		cr_assert_not_null(lc);
		snprintf(colours[i], sizeof(colours[i]), "%.7s", lc + 8);
		for (int j = 0; j < i; j++)
			cr_assert(strcmp(colours[i], colours[j]), "points %d and %d share %s", i, j, colours[i]);
	}
	cr_assert(strstr(script, "set ylabel 'accuracy on the test data (%)'"), "%s", script);
	free(script);
	/* Parallel coordinates: eta (0.01, 1) on a log axis of its decades,
	 * the layers' labels beside their axis. */
	snprintf(gp, sizeof(gp), "%s/parallel.gp", outdir);
	script = th_read(gp, NULL);
	cr_assert(strstr(script, "set paxis 1 tics ('0.01' -2, '0.1' -1, '1' 0)\nset paxis 1 range [-2:0]"), "%s", script);
	cr_assert(strstr(script, "using (log10(column(1))):3"), "%s", script);
	cr_assert(strstr(script, "set paxis 2 tics ('[2, 4, 3]' 0, '[2, 16, 3]' 1) right offset -1,0"), "%s", script);
	free(script);
	/* The heatmap keeps seeds out of its dimensions: a 2 x 2 grid. */
	char dat[4800];
	snprintf(dat, sizeof(dat), "%s/heatmap.dat", outdir);
	char *heat = th_read(dat, NULL);
	cr_assert_eq(th_csv_rows(heat), 4, "%s", heat);
	cr_assert(strstr(heat, "\n0 0 ") && strstr(heat, "\n1 1 "), "%s", heat);
	cr_assert(strstr(heat, " 2\n"), "two seeds per cell: %s", heat);
	free(heat);
	free(html);

	/* In a browser: the images load, and a header click sorts the rows. */
	if (access("/usr/bin/chromium", X_OK) != 0 ||
	    access(NNLAB_SOURCE_DIR "/tests/browser/node_modules/playwright-core", R_OK) != 0)
		cr_skip_test("needs Debian's chromium and tests/browser's playwright-core (make browser)");
	char cmd[20000], json[4400];
	snprintf(json, sizeof(json), "%s/browser.json", dir);
	snprintf(cmd, sizeof(cmd), "node '%s/tests/browser/check-report.mjs' '%s' '%s/sweep.png' 'trials:rank' > '%s' 2> '%s/browser.log'",
		 NNLAB_SOURCE_DIR, page, dir, json, dir);
	cr_assert_eq(system(cmd), 0, "the browser check failed: see %s/browser.log", dir);
	char *result = th_read(json, NULL);
	cr_assert(strstr(result, "\"tables\":{\"trials\":5,\"importance\":3}"), "%s", result);
	cr_assert_null(strstr(result, "\"naturalWidth\":0"), "%s", result);
	cr_assert(strstr(result, "\"sorted\":[[\"1\",\"2\",\"3\",\"4\"],[\"1\",\"2\",\"3\",\"4\"],[\"4\",\"3\",\"2\",\"1\"]]"),
		  "%s", result);
	free(result);
	/* The filter keeps the rows that hold what is typed ([2, 16, 3]: two of
	 * the four points), and the objective chart, inline, shows the
	 * coordinates under the pointer. */
	snprintf(cmd, sizeof(cmd), "FILTER='[2, 16, 3]' node '%s/tests/browser/check-report.mjs' '%s' '' > '%s' 2> '%s/browser.log'",
		 NNLAB_SOURCE_DIR, page, json, dir);
	cr_assert_eq(system(cmd), 0, "the browser check failed: see %s/browser.log", dir);
	result = th_read(json, NULL);
	cr_assert(strstr(result, "\"visibleRows\":2"), "%s", result);
	/* The chart's legend, as the browser shows it, names every point. */
	const char *shown[] = { "\"train.eta=0.01 model.layers=[2, 4, 3]\"", "\"train.eta=0.01 model.layers=[2, 16, 3]\"",
				"\"train.eta=1 model.layers=[2, 4, 3]\"", "\"train.eta=1 model.layers=[2, 16, 3]\"" };
	for (int i = 0; i < 4; i++)
		cr_assert(strstr(result, shown[i]), "the chart's legend lacks %s: %s", shown[i], result);
	cr_assert(strstr(result, "\"coordinates\":\"") && !strstr(result, "\"coordinates\":\"\""), "%s", result);
	free(result);
}

/* A grid over architectures: a dense net and a conv net, each a trial. */
Test(exp_sweep, a_grid_varies_the_architecture)
{
	char *out, *err;
	size_t done, rows, other;

	th_write_str(cfgpath,
		     "name: t\ncharts: false\n"
		     "data:\n  plugin: synthetic\n  options:\n    kind: digits\n    train_size: 600\n    test_size: 200\n"
		     "model:\n  layers: [784, 8, 10]\n  activation: relu\n  output: softmax\n  init: scaled\n"
		     "train:\n  epochs: 1\n  eta: 0.05\n  cost: log_likelihood\n"
		     "sweep:\n  grid:\n    model.layers: [[784, 16, 10], [conv 4x5x5, pool 2, softmax 10]]\n");
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	count_states(&done, &rows, NULL, &other);
	cr_assert_eq(rows, 2);
	cr_assert_eq(done, 2);
	char *csv = read_in(".", "results.csv");
	cr_assert(strstr(csv, "[784, 16, 10]"), "%s", csv);
	cr_assert(strstr(csv, "[conv 4x5x5, pool 2, softmax 10]"), "%s", csv);
	free(csv);
	free(out);
	free(err);

	/* nnlab eval takes the sweep's models, best first, and draws the vote's mistakes. */
	char chart[4400];
	snprintf(chart, sizeof(chart), "%s/vote", dir);
	const char *all[] = { "eval", outdir, cfgpath, "--out", chart, NULL };
	cr_assert_eq(th_nnlab(&out, &err, all), 0, "%s", err);
	cr_assert(strstr(out, "model 1: "), "%s", out);
	cr_assert(strstr(out, "model 2: "), "%s", out);
	cr_assert(strstr(out, "plurality vote of 2 models: "), "%s", out);
	free(out);
	free(err);
	snprintf(chart, sizeof(chart), "%s/vote/misclassified.gp", dir);
	struct stat st;
	cr_assert_eq(stat(chart, &st), 0, "no chart of the vote's mistakes");
	const char *top[] = { "eval", outdir, cfgpath, "--top", "1", NULL };
	cr_assert_eq(th_nnlab(&out, &err, top), 0, "%s", err);
	cr_assert_null(strstr(out, "plurality vote"), "%s", out);
	cr_assert(strstr(out, " / 200 ("), "%s", out);
	free(out);
	free(err);
}

/* A trial left running by a dead process goes on from its checkpoint
 * when the sweep resumes (its log says so and keeps the first attempt's
 * lines), ending with the same metrics; one without a checkpoint starts
 * afresh. */
Test(exp_sweep, a_dead_trial_resumes_from_its_checkpoint)
{
	char *out, *err, sub[128], id[2][64], path[8800], host[256] = "";
	const char *j1[] = { "-j", "1", NULL };

	write_cfg("500", "3", "  grid:\n    train.eta: [0.1, 0.2]\n");
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	free(out);
	free(err);
	char *csv = read_in(".", "results.csv");
	th_csv(csv, 0, "trial", id[0], sizeof(id[0]));
	th_csv(csv, 1, "trial", id[1], sizeof(id[1]));
	free(csv);
	snprintf(sub, sizeof(sub), "trials/%s", id[0]);
	char *metrics = read_in(sub, "metrics.csv");
	/* Both marked running by a process that is gone; the second loses
	 * its checkpoint. */
	gethostname(host, sizeof(host) - 1);
	for (int k = 0; k < 2; k++) {
		char status[512];

		snprintf(path, sizeof(path), "%s/trials/%s/status", outdir, id[k]);
		snprintf(status, sizeof(status),
			 "state: running\npid: 4194000\nhost: %s\nheartbeat: 1000\nattempt: 1\nnote: \n", host);
		th_write_str(path, status);
	}
	snprintf(path, sizeof(path), "%s/trials/%s/checkpoint", outdir, id[1]);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	free(out);
	free(err);
	char *log0 = read_in(sub, "log.txt");
	cr_assert(strstr(log0, "Epoch 2: "), "%s", log0);
	cr_assert(strstr(log0, "/checkpoint") == NULL, "%s", log0);
	cr_assert(strstr(log0, "Resuming '"), "%s", log0);
	cr_assert(strstr(log0, "after epoch 2\n"), "%s", log0);
	char *again = read_in(sub, "metrics.csv");
	cr_assert_str_eq(metrics, again);
	snprintf(sub, sizeof(sub), "trials/%s", id[1]);
	char *log1 = read_in(sub, "log.txt");
	cr_assert_null(strstr(log1, "Resuming"), "%s", log1);
	cr_assert(strstr(log1, "3 epochs in "), "%s", log1);
	free(log0);
	free(log1);
	free(metrics);
	free(again);
}

/* A trial its run would refuse for memory (counting evaluation batches
 * of 256, not the mini-batches of 10 alone) is a config error before any
 * trial runs, in nnlab sweep and in nnlab check alike. */
Test(exp_sweep, a_trial_whose_model_does_not_fit_is_refused_up_front)
{
	char *out, *err;
	struct stat st;

	/* [2, 1000, 3]: 0.2 MiB for batches of 10, 2.0 MiB for 256. */
	write_cfg("300", "1", "  grid:\n    model.layers: [[2, 8, 3], [2, 1000, 3]]\n");
	setenv("NNLAB_MAX_MEMORY", "2M", 1);
	const char *check[] = { "check", cfgpath, NULL };
	cr_assert_eq(th_nnlab(&out, &err, check), 2, "%s", out);
	cr_assert(strstr(err, ": the model needs 2.03 MiB (parameters, gradients, momentum and buffers for batches of 256), more than the limit of 2.00 MiB"),
		  "%s", err);
	cr_assert(strstr(err, "s.yaml: trial "), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(sweep(&out, &err, NULL), 2, "%s", out);
	cr_assert(strstr(err, "batches of 256), more than the limit"), "%s", err);
	free(out);
	free(err);
	cr_assert_neq(stat(outdir, &st), 0, "no trial ran, no sweep directory");
	unsetenv("NNLAB_MAX_MEMORY");
}

/* nnlab report SWEEP_DIR makes the page at any time from the moment the
 * sweep claims its directory (it once failed until a trial ended): with
 * no results.csv yet, and with trials that have scored no epoch. */
Test(exp_sweep, the_page_of_a_starting_sweep_is_made_at_any_time)
{
	char *out, *err, path[4600];
	const char *report[] = { "report", outdir, NULL };

	write_cfg("300", "1", "  grid:\n    train.eta: [0.5, 1]\n");
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	free(out);
	free(err);
	/* As the sweep starts: every trial pending, none has a metrics.csv. */
	char *csv = read_in(".", "results.csv");
	for (char *p; (p = strstr(csv, ",done,"));)
		memcpy(p, ",pend,", 6);
	snprintf(path, sizeof(path), "%s/results.csv", outdir);
	th_write_str(path, csv);
	free(csv);
	for (size_t i = 0; i < 2; i++) {
		char id[64], *rc = read_in(".", "results.csv");

		th_csv(rc, i, "trial", id, sizeof(id));
		snprintf(path, sizeof(path), "%s/trials/%s/metrics.csv", outdir, id);
		cr_assert_eq(unlink(path), 0, "%s", path);
		free(rc);
	}
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	cr_assert_str_eq(err, "");
	cr_assert_null(strstr(out, "warning"), "a chart of no epochs was drawn: %s", out);
	snprintf(path, sizeof(path), "%s/report.html", outdir);
	char *html = th_read(path, NULL);
	cr_assert(strstr(html, "2 trials"), "%s", html);
	free(html);
	free(out);
	free(err);
	/* Before the sweep has written results.csv at all. */
	snprintf(path, sizeof(path), "%s/results.csv", outdir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	cr_assert_str_eq(err, "");
	cr_assert_null(strstr(out, "warning"), "%s", out);
	free(out);
	free(err);
}

/* A trial's page made while it ran lacks what its run wrote at the end:
 * the sweep's page redoes a trial page older than the trial's files,
 * whatever the trial's status (7 of 18 pages once lacked charts). */
Test(exp_sweep, trial_pages_older_than_their_trials_files_are_redone)
{
	char *out, *err, id[64], sub[128], page[4600];

	write_cfg("300", "2", "  grid:\n    train.eta: [0.5, 1]\n");
	cr_assert_eq(sweep(&out, &err, NULL), 0, "%s", err);
	free(out);
	free(err);
	char *csv = read_in(".", "results.csv");
	th_csv(csv, 0, "trial", id, sizeof(id));
	free(csv);
	snprintf(sub, sizeof(sub), "trials/%s", id);
	snprintf(page, sizeof(page), "%s/%s/report.html", outdir, sub);
	/* As if made before the run's last files: older, and without them. */
	th_write_str(page, "a page made while the trial ran");
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	cr_assert_eq(utimensat(AT_FDCWD, page, old, 0), 0);
	const char *report[] = { "report", outdir, NULL };
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);
	char *html = th_read(page, NULL);
	cr_assert_null(strstr(html, "a page made while the trial ran"), "the stale page was kept");
	/* Titled by the trial's values, linking back to the sweep's page. */
	char title[200];
	snprintf(title, sizeof(title), "<title>trial %s: train.eta=", id);
	cr_assert(strstr(html, title), "%s", html);
	cr_assert(strstr(html, " seed=1</title>"), "%s", html);
	cr_assert(strstr(html, "<a href=\"../../report.html\">&larr; the sweep</a>"), "%s", html);
	free(html);
	/* A page newer than every file stays as it is. */
	th_write_str(page, "a page made after the trial ended");
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);
	html = th_read(page, NULL);
	cr_assert_str_eq(html, "a page made after the trial ended");
	free(html);
}

/* search: tpe's mistakes name their place. */
Test(exp_sweep, tpe_settings_are_checked)
{
	expect_error("  random:\n    search: bayes\n    params:\n      train.eta: {uniform: [0.1, 1]}\n",
		     "@:20:13: 'search' is random or tpe");
	expect_error("  grid:\n    train.epochs: [1, 2]\n  random:\n    search: tpe\n    params:\n      train.eta: {uniform: [0.1, 1]}\n",
		     "@:20:5: 'search: tpe' proposes the values of random.params");
	expect_error("  random:\n    search: tpe\n    params:\n      seed: {int: [1, 9]}\n",
		     "@:22:7: 'search: tpe' does not search the seed");
	expect_error("  random:\n    search: tpe\n    startup: 0\n    params:\n      train.eta: {uniform: [0.1, 1]}\n",
		     "@:21:14: 'startup' must be a whole number");
}

/* The values of a results.csv's rows, in order: "eta batch id best\n" each. */
static char *rows_of(void)
{
	char *csv = read_in(".", "results.csv"), *all = calloc(1, 65536), f[4][128];

	cr_assert_not_null(csv);
	for (size_t i = 0; i < th_csv_rows(csv); i++) {
		th_csv(csv, i, "train.eta", f[0], sizeof(f[0]));
		th_csv(csv, i, "train.batch_size", f[1], sizeof(f[1]));
		th_csv(csv, i, "trial", f[2], sizeof(f[2]));
		th_csv(csv, i, "best_eval_accuracy", f[3], sizeof(f[3]));
		snprintf(all + strlen(all), 65536 - strlen(all), "%s %s %s %s\n", f[0], f[1], f[2], f[3]);
	}
	free(csv);
	return all;
}

/* A tpe sweep proposes its points as trials end (the first two drawn at
 * random, the rest proposed, recorded in proposals.txt), and one killed
 * with kill -9 mid-way and resumed proposes exactly what the sweep never
 * stopped did: the same points, trials, IDs and results, each once. */
Test(exp_sweep, tpe_proposes_and_a_killed_sweep_resumes_to_the_same_proposals)
{
	const char *tpe = "  random:\n    trials: 6\n    seed: 3\n    search: tpe\n    startup: 2\n"
			  "    params:\n      train.eta: {log_uniform: [0.01, 1]}\n      train.batch_size: {int: [5, 40]}\n";
	char *out, *err, *whole, *resumed, path[8800];
	const char *j1[] = { "-j", "1", NULL };
	int status;

	/* Trials long enough to be caught running, short enough for a
	 * sanitized build: blobs in 100 dimensions, 4 epochs of 10,000. */
	char text[4096];
	snprintf(text, sizeof(text),
		 "name: t\ncharts: false\n"
		 "data:\n  plugin: synthetic\n  options:\n    kind: blobs\n    dims: 100\n"
		 "    train_size: 10000\n    test_size: 300\n"
		 "model:\n  layers: [100, 100, 3]\n  activation: relu\n  output: softmax\n  init: scaled\n"
		 "train:\n  epochs: 4\n  eta: 0.1\n  cost: log_likelihood\n"
		 "sweep:\n%s", tpe);
	th_write_str(cfgpath, text);
	snprintf(outdir, sizeof(outdir), "%s/whole", dir);
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	cr_assert(strstr(out, "tpe: point 3 of 6:") && strstr(out, "tpe: point 6 of 6:"), "%s", out);
	cr_assert_null(strstr(out, "tpe: point 7"), "%s", out);
	whole = rows_of();
	size_t lines = 0;
	for (const char *p = whole; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 6, "%s", whole);
	snprintf(path, sizeof(path), "%s/proposals.txt", outdir);
	char *prop = th_read(path, NULL);
	cr_assert_not_null(prop);
	size_t props = 0;
	for (const char *p = prop; *p; p++)
		props += *p == '\n';
	cr_assert_eq(props, 4, "%s", prop);
	free(prop);
	free(out);
	free(err);

	/* The same sweep killed once its fourth point is running, then resumed. */
	snprintf(outdir, sizeof(outdir), "%s/killed", dir);
	pid_t sw = start_sweep("1");
	int killed = 0;
	for (int i = 0; i < 3000 && !killed; i++) {
		sleep_s(0.05);
		snprintf(path, sizeof(path), "%s/proposals.txt", outdir);
		char *p = th_read(path, NULL);
		size_t n = 0;
		for (const char *c = p ? p : ""; *c; c++)
			n += *c == '\n';
		free(p);
		if (n >= 2 && running_pid() > 0) {
			kill(sw, SIGKILL);
			killed = 1;
		}
	}
	cr_assert(killed, "the sweep never reached its fourth point");
	waitpid(sw, &status, 0);
	th_nnlab_end(sw, 0);
	sleep_s(0.3);
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	resumed = rows_of();
	cr_assert_str_eq(resumed, whole);
	free(whole);
	free(resumed);
	free(out);
	free(err);
}

/* A tpe sweep under MPI with one worker rank proposes as -j 1 does: the
 * same points, trials and results (with more workers the proposals
 * depend on which trials ended first, as with -j N). */
Test(exp_sweep, mpi_tpe_sweep_with_one_worker_matches_j1)
{
	char *out, *err, *local, *mpi;
	const char *j1[] = { "-j", "1", NULL };

	need_mpi();
	write_cfg("1500", "3", "  random:\n    trials: 5\n    seed: 2\n    search: tpe\n    startup: 2\n"
			       "    params:\n      train.eta: {log_uniform: [0.01, 1]}\n"
			       "      model.layers: {choice: [[2, 4, 3], [2, 16, 3]]}\n");
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	free(out);
	free(err);
	mpi = mpi_results(2);
	local = read_in(".", "results.csv");
	cr_assert_eq(th_csv_rows(mpi), 5);
	cr_assert_eq(th_csv_rows(local), 5);
	const char *columns[] = { "trial", "train.eta", "model.layers", "status", "best_eval_accuracy", "epochs" };
	for (size_t r = 0; r < 5; r++)
		for (size_t c = 0; c < sizeof(columns) / sizeof(columns[0]); c++) {
			char a[256], b[256];

			cr_assert_not_null(th_csv(local, r, columns[c], a, sizeof(a)));
			cr_assert_not_null(th_csv(mpi, r, columns[c], b, sizeof(b)));
			cr_assert_str_eq(a, b, "row %zu, %s", r, columns[c]);
		}
	free(local);
	free(mpi);
}

/* Spirals, whose accuracy grows over the epochs at a pace eta sets, an
 * epoch long enough (about 0.1 s) for the coordinator to see it; ASHA
 * with rungs at 1, 2 and 4 of 8 epochs; the random section's first
 * lines, and the sweep section's last. */
static void write_asha_cfg(const char *random, const char *sweep_end)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "name: t\ncharts: false\n"
		 "data:\n  plugin: synthetic\n  options:\n    kind: spirals\n    train_size: 60000\n    test_size: 500\n"
		 "model:\n  layers: [2, 64, 3]\n  activation: relu\n  output: softmax\n  init: scaled\n"
		 "train:\n  epochs: 8\n  cost: log_likelihood\n"
		 "sweep:\n  random:\n%s    params:\n      train.eta: {log_uniform: [0.0003, 0.3]}\n"
		 "  prune: {asha: {min_epochs: 1, reduction: 2}}\n%s", random, sweep_end);
	th_write_str(cfgpath, text);
}

/* After an ASHA sweep of n trials (at most 8) run with -j 1: pruned trials'
 * rungs files end with a stop and their status says so, done ones do not,
 * fewer epochs ran than without ASHA, and each recorded decision is the
 * rule over the decisions of the trials before it (with -j 1 they reach
 * each rung in order); "passed" rungs (a trial that outran the
 * coordinator's look) are not checked. Returns the trials pruned. */
static size_t check_asha(size_t n)
{
	char *csv = read_in(".", "results.csv"), id[64], st[64], ep[64];
	size_t epochs = 0, pruned = 0;
	double before[8][3];
	int decided[8][3] = { { 0 } };

	cr_assert_eq(th_csv_rows(csv), n);
	for (size_t r = 0; r < n; r++) {
		char sub[128], *rungs;

		th_csv(csv, r, "trial", id, sizeof(id));
		th_csv(csv, r, "status", st, sizeof(st));
		th_csv(csv, r, "epochs", ep, sizeof(ep));
		epochs += (size_t)atol(ep);
		snprintf(sub, sizeof(sub), "trials/%s", id);
		rungs = read_in(sub, "rungs");
		cr_assert_not_null(rungs, "trial %s has no rungs file", id);
		const char *p = rungs;
		size_t k, e;
		double v;
		char word[16];
		int len, last_stop = 0;
		while (sscanf(p, "rung %zu epochs %zu value %lf %15s\n%n", &k, &e, &v, word, &len) == 4) {
			cr_assert(k < 3 && e == ((size_t)1 << k), "%s", rungs);
			before[r][k] = v;
			decided[r][k] = !strcmp(word, "continue") ? 1 : !strcmp(word, "passed") ? 3 : 2;
			last_stop = decided[r][k] == 2;
			p += len;
		}
		if (!strcmp(st, "pruned")) {
			pruned++;
			cr_assert(last_stop, "pruned trial %s: %s", id, rungs);
		} else {
			cr_assert_str_eq(st, "done", "trial %s", id);
			cr_assert(!last_stop, "done trial %s: %s", id, rungs);
		}
		free(rungs);
	}
	cr_assert_lt(epochs, n * 8);
	for (size_t r = 0; r < n; r++)
		for (size_t k = 0; k < 3; k++) {
			size_t m = 0, better = 0;

			if (!decided[r][k] || decided[r][k] == 3)
				continue;
			for (size_t j = 0; j < r; j++)
				if (decided[j][k]) {
					m++;
					better += before[j][k] > before[r][k];
				}
			size_t keep = (m + 1) / 2 ? (m + 1) / 2 : 1;
			cr_assert_eq(decided[r][k], better < keep ? 1 : 2,
				     "trial %zu at rung %zu (%.4f, decided %d; the first two before: %.4f %d, %.4f %d)", r, k,
				     before[r][k], decided[r][k], before[0][k], decided[0][k], before[1][k], decided[1][k]);
		}
	free(csv);
	return pruned;
}

/* prune: {asha: ...} with -j 1: trials stop at rungs by the rule, and a
 * finished sweep run again decides nothing anew. */
Test(exp_sweep, asha_stops_trials_at_their_rungs)
{
	char *out, *err;
	const char *j1[] = { "-j", "1", NULL };

	write_asha_cfg("    trials: 6\n    seed: 4\n", "");
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	free(out);
	free(err);
	cr_assert_gt(check_asha(6), 0);
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	cr_assert_null(strstr(out, "started"), "%s", out);
	free(out);
	free(err);
}

/* ASHA with repeats (each seed a trial), killed with kill -9 once rungs
 * are decided and resumed: the decisions made before stay, and the
 * finished sweep still follows the rule throughout. */
Test(exp_sweep, asha_with_repeats_survives_kill_9)
{
	char *out, *err, path[8800];
	const char *j1[] = { "-j", "1", NULL };
	int status, killed = 0;
	long trial = 0;

	write_asha_cfg("    trials: 3\n    seed: 4\n", "  repeats: 2\n");
	pid_t sw = start_sweep("1");
	for (int i = 0; i < 400 && !killed; i++) {
		sleep_s(0.05);
		snprintf(path, sizeof(path), "find '%s/trials' -name rungs 2>/dev/null | wc -l > '%s/nr'", outdir, dir);
		if (system(path) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/nr", dir);
		char *nr = th_read(path, NULL);
		if (nr && atoi(nr) >= 2 && (trial = running_pid()) > 0) {
			kill(sw, SIGKILL);
			killed = 1;
		}
		free(nr);
	}
	cr_assert(killed, "no rung was decided");
	waitpid(sw, &status, 0);
	th_nnlab_end(sw, 0);
	/* Resumed while the trial is still stopping (its sweep's death told it
	 * to; it took longer than this in the runs that found the bug): the
	 * sweep must wait for it, not start the next trial beside it. */
	(void)trial;
	sleep_s(0.3);
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	free(out);
	free(err);
	check_asha(6);
}

/* ASHA under MPI with one worker rank: the same trials as with -j 1, each
 * rung decided by the rule over the trials before it (the coordinator on
 * rank 0 reads the rungs from the trials' files and stops a trial through
 * the file its rank watches, so a trial may stop an epoch or two later
 * than with -j 1: the epochs are not compared). */
Test(exp_sweep, mpi_asha_sweep_follows_the_rule)
{
	char *out, *err, *local, *mpi;
	const char *j1[] = { "-j", "1", NULL };

	need_mpi();
	write_asha_cfg("    trials: 6\n    seed: 4\n", "");
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	free(out);
	free(err);
	local = read_in(".", "results.csv");
	mpi = mpi_results(2);
	for (size_t r = 0; r < 6; r++) {
		char a[256], b[256];

		cr_assert_not_null(th_csv(local, r, "trial", a, sizeof(a)));
		cr_assert_not_null(th_csv(mpi, r, "trial", b, sizeof(b)));
		cr_assert_str_eq(a, b, "row %zu", r);
	}
	snprintf(outdir, sizeof(outdir), "%s/mpi", dir);
	cr_assert_gt(check_asha(6), 0);
	free(local);
	free(mpi);
}

/* With charts on, the trials leave their charts for later and the sweep
 * draws those of its best sweep.trial_charts trials when it ends (the
 * same files a trial draws itself); the other trials' pages say how to
 * get theirs, and nnlab report TRIAL_DIR draws them. trial_charts: all
 * has each trial draw its own. */
Test(exp_sweep, charts_of_the_best_trials_and_the_rest_on_request)
{
	char *out, *err, text[8192], id[64], sub[128], path[8800];
	const char *j1[] = { "-j", "1", NULL };
	struct stat st;

	snprintf(text, sizeof(text), base, "300", "2",
		 "  grid:\n    train.eta: [0.001, 0.1, 0.5]\n  trial_charts: 1\n");
	memcpy(strstr(text, "charts: false"), "charts: true ", 13);
	th_write_str(cfgpath, text);
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	free(out);
	free(err);
	char *csv = read_in(".", "results.csv");
	char best_id[64] = "";
	double best = -1;
	for (size_t r = 0; r < 3; r++) {
		char v[64];

		th_csv(csv, r, "trial", id, sizeof(id));
		th_csv(csv, r, "best_eval_accuracy", v, sizeof(v));
		if (atof(v) > best) {
			best = atof(v);
			snprintf(best_id, sizeof(best_id), "%s", id);
		}
	}
	for (size_t r = 0; r < 3; r++) {
		th_csv(csv, r, "trial", id, sizeof(id));
		snprintf(path, sizeof(path), "%s/trials/%s/accuracy.gp", outdir, id);
		int drawn = stat(path, &st) == 0;
		snprintf(sub, sizeof(sub), "trials/%s", id);
		char *page = read_in(sub, "report.html");
		cr_assert_not_null(page);
		cr_assert_eq(drawn, !strcmp(id, best_id), "trial %s (best %s)", id, best_id);
		cr_assert_eq(strstr(page, "left for later") != NULL, !drawn, "trial %s", id);
		free(page);
		if (drawn)
			continue;
		/* Drawn on request, the page rewritten without the note. */
		snprintf(path, sizeof(path), "%s/trials/%s", outdir, id);
		const char *report[] = { "report", path, NULL };
		cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
		cr_assert(strstr(out, "drawing the charts of"), "%s", out);
		free(out);
		free(err);
		snprintf(path, sizeof(path), "%s/trials/%s/accuracy.gp", outdir, id);
		cr_assert_eq(stat(path, &st), 0);
		page = read_in(sub, "report.html");
		cr_assert_null(strstr(page, "left for later"));
		free(page);
	}
	free(csv);
	/* trial_charts: all: each trial draws its own as it ends. */
	snprintf(text, sizeof(text), base, "300", "2", "  grid:\n    train.eta: [0.001, 0.1]\n  trial_charts: all\n");
	memcpy(strstr(text, "charts: false"), "charts: true ", 13);
	th_write_str(cfgpath, text);
	snprintf(outdir + strlen(outdir), sizeof(outdir) - strlen(outdir), "-all");
	cr_assert_eq(sweep(&out, &err, j1), 0, "%s", err);
	cr_assert_null(strstr(out, "drawing the charts of"), "%s", out);
	free(out);
	free(err);
	csv = read_in(".", "results.csv");
	for (size_t r = 0; r < 2; r++) {
		th_csv(csv, r, "trial", id, sizeof(id));
		snprintf(path, sizeof(path), "%s/trials/%s/accuracy.gp", outdir, id);
		cr_assert_eq(stat(path, &st), 0, "trial %s", id);
	}
	free(csv);
}

/* The page of a running sweep reloads itself in the browser and shows
 * the sweep further along; it lists the trials running now; the page of
 * a sweep that no longer runs stays still. */
Test(exp_sweep, a_running_sweeps_page_reloads_itself)
{
	char path[4800], cmd[20000], json[4400];
	int status;

	if (access("/usr/bin/chromium", X_OK) != 0 ||
	    access(NNLAB_SOURCE_DIR "/tests/browser/node_modules/playwright-core", R_OK) != 0)
		cr_skip_test("needs Debian's chromium and tests/browser's playwright-core (make browser)");
	write_slow_cfg("  grid:\n    train.eta: [0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15]\n");
	/* charts: true, for the page. */
	char *text = th_read(cfgpath, NULL);
	memcpy(strstr(text, "charts: false"), "charts: true ", 13);
	th_write_str(cfgpath, text);
	free(text);
	setenv("NNLAB_PAGE_REFRESH", "2", 1);
	pid_t sw = start_sweep("1");
	snprintf(path, sizeof(path), "%s/report.html", outdir);
	char *html = NULL;
	for (int i = 0; i < 600 && !html; i++) {
		sleep_s(0.1);
		html = th_read(path, NULL);
		if (html && !strstr(html, "http-equiv=\"refresh\" content=\"2\"")) {
			free(html);
			html = NULL;
		}
	}
	cr_assert_not_null(html, "no live page");
	cr_assert(strstr(html, "<h2>Running now</h2>"), "%s", html);
	cr_assert(strstr(html, "Still going"), "%s", html);
	free(html);
	snprintf(json, sizeof(json), "%s/reload.json", dir);
	snprintf(cmd, sizeof(cmd), "RELOAD_WAIT=60 node '%s/tests/browser/check-report.mjs' '%s' '' > '%s' 2> '%s/browser.log'",
		 NNLAB_SOURCE_DIR, path, json, dir);
	cr_assert_eq(system(cmd), 0, "the browser check failed: see %s/browser.log", dir);
	char *result = th_read(json, NULL);
	cr_assert(strstr(result, "\"reloaded\":true"), "%s", result);
	char before[256] = "", after[256] = "";
	const char *b = strstr(result, "\"countsBefore\":\""), *a = strstr(result, "\"countsAfter\":\"");
	cr_assert(a && b, "%s", result);
	sscanf(b + 16, "%255[^\"]", before);
	sscanf(a + 15, "%255[^\"]", after);
	free(result);
	/* Stopped (not waited for: under the sanitizers the trials are slow),
	 * the sweep's page made anew stays still. */
	kill(sw, SIGINT);
	waitpid(sw, &status, 0);
	th_nnlab_end(sw, 0);
	unsetenv("NNLAB_PAGE_REFRESH");
	/* The sweep moved on between the two loads (a trial ended). */
	cr_assert(strcmp(before, after), "before: %s; after: %s", before, after);
	const char *report[] = { "report", outdir, NULL };
	char *out, *err;
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);
	html = th_read(path, NULL);
	cr_assert_null(strstr(html, "http-equiv"), "the stopped sweep's page still reloads");
	cr_assert_null(strstr(html, "Running now"));
	free(html);
}

/* In a browser, every trial page of a -j 2 sweep whose trials draw their
 * charts (trial_charts: all) shows every chart its directory holds, each
 * image loaded. */
Test(exp_sweep, every_trial_page_shows_every_chart_in_a_browser)
{
	char *out, *err, id[64], cmd[20000], json[4400];

	if (access("/usr/bin/chromium", X_OK) != 0 ||
	    access(NNLAB_SOURCE_DIR "/tests/browser/node_modules/playwright-core", R_OK) != 0)
		cr_skip_test("needs Debian's chromium and tests/browser's playwright-core (make browser)");
	th_write_str(cfgpath,
		     "name: t\ncharts: true\n"
		     "data:\n  plugin: synthetic\n  options:\n    kind: digits\n    train_size: 400\n    test_size: 100\n"
		     "model:\n  layers: [784, 12, 10]\n  output: softmax\n  init: scaled\n"
		     "train:\n  epochs: 2\n  eta: 0.1\n  cost: log_likelihood\n"
		     "sweep:\n  grid:\n    train.eta: [0.05, 0.1, 0.2, 0.4]\n  trial_charts: all\n");
	const char *j2[] = { "-j", "2", NULL };
	cr_assert_eq(sweep(&out, &err, j2), 0, "%s", err);
	free(out);
	free(err);
	char *csv = read_in(".", "results.csv");
	cr_assert_eq(th_csv_rows(csv), 4);
	for (size_t r = 0; r < 4; r++) {
		th_csv(csv, r, "trial", id, sizeof(id));
		/* The PNGs in the trial's directory. */
		snprintf(cmd, sizeof(cmd), "ls '%s/trials/%s'/*.png | wc -l > '%s/npng'", outdir, id, dir);
		cr_assert_eq(system(cmd), 0);
		snprintf(json, sizeof(json), "%s/npng", dir);
		char *npng = th_read(json, NULL);
		int pngs = atoi(npng);
		free(npng);
		cr_assert_geq(pngs, 5, "trial %s drew %d charts", id, pngs);
		snprintf(json, sizeof(json), "%s/page.json", dir);
		snprintf(cmd, sizeof(cmd), "node '%s/tests/browser/check-report.mjs' '%s/trials/%s/report.html' '' > '%s' 2> '%s/browser.log'",
			 NNLAB_SOURCE_DIR, outdir, id, json, dir);
		cr_assert_eq(system(cmd), 0, "the browser check failed: see %s/browser.log", dir);
		char *result = th_read(json, NULL);
		int images = 0;
		for (const char *p = result; (p = strstr(p, "\"naturalWidth\":")); p++)
			images += atoi(p + 15) > 0;
		cr_assert_null(strstr(result, "\"naturalWidth\":0"), "%s", result);
		cr_assert_eq(images, pngs, "trial %s: %d charts in its directory, %d on its page: %s", id, pngs, images,
			     result);
		free(result);
	}
	free(csv);
}

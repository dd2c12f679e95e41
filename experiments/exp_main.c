/* nnlab: the command-line program. Only this file prints errors and exits:
 * 0 on success, 1 on a runtime failure, 2 on a usage or config error. */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exp_charts.h"
#include "exp_config.h"
#include "exp_help.h"
#include "exp_overlay.h"
#include "exp_plot.h"
#include "exp_report.h"
#include "exp_table.h"
#include "exp_results.h"
#include "exp_plugin.h"
#include "exp_run.h"
#include "exp_eval.h"
#include "exp_sched.h"
#include "exp_sweep.h"
#include "exp_sweep_check.h"
#ifdef NNLAB_MPI
#include "exp_sweep_mpi.h"
#endif
#include "exp_sweep_page.h"

#define MAX_OVERRIDES 256

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int fail(int status, const char *msg)
{
	fprintf(stderr, "nnlab: error: %s\n", msg);
	return status;
}

static int usage_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nnlab: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see 'nnlab --help')\n", stderr);
	return 2;
}

/* What the arguments after the command say. */
#define MAX_POSITIONAL 1024

struct args {
	const char *positional[MAX_POSITIONAL];
	int npositional;
	int uncounted;  /* positionals past MAX_POSITIONAL (eval counts them) */
	const char *overrides[MAX_OVERRIDES];
	size_t noverrides;
	const char *out;
	const char *plugin;
	const char *heartbeat;
	const char *result;
	int quiet;
	int plot_terminal;
	int resume;
	int force;
	int retry_failed;
	int jobs;
	int mpi;
	int charts_later;
	long top;      /* eval: the best N trials of a sweep directory; 0: all */
};

/* Whether an argument is KEY=VALUE as --set takes it (train.eta=0.5),
 * not a file: a key of letters, digits, '_' and '.' before the '='. */
static int looks_like_set(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.");

	return n > 0 && s[n] == '=';
}

/* Parses [--set KEY=VALUE]... [--out DIR] [--quiet] and up to want
 * positional arguments. Returns 0, or 2 after printing a usage error. */
/* The flag an option without a value sets, or NULL. */
static int *flag_of(const char *s, struct args *a)
{
	if (!strcmp(s, "--quiet") || !strcmp(s, "-q"))
		return &a->quiet;
	if (!strcmp(s, "--plot-terminal"))
		return &a->plot_terminal;
	if (!strcmp(s, "--force"))
		return &a->force;
	if (!strcmp(s, "--retry-failed"))
		return &a->retry_failed;
	if (!strcmp(s, "--resume"))
		return &a->resume;
	if (!strcmp(s, "--mpi"))
		return &a->mpi;
	if (!strcmp(s, "--charts-later"))
		return &a->charts_later;
	return NULL;
}

/* The value of option name at argv[*i], given as "NAME VALUE" (*i moved
 * past it) or "NAME=VALUE"; NULL when argv[*i] is not that option, or
 * *missing set when its value is. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t len = strlen(name);
	const char *s = argv[*i];

	if (strncmp(s, name, len) != 0)
		return NULL;
	if (s[len] == '=')
		return s + len + 1;
	if (s[len])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* An option that takes a value: returns 1 when argv[*i] is one (its value
 * in a), 0 when not, or a usage error's status (2) as its negative. */
static int value_option(int argc, char **argv, int *i, int allow_out, struct args *a)
{
	const char *s = argv[*i], *v;
	int missing = 0;
	char *end;

	if ((v = option_value(argc, argv, i, "--set", &missing))) {
		if (a->noverrides == MAX_OVERRIDES)
			return -usage_error("too many --set options (at most %d)", MAX_OVERRIDES);
		a->overrides[a->noverrides++] = v;
	} else if (allow_out && (v = option_value(argc, argv, i, "--out", &missing))) {
		if (!*v)
			return -usage_error("%s", "--out needs a directory");
		a->out = v;
	} else if ((v = option_value(argc, argv, i, "--plugin", &missing))) {
		if (!*v)
			return -usage_error("%s", "--plugin needs a file");
		a->plugin = v;
	} else if (!strcmp(s, "--result") || !strcmp(s, "--heartbeat")) {
		if (*i + 1 >= argc)
			return -usage_error("%s needs a file", s);
		*(s[2] == 'r' ? &a->result : &a->heartbeat) = argv[++*i];
	} else if ((v = option_value(argc, argv, i, "--top", &missing))) {
		a->top = strtol(v, &end, 10);
		if (*end || !*v || a->top < 1 || a->top > 64)
			return -usage_error("--top needs a number from 1 to 64, got '%s'", v);
	} else if (!strncmp(s, "-j", 2) && s[1] == 'j') {
		v = s[2] ? s + 2 : (*i + 1 < argc ? argv[++*i] : "");
		long j = strtol(v, &end, 10);

		if (!*v || *end || j < 1 || j > 1024)
			return -usage_error("-j needs a number of jobs from 1 to 1024, got '%s'", v);
		a->jobs = (int)j;
	} else if (missing) {
		return -usage_error("%s needs %s", s,
				    !strcmp(s, "--plugin") ? "a file" : !strcmp(s, "--top") ? "a number" : "a value");
	} else {
		return 0;
	}
	return 1;
}

static int parse_args(int argc, char **argv, int want, int allow_out, struct args *a)
{
	char place[128];
	const char *key;
	int *flag, rc;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];

		if ((rc = value_option(argc, argv, &i, allow_out, a)) != 0) {
			if (rc < 0)
				return -rc;
		} else if ((flag = flag_of(s, a))) {
			*flag = 1;
		} else if (s[0] == '-' && s[1] == '-' && i + 1 < argc &&
			   (key = exp_config_key_place(s + 2, place, sizeof(place)))) {
			/* --epochs 3: another tool's way to set a value. */
			return usage_error("unknown option '%s' (did you mean --set %s=%s?)", s, key, argv[i + 1]);
		} else if (s[0] == '-' && s[1]) {
			return usage_error("unknown option '%s'", s);
		} else if (looks_like_set(s)) {
			/* train.eta=0.5 as an argument: a --set without its flag. */
			return usage_error("unexpected argument '%s' (did you mean --set %s?)", s, s);
		} else if (a->npositional == want && want == MAX_POSITIONAL) {
			a->uncounted++;
		} else if (a->npositional == want) {
			return usage_error("unexpected argument '%s'", s);
		} else {
			a->positional[a->npositional++] = s;
		}
	}
	return 0;
}

static int load_config(struct exp_config *cfg, const char *path, const struct args *a)
{
	struct nn_err err = { 0, "" };

	if (exp_config_load(cfg, path, a->overrides, a->noverrides, &err) < 0) {
		exp_config_fini(cfg);
		return fail(2, err.msg);
	}
	cfg->data.plugin_file = a->plugin;
	if (a->plugin && !a->quiet)
		fprintf(stderr, "nnlab: using the plugin file '%s' given with --plugin, not a plugin found by name\n",
			a->plugin);
	return 0;
}

/* Whether a config has a sweep section (not unset with sweep: null). */
static int has_sweep(const struct exp_config *cfg)
{
	return exp_config_has(cfg, "sweep", NULL);
}

static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int cmd_run(int argc, char **argv)
{
	struct args a;
	struct exp_config cfg;
	struct exp_run_opts opts;
	struct exp_run_result res;
	struct nn_err err = { 0, "" };
	int rc;

	memset(&res, 0, sizeof(res));
	if ((rc = parse_args(argc, argv, 1, 1, &a)) != 0)
		return rc;
	if (a.npositional != 1)
		return usage_error("%s", "run needs a CONFIG file");
	rc = exp_config_load(&cfg, a.positional[0], a.overrides, a.noverrides, &err);
	if (rc < 0)
		rc = NN_EINVAL;  /* a config that does not load is a config error, exit 2 */
	cfg.data.plugin_file = a.plugin;
	if (rc == 0 && has_sweep(&cfg)) {
		char where[NN_ERR_MAX];

		rc = nn_errorf(&err, NN_EINVAL, "%s: this config has a 'sweep' section: run its trials with 'nnlab sweep %s', or its base config once with --set sweep=null",
			       exp_config_key_where(&cfg, "sweep", where, sizeof(where)),
			       a.positional[0]);
	}
	if (rc == 0 && a.plugin && !a.quiet)
		fprintf(stderr, "nnlab: using the plugin file '%s' given with --plugin, not a plugin found by name\n",
			a.plugin);
	if (rc < 0)
		goto done;
	opts.out_dir = a.out;
	opts.log = a.quiet ? NULL : stdout;
	opts.progress = !a.quiet && isatty(STDERR_FILENO);
	opts.stop = &stop_requested;
	opts.plot_terminal = a.plot_terminal;
	opts.resume = a.resume;
	opts.heartbeat = a.heartbeat;
	opts.charts_later = a.charts_later;
	opts.page = exp_report_run;
	/* Once the run directory is written, a stop ends the current
	 * mini-batch: every finished epoch's files stay whole and no
	 * temporary file is left. Before that, a stop ends nnlab at once. */
	opts.before_writing = catch_stop_signals;
	rc = exp_run(&cfg, &opts, &res, &err);
done:
	exp_config_fini(&cfg);
	/* The outcome for whoever ran us (a sweep), as a file with a format. */
	if (a.result) {
		struct nn_err rerr;

		if (exp_run_result_write(a.result, rc, rc < 0 ? err.msg : "", res.seconds, &rerr) < 0)
			fprintf(stderr, "nnlab: warning: %s\n", rerr.msg);
	}
	if (rc < 0)
		return fail(rc == NN_EINVAL ? 2 : 1, err.msg);
	return 0;
}

/* The sweep's report, wired into the scheduler: its page. */
static int sweep_page(const char *dir, FILE *log, struct nn_err *err)
{
	int rc = exp_sweep_page(dir, NULL, err);

	if (rc < 0) {
		char msg[NN_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		return nn_errorf(err, rc, "no sweep page: %s", msg);
	}
	if (log)
		fprintf(log, "results in %s/results.csv and summary.md; the sweep's page in %s/report.html\n",
			dir, dir);
	return 0;
}

static int cmd_sweep(int argc, char **argv)
{
	struct args a;
	struct exp_config cfg;
	struct exp_sweep sw;
	struct exp_sweep_opts opts = { 0 };
	struct nn_err err = { 0, "" };
	char dir[4096];
	int rc;

	if ((rc = parse_args(argc, argv, 1, 1, &a)) != 0)
		return rc;
	if (a.npositional != 1)
		return usage_error("%s", "sweep needs a CONFIG file");
	/* A trial runs with these, its parameters and its seed as --set. */
	if (a.noverrides > MAX_OVERRIDES - EXP_SWEEP_MAX_PARAMS - 2)
		return usage_error("too many --set options for a sweep (at most %d)",
				   MAX_OVERRIDES - EXP_SWEEP_MAX_PARAMS - 2);
	if ((rc = load_config(&cfg, a.positional[0], &a)) != 0)
		return rc;
	if (exp_sweep_load(&sw, &cfg, &err) < 0) {
		exp_sweep_fini(&sw);
		exp_config_fini(&cfg);
		return fail(2, err.msg);
	}
	snprintf(dir, sizeof(dir), "%s", a.out ? a.out : "");
	if (!a.out)
		snprintf(dir, sizeof(dir), "sweeps/%s", cfg.name);
	opts.dir = dir;
	opts.jobs = a.jobs ? a.jobs : 1;
	opts.force = a.force;
	opts.retry_failed = a.retry_failed;
	opts.report = cfg.charts ? sweep_page : NULL;
	/* What a trial's run would refuse is refused before any runs. */
	opts.check = exp_sweep_check_models;
	opts.log = a.quiet ? NULL : stdout;
	opts.stop = &stop_requested;
	catch_stop_signals();
	if (a.mpi) {
#ifdef NNLAB_MPI
		rc = exp_sweep_mpi_run(&sw, &opts, &err);
#else
		rc = nn_errorf(&err, NN_EINVAL, "this nnlab was built without MPI: install openmpi-bin and libopenmpi-dev (sh scripts/setup.sh openmpi-bin libopenmpi-dev) and build with make MPI=1");
#endif
	} else {
		rc = exp_sched_run(&sw, &opts, &err);
	}
	exp_sweep_fini(&sw);
	exp_config_fini(&cfg);
	if (rc < 0)
		return fail(rc == NN_EINVAL ? 2 : 1, err.msg);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct args a;
	struct exp_config cfg;
	struct nn_err err = { 0, "" };
	int rc;

	if ((rc = parse_args(argc, argv, 1, 0, &a)) != 0)
		return rc;
	if (a.npositional != 1)
		return usage_error("%s", "check needs a CONFIG file");
	if ((rc = load_config(&cfg, a.positional[0], &a)) != 0)
		return rc;
	rc = exp_eval_check(&cfg, a.quiet ? NULL : stdout, &err);
	/* A sweep config: its trials too, each checked as the sweep would. */
	if (rc == 0 && has_sweep(&cfg)) {
		struct exp_sweep sw;

		rc = exp_sweep_load(&sw, &cfg, &err);
		if (rc == 0)
			rc = exp_sweep_check_models(&sw, &err);
		if (rc == 0 && !a.quiet) {
			printf("  sweep: %zu trial%s, objective %s (%s); each trial's config loads and its model fits\n", sw.ntrials,
			       sw.ntrials == 1 ? "" : "s", sw.metric, sw.maximize ? "max" : "min");
			for (size_t i = 0; i < sw.ntrials && i < 50; i++) {
				printf("    trial %s:", sw.trials[i].id);
				for (size_t k = 0; k < sw.trials[i].nparams; k++)
					printf(" %s=%s", sw.trials[i].keys[k], sw.trials[i].values[k]);
				printf(" seed=%llu\n", sw.trials[i].seed);
			}
			if (sw.ntrials > 50)
				printf("    ... and %zu more\n", sw.ntrials - 50);
		}
		exp_sweep_fini(&sw);
	}
	exp_config_fini(&cfg);
	if (rc < 0)
		return fail(rc == NN_EINVAL ? 2 : 1, err.msg);
	return 0;
}

/* Adds the run directories under dir (those holding a metrics.csv), in
 * name order, as nnlab report takes a directory of runs. */
static int add_runs_under(const char *dir, char **runs, size_t *n, size_t max)
{
	struct dirent **names;
	int count = scandir(dir, &names, NULL, alphasort), added = 0;

	for (int i = 0; i < count; i++) {
		char path[4400], metrics[4500];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		snprintf(metrics, sizeof(metrics), "%s/metrics.csv", path);
		if (names[i]->d_name[0] != '.' && access(metrics, R_OK) == 0 && *n < max &&
		    (runs[*n] = strdup(path))) {
			++*n;
			added++;
		}
		free(names[i]);
	}
	free(names);
	return added;
}

/* One of plot's options with a value: 0, or 2 after a usage error. */
static int plot_option(const char *flag, const char *v, struct exp_overlay_options *opt,
		       const char **out, char *metrics_arg, size_t len)
{
	char *end;
	long e = strtol(v, &end, 10);

	if (!strcmp(flag, "-o")) {
		*out = v;
	} else if (!strcmp(flag, "--metric")) {
		snprintf(metrics_arg, len, "%s", v);
	} else if (!strcmp(flag, "--x")) {
		opt->x_key = v;
	} else if (!strcmp(flag, "--title")) {
		opt->title = v;
	} else if (!strcmp(flag, "--yrange")) {
		char *colon;

		opt->ylo = strtod(v, &colon);
		if (*colon != ':' || (opt->yhi = strtod(colon + 1, &end), *end) || !(opt->ylo < opt->yhi))
			return usage_error("--yrange needs LO:HI with LO < HI, got '%s'", v);
	} else if (!*v || *end || e < 0) {
		return usage_error("%s needs a whole number of epochs, got '%s'", flag, v);
	} else if (!strcmp(flag, "--from")) {
		opt->from = e;
	} else {
		opt->to = e;
	}
	return 0;
}

/* A run directory, or a directory of runs, added to runs[*n ..]: 0, or 2
 * after an error. */
static int plot_runs_add(const char *arg, char **runs, size_t *n)
{
	char metrics[4400], msg[4500], trials[4400];

	snprintf(metrics, sizeof(metrics), "%s/metrics.csv", arg);
	if (access(metrics, R_OK) == 0 && *n < 256) {
		runs[(*n)++] = strdup(arg);
		return 0;
	}
	/* A sweep directory: its trials. */
	snprintf(metrics, sizeof(metrics), "%s/definition.txt", arg);
	snprintf(trials, sizeof(trials), "%s/trials", arg);
	if (access(metrics, R_OK) == 0 && add_runs_under(trials, runs, n, 256))
		return 0;
	if (add_runs_under(arg, runs, n, 256))
		return 0;
	snprintf(msg, sizeof(msg), "'%s' is neither a run directory (no metrics.csv), a directory of runs nor a sweep directory", arg);
	return fail(2, msg);
}

/* --metric a,b,family*: the columns to draw. */
static int plot_metrics(char *metrics_arg, struct exp_overlay_options *opt)
{
	for (char *m = strtok(metrics_arg, ","); m; m = strtok(NULL, ",")) {
		size_t len = strlen(m);

		if (!len || strspn(m, "abcdefghijklmnopqrstuvwxyz_0123456789") != len - (m[len - 1] == '*') ||
		    opt->nmetrics == 16)
			return usage_error("'%s' is not a metrics.csv column (or a family such as grad_norm_hidden*)", m);
		opt->metrics[opt->nmetrics++] = m;
	}
	if (opt->to >= 0 && opt->from > opt->to)
		return usage_error("--from %ld is after --to %ld", opt->from, opt->to);
	return 0;
}

static int cmd_plot(int argc, char **argv)
{
	static const char *const valued[] = { "-o", "--metric", "--from", "--to", "--x", "--title",
					      "--yrange", NULL };
	char *runs[256], metrics_arg[1024] = "eval_accuracy", base[4096];
	const char *out = "overlay";
	size_t n = 0, len;
	struct nn_err err = { 0, "" };
	struct exp_overlay_options opt = { .from = -1, .to = -1 };
	int rc = 0;

	for (int i = 0; i < argc && rc == 0; i++) {
		const char *const *k = valued;

		while (*k && strcmp(argv[i], *k))
			k++;
		if (*k && i + 1 >= argc)
			rc = usage_error("%s needs a value", argv[i]);
		else if (*k && (rc = plot_option(argv[i], argv[i + 1], &opt, &out, metrics_arg,
						 sizeof(metrics_arg))) == 0)
			i++;
		else if (*k)
			break;
		else if (!strcmp(argv[i], "--log") || !strcmp(argv[i], "--logy"))
			opt.logy = 1;
		else if (!strcmp(argv[i], "--logx"))
			opt.logx = 1;
		else if (!strcmp(argv[i], "--final"))
			opt.final = 1;
		else if (!strcmp(argv[i], "--panels"))
			opt.panels = 1;
		else if (argv[i][0] == '-')
			rc = usage_error("unknown option '%s'", argv[i]);
		else
			rc = plot_runs_add(argv[i], runs, &n);
	}
	if (rc == 0 && !n)
		rc = usage_error("%s", "plot needs at least one RUN_DIR (or a directory of runs)");
	if (rc == 0)
		rc = plot_metrics(metrics_arg, &opt);
	if (rc != 0)
		goto done;
	/* -o overlay.png, overlay.svg or overlay: the chart's files share the base. */
	snprintf(base, sizeof(base), "%s", out);
	len = strlen(base);
	if (len > 4 && (!strcmp(base + len - 4, ".png") || !strcmp(base + len - 4, ".svg") ||
			!strcmp(base + len - 4, ".pdf")))
		base[len - 4] = '\0';
	if (exp_overlay_write((const char *const *)runs, n, &opt, base, stderr, &err) < 0) {
		rc = fail(err.code == NN_EINVAL ? 2 : 1, err.msg);
		goto done;
	}
	/* Only what exists: without gnuplot there is the script alone. */
	if (exp_gnuplot_have())
		printf("wrote %s.gp, %s.png and %s.svg (%zu run%s)\n", base, base, base, n, n == 1 ? "" : "s");
	else
		printf("wrote %s.gp only (%zu run%s): gnuplot is not installed\n", base, n, n == 1 ? "" : "s");
done:
	for (size_t i = 0; i < n; i++)
		free(runs[i]);
	return rc;
}

/* nnlab report --table DIR [--reference ROW=VALUE]... */
static int cmd_table(int argc, char **argv)
{
	struct exp_table_ref refs[64];
	struct nn_err err = { 0, "" };
	const char *dir = NULL;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--reference")) {
			char *eq, *end;

			if (i + 1 == argc)
				return usage_error("%s", "--reference needs ROW=VALUE");
			eq = strchr(argv[++i], '=');
			if (!eq || eq == argv[i] || n == 64)
				return usage_error("--reference '%s': expected ROW=VALUE (at most 64)", argv[i]);
			*eq = '\0';
			refs[n].row = argv[i];
			refs[n].value = strtod(eq + 1, &end);
			if (end == eq + 1 || *end || !isfinite(refs[n].value))
				return usage_error("--reference '%s=%s': the value is not a number", argv[i], eq + 1);
			n++;
		} else if (!dir && argv[i][0] != '-') {
			dir = argv[i];
		} else {
			return usage_error("report --table: unexpected argument '%s'", argv[i]);
		}
	}
	if (!dir)
		return usage_error("%s", "report --table needs DIR (a directory of rows of runs)");
	if (exp_table_write(dir, refs, n, stdout, &err) < 0)
		return fail(1, err.msg);
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	struct nn_err err = { 0, "" };

	if (argc >= 1 && !strcmp(argv[0], "--table"))
		return cmd_table(argc - 1, argv + 1);
	const char *dir = NULL, *plugin = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--plugin") && i + 1 < argc)
			plugin = argv[++i];
		else if (argv[i][0] == '-' || dir)
			return usage_error("%s", "report needs one DIR (a run, a directory of runs, or a sweep) and may take --plugin FILE");
		else
			dir = argv[i];
	}
	if (!dir)
		return usage_error("%s", "report needs one DIR (a run, a directory of runs, or a sweep)");
	char def[4400];
	snprintf(def, sizeof(def), "%s/definition.txt", dir);
	if (access(def, R_OK) == 0) {
		if (exp_sweep_page(dir, stdout, &err) < 0)
			return fail(err.code == NN_EINVAL ? 2 : 1, err.msg);
		return 0;
	}
	/* A sweep's trial whose charts were left for later: drawn now. */
	if (exp_charts_pending(dir)) {
		printf("drawing the charts of %s\n", dir);
		fflush(stdout);
		if (exp_charts_draw_pending(dir, plugin, stderr, &err) < 0)
			fprintf(stderr, "nnlab: warning: no charts: %s\n", err.msg);
	}
	if (exp_report(dir, stdout, &err) < 0)
		return fail(err.code == NN_EINVAL ? 2 : 1, err.msg);
	return 0;
}

static int cmd_plugins(int argc, char **argv)
{
	(void)argv;
	if (argc > 0)
		return usage_error("%s", "plugins takes no arguments");
	return exp_plugin_list(stdout, stderr) ? 1 : 0;
}

static int cmd_eval(int argc, char **argv)
{
	struct args a;
	struct exp_config cfg;
	struct nn_err err = { 0, "" };
	char *models[64];
	size_t nmodels = 0;
	int rc;

	/* More files than eval takes are counted, then refused by number. */
	if ((rc = parse_args(argc, argv, MAX_POSITIONAL, 1, &a)) != 0)
		return rc;
	if (a.npositional < 2)
		return usage_error("%s", "eval needs a MODEL.json (or several, or a sweep directory) and a CONFIG file");
	/* A sweep directory stands for its trials' best models. */
	for (int i = 0; i + 1 < a.npositional; i++) {
		char def[4400];
		struct stat st;

		snprintf(def, sizeof(def), "%s/definition.txt", a.positional[i]);
		if (stat(a.positional[i], &st) == 0 && S_ISDIR(st.st_mode) && access(def, R_OK) == 0) {
			rc = exp_results_models(a.positional[i], (size_t)a.top, models, &nmodels, 64, &err);
		} else if (nmodels == 64) {
			rc = nn_errorf(&err, NN_EINVAL, "eval takes at most 64 models, got %d files before the config",
				       a.npositional + a.uncounted - 1);
		} else {
			models[nmodels] = strdup(a.positional[i]);
			rc = models[nmodels++] ? 0 : nn_errorf(&err, NN_ENOMEM, "out of memory");
		}
		if (rc < 0)
			goto done;
	}
	/* MODEL is the config's model.from, and its file holds the layers:
	 * the config's model.layers (a training architecture) are dropped
	 * unless a --set names them. */
	struct exp_node path = { .kind = EXP_SCALAR, .value = models[0] };
	char *text = exp_node_text(&path), *from = NULL;
	size_t len = text ? strlen(text) + sizeof("model.from=") : 0;

	if (a.noverrides + 2 > MAX_OVERRIDES) {
		free(text);
		rc = usage_error("too many --set options (at most %d)", MAX_OVERRIDES - 2);
		goto done;
	}
	if (!text || !(from = malloc(len))) {
		free(text);
		rc = nn_errorf(&err, NN_ENOMEM, "out of memory");
		goto done;
	}
	snprintf(from, len, "model.from=%s", text);
	free(text);
	memmove(a.overrides + 1, a.overrides, a.noverrides * sizeof(a.overrides[0]));
	a.overrides[0] = "model.layers=null";
	a.noverrides++;
	a.overrides[a.noverrides++] = from;
	if ((rc = load_config(&cfg, a.positional[a.npositional - 1], &a)) != 0) {
		free(from);
		goto out;
	}
	/* More models than one: their plurality vote too. */
	rc = exp_eval(&cfg, (const char *const *)models + 1, nmodels - 1, a.out, stdout, &err);
	exp_config_fini(&cfg);
	free(from);
done:
	if (rc < 0)
		rc = fail(rc == NN_EINVAL ? 2 : 1, err.msg);
out:
	for (size_t i = 0; i < nmodels; i++)
		free(models[i]);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "no command given");
	if (!strcmp(argv[1], "help") && argc > 2) {
		/* nnlab help COMMAND, or a page of the manual. */
		struct nn_err err = { 0, "" };
		int rc;

		if (argc > 3)
			return usage_error("%s", "help takes one COMMAND or TOPIC");
		if (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
			fputs(exp_help(NULL), stdout);
			return 0;
		}
		if (exp_help(argv[2])) {
			fputs(exp_help(argv[2]), stdout);
			return 0;
		}
		if ((rc = exp_help_topic(argv[2], stdout, &err)) < 0)
			return fail(rc == NN_EINVAL ? 2 : 1, err.msg);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(exp_help(NULL), stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("nnlab %s (plugin ABI %d)\n", NNLAB_VERSION, DS_ABI_VERSION);
		return 0;
	}
	if (exp_help(argv[1]) && exp_help_wanted(argc - 2, argv + 2)) {
		fputs(exp_help(argv[1]), stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "sweep"))
		return cmd_sweep(argc - 2, argv + 2);
	if (!strcmp(argv[1], "plot"))
		return cmd_plot(argc - 2, argv + 2);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 2, argv + 2);
	if (!strcmp(argv[1], "plugins"))
		return cmd_plugins(argc - 2, argv + 2);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(argv[1], "eval"))
		return cmd_eval(argc - 2, argv + 2);
	return usage_error("unknown command '%s'", argv[1]);
}

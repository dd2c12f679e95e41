/* nnlab: the command-line program. Only this file prints errors and exits:
 * 0 on success, 1 on a runtime failure, 2 on a usage or config error. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_config.h"
#include "exp_plugin.h"
#include "exp_run.h"

#define MAX_OVERRIDES 256

static const char usage[] =
	"usage: nnlab run CONFIG [--set KEY=VALUE]... [--out DIR] [--quiet]\n"
	"       nnlab --help | --version\n"
	"\n"
	"Commands:\n"
	"  run CONFIG        train the experiment described by the YAML file CONFIG,\n"
	"                    writing runs/NAME/ (config.yaml, metrics.csv, model.json,\n"
	"                    best.json)\n"
	"\n"
	"Options of run:\n"
	"  --set KEY=VALUE   override a config value by its dotted key path, e.g.\n"
	"                    --set train.eta=0.5 --set model.layers=[784,100,10]\n"
	"  --out DIR         write the run into DIR instead of runs/NAME\n"
	"  --quiet, -q       print nothing but errors\n"
	"\n"
	"Environment:\n"
	"  NNLAB_PLUGIN_PATH colon-separated directories searched for dataset\n"
	"                    plugins (ds_NAME.so) after the built-in ones\n";

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
	fputs("\n(see 'nnlab --help')\n", stderr);
	return 2;
}

static int cmd_run(int argc, char **argv)
{
	const char *overrides[MAX_OVERRIDES];
	size_t noverrides = 0;
	const char *config = NULL, *out = NULL;
	int quiet = 0;
	struct exp_config cfg;
	struct exp_run_opts opts;
	struct exp_run_result res;
	struct nn_err err = { 0, "" };
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--set") || !strcmp(a, "--out")) {
			if (i + 1 >= argc)
				return usage_error("%s needs a value", a);
			if (!strcmp(a, "--out")) {
				out = argv[++i];
				continue;
			}
			if (noverrides == MAX_OVERRIDES)
				return usage_error("too many --set options (at most %d)", MAX_OVERRIDES);
			overrides[noverrides++] = argv[++i];
		} else if (!strncmp(a, "--set=", 6)) {
			if (noverrides == MAX_OVERRIDES)
				return usage_error("too many --set options (at most %d)", MAX_OVERRIDES);
			overrides[noverrides++] = a + 6;
		} else if (!strncmp(a, "--out=", 6)) {
			out = a + 6;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			quiet = 1;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (config) {
			return usage_error("unexpected argument '%s' (one CONFIG per run)", a);
		} else {
			config = a;
		}
	}
	if (!config)
		return usage_error("%s", "run needs a CONFIG file");
	if (out && !*out)
		return usage_error("%s", "--out needs a directory");

	rc = exp_config_load(&cfg, config, overrides, noverrides, &err);
	if (rc < 0) {
		exp_config_fini(&cfg);
		return fail(2, err.msg);
	}
	opts.out_dir = out;
	opts.log = quiet ? NULL : stdout;
	opts.progress = !quiet && isatty(STDERR_FILENO);
	opts.stop = &stop_requested;
	/* Stop after the current mini-batch: the run directory keeps every
	 * finished epoch's files whole and no temporary file behind. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = exp_run(&cfg, &opts, &res, &err);
	exp_config_fini(&cfg);
	if (rc < 0)
		return fail(rc == NN_EINVAL ? 2 : 1, err.msg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("nnlab %s (plugin ABI %d)\n", NNLAB_VERSION, DS_ABI_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	return usage_error("unknown command '%s'", argv[1]);
}

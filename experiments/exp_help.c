/* nnlab's help texts: the general usage and each command's --help. */
#include "exp_help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: nnlab run CONFIG [--set KEY=VALUE]... [--plugin FILE] [--out DIR] [--quiet]\n"
	"       nnlab sweep CONFIG [-j N | --mpi] [--set KEY=VALUE]... [--out DIR] [--force]\n"
	"                   [--retry-failed]\n"
	"       nnlab check CONFIG [--set KEY=VALUE]... [--plugin FILE]\n"
	"       nnlab eval MODEL.json... CONFIG [--set KEY=VALUE]... [--plugin FILE]\n"
	"       nnlab plot RUN_DIR... [-o FILE] [--metric NAME,...] [--from E] [--log] [--x KEY]\n"
	"       nnlab report DIR [--plugin FILE]\n"
	"       nnlab plugins\n"
	"       nnlab --help | --version\n"
	"\n"
	"Commands:\n"
	"  run CONFIG        train the experiment described by the YAML file CONFIG,\n"
	"                    writing runs/NAME/ (config.yaml, metrics.csv, model.json,\n"
	"                    best.json)\n"
	"  plot RUN_DIR...   overlay one metric of several runs in one chart (default\n"
	"                    eval_accuracy into overlay.png, .svg and .gp)\n"
	"  report DIR        write DIR/report.html: one page for a run, or for a\n"
	"                    directory of runs\n"
	"  plugins           list the dataset plugins on the plugin path, with options\n"
	"  sweep CONFIG      run the trials of CONFIG's sweep section, N at a time,\n"
	"                    into sweeps/NAME (or --out DIR); run it again to resume;\n"
	"                    --force starts a new directory when the sweep changed;\n"
	"                    --retry-failed runs its failed trials again;\n"
	"                    --mpi under mpirun: rank 0 hands trials to the others\n"
	"  check CONFIG      check the config, plugin, data and model without training\n"
	"  eval MODEL CONFIG score saved models (and their plurality vote) on the split\n"
	"                    CONFIG evaluates (data.eval), with confusion matrices\n"
	"\n"
	"Options of run:\n"
	"  --set KEY=VALUE   override a config value by its dotted key path, e.g.\n"
	"                    --set train.eta=0.5 --set model.layers=[784,100,10]\n"
	"  --out DIR         write the run into DIR instead of runs/NAME\n"
	"  --plugin FILE     load the dataset plugin from FILE instead of finding\n"
	"                    data.plugin by name (only the command line names files)\n"
	"  --quiet, -q       print nothing but errors\n"
	"  --plot-terminal   draw the accuracy curve as text at the end\n"
	"  --heartbeat FILE  rewrite FILE every few seconds while running (sweeps\n"
	"                    use it to tell a live trial from a dead one)\n"
	"  --resume          go on from the run directory's checkpoint (--out DIR,\n"
	"                    else runs/NAME): the same results as a run never\n"
	"                    stopped; train.epochs may grow\n"
	"\n"
	"Environment:\n"
	"  NNLAB_PLUGIN_PATH colon-separated directories searched for dataset\n"
	"                    plugins (ds_NAME.so) after those beside nnlab\n"
	"  NNLAB_MAX_MEMORY  the most memory a model, and the data a plugin reads,\n"
	"                    may each take (default 8G)\n"
	"  NNLAB_THREADS     threads of a run whose config gives none\n"
	"  NNLAB_DATA_CACHE  a directory for decoded MNIST (a sweep uses its own)\n"
	"  NNLAB_CHART_STYLE a gnuplot file every chart loads (configs/chart-style.gp)\n"
	"  NNLAB_CHART_LATEX 1: charts as TikZ (.tex) too\n"
	"  NNLAB_PAGE_REFRESH seconds between reloads of a page still going (10)\n"
	"\n"
	"'nnlab COMMAND --help' describes one command; 'nnlab help TOPIC' prints a\n"
	"page of the manual: running, configs, runs, model-files, conv-nets, sweeps,\n"
	"charts, book, plugins, speed.\n";

/* Each command's own --help. */
static const struct {
	const char *name, *help;
} command_help[] = {
	{ "run",
	  "usage: nnlab run CONFIG [--set KEY=VALUE]... [--plugin FILE] [--out DIR] [--quiet]\n"
	  "                 [--plot-terminal] [--heartbeat FILE] [--result FILE] [--resume]\n"
	  "\n"
	  "Trains the experiment CONFIG describes into runs/NAME/ (or DIR): config.yaml,\n"
	  "metrics.csv, model.json, best.json and the charts. A config with a 'sweep'\n"
	  "section runs with 'nnlab sweep' (or once, as its base, with --set sweep=null).\n"
	  "\n"
	  "  --set KEY=VALUE   override a config value by its dotted key path\n"
	  "  --out DIR         write the run into DIR (an earlier run's files there go)\n"
	  "  --plugin FILE     load the dataset plugin from FILE\n"
	  "  --quiet, -q       print nothing but errors\n"
	  "  --plot-terminal   draw the accuracy curve as text at the end\n"
	  "  --heartbeat FILE  rewrite FILE every few seconds while running\n"
	  "  --resume          go on from DIR's checkpoint (written after every scored\n"
	  "                    epoch) where the run stopped, with the same results as\n"
	  "                    a run never stopped; only train.epochs and\n"
	  "                    train.threads may differ\n"
	  "  --result FILE     write the run's outcome to FILE at the end: 'outcome: done'\n"
	  "                    (or diverged, stopped, config, failed) and 'message: ...'\n"
	  "Exit status: 0, 1 for a runtime failure, 2 for a usage or config error.\n" },
	{ "sweep",
	  "usage: nnlab sweep CONFIG [-j N | --mpi] [--set KEY=VALUE]... [--out DIR] [--force]\n"
	  "                   [--retry-failed]\n"
	  "\n"
	  "Runs the trials of CONFIG's sweep section, N at a time, each as its own\n"
	  "'nnlab run', into sweeps/NAME (or DIR); the same command resumes a stopped\n"
	  "sweep. --force starts DIR-2, ... when the definition changed;\n"
	  "--retry-failed runs the failed trials again in place (from their\n"
	  "checkpoints when they have one: after a full disk, say); --mpi runs\n"
	  "under mpirun, rank 0 handing trials to the others. --set values apply to\n"
	  "every trial. Exit status: 0 when every trial ended done, pruned or\n"
	  "diverged; 1 when a trial failed, the sweep stopped or its files cannot be\n"
	  "written; 2 for a usage or config error.\n" },
	{ "check",
	  "usage: nnlab check CONFIG [--set KEY=VALUE]... [--plugin FILE]\n"
	  "\n"
	  "Loads the config, the plugin, the data and the model as 'nnlab run' would and\n"
	  "stops before training; for a sweep config, lists its trials too.\n" },
	{ "eval",
	  "usage: nnlab eval MODEL.json... CONFIG [--set KEY=VALUE]... [--plugin FILE]\n"
	  "                  [--out DIR] [--top N]\n"
	  "\n"
	  "Scores a saved model (the config's model.from; its file gives the layers)\n"
	  "on the split the config evaluates, and prints C / T, the mean cost and the\n"
	  "confusion matrix. With several models (up to 64): each one's C / T, then\n"
	  "their plurality vote's (ties to the earliest model's class) and its\n"
	  "confusion matrix. A sweep directory stands for the best.json of each of\n"
	  "its trials that ended done, best objective first.\n"
	  "  --top N    only the N best trials of a sweep directory\n"
	  "  --out DIR  write DIR/eval.csv (model, split, correct, total, accuracy,\n"
	  "             path: a row per model, then the vote's) and draw the\n"
	  "             misclassified examples (the vote's) in DIR\n" },
	{ "plot",
	  "usage: nnlab plot RUN_DIR... [-o FILE] [--metric NAME[,NAME...]] [--from E] [--to E]\n"
	  "                  [--log] [--logx] [--x KEY [--final]] [--panels] [--title TEXT]\n"
	  "\n"
	  "Overlays metrics.csv columns (default eval_accuracy) of several runs, or of\n"
	  "every run in a directory, into FILE.png, FILE.svg and FILE.gp (default\n"
	  "overlay): a line per run and column against the epoch.\n"
	  "  --metric A,B       several columns; NAME* is a family (grad_norm_hidden*)\n"
	  "  --from E, --to E   only epochs E and after (before)\n"
	  "  --log, --logx      a log scale for y, x\n"
	  "  --x KEY            each column's best value of every run against the run's\n"
	  "                     config value KEY (data.train_size); --final: the last\n"
	  "                     epoch's value instead\n"
	  "  --panels           one panel per column, side by side\n"
	  "  --yrange LO:HI     the y axis's range (in the units shown: % for accuracies)\n"
	  "  --title TEXT       the chart's title\n" },
	{ "report",
	  "usage: nnlab report DIR [--plugin FILE]\n"
	  "       nnlab report --table DIR [--reference ROW=VALUE]...\n"
	  "\n"
	  "Writes DIR/report.html, a self-contained page: for a run, its numbers, charts\n"
	  "and metrics; for a directory of runs (or a sweep directory), a table of them,\n"
	  "their overlay and, when they differ in two values, a heatmap. A sweep's trial\n"
	  "whose charts the sweep left for later (sweep.trial_charts) gets them drawn\n"
	  "first, from its data (--plugin: the plugin file the sweep was given).\n"
	  "\n"
	  "With --table, prints a Markdown table of DIR's rows (one directory each, its\n"
	  "runs anywhere below: runs, sweeps' trials): per row the best and mean score of\n"
	  "the runs that ended done (the evaluated split's accuracy at each run's best\n"
	  "epoch, chosen as its best.json is), against a reference value when given\n"
	  "(ROW/vote for the vote in ROW/vote/eval.csv), then every run.\n" },
	{ "plugins",
	  "usage: nnlab plugins\n"
	  "\n"
	  "Lists the dataset plugins on the plugin path with their options.\n" },
};

int exp_help_wanted(int argc, char **argv)
{
	static const char *const takes_value[] = { "--set", "--out", "--plugin", "--heartbeat", "--result", "-j", "--top",
						   "-o", "--metric", "--from", "--to", "--x", "--title", "--yrange", NULL };

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
		for (const char *const *t = takes_value; *t; t++)
			if (!strcmp(argv[i], *t)) {
				i++;
				break;
			}
	}
	return 0;
}

const char *exp_help(const char *command)
{
	if (!command)
		return usage;
	for (size_t i = 0; i < sizeof(command_help) / sizeof(command_help[0]); i++)
		if (!strcmp(command, command_help[i].name))
			return command_help[i].help;
	return NULL;
}

/* The manual's pages, docs/NAME.md. */
static const char *const topics[] = { "running", "configs", "runs", "model-files", "conv-nets",
				      "sweeps", "charts", "book", "plugins", "speed", NULL };

int exp_help_topic(const char *topic, FILE *out, struct nn_err *err)
{
	char exe[4096], dirs[3][4200], path[8500], list[256] = "";
	const char *env = getenv("NNLAB_DOC_DIR");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *const *t = topics;
	size_t ndirs = 0;
	FILE *f = NULL;

	while (*t && strcmp(*t, topic))
		t++;
	if (!*t) {
		for (t = topics; *t; t++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", t == topics ? "" : ", ", *t);
		return nn_errorf(err, NN_EINVAL, "no command or manual page '%s' (pages: %s)", topic, list);
	}
	/* NNLAB_DOC_DIR, the source tree of a build (build/VARIANT/nnlab),
	 * then an installed nnlab's PREFIX/share/doc/nnlab. */
	if (env && *env)
		snprintf(dirs[ndirs++], sizeof(dirs[0]), "%s", env);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		snprintf(dirs[ndirs++], sizeof(dirs[0]), "%s/../../docs", exe);
		snprintf(dirs[ndirs++], sizeof(dirs[0]), "%s/../share/doc/nnlab", exe);
	}
	for (size_t i = 0; i < ndirs && !f; i++) {
		snprintf(path, sizeof(path), "%.4200s/%.100s.md", dirs[i], topic);
		f = fopen(path, "r");
	}
	if (!f)
		return nn_errorf(err, NN_EIO, "the manual's page '%s.md' is not beside this nnlab (set NNLAB_DOC_DIR to its docs/ directory)",
				 topic);
	char buf[8192];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, got, out);
	fclose(f);
	return 0;
}

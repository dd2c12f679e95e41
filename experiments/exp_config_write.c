/* A loaded config written back as YAML with every value resolved (a
 * run's config.yaml, and what checkpoints and trial IDs are made from),
 * and the names of its data splits. */
#include "exp_config.h"

#include <stdio.h>

/* Writes s as a double-quoted YAML string. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

const char *exp_config_split_name(enum exp_split split)
{
	return split == EXP_SPLIT_TEST ? "test" : "validation";
}

void exp_config_write(const struct exp_config *cfg, FILE *f,
		      const char *const *names, const char *const *values, size_t nopts)
{
	fprintf(f, "# nnlab %s: the resolved config of '%s', every default filled in\n",
		NNLAB_VERSION, cfg->path);
	fputs("name: ", f);
	put_string(f, cfg->name);
	fprintf(f, "\nseed: %llu\ncharts: %s\n", (unsigned long long)cfg->seed,
		cfg->charts ? "true" : "false");
	fputs("data:\n  plugin: ", f);
	put_string(f, cfg->data.plugin);
	fputs(nopts ? "\n  options:\n" : "\n  options: {}\n", f);
	for (size_t i = 0; i < nopts; i++) {
		fprintf(f, "    %s: ", names[i]);
		put_string(f, values[i]);
		fputc('\n', f);
	}
	if (cfg->data.train_size < 0)
		fputs("  train_size: null\n", f);
	else
		fprintf(f, "  train_size: %ld\n", cfg->data.train_size);
	fprintf(f, "  validation_size: %zu\n", cfg->data.validation_size);
	fprintf(f, "  eval: %s\n", exp_config_split_name(cfg->data.eval));
	fprintf(f, "  expand: %s\n", cfg->data.expand ? "true" : "false");
	fputs("model:\n  layers: [", f);
	if (cfg->model.dense) {
		for (size_t i = 0; i < cfg->model.nlayers; i++)
			fprintf(f, "%s%zu", i ? ", " : "", cfg->model.layers[i]);
	} else if (cfg->model.nitems) {
		char buf[64];

		if (nn_shape_size(cfg->model.input))
			fprintf(f, "input %zux%zux%zu, ", cfg->model.input.c, cfg->model.input.h, cfg->model.input.w);
		for (size_t i = 0; i < cfg->model.nitems; i++)
			fprintf(f, "%s%s", i ? ", " : "", nn_spec_format(&cfg->model.items[i], buf, sizeof(buf)));
	}
	fprintf(f, "]\n  activation: %s\n  output: %s\n  init: %s\n  dropout: %.15g\n  from: ",
		nn_act_name(cfg->model.activation), nn_act_name(cfg->model.output),
		cfg->model.init == EXP_INIT_LARGE ? "large" : cfg->model.init == EXP_INIT_SCALED ? "scaled" : "network3",
		cfg->model.dropout);
	if (cfg->model.from)
		put_string(f, cfg->model.from);
	else
		fputs("null", f);
	fprintf(f, "\ntrain:\n  epochs: %zu\n  batch_size: %zu\n  eta: %.15g\n  cost: %s\n  shuffle: %s\n",
		cfg->train.epochs, cfg->train.batch_size, cfg->train.eta, nn_cost_name(cfg->train.cost),
		cfg->train.shuffle ? "true" : "false");
	fprintf(f, "  l2: %.15g\n  l1: %.15g\n  momentum: %.15g\n  early_stop: %zu\n  threads: %zu\n",
		cfg->train.l2, cfg->train.l1, cfg->train.momentum, cfg->train.early_stop, cfg->train.threads);
	/* Only when set: the configs (and checkpoints) of runs without it stay as they were. */
	if (cfg->train.stop_at_chance)
		fprintf(f, "  stop_at_chance: %zu\n", cfg->train.stop_at_chance);
	fprintf(f, "  schedule:\n    type: %s\n    patience: %zu\n    stop_factor: %.15g\n    every: %zu\n    factor: %.15g\n",
		cfg->train.schedule == EXP_SCHEDULE_NONE ? "none" :
		cfg->train.schedule == EXP_SCHEDULE_PLATEAU ? "plateau" : "step",
		cfg->train.patience, cfg->train.stop_factor, cfg->train.step_every, cfg->train.step_factor);
	fprintf(f, "monitor:\n  train_cost: %s\n  train_accuracy: %s\n  eval_cost: %s\n  eval_accuracy: %s\n"
		"  gradient_norms: %s\n  every: %zu\n",
		cfg->monitor.train_cost ? "true" : "false", cfg->monitor.train_accuracy ? "true" : "false",
		cfg->monitor.eval_cost ? "true" : "false", cfg->monitor.eval_accuracy ? "true" : "false",
		cfg->monitor.gradient_norms ? "true" : "false", cfg->monitor.every);
	/* Only when not the default, so that the configs (and the trial IDs
	 * and checkpoints made from them) of runs from before the key stay
	 * the same. */
	if (cfg->monitor.ties == EXP_TIES_LAST)
		fputs("  ties: last\n", f);
}

/* Experiment configs: a YAML file plus --set overrides, validated into a
 * struct with every default filled in. */
#ifndef EXP_CONFIG_H
#define EXP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "exp_yaml.h"
#include "nn_cost.h"
#include "nn_err.h"
#include "nn_model.h"

enum exp_split {
	EXP_SPLIT_TEST,
	EXP_SPLIT_VALIDATION
};

/* "test" or "validation", as configs spell it. */
const char *exp_config_split_name(enum exp_split split);

enum exp_init {
	EXP_INIT_LARGE,   /* N(0, 1), network.py */
	EXP_INIT_SCALED,  /* N(0, 1/n_in) weights, N(0, 1) biases, network2.py */
	EXP_INIT_NETWORK3 /* N(0, 1/n_out) weights, N(0, 1) biases, softmax 0, network3.py */
};

enum exp_schedule {
	EXP_SCHEDULE_NONE,
	EXP_SCHEDULE_PLATEAU,  /* halve eta after `patience` epochs without improvement */
	EXP_SCHEDULE_STEP      /* multiply eta by `factor` every `every` epochs */
};

/* Of epochs tied at the best score, which is the best epoch
 * (monitor.ties): the first (nnlab's rule) or the last (network3.py's,
 * which the book's chapter-6 table follows). exp_metrics_replaces is the
 * rule. */
enum exp_ties { EXP_TIES_FIRST, EXP_TIES_LAST };

/* data: where the examples come from and how they are split. */
struct exp_config_data {
	const char *plugin;          /* data.plugin */
	const char *plugin_file;     /* a plugin file named on the command line, or NULL */
	struct exp_node *options;    /* data.options: a map, or NULL */
	long train_size;             /* -1: all examples not held out */
	size_t validation_size;      /* held out from the end of the training split */
	enum exp_split eval;         /* the split scored each epoch */
	int expand;                  /* add 1-pixel shifts of each training image */
};

/* model: the net. layers is the book's short form [784, 30, 10] (dense:
 * every item a size, the first the input's), or a list of layer items
 * ("conv 20x5x5", "pool 2", "fc 100 relu", "dropout 0.5", "softmax 10";
 * a first item "input CxHxW" or N gives the input, else the plugin does).
 * items hold the layers with activations resolved, without
 * model.dropout's layers (exp_config_specs adds them). */
struct exp_config_model {
	int dense;                   /* the short form */
	size_t layers[NN_MAX_LAYERS + 1];  /* dense: the sizes */
	size_t nlayers;              /* dense: entries in layers; 0 when taken from model.from */
	struct nn_spec items[NN_MAX_LAYERS];
	size_t nitems;               /* 0 when taken from model.from */
	size_t item_index[NN_MAX_LAYERS];  /* items[i] is model.layers[item_index[i]] */
	struct nn_shape input;       /* the input named in the list; 0 x 0 x 0: the plugin's */
	enum nn_act activation;      /* hidden layers without one of their own */
	enum nn_act output;          /* the output layer, unless it names one */
	enum exp_init init;
	double dropout;              /* hidden fc units dropped in training */
	const char *from;            /* a network2 JSON model to start from, or NULL */
};

/* train: the optimizer, its schedule and the run's threads. */
struct exp_config_train {
	size_t epochs;
	size_t batch_size;
	double eta;
	enum nn_cost cost;
	int shuffle;
	double l2, l1;               /* regularisation lambdas */
	double momentum;
	enum exp_schedule schedule;
	size_t patience;             /* plateau: epochs without improvement */
	double stop_factor;          /* plateau: stop once eta < eta0 / stop_factor */
	size_t step_every;           /* step: epochs between decays */
	double step_factor;          /* step: eta multiplier */
	size_t early_stop;           /* stop after this many epochs without improvement; 0: never */
	size_t stop_at_chance;       /* stop after this many scored epochs in a row predicting one class; 0: never */
	size_t threads;              /* threads of a run; 0: NNLAB_THREADS, else every core */
};

/* monitor: what each scored epoch records. */
struct exp_config_monitor {
	int train_cost, train_accuracy;
	int eval_cost, eval_accuracy;
	int gradient_norms;          /* each hidden layer's bias-gradient norm per epoch */
	size_t every;                /* score and write every Nth epoch (and the last) */
	enum exp_ties ties;          /* of epochs tied at the best, the one best.json keeps */
};

/* A config, read once: each section's keys in a struct of its own, every
 * default filled in. Whether a key was set and where (for messages) is
 * asked of exp_config_has and exp_config_key_where; only exp_config (and
 * exp_sweep, which owns the sweep section) reads the tree. */
/* The monitor.ties of a run's config.yaml as read back (tree may be
 * NULL): which of tied epochs its best.json keeps. */
enum exp_ties exp_config_tree_ties(const struct exp_node *tree);

struct exp_config {
	const char *path;            /* the config file; borrowed */
	struct exp_node *tree;       /* the file with overrides applied */
	const char *const *overrides; /* the --set arguments applied, borrowed */
	size_t noverrides;

	const char *name;            /* run name (into tree, or the file's base name) */
	uint64_t seed;
	int charts;                  /* draw the run's charts at the end */

	struct exp_config_data data;
	struct exp_config_model model;
	struct exp_config_train train;
	struct exp_config_monitor monitor;

	char name_buf[256];
};

/* Loads path, applies the overrides ("a.b=VALUE", borrowed: they must
 * outlive the config) in order, and validates. Returns 0, or fills err
 * with a "file:line:col: ..." message and returns NN_EINVAL (a bad config)
 * or NN_EIO (the file cannot be read). */
int exp_config_load(struct exp_config *cfg, const char *path,
		    const char *const *overrides, size_t noverrides, struct nn_err *err);
void exp_config_fini(struct exp_config *cfg);

/* Refuses (NN_EINVAL, "file:line:col: unknown key 'x' in 'train' (did you
 * mean 'eta'?)") a key of map that is not in allowed (NULL-terminated);
 * section, quoted, names the map ("" for the top level). Every config
 * section and every sweep section is checked by it. */
int exp_config_check_keys(const struct exp_node *map, const char *const *allowed,
			  const char *section, struct nn_err *err);

/* Formats a config error at node n: "file:line:col: message". */
int exp_config_errorf(struct nn_err *err, const struct exp_node *n, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* The layers of cfg's model on input (the config's own, or the plugin's
 * when it names none): items plus a dropout layer after each hidden fc
 * layer when model.dropout > 0. map[i] (when not NULL) is the index in
 * model.layers of specs[i]. Returns the count, or 0 with err filled
 * ("file:line:col: 'layers' has too many layers with model.dropout"). */
size_t exp_config_specs(const struct exp_config *cfg, struct nn_spec *specs, size_t *map,
			struct nn_err *err);

/* Writes cfg as YAML with every value resolved. plugin_options are the
 * plugin's options with defaults filled in (names[i]: values[i]). */
void exp_config_write(const struct exp_config *cfg, FILE *f,
		      const char *const *names, const char *const *values, size_t nopts);

/* "file:line:col" of a config key, or a note that it is a default. */
const char *exp_config_where(const struct exp_config *cfg, const char *section,
			     const char *key, char *buf, size_t len);

/* Whether the config sets section.key (key NULL: the section itself),
 * not to null: to tell a default from a value someone chose. */
int exp_config_has(const struct exp_config *cfg, const char *section, const char *key);

/* "file:line:col" of the i-th item of model.layers, or of model.layers. */
const char *exp_config_item_where(const struct exp_config *cfg, size_t i, char *buf, size_t len);

/* A section as "key=value" lines (exp_flat_node; "" for none), to free:
 * what a section holds, for telling configs apart. */
char *exp_config_section_text(const struct exp_config *cfg, const char *section);

/* "file:line:col" of a top-level key (where "sweep:" is written), or
 * the file's name when it has none. */
const char *exp_config_key_where(const struct exp_config *cfg, const char *key, char *buf, size_t len);

/* The dotted place of a config key given by its last part or by another
 * tool's name for it ("eta", "lr", "learning_rate": "train.eta"), into
 * buf; NULL when there is none. */
const char *exp_config_key_place(const char *key, char *buf, size_t len);

#endif

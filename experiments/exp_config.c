#include "exp_config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exp_config_value.h"
#include "exp_flat.h"

static const char *const top_keys[] = { "name", "seed", "data", "model", "train",
					"monitor", "charts", "sweep", NULL };
static const char *const data_keys[] = { "plugin", "options", "train_size",
					 "validation_size", "eval", "expand", NULL };
static const char *const model_keys[] = { "layers", "activation", "output", "init",
					  "dropout", "from", NULL };
static const char *const train_keys[] = { "epochs", "batch_size", "eta", "cost",
					  "shuffle", "l2", "l1", "momentum", "schedule",
					  "early_stop", "stop_at_chance", "threads", NULL };
static const char *const schedule_keys[] = { "type", "patience", "stop_factor", "every",
					     "factor", NULL };

/* The node the last config error named (exp_config_load takes it out and
 * looks for the next error). Configs are loaded one at a time. */
static const struct exp_node *error_node;

int exp_config_errorf(struct nn_err *err, const struct exp_node *n, const char *fmt, ...)
{
	char where[NN_ERR_MAX], msg[NN_ERR_MAX];
	va_list ap;

	error_node = n;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nn_errorf(err, NN_EINVAL, "%s: %s", exp_node_where(n, where, sizeof(where)), msg);
}

/* Where a config key lives, and the names other tools give some of them,
 * for a key written in the wrong place or under another name. */
static const struct {
	const char *section;
	const char *const *keys;
} sections[] = { { "data", data_keys }, { "model", model_keys }, { "train", train_keys } };

static const struct {
	const char *name, *key;
} synonyms[] = {
	{ "learning_rate", "train.eta" }, { "lr", "train.eta" }, { "learningrate", "train.eta" },
	{ "batch", "train.batch_size" }, { "batchsize", "train.batch_size" },
	{ "num_epochs", "train.epochs" }, { "n_epochs", "train.epochs" }, { "epoch", "train.epochs" },
	{ "weight_decay", "train.l2" }, { "lambda", "train.l2" }, { "lmbda", "train.l2" },
	{ "loss", "train.cost" }, { "dataset", "data.plugin" }, { "layer", "model.layers" },
	{ "architecture", "model.layers" }, { "net", "model.layers" },
};

const char *exp_config_key_place(const char *key, char *buf, size_t len)
{
	static const char *const top_values[] = { "name", "seed", "charts", NULL };

	for (const char *const *k = top_values; *k; k++)
		if (!strcmp(key, *k))
			return *k;
	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
		if (!strcmp(key, synonyms[i].name))
			return synonyms[i].key;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		for (const char *const *k = sections[i].keys; *k; k++)
			if (!strcmp(key, *k)) {
				snprintf(buf, len, "%s.%s", sections[i].section, *k);
				return buf;
			}
	return NULL;
}

/* Whether allowed is one of the config's own key lists. */
static int config_keys(const char *const *allowed)
{
	if (allowed == top_keys)
		return 1;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (allowed == sections[i].keys)
			return 1;
	return 0;
}

int exp_config_check_keys(const struct exp_node *map, const char *const *allowed,
			  const char *section, struct nn_err *err)
{
	for (size_t i = 0; i < map->count; i++) {
		const char *key = map->keys[i]->value;
		const char *best = NULL;
		size_t best_d = 3; /* suggest only close names */
		int known = 0;

		for (const char *const *a = allowed; *a; a++) {
			size_t d = exp_edit_distance(key, *a);

			if (d == 0)
				known = 1;
			if (d < best_d) {
				best_d = d;
				best = *a;
			}
		}
		if (known)
			continue;
		char place[128];
		const char *other = config_keys(allowed) ? exp_config_key_place(key, place, sizeof(place)) : NULL;
		if (other)
			return exp_config_errorf(err, map->keys[i], "unknown key '%s'%s%s (did you mean '%s'?)",
						 key, *section ? " in " : "", section, other);
		if (best)
			return exp_config_errorf(err, map->keys[i], "unknown key '%s'%s%s (did you mean '%s'?)",
						 key, *section ? " in " : "", section, best);
		return exp_config_errorf(err, map->keys[i], "unknown key '%s'%s%s", key,
					 *section ? " in " : "", section);
	}
	return 0;
}

static int load_data(struct exp_config *cfg, const struct exp_node *data, struct nn_err *err)
{
	static const char *const splits[] = { "test", "validation", NULL };
	struct exp_node *n;
	int rc, choice;

	cfg->data.plugin = "mnist";
	cfg->data.train_size = -1;
	cfg->data.validation_size = 0;
	cfg->data.eval = EXP_SPLIT_TEST;
	cfg->data.expand = 0;
	if (!data)
		return 0;
	if ((rc = exp_config_check_keys(data, data_keys, "'data'", err)) < 0)
		return rc;
	if ((n = exp_node_get(data, "plugin"))) {
		if ((rc = exp_config_get_string(n, "plugin", &cfg->data.plugin, err)) < 0)
			return rc;
		if (!cfg->data.plugin || !cfg->data.plugin[0])
			return exp_config_errorf(err, n, "'plugin' must name a dataset plugin");
	}
	if ((rc = exp_config_get_section(data, "options", &cfg->data.options, err)) < 0)
		return rc;
	if (cfg->data.options) {
		for (size_t i = 0; i < cfg->data.options->count; i++)
			if (cfg->data.options->items[i]->kind != EXP_SCALAR)
				return exp_config_errorf(err, cfg->data.options->items[i],
							 "plugin option '%s' must be a single value",
							 cfg->data.options->keys[i]->value);
	}
	if ((n = exp_node_get(data, "train_size")) && !exp_config_is_null(n)) {
		size_t v = 0;

		if ((rc = exp_config_get_size(n, "train_size", 1, UINT32_MAX, &v, err)) < 0)
			return rc;
		cfg->data.train_size = (long)v;
	}
	if ((n = exp_node_get(data, "validation_size")) &&
	    (rc = exp_config_get_size(n, "validation_size", 0, UINT32_MAX, &cfg->data.validation_size, err)) < 0)
		return rc;
	if ((n = exp_node_get(data, "eval"))) {
		if ((rc = exp_config_get_choice(n, "eval", splits, &choice, err)) < 0)
			return rc;
		cfg->data.eval = (enum exp_split)choice;
		if (cfg->data.eval == EXP_SPLIT_VALIDATION && cfg->data.validation_size == 0)
			return exp_config_errorf(err, n, "'eval' is 'validation' but 'validation_size' is 0");
	}
	if ((n = exp_node_get(data, "expand")) && (rc = exp_config_get_bool(n, "expand", &cfg->data.expand, err)) < 0)
		return rc;
	return 0;
}

/* "input 1x28x28" (channels x height x width), "input 28x28" (one
 * channel) or "input 784". Returns 0, -1 when the text is no shape, -2
 * when a side or the product is 0 or more than 2^24. */
static int parse_input(const char *text, struct nn_shape *in)
{
	size_t v[3], n = 0;
	const char *p = text + strlen("input");

	p += strspn(p, " ");
	while (n < 3 && *p >= '0' && *p <= '9') {
		char *end;
		unsigned long long x = strtoull(p, &end, 10);

		if (x == 0 || x > (1u << 24))
			return -2;
		v[n++] = (size_t)x;
		p = end;
		if (*p != 'x')
			break;
		p++;
	}
	if (n == 0 || p[strspn(p, " ")] || p[-1] == 'x')
		return -1;
	*in = n == 1 ? (struct nn_shape){ 1, 1, v[0] } :
	      n == 2 ? (struct nn_shape){ v[0], v[1], 1 } : (struct nn_shape){ v[1], v[2], v[0] };
	return nn_shape_fits(*in, 1u << 24) ? 0 : -2;
}

/* model.layers: every item a size (the short form), or layer items. */
static int load_layers(struct exp_config *cfg, const struct exp_node *n, struct nn_err *err)
{
	size_t first = 0;
	int rc, dense = n->kind == EXP_SEQ;

	if (n->kind != EXP_SEQ || n->count < 1)
		return exp_config_errorf(err, n, "'layers' must be a list of 2 to %d layer sizes, such as [784, 30, 10], or of layers, such as [conv 20x5x5, pool 2, fc 100, softmax 10]",
					 NN_MAX_LAYERS + 1);
	for (size_t i = 0; dense && i < n->count; i++)
		dense = n->items[i]->kind == EXP_SCALAR && n->items[i]->value[0] >= '0' &&
			n->items[i]->value[0] <= '9';
	if (dense) {
		if (n->count < 2)
			return exp_config_errorf(err, n, "'layers' needs an input size and at least one layer, such as [784, 30, 10]");
		if (n->count > NN_MAX_LAYERS + 1)
			return exp_config_errorf(err, n, "'layers' has %zu sizes: an input and %zu layers, at most %d",
						 n->count, n->count - 1, NN_MAX_LAYERS);
		for (size_t i = 0; i < n->count; i++)
			if ((rc = exp_config_get_size(n->items[i], "layers", 1, 1u << 24, &cfg->model.layers[i], err)) < 0)
				return rc;
		cfg->model.dense = 1;
		cfg->model.nlayers = n->count;
		cfg->model.input = (struct nn_shape){ 1, 1, cfg->model.layers[0] };
		cfg->model.nitems = nn_specs_dense(cfg->model.items, NN_MAX_LAYERS, cfg->model.layers, n->count,
					     cfg->model.activation, cfg->model.output, 0.0f);
		for (size_t i = 0; i < cfg->model.nitems; i++)
			cfg->model.item_index[i] = i + 1;
		return 0;
	}
	/* An input first: "input CxHxW" or a size. */
	const struct exp_node *it = n->items[0];
	if (it->kind == EXP_SCALAR && (!strncmp(it->value, "input ", 6) || (it->value[0] >= '0' && it->value[0] <= '9'))) {
		const char *v = it->value;
		char buf[64];

		if (v[0] != 'i') {
			snprintf(buf, sizeof(buf), "input %s", v);
			v = buf;
		}
		if ((rc = parse_input(v, &cfg->model.input)) == -2)
			return exp_config_errorf(err, it, "'layers' item '%s': an input of 1 to %u values (channels x height x width)",
						 it->value, 1u << 24);
		if (rc < 0)
			return exp_config_errorf(err, it, "'layers' item '%s': expected 'input CxHxW' (channels, height, width), 'input HxW' or a size",
						 it->value);
		first = 1;
	}
	if (n->count - first > NN_MAX_LAYERS)
		return exp_config_errorf(err, n, "'layers' has %zu layers%s, at most %d", n->count - first,
					 first ? " after the input" : "", NN_MAX_LAYERS);
	if (n->count == first)
		return exp_config_errorf(err, n, "'layers' needs at least one layer after the input");
	for (size_t i = first; i < n->count; i++) {
		struct nn_spec *s = &cfg->model.items[cfg->model.nitems];
		int last = i + 1 == n->count, named;
		struct nn_err e;

		it = n->items[i];
		if (it->kind != EXP_SCALAR)
			return exp_config_errorf(err, it, "'layers' item %zu: expected a layer such as 'conv 20x5x5 relu', 'pool 2', 'fc 100' or 'softmax 10'", i);
		if (nn_spec_parse(it->value, last ? cfg->model.output : cfg->model.activation, s, &named, &e) < 0)
			return exp_config_errorf(err, it, "model.layers[%zu] %s", i, e.msg);
		if (!last && s->kind == NN_FC && s->act == NN_SOFTMAX)
			return exp_config_errorf(err, it, "model.layers[%zu] '%s': softmax belongs to the output layer only", i, it->value);
		if (last && s->kind != NN_FC)
			return exp_config_errorf(err, it, "model.layers[%zu] '%s': the output layer must be 'fc N' or 'softmax N'", i, it->value);
		cfg->model.item_index[cfg->model.nitems++] = i;
	}
	return 0;
}

static int load_model(struct exp_config *cfg, const struct exp_node *model,
		      struct nn_err *err)
{
	static const char *const inits[] = { "large", "scaled", "network3", NULL };
	static const char *const hidden[] = { "sigmoid", "tanh", "relu", NULL };
	static const char *const outputs[] = { "sigmoid", "softmax", NULL };
	struct exp_node *n;
	int rc, choice;

	cfg->model.activation = NN_SIGMOID;
	cfg->model.output = NN_SIGMOID;
	cfg->model.init = EXP_INIT_LARGE;
	cfg->model.dropout = 0.0;
	cfg->model.from = NULL;
	cfg->model.nlayers = 0;
	cfg->model.nitems = 0;
	cfg->model.dense = 0;
	cfg->model.input = (struct nn_shape){ 0, 0, 0 };
	if (!model)
		return 0;
	if ((rc = exp_config_check_keys(model, model_keys, "'model'", err)) < 0)
		return rc;
	if ((n = exp_node_get(model, "activation"))) {
		if ((rc = exp_config_get_choice(n, "activation", hidden, &choice, err)) < 0)
			return rc;
		nn_act_parse(hidden[choice], &cfg->model.activation);
	}
	if ((n = exp_node_get(model, "output"))) {
		if ((rc = exp_config_get_choice(n, "output", outputs, &choice, err)) < 0)
			return rc;
		nn_act_parse(outputs[choice], &cfg->model.output);
	}
	if ((n = exp_node_get(model, "init"))) {
		if ((rc = exp_config_get_choice(n, "init", inits, &choice, err)) < 0)
			return rc;
		cfg->model.init = (enum exp_init)choice;
	}
	if ((n = exp_node_get(model, "dropout")) &&
	    (rc = exp_config_get_number(n, "dropout", 0, 0, 1, 1, &cfg->model.dropout, err)) < 0)
		return rc;
	if ((n = exp_node_get(model, "layers")) && !exp_config_is_null(n) && (rc = load_layers(cfg, n, err)) < 0)
		return rc;
	if ((n = exp_node_get(model, "from"))) {
		if ((rc = exp_config_get_string(n, "from", &cfg->model.from, err)) < 0)
			return rc;
		if (cfg->model.from && !cfg->model.from[0])
			cfg->model.from = NULL;
	}
	return 0;
}

static int load_schedule(struct exp_config *cfg, const struct exp_node *train,
			 struct nn_err *err)
{
	static const char *const kinds[] = { "none", "plateau", "step", NULL };
	struct exp_node *sec, *n;
	int rc, choice;

	cfg->train.schedule = EXP_SCHEDULE_NONE;
	cfg->train.patience = 10;
	cfg->train.stop_factor = 1024;
	cfg->train.step_every = 10;
	cfg->train.step_factor = 0.5;
	if ((rc = exp_config_get_section(train, "schedule", &sec, err)) < 0 || !sec)
		return rc;
	if ((rc = exp_config_check_keys(sec, schedule_keys, "'train.schedule'", err)) < 0)
		return rc;
	if ((n = exp_node_get(sec, "type"))) {
		if ((rc = exp_config_get_choice(n, "type", kinds, &choice, err)) < 0)
			return rc;
		cfg->train.schedule = (enum exp_schedule)choice;
	}
	if ((n = exp_node_get(sec, "patience")) &&
	    (rc = exp_config_get_size(n, "patience", 1, 1000000, &cfg->train.patience, err)) < 0)
		return rc;
	if ((n = exp_node_get(sec, "stop_factor")) &&
	    (rc = exp_config_get_number(n, "stop_factor", 1, 0, 1e9, 0, &cfg->train.stop_factor, err)) < 0)
		return rc;
	if ((n = exp_node_get(sec, "every")) &&
	    (rc = exp_config_get_size(n, "every", 1, 1000000, &cfg->train.step_every, err)) < 0)
		return rc;
	if ((n = exp_node_get(sec, "factor")) &&
	    (rc = exp_config_get_number(n, "factor", 0, 1, 1, 0, &cfg->train.step_factor, err)) < 0)
		return rc;
	return 0;
}

static int load_train(struct exp_config *cfg, const struct exp_node *train,
		      struct nn_err *err)
{
	static const char *const costs[] = { "quadratic", "cross_entropy", "log_likelihood", NULL };
	struct exp_node *n;
	int rc, choice;

	cfg->train.epochs = 30;
	cfg->train.batch_size = 10;
	cfg->train.eta = 3.0;
	cfg->train.cost = NN_QUADRATIC;
	cfg->train.shuffle = 1;
	cfg->train.l2 = cfg->train.l1 = cfg->train.momentum = 0.0;
	cfg->train.early_stop = 0;
	cfg->train.stop_at_chance = 0;
	cfg->train.threads = 0;
	if ((rc = load_schedule(cfg, train, err)) < 0 || !train)
		return rc;
	if ((rc = exp_config_check_keys(train, train_keys, "'train'", err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "epochs")) &&
	    (rc = exp_config_get_size(n, "epochs", 0, 1000000, &cfg->train.epochs, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "batch_size")) &&
	    (rc = exp_config_get_size(n, "batch_size", 1, 1000000, &cfg->train.batch_size, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "eta")) &&
	    (rc = exp_config_get_number(n, "eta", 0, 1, 1e6, 0, &cfg->train.eta, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "cost"))) {
		if ((rc = exp_config_get_choice(n, "cost", costs, &choice, err)) < 0)
			return rc;
		nn_cost_parse(costs[choice], &cfg->train.cost);
	}
	if ((n = exp_node_get(train, "shuffle")) &&
	    (rc = exp_config_get_bool(n, "shuffle", &cfg->train.shuffle, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "l2")) &&
	    (rc = exp_config_get_number(n, "l2", 0, 0, 1e6, 0, &cfg->train.l2, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "l1")) &&
	    (rc = exp_config_get_number(n, "l1", 0, 0, 1e6, 0, &cfg->train.l1, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "momentum")) &&
	    (rc = exp_config_get_number(n, "momentum", 0, 0, 1, 1, &cfg->train.momentum, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "early_stop")) &&
	    (rc = exp_config_get_size(n, "early_stop", 0, 1000000, &cfg->train.early_stop, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "threads")) &&
	    (rc = exp_config_get_size(n, "threads", 0, NN_TEAM_MAX, &cfg->train.threads, err)) < 0)
		return rc;
	if ((n = exp_node_get(train, "stop_at_chance")) &&
	    (rc = exp_config_get_size(n, "stop_at_chance", 0, 1000000, &cfg->train.stop_at_chance, err)) < 0)
		return rc;
	return 0;
}

static int load_monitor(struct exp_config *cfg, const struct exp_node *mon, struct nn_err *err)
{
	static const char *const keys[] = { "train_cost", "train_accuracy", "eval_cost",
					    "eval_accuracy", "gradient_norms", "every", "ties", NULL };
	static const char *const ties[] = { "first", "last", NULL };
	int *flags[] = { &cfg->monitor.train_cost, &cfg->monitor.train_accuracy,
			 &cfg->monitor.eval_cost, &cfg->monitor.eval_accuracy,
			 &cfg->monitor.gradient_norms };
	struct exp_node *n;
	int rc;

	cfg->monitor.train_cost = cfg->monitor.train_accuracy = 0;
	cfg->monitor.eval_cost = cfg->monitor.eval_accuracy = 1;
	cfg->monitor.gradient_norms = 0;
	cfg->monitor.every = 1;
	cfg->monitor.ties = EXP_TIES_FIRST;
	if (!mon)
		return 0;
	if ((rc = exp_config_check_keys(mon, keys, "'monitor'", err)) < 0)
		return rc;
	if ((n = exp_node_get(mon, "every")) &&
	    (rc = exp_config_get_size(n, "every", 1, 1000000, &cfg->monitor.every, err)) < 0)
		return rc;
	int tie = 0;
	if ((n = exp_node_get(mon, "ties")) && (rc = exp_config_get_choice(n, "ties", ties, &tie, err)) < 0)
		return rc;
	cfg->monitor.ties = tie ? EXP_TIES_LAST : EXP_TIES_FIRST;
	for (int i = 0; i < 5; i++)
		if ((n = exp_node_get(mon, keys[i])) && (rc = exp_config_get_bool(n, keys[i], flags[i], err)) < 0)
			return rc;
	return 0;
}

/* The run name: the config's base name without its extension. */
static void default_name(struct exp_config *cfg)
{
	const char *base = strrchr(cfg->path, '/');
	char *dot;

	snprintf(cfg->name_buf, sizeof(cfg->name_buf), "%s", base ? base + 1 : cfg->path);
	dot = strrchr(cfg->name_buf, '.');
	if (dot && dot != cfg->name_buf)
		*dot = '\0';
	cfg->name = cfg->name_buf;
}

static int valid_name(const char *s)
{
	if (!s[0] || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* Takes the key whose key or value is n out of the map holding it, or
 * returns 0 when n is no map's key or value (an item of a list, the root). */
static int take_out(struct exp_node *map, const struct exp_node *n)
{
	if (!map || (map->kind != EXP_MAP && map->kind != EXP_SEQ))
		return 0;
	for (size_t i = 0; i < map->count; i++) {
		if (map->kind == EXP_MAP && (map->keys[i] == n || map->items[i] == n)) {
			exp_node_free(map->keys[i]);
			exp_node_free(map->items[i]);
			memmove(map->keys + i, map->keys + i + 1, (map->count - i - 1) * sizeof(*map->keys));
			memmove(map->items + i, map->items + i + 1, (map->count - i - 1) * sizeof(*map->items));
			map->count--;
			return 1;
		}
		if (take_out(map->items[i], n))
			return 1;
	}
	return 0;
}

static int validate(struct exp_config *cfg, struct nn_err *err);

#define MAX_ERRORS 10  /* a config's errors said at once */

int exp_config_load(struct exp_config *cfg, const char *path,
		    const char *const *overrides, size_t noverrides, struct nn_err *err)
{
	struct exp_node *root;
	char first[NN_ERR_MAX];
	size_t more = 0, len;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
	cfg->overrides = overrides;
	cfg->noverrides = noverrides;
	root = cfg->tree = exp_yaml_load_file(path, path, err);
	if (!root)
		return err && err->code == NN_EIO ? NN_EIO : NN_EINVAL;
	if (root->kind != EXP_MAP)
		return exp_config_errorf(err, root, "a config must be a section of keys (name, data, model, train)");
	for (size_t i = 0; i < noverrides; i++)
		if ((rc = exp_yaml_set(root, overrides[i], err)) < 0)
			return NN_EINVAL;
	error_node = NULL;
	if ((rc = validate(cfg, err)) != NN_EINVAL || !err)
		return rc;
	/* Every mistake at once (up to MAX_ERRORS), not one per run: each
	 * key named by an error is taken out (its default stands in) and the
	 * config checked again, while the errors name keys of a section. */
	snprintf(first, sizeof(first), "%s", err->msg);
	len = strlen(first);
	while (more + 1 < MAX_ERRORS && error_node && error_node != root && error_node->line &&
	       error_node->kind == EXP_SCALAR && take_out(root, error_node)) {
		struct exp_node *tree = cfg->tree;

		memset(cfg, 0, sizeof(*cfg));
		cfg->path = path;
		cfg->overrides = overrides;
		cfg->noverrides = noverrides;
		cfg->tree = tree;
		error_node = NULL;
		/* An error of the whole config or a section (a key now missing
		 * that is required) follows from the taking out: not said. */
		if (validate(cfg, err) != NN_EINVAL || !error_node || error_node->kind != EXP_SCALAR)
			break;
		len += (size_t)snprintf(first + len, len < sizeof(first) ? sizeof(first) - len : 0,
					"\nnnlab: error: %s", err->msg);
		more++;
		if (len >= sizeof(first))
			break;
	}
	snprintf(err->msg, sizeof(err->msg), "%s", first);
	err->code = NN_EINVAL;
	return NN_EINVAL;
}

/* The tree's values into cfg, checked: returns 0 or NN_EINVAL at the
 * first mistake. */
static int validate(struct exp_config *cfg, struct nn_err *err)
{
	struct exp_node *root = cfg->tree, *sec, *n;
	int rc;

	if ((rc = exp_config_check_keys(root, top_keys, "", err)) < 0)
		return rc;

	default_name(cfg);
	if ((n = exp_node_get(root, "name")) && !exp_config_is_null(n)) {
		if ((rc = exp_config_get_string(n, "name", &cfg->name, err)) < 0)
			return rc;
		if (!valid_name(cfg->name))
			return exp_config_errorf(err, n, "'name' must be a non-empty file name without '/'");
	}
	cfg->charts = 1;
	if ((n = exp_node_get(root, "charts")) && (rc = exp_config_get_bool(n, "charts", &cfg->charts, err)) < 0)
		return rc;
	cfg->seed = 1;
	if ((n = exp_node_get(root, "seed")) &&
	    (rc = exp_config_get_uint(n, "seed", 0, UINT64_MAX, &cfg->seed, err)) < 0)
		return rc;
	if ((rc = exp_config_get_section(root, "data", &sec, err)) < 0 || (rc = load_data(cfg, sec, err)) < 0)
		return rc;
	if ((rc = exp_config_get_section(root, "model", &sec, err)) < 0 || (rc = load_model(cfg, sec, err)) < 0)
		return rc;
	if ((rc = exp_config_get_section(root, "train", &sec, err)) < 0 || (rc = load_train(cfg, sec, err)) < 0)
		return rc;
	if ((rc = exp_config_get_section(root, "monitor", &sec, err)) < 0 || (rc = load_monitor(cfg, sec, err)) < 0)
		return rc;
	if (cfg->train.epochs == 0 && !cfg->model.from) {
		n = exp_node_get(exp_node_get(root, "train"), "epochs");
		return exp_config_errorf(err, n ? n : root,
					 "'epochs' is 0, which only makes sense with 'model.from' (to score a saved model)");
	}
	if (cfg->model.nitems == 0 && !cfg->model.from) {
		n = exp_node_get(root, "model");
		return exp_config_errorf(err, n ? n : root,
					 "'model.layers' is required (or 'model.from', a saved model)");
	}
	return 0;
}

void exp_config_fini(struct exp_config *cfg)
{
	if (!cfg)
		return;
	exp_node_free(cfg->tree);
	cfg->tree = NULL;
}

size_t exp_config_specs(const struct exp_config *cfg, struct nn_spec *specs, size_t *map,
			struct nn_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->model.nitems; i++) {
		const struct nn_spec *s = &cfg->model.items[i];

		if (n == NN_MAX_LAYERS)
			goto full;
		if (map)
			map[n] = cfg->model.item_index[i];
		specs[n++] = *s;
		/* network2.py's dropout: on the outputs of the hidden fc layers. */
		if (cfg->model.dropout > 0 && s->kind == NN_FC && i + 1 < cfg->model.nitems) {
			if (n == NN_MAX_LAYERS)
				goto full;
			if (map)
				map[n] = cfg->model.item_index[i];
			specs[n++] = (struct nn_spec){ .kind = NN_DROPOUT, .p = (float)cfg->model.dropout };
		}
	}
	return n;
full:;
	const struct exp_node *l = exp_node_get(exp_node_get(cfg->tree, "model"), "layers");
	exp_config_errorf(err, l ? l : cfg->tree, "'layers' with 'dropout' makes more than %d layers",
			  NN_MAX_LAYERS);
	return 0;
}

const char *exp_config_where(const struct exp_config *cfg, const char *section,
			     const char *key, char *buf, size_t len)
{
	const struct exp_node *n = exp_node_get(exp_node_get(cfg->tree, section), key);

	if (n)
		return exp_node_where(n, buf, len);
	snprintf(buf, len, "%s: default %s.%s", cfg->path, section, key);
	return buf;
}

int exp_config_has(const struct exp_config *cfg, const char *section, const char *key)
{
	const struct exp_node *n = exp_node_get(cfg->tree, section);

	if (key)
		n = exp_node_get(n, key);
	/* "key: null" (or ~, or nothing) in a file or a --set unsets it. */
	return n && !(n->kind == EXP_SCALAR && n->plain &&
		      (!n->value[0] || !strcmp(n->value, "null") || !strcmp(n->value, "~")));
}

const char *exp_config_item_where(const struct exp_config *cfg, size_t i, char *buf, size_t len)
{
	const struct exp_node *l = exp_node_get(exp_node_get(cfg->tree, "model"), "layers");

	if (l && l->kind == EXP_SEQ && i < l->count)
		return exp_node_where(l->items[i], buf, len);
	return exp_config_where(cfg, "model", "layers", buf, len);
}

char *exp_config_section_text(const struct exp_config *cfg, const char *section)
{
	const struct exp_node *n = exp_node_get(cfg->tree, section);

	return n ? exp_flat_node(n) : calloc(1, 1);
}

const char *exp_config_key_where(const struct exp_config *cfg, const char *key, char *buf, size_t len)
{
	long i = exp_node_find(cfg->tree, key);

	if (i >= 0)
		return exp_node_where(cfg->tree->keys[i], buf, len);
	snprintf(buf, len, "%s", cfg->path);
	return buf;
}

enum exp_ties exp_config_tree_ties(const struct exp_node *tree)
{
	const struct exp_node *tie = exp_node_get(exp_node_get(tree, "monitor"), "ties");

	return tie && tie->kind == EXP_SCALAR && !strcmp(tie->value, "last") ? EXP_TIES_LAST : EXP_TIES_FIRST;
}

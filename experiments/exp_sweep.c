/* Sweep definitions: a config's sweep section expanded into trials
 * (grid points, random samples, repeated seeds), each checked with the
 * --set arguments it will run with. */
#include "exp_sweep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_flat.h"
#include "exp_metrics.h"
#include "exp_sweep_point.h"
#include "exp_text.h"
#include "nn_rng.h"

#define MAX_TRIALS 100000
#define MAX_EXACT 9007199254740992.0  /* 2^53: doubles hold every whole number up to it */


static double number(const struct exp_node *n, int *ok)
{
	char *end;
	double v;

	*ok = 0;
	if (n->kind != EXP_SCALAR || !n->value[0])
		return 0;
	v = strtod(n->value, &end);
	*ok = !*end && isfinite(v);
	return v;
}

/* A swept seed's value as the trial's seed: a whole number. */
static int parse_seed(const char *value, unsigned long long *seed)
{
	char *end;

	if (!value[0] || !strchr("0123456789", value[0]))
		return -1;
	errno = 0;
	*seed = strtoull(value, &end, 10);
	return *end || errno == ERANGE ? -1 : 0;
}

int exp_sweep_point_add(struct exp_sweep_point *p, const char *key, const char *value,
			const struct exp_node *where, struct nn_err *err)
{
	unsigned long long seed;

	if (!strcmp(key, "seed") && parse_seed(value, &seed) < 0)
		return exp_config_errorf(err, where, "a swept 'seed' must be a whole number from 0 to %llu, got '%s'",
					 (unsigned long long)UINT64_MAX, value);
	if (p->n == EXP_SWEEP_MAX_PARAMS)
		return exp_config_errorf(err, where, "a sweep varies at most %d values", EXP_SWEEP_MAX_PARAMS);
	p->keys[p->n] = key;
	p->values[p->n] = strdup(value);
	if (!p->values[p->n])
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	p->n++;
	return 0;
}

void exp_sweep_point_free(struct exp_sweep_point *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->values[i]);
	p->n = 0;
}

/* Draws one value of a random parameter: {choice: [...]}, {uniform: [a,
 * b]}, {log_uniform: [a, b]} or {int: [a, b]}. */
static int draw(const struct exp_node *spec, struct nn_rng *rng, struct exp_text *out,
		struct nn_err *err)
{
	const struct exp_node *args;
	const char *kind;
	double lo, hi;
	int ok1, ok2;

	if (spec->kind != EXP_MAP || spec->count != 1 || spec->items[0]->kind != EXP_SEQ)
		return exp_config_errorf(err, spec, "a random parameter is one of {choice: [...]}, {uniform: [lo, hi]}, {log_uniform: [lo, hi]}, {int: [lo, hi]}");
	kind = spec->keys[0]->value;
	args = spec->items[0];
	if (!strcmp(kind, "choice")) {
		if (args->count == 0)
			return exp_config_errorf(err, args, "'choice' needs at least one value");
		char *t = exp_node_text(args->items[nn_rng_below(rng, args->count)]);

		if (!t)
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		exp_text_printf(out, "%s", t);
		free(t);
		return 0;
	}
	if (args->count != 2)
		return exp_config_errorf(err, args, "'%s' needs [lo, hi]", kind);
	lo = number(args->items[0], &ok1);
	hi = number(args->items[1], &ok2);
	if (!ok1 || !ok2 || !(lo <= hi))
		return exp_config_errorf(err, args, "'%s' needs two numbers, lo <= hi", kind);
	if (!strcmp(kind, "uniform")) {
		exp_text_printf(out, "%.6g", lo + (hi - lo) * nn_rng_uniform(rng));
	} else if (!strcmp(kind, "log_uniform")) {
		if (!(lo > 0))
			return exp_config_errorf(err, args, "'log_uniform' needs lo > 0");
		exp_text_printf(out, "%.6g", exp(log(lo) + (log(hi) - log(lo)) * nn_rng_uniform(rng)));
	} else if (!strcmp(kind, "int")) {
		/* Bounds within +-2^53 make every draw exact and b - a + 1 fit. */
		if (fabs(lo) > MAX_EXACT || fabs(hi) > MAX_EXACT)
			return exp_config_errorf(err, args, "'int' bounds must lie within -%.0f and %.0f",
						 MAX_EXACT, MAX_EXACT);
		int64_t a = (int64_t)ceil(lo), b = (int64_t)floor(hi);

		if (a > b)
			return exp_config_errorf(err, args, "'int' range holds no whole number");
		exp_text_printf(out, "%lld", (long long)(a + (int64_t)nn_rng_below(rng, (uint64_t)(b - a + 1))));
	} else {
		return exp_config_errorf(err, spec->keys[0], "unknown distribution '%s' (choice, uniform, log_uniform or int)", kind);
	}
	return 0;
}


int exp_sweep_add_trial(struct exp_sweep *s, const struct exp_sweep_point *p, unsigned long long seed,
			struct nn_err *err)
{
	struct exp_trial *t;
	struct exp_text key = { 0 };

	if (s->ntrials == MAX_TRIALS)
		return nn_errorf(err, NN_EINVAL, "a sweep of more than %d trials", MAX_TRIALS);
	t = realloc(s->trials, (s->ntrials + 1) * sizeof(*t));
	if (!t)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	s->trials = t;
	t = &s->trials[s->ntrials++];
	memset(t, 0, sizeof(*t));
	t->seed = seed;
	for (size_t i = 0; i < p->n; i++) {
		/* A swept seed is the trial's seed (repeats are then 1). */
		if (!strcmp(p->keys[i], "seed")) {
			parse_seed(p->values[i], &t->seed);
			continue;
		}
		t->keys[t->nparams] = p->keys[i];
		t->values[t->nparams] = strdup(p->values[i]);
		if (!t->values[t->nparams]) {
			exp_text_fini(&key);
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		}
		exp_text_printf(&key, "%s=%s\n", p->keys[i], p->values[i]);
		t->nparams++;
	}
	exp_text_printf(&key, "seed=%llu\n", t->seed);
	if (key.failed) {
		exp_text_fini(&key);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	snprintf(t->id, sizeof(t->id), "%016llx", (unsigned long long)exp_text_hash(key.s, key.len));
	exp_text_fini(&key);
	return 0;
}

/* Adds every grid combination (from grid key gi on) times the random
 * samples times the repeats. */
static int expand(struct exp_sweep *s, const struct exp_node *grid, size_t gi, struct exp_sweep_point *p,
		  const struct exp_node *random, size_t repeats, struct nn_err *err)
{
	int rc;

	if (grid && gi < grid->count) {
		const struct exp_node *values = grid->items[gi];

		if (values->kind != EXP_SEQ || values->count == 0)
			return exp_config_errorf(err, values, "grid values of '%s' must be a list",
						 grid->keys[gi]->value);
		for (size_t v = 0; v < values->count; v++) {
			char *t = exp_node_text(values->items[v]);

			if (!t)
				return nn_errorf(err, NN_ENOMEM, "out of memory");
			rc = exp_sweep_point_add(p, grid->keys[gi]->value, t, values->items[v], err);
			free(t);
			if (rc < 0 || (rc = expand(s, grid, gi + 1, p, random, repeats, err)) < 0)
				return rc;
			free(p->values[--p->n]);
		}
		return 0;
	}
	size_t samples = 1;
	const struct exp_node *params = NULL, *n;
	struct nn_rng rng;
	uint64_t seed = 1;

	if (random) {
		params = exp_node_get(random, "params");
		if (!params || params->kind != EXP_MAP || params->count == 0)
			return exp_config_errorf(err, random, "'random' needs 'params': a map of keys to distributions");
		if ((n = exp_node_get(random, "trials"))) {
			int ok;
			double v = number(n, &ok);

			if (!ok || v < 1 || v > MAX_TRIALS || v != floor(v))
				return exp_config_errorf(err, n, "'trials' must be a whole number from 1 to %d", MAX_TRIALS);
			samples = (size_t)v;
		} else {
			samples = 10;
		}
		if ((n = exp_node_get(random, "seed"))) {
			int ok;
			double v = number(n, &ok);

			if (!ok || v < 0 || v > MAX_EXACT || v != floor(v))
				return exp_config_errorf(err, n, "'seed' must be a whole number from 0 to %.0f",
							 MAX_EXACT);
			seed = (uint64_t)v;
		}
	}
	/* tpe draws its startup points here, and proposes the rest later. */
	s->budget = samples;
	s->search_seed = seed;
	if (s->tpe)
		samples = s->startup < samples ? s->startup : samples;
	/* The same random seed draws the same samples for every grid point. */
	nn_rng_init(&rng, seed);
	for (size_t k = 0; k < samples; k++) {
		size_t base = p->n;

		for (size_t i = 0; params && i < params->count; i++) {
			struct exp_text b = { 0 };

			if ((rc = draw(params->items[i], &rng, &b, err)) == 0 && (b.failed || !b.s))
				rc = nn_errorf(err, NN_ENOMEM, "out of memory");
			if (rc < 0 ||
			    (rc = exp_sweep_point_add(p, params->keys[i]->value, b.s, params->items[i], err)) < 0) {
				exp_text_fini(&b);
				return rc;
			}
			exp_text_fini(&b);
		}
		for (size_t r = 0; r < repeats; r++)
			if ((rc = exp_sweep_add_trial(s, p, s->cfg->seed + r, err)) < 0)
				return rc;
		while (p->n > base)
			free(p->values[--p->n]);
	}
	return 0;
}

void exp_sweep_free_sets(char **sets)
{
	for (size_t k = 0; sets && sets[k]; k++)
		free(sets[k]);
	free(sets);
}

/* The --set arguments that run trial i, in the order they apply: the
 * sweep's own --set values, sweep=null (a trial runs the base config
 * once), the trial's parameters, then its seed. The
 * same list checks the trial when the sweep loads and runs it, so what
 * was checked is what runs. Returns a NULL-terminated array of new
 * strings (free with exp_sweep_free_sets) and its length in *n, or NULL. */
char **exp_sweep_trial_sets(const struct exp_sweep *s, size_t i, size_t *n)
{
	const struct exp_trial *t = &s->trials[i];
	size_t total = s->cfg->noverrides + t->nparams + 2, k = 0;
	char **sets = calloc(total + 1, sizeof(*sets));

	if (!sets)
		return NULL;
	for (size_t j = 0; j < s->cfg->noverrides; j++)
		if (!(sets[k++] = strdup(s->cfg->overrides[j])))
			goto fail;
	if (!(sets[k++] = strdup("sweep=null")))
		goto fail;
	for (size_t j = 0; j < t->nparams; j++) {
		size_t len = strlen(t->keys[j]) + strlen(t->values[j]) + 2;

		if (!(sets[k] = malloc(len)))
			goto fail;
		snprintf(sets[k++], len, "%s=%s", t->keys[j], t->values[j]);
	}
	if (!(sets[k] = malloc(32)))
		goto fail;
	snprintf(sets[k++], 32, "seed=%llu", t->seed);
	*n = k;
	return sets;
fail:
	exp_sweep_free_sets(sets);
	return NULL;
}

/* sweep.objective: the metric and its goal (eval_accuracy, max; a
 * metric named for a cost is minimized unless the goal says). */
static int load_objective(struct exp_sweep *s, const struct exp_node *n, struct nn_err *err)
{
	static const char *const keys[] = { "metric", "goal", NULL };
	const struct exp_node *m, *g;
	int rc;

	if (n->kind != EXP_MAP)
		return exp_config_errorf(err, n, "'objective' must be a section (metric, goal)");
	if ((rc = exp_config_check_keys(n, keys, "'sweep.objective'", err)) < 0)
		return rc;
	if ((m = exp_node_get(n, "metric"))) {
		if (m->kind != EXP_SCALAR || strspn(m->value, "abcdefghijklmnopqrstuvwxyz_") != strlen(m->value) ||
		    strlen(m->value) >= sizeof(s->metric) || !m->value[0])
			return exp_config_errorf(err, m, "'metric' must name a metrics.csv column, such as eval_accuracy");
		snprintf(s->metric, sizeof(s->metric), "%s", m->value);
		s->maximize = !strstr(m->value, "cost");
	}
	if ((g = exp_node_get(n, "goal"))) {
		if (g->kind != EXP_SCALAR || (strcmp(g->value, "max") && strcmp(g->value, "min")))
			return exp_config_errorf(err, g, "'goal' must be max or min");
		s->maximize = !strcmp(g->value, "max");
	}
	return 0;
}

/* A whole number of n from lo to hi, or an error naming what it is. */
static int whole(const struct exp_node *n, double lo, double hi, const char *what, double *out,
		 struct nn_err *err)
{
	int ok;
	double x = number(n, &ok);

	if (!ok || x < lo || x > hi || x != floor(x))
		return exp_config_errorf(err, n, "%s", what);
	*out = x;
	return 0;
}

/* sweep.prune: {asha: {min_epochs, reduction}} (or asha: its defaults,
 * 1 and 3). */
static int load_asha(struct exp_sweep *s, const struct exp_node *n, struct nn_err *err)
{
	static const char *const keys[] = { "min_epochs", "reduction", NULL };
	const struct exp_node *v;
	double x = 0;
	int rc;

	s->prune = 0;
	s->asha = 1;
	s->asha_min_epochs = 1;
	s->asha_reduction = 3;
	if (n->kind == EXP_SCALAR)
		return 0;
	if (n->kind != EXP_MAP)
		return exp_config_errorf(err, n, "'asha' is a section (min_epochs, reduction)");
	if ((rc = exp_config_check_keys(n, keys, "'sweep.prune.asha'", err)) < 0)
		return rc;
	if ((v = exp_node_get(n, "min_epochs"))) {
		if ((rc = whole(v, 1, 1000000, "'min_epochs' must be a whole number of epochs from 1", &x, err)) < 0)
			return rc;
		s->asha_min_epochs = (size_t)x;
	}
	if ((v = exp_node_get(n, "reduction"))) {
		if ((rc = whole(v, 2, 1000, "'reduction' must be a whole number from 2 to 1000", &x, err)) < 0)
			return rc;
		s->asha_reduction = (size_t)x;
	}
	return 0;
}

/* sweep.prune: median (or true, false), asha, or a section (warmup,
 * min_trials; or asha). */
static int load_prune(struct exp_sweep *s, const struct exp_node *n, struct nn_err *err)
{
	static const char *const keys[] = { "warmup", "min_trials", "asha", NULL };
	const struct exp_node *v;
	double x = 0;
	int rc;

	s->prune = 1;
	if (n->kind == EXP_SCALAR && !strcmp(n->value, "asha"))
		return load_asha(s, n, err);
	if (n->kind == EXP_SCALAR) {
		if (strcmp(n->value, "median") && strcmp(n->value, "true") && strcmp(n->value, "false"))
			return exp_config_errorf(err, n, "'prune' is median or asha (or a section: warmup, min_trials; asha), or false");
		s->prune = strcmp(n->value, "false") != 0;
		return 0;
	}
	if (n->kind != EXP_MAP)
		return exp_config_errorf(err, n, "'prune' is median, asha, or a section (warmup, min_trials; asha)");
	if ((v = exp_node_get(n, "asha"))) {
		if (n->count > 1)
			return exp_config_errorf(err, n, "'prune' is median (warmup, min_trials) or asha, not both");
		return load_asha(s, v, err);
	}
	if ((rc = exp_config_check_keys(n, keys, "'sweep.prune'", err)) < 0)
		return rc;
	if ((v = exp_node_get(n, "warmup"))) {
		if ((rc = whole(v, 0, 1000000, "'warmup' must be a whole number of epochs, at most 1000000", &x, err)) < 0)
			return rc;
		s->prune_warmup = (size_t)x;
	}
	if ((v = exp_node_get(n, "min_trials"))) {
		char what[80];

		snprintf(what, sizeof(what), "'min_trials' must be a whole number from 1 to %d", MAX_TRIALS);
		if ((rc = whole(v, 1, MAX_TRIALS, what, &x, err)) < 0)
			return rc;
		s->prune_min_trials = (size_t)x;
	}
	return 0;
}

/* sweep.trial_charts: all, or how many of the best trials get charts. */
static int load_trial_charts(struct exp_sweep *s, const struct exp_node *n, struct nn_err *err)
{
	double x = 0;
	int rc;

	s->trial_charts = EXP_SWEEP_TRIAL_CHARTS;
	if (!n)
		return 0;
	if (n->kind == EXP_SCALAR && !strcmp(n->value, "all")) {
		s->trial_charts = EXP_SWEEP_ALL_CHARTS;
		return 0;
	}
	if ((rc = whole(n, 0, MAX_TRIALS,
			"'trial_charts' is all (each trial draws its charts) or how many of the best trials get theirs when the sweep ends, from 0",
			&x, err)) < 0)
		return rc;
	s->trial_charts = (size_t)x;
	return 0;
}

/* The definition: the base config (less the sweep), then each trial,
 * whose config must load and fill the objective's column, so an error
 * shows before any runs; then the objective. */
static int define(struct exp_sweep *s, const struct exp_node *sec, struct nn_err *err)
{
	const struct exp_config *cfg = s->cfg;
	struct exp_text def = { 0 };
	char *flat = exp_flat_node(cfg->tree);
	int rc = 0;

	if (!flat)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (char *line = flat; *line;) {
		char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);

		if (strncmp(line, "sweep.", 6) != 0)
			exp_text_printf(&def, "config %.*s\n", len, line);
		line += len + (end ? 1 : 0);
	}
	free(flat);
	for (size_t i = 0; i < s->ntrials && rc == 0; i++) {
		const struct exp_trial *t = &s->trials[i];
		struct exp_config tc;
		size_t nsets;
		char **sets = exp_sweep_trial_sets(s, i, &nsets), why[1024];

		if (!sets) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
			break;
		}
		rc = exp_config_load(&tc, cfg->path, (const char *const *)sets, nsets, err);
		if (rc == 0 && !exp_metrics_fills(&tc, s->metric, why, sizeof(why))) {
			const struct exp_node *obj = exp_node_get(sec, "objective");
			const struct exp_node *m = exp_node_get(obj, "metric");
			char which[64] = "";

			if (s->ntrials > 1)
				snprintf(which, sizeof(which), " (trial %s)", t->id);
			rc = exp_config_errorf(err, m ? m : obj ? obj : sec, "objective %s%s", why, which);
		} else if (rc < 0) {
			char msg[NN_ERR_MAX];

			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			rc = nn_errorf(err, NN_EINVAL, "%s: trial %s does not load: %s", cfg->path, t->id, msg);
		}
		exp_config_fini(&tc);
		exp_sweep_free_sets(sets);
		exp_text_printf(&def, "trial %s", t->id);
		for (size_t k = 0; k < t->nparams; k++)
			exp_text_printf(&def, " %s=%s", t->keys[k], t->values[k]);
		exp_text_printf(&def, " seed=%llu\n", t->seed);
	}
	if (rc < 0) {
		exp_text_fini(&def);
		return rc;
	}
	if (s->tpe)
		exp_text_printf(&def, "search tpe points %zu startup %zu\n", s->budget, s->startup);
	exp_text_printf(&def, "objective %s %s\n", s->metric, s->maximize ? "max" : "min");
	if (!(s->definition = exp_text_take(&def)))
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	return 0;
}

/* random.search (random, or tpe) and random.startup; for tpe, the
 * searched keys and their distributions (which the startup draws check
 * as random search's draws do). */
static int load_search(struct exp_sweep *s, const struct exp_node *random, const struct exp_node *grid,
		       struct nn_err *err)
{
	const struct exp_node *n = exp_node_get(random, "search"), *params = exp_node_get(random, "params");
	double startup = 10;
	int rc;

	if (!n)
		return 0;
	if (n->kind != EXP_SCALAR || (strcmp(n->value, "random") && strcmp(n->value, "tpe")))
		return exp_config_errorf(err, n, "'search' is random or tpe");
	s->tpe = !strcmp(n->value, "tpe");
	if ((n = exp_node_get(random, "startup")) &&
	    (rc = whole(n, 1, MAX_TRIALS, "'startup' must be a whole number of random points, from 1", &startup,
			err)) < 0)
		return rc;
	if (!s->tpe)
		return 0;
	if (grid)
		return exp_config_errorf(err, grid, "'search: tpe' proposes the values of random.params; it does not search a grid (give a grid key there as {choice: [...]})");
	if (!params || params->kind != EXP_MAP || params->count == 0)
		return exp_config_errorf(err, random, "'random' needs 'params': a map of keys to distributions");
	s->startup = (size_t)startup;
	for (size_t i = 0; i < params->count && i < EXP_SWEEP_MAX_PARAMS; i++) {
		const struct exp_node *spec = params->items[i];
		struct exp_tpe_param *t = &s->search[s->nsearch];
		int ok;

		if (!strcmp(params->keys[i]->value, "seed"))
			return exp_config_errorf(err, params->keys[i], "'search: tpe' does not search the seed (use repeats)");
		if (spec->kind != EXP_MAP || spec->count != 1 || spec->items[0]->kind != EXP_SEQ)
			continue;  /* the startup draw names the mistake */
		const char *kind = spec->keys[0]->value;
		const struct exp_node *args = spec->items[0];

		t->kind = !strcmp(kind, "choice") ? EXP_TPE_CHOICE : !strcmp(kind, "log_uniform") ? EXP_TPE_LOG_UNIFORM :
			  !strcmp(kind, "int") ? EXP_TPE_INT : EXP_TPE_UNIFORM;
		t->n = args->count;
		/* Bounds that are not numbers: the startup draw says so. */
		if (t->kind != EXP_TPE_CHOICE && args->count == 2) {
			t->lo = number(args->items[0], &ok);
			t->hi = number(args->items[1], &ok);
		}
		s->search_keys[s->nsearch] = params->keys[i]->value;
		s->search_args[s->nsearch++] = args;
	}
	return 0;
}

int exp_sweep_load(struct exp_sweep *s, const struct exp_config *cfg, struct nn_err *err)
{
	static const char *const keys[] = { "grid", "random", "repeats", "objective", "prune", "trial_charts",
					    NULL };
	static const char *const random_keys[] = { "trials", "seed", "params", "search", "startup", NULL };
	const struct exp_node *sec = exp_node_get(cfg->tree, "sweep"), *n, *grid, *random;
	struct exp_sweep_point p = { 0 };
	double repeats = 1;
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	snprintf(s->metric, sizeof(s->metric), "eval_accuracy");
	s->maximize = 1;
	s->prune_warmup = 1;
	s->prune_min_trials = 3;
	if (!sec)
		return exp_config_errorf(err, cfg->tree, "no 'sweep' section: a sweep needs 'grid' and/or 'random' in one");
	if (sec->kind != EXP_MAP)
		return exp_config_errorf(err, sec, "'sweep' must be a section of keys");
	if ((rc = exp_config_check_keys(sec, keys, "'sweep'", err)) < 0)
		return rc;
	grid = exp_node_get(sec, "grid");
	random = exp_node_get(sec, "random");
	if (grid && (grid->kind != EXP_MAP || grid->count == 0))
		return exp_config_errorf(err, grid, "'grid' must map dotted keys to lists of values");
	if (random && random->kind != EXP_MAP)
		return exp_config_errorf(err, random, "'random' must be a section (trials, seed, params)");
	if (random && (rc = exp_config_check_keys(random, random_keys, "'sweep.random'", err)) < 0)
		return rc;
	if (!grid && !random)
		return exp_config_errorf(err, sec, "a sweep needs 'grid' or 'random'");
	if ((n = exp_node_get(sec, "repeats")) &&
	    (rc = whole(n, 1, 1000, "'repeats' must be a whole number from 1 to 1000", &repeats, err)) < 0)
		return rc;
	if ((n = exp_node_get(sec, "objective")) && (rc = load_objective(s, n, err)) < 0)
		return rc;
	if ((n = exp_node_get(sec, "prune")) && (rc = load_prune(s, n, err)) < 0)
		return rc;
	if ((rc = load_trial_charts(s, exp_node_get(sec, "trial_charts"), err)) < 0)
		return rc;
	if (repeats > 1) {
		const struct exp_node *params = random ? exp_node_get(random, "params") : NULL;
		const struct exp_node *swept = grid ? exp_node_get(grid, "seed") : NULL;

		if (!swept && params)
			swept = exp_node_get(params, "seed");
		if (swept)
			return exp_config_errorf(err, exp_node_get(sec, "repeats"),
						 "'repeats' and a swept 'seed' together: repeats vary the seed, so sweep the seed or repeat, not both");
	}
	if (random && (rc = load_search(s, random, grid, err)) < 0)
		return rc;
	rc = expand(s, grid, 0, &p, random, (size_t)repeats, err);
	exp_sweep_point_free(&p);
	s->repeats = (size_t)repeats;
	s->npoints = s->tpe ? s->ntrials / s->repeats : 0;
	return rc < 0 ? rc : define(s, sec, err);
}

void exp_sweep_fini(struct exp_sweep *s)
{
	for (size_t i = 0; i < s->ntrials; i++)
		for (size_t k = 0; k < s->trials[i].nparams; k++)
			free(s->trials[i].values[k]);
	free(s->trials);
	free(s->definition);
	memset(s, 0, sizeof(*s));
}

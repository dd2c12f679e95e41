#include "exp_sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_run.h"
#include "exp_report.h"
#include "nn_rng.h"

#define STALE_SECONDS 120  /* a running trial silent this long is dead */
#define MAX_ATTEMPTS 3     /* runs of a trial killed by a signal */
#define MAX_TRIALS 100000
/* A trial as the console names it: "trial 3/9 (ID) train.eta=0.5 seed=1". */
static const char *trial_label(const struct exp_sweep *s, size_t i, char *buf, size_t len)
{
	const struct exp_trial *t = &s->trials[i];
	size_t n = (size_t)snprintf(buf, len, "trial %zu/%zu (%s)", i + 1, s->ntrials, t->id);

	for (size_t k = 0; k < t->nparams && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, " %s=%s", t->keys[k], t->values[k]);
	if (n < len)
		snprintf(buf + n, len - n, " seed=%llu", t->seed);
	return buf;
}

/* Exit status of a trial process that could not write its own status
 * file or log: the sweep's bookkeeping, not the trial, failed. */
#define EXIT_BOOKKEEPING 125
#define MAX_EXACT 9007199254740992.0  /* 2^53: doubles hold every whole number up to it */

/* --- building the trials ------------------------------------------------- */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void buf_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p)
			return;
		b->s = p;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static int check_keys(const struct exp_node *map, const char *const *allowed,
		      const char *section, struct nn_err *err)
{
	for (size_t i = 0; i < map->count; i++) {
		const char *key = map->keys[i]->value, *best = NULL;
		size_t best_d = 3;
		int known = 0;

		for (const char *const *a = allowed; *a; a++) {
			size_t d = exp_edit_distance(key, *a);

			known |= d == 0;
			if (d < best_d) {
				best_d = d;
				best = *a;
			}
		}
		if (!known)
			return exp_config_errorf(err, map->keys[i], "unknown key '%s' in '%s'%s%s%s", key,
						 section, best ? " (did you mean '" : "", best ? best : "",
						 best ? "'?)" : "");
	}
	return 0;
}

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

/* One drawn or listed parameter set, before repeats. */
struct point {
	size_t n;
	const char *keys[EXP_SWEEP_MAX_PARAMS];
	char *values[EXP_SWEEP_MAX_PARAMS];
};

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

static int add_param(struct point *p, const char *key, const char *value,
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

static void point_free(struct point *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->values[i]);
	p->n = 0;
}

/* Draws one value of a random parameter: {choice: [...]}, {uniform: [a,
 * b]}, {log_uniform: [a, b]} or {int: [a, b]}. */
static int draw(const struct exp_node *spec, struct nn_rng *rng, struct buf *out,
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
		buf_add(out, "%s", t);
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
		buf_add(out, "%.6g", lo + (hi - lo) * nn_rng_uniform(rng));
	} else if (!strcmp(kind, "log_uniform")) {
		if (!(lo > 0))
			return exp_config_errorf(err, args, "'log_uniform' needs lo > 0");
		buf_add(out, "%.6g", exp(log(lo) + (log(hi) - log(lo)) * nn_rng_uniform(rng)));
	} else if (!strcmp(kind, "int")) {
		/* Bounds within +-2^53 make every draw exact and b - a + 1 fit. */
		if (fabs(lo) > MAX_EXACT || fabs(hi) > MAX_EXACT)
			return exp_config_errorf(err, args, "'int' bounds must lie within -%.0f and %.0f",
						 MAX_EXACT, MAX_EXACT);
		int64_t a = (int64_t)ceil(lo), b = (int64_t)floor(hi);

		if (a > b)
			return exp_config_errorf(err, args, "'int' range holds no whole number");
		buf_add(out, "%lld", (long long)(a + (int64_t)nn_rng_below(rng, (uint64_t)(b - a + 1))));
	} else {
		return exp_config_errorf(err, spec->keys[0], "unknown distribution '%s' (choice, uniform, log_uniform or int)", kind);
	}
	return 0;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

static int add_trial(struct exp_sweep *s, const struct point *p, unsigned long long seed,
		     struct nn_err *err)
{
	struct exp_trial *t;
	struct buf key = { 0 };

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
			free(key.s);
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		}
		buf_add(&key, "%s=%s\n", p->keys[i], p->values[i]);
		t->nparams++;
	}
	buf_add(&key, "seed=%llu\n", t->seed);
	snprintf(t->id, sizeof(t->id), "%016llx", (unsigned long long)fnv1a(key.s ? key.s : ""));
	free(key.s);
	return 0;
}

/* Adds every grid combination (from grid key gi on) times the random
 * samples times the repeats. */
static int expand(struct exp_sweep *s, const struct exp_node *grid, size_t gi, struct point *p,
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
			rc = add_param(p, grid->keys[gi]->value, t, values->items[v], err);
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
	/* The same random seed draws the same samples for every grid point. */
	nn_rng_init(&rng, seed);
	for (size_t k = 0; k < samples; k++) {
		size_t base = p->n;

		for (size_t i = 0; params && i < params->count; i++) {
			struct buf b = { 0 };

			if ((rc = draw(params->items[i], &rng, &b, err)) < 0 ||
			    (rc = add_param(p, params->keys[i]->value, b.s ? b.s : "", params->items[i], err)) < 0) {
				free(b.s);
				return rc;
			}
			free(b.s);
		}
		for (size_t r = 0; r < repeats; r++)
			if ((rc = add_trial(s, p, s->cfg->seed + r, err)) < 0)
				return rc;
		while (p->n > base)
			free(p->values[--p->n]);
	}
	return 0;
}

static void free_sets(char **sets)
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
 * strings (free with free_sets) and its length in *n, or NULL. */
static char **trial_sets(const struct exp_sweep *s, size_t i, size_t *n)
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
	free_sets(sets);
	return NULL;
}

int exp_sweep_load(struct exp_sweep *s, const struct exp_config *cfg, struct nn_err *err)
{
	static const char *const keys[] = { "grid", "random", "repeats", "objective", "prune", NULL };
	static const char *const objective_keys[] = { "metric", "goal", NULL };
	static const char *const prune_keys[] = { "warmup", "min_trials", NULL };
	static const char *const random_keys[] = { "trials", "seed", "params", NULL };
	const struct exp_node *sec = exp_node_get(cfg->tree, "sweep"), *n, *grid, *random;
	struct point p = { 0 };
	size_t repeats = 1;
	int rc, ok;

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
	if ((rc = check_keys(sec, keys, "sweep", err)) < 0)
		return rc;
	grid = exp_node_get(sec, "grid");
	random = exp_node_get(sec, "random");
	if (grid && (grid->kind != EXP_MAP || grid->count == 0))
		return exp_config_errorf(err, grid, "'grid' must map dotted keys to lists of values");
	if (random && random->kind != EXP_MAP)
		return exp_config_errorf(err, random, "'random' must be a section (trials, seed, params)");
	if (random && (rc = check_keys(random, random_keys, "sweep.random", err)) < 0)
		return rc;
	if (!grid && !random)
		return exp_config_errorf(err, sec, "a sweep needs 'grid' or 'random'");
	if ((n = exp_node_get(sec, "repeats"))) {
		double v = number(n, &ok);

		if (!ok || v < 1 || v > 1000 || v != floor(v))
			return exp_config_errorf(err, n, "'repeats' must be a whole number from 1 to 1000");
		repeats = (size_t)v;
	}
	if ((n = exp_node_get(sec, "objective"))) {
		const struct exp_node *m, *g;

		if (n->kind != EXP_MAP)
			return exp_config_errorf(err, n, "'objective' must be a section (metric, goal)");
		if ((rc = check_keys(n, objective_keys, "sweep.objective", err)) < 0)
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
	}
	if ((n = exp_node_get(sec, "prune"))) {
		const struct exp_node *v;

		s->prune = 1;
		if (n->kind == EXP_SCALAR) {
			if (strcmp(n->value, "median") && strcmp(n->value, "true") && strcmp(n->value, "false"))
				return exp_config_errorf(err, n, "'prune' is median (or a section: warmup, min_trials), or false");
			s->prune = strcmp(n->value, "false") != 0;
		} else if (n->kind == EXP_MAP) {
			if ((rc = check_keys(n, prune_keys, "sweep.prune", err)) < 0)
				return rc;
			if ((v = exp_node_get(n, "warmup"))) {
				double x = number(v, &ok);

				if (!ok || x < 0 || x > 1000000 || x != floor(x))
					return exp_config_errorf(err, v, "'warmup' must be a whole number of epochs, at most 1000000");
				s->prune_warmup = (size_t)x;
			}
			if ((v = exp_node_get(n, "min_trials"))) {
				double x = number(v, &ok);

				if (!ok || x < 1 || x > MAX_TRIALS || x != floor(x))
					return exp_config_errorf(err, v, "'min_trials' must be a whole number from 1 to %d", MAX_TRIALS);
				s->prune_min_trials = (size_t)x;
			}
		} else {
			return exp_config_errorf(err, n, "'prune' is median, or a section (warmup, min_trials)");
		}
	}
	if (repeats > 1) {
		const struct exp_node *params = random ? exp_node_get(random, "params") : NULL;
		const struct exp_node *swept = grid ? exp_node_get(grid, "seed") : NULL;

		if (!swept && params)
			swept = exp_node_get(params, "seed");
		if (swept)
			return exp_config_errorf(err, exp_node_get(sec, "repeats"),
						 "'repeats' and a swept 'seed' together: repeats vary the seed, so sweep the seed or repeat, not both");
	}
	rc = expand(s, grid, 0, &p, random, repeats, err);
	point_free(&p);
	if (rc < 0)
		return rc;

	/* Every trial's config must load, so an error shows before any runs. */
	/* The definition: the base config (less the sweep), then the trials. */
	struct buf def = { 0 };
	char *flat = exp_node_flatten(cfg->tree);
	if (!flat)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (char *line = flat; *line;) {
		char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);

		if (strncmp(line, "sweep.", 6) != 0)
			buf_add(&def, "config %.*s\n", len, line);
		line += len + (end ? 1 : 0);
	}
	free(flat);
	for (size_t i = 0; i < s->ntrials; i++) {
		const struct exp_trial *t = &s->trials[i];
		struct exp_config tc;
		size_t k, nsets;
		char **sets = trial_sets(s, i, &nsets);

		if (!sets) {
			free(def.s);
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		}
		rc = exp_config_load(&tc, cfg->path, (const char *const *)sets, nsets, err);
		/* The objective must be a column every trial fills. */
		char why[1024];
		if (rc == 0 && !exp_metrics_fills(&tc, s->metric, why, sizeof(why))) {
			const struct exp_node *obj = exp_node_get(sec, "objective");
			const struct exp_node *m = exp_node_get(obj, "metric");
			char which[64] = "";

			if (s->ntrials > 1)
				snprintf(which, sizeof(which), " (trial %s)", t->id);
			rc = exp_config_errorf(err, m ? m : obj ? obj : sec, "objective %s%s", why, which);
			exp_config_fini(&tc);
			free_sets(sets);
			free(def.s);
			return rc;
		}
		exp_config_fini(&tc);
		free_sets(sets);
		if (rc < 0) {
			free(def.s);
			char msg[NN_ERR_MAX];
			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			return nn_errorf(err, NN_EINVAL, "%s: trial %s does not load: %s", cfg->path, t->id, msg);
		}
		buf_add(&def, "trial %s", t->id);
		for (k = 0; k < t->nparams; k++)
			buf_add(&def, " %s=%s", t->keys[k], t->values[k]);
		buf_add(&def, " seed=%llu\n", t->seed);
	}
	buf_add(&def, "objective %s %s\n", s->metric, s->maximize ? "max" : "min");
	s->definition = def.s;
	return 0;
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

/* --- trial status files ----------------------------------------------------- */

enum state { PENDING, RUNNING, DONE, FAILED, DIVERGED, PRUNED };
static const char *const state_names[] = { "pending", "running", "done", "failed", "diverged", "pruned" };

struct status {
	enum state state;
	long pid;
	char host[128];
	double heartbeat;       /* seconds since the epoch */
	int attempt;
	char note[512];
};

static double wall(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int write_status_fn(FILE *f, void *ctx, struct nn_err *err)
{
	const struct status *st = ctx;

	(void)err;
	fprintf(f, "state: %s\npid: %ld\nhost: %s\nheartbeat: %.3f\nattempt: %d\nnote: %s\n",
		state_names[st->state], st->pid, st->host, st->heartbeat, st->attempt, st->note);
	return 0;
}

static int write_status(const char *tdir, const struct status *st, struct nn_err *err)
{
	char path[4800];

	snprintf(path, sizeof(path), "%s/status", tdir);
	return exp_write_atomic(path, write_status_fn, (void *)st, err);
}

static void read_status(const char *tdir, struct status *st)
{
	char path[4800], line[1024];
	FILE *f;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/status", tdir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = '\0';
		v += strspn(v, " ");
		v[strcspn(v, "\n")] = '\0';
		if (!strcmp(line, "state")) {
			for (int i = 0; i < 6; i++)
				if (!strcmp(v, state_names[i]))
					st->state = (enum state)i;
		} else if (!strcmp(line, "pid")) {
			st->pid = atol(v);
		} else if (!strcmp(line, "host")) {
			snprintf(st->host, sizeof(st->host), "%s", v);
		} else if (!strcmp(line, "heartbeat")) {
			st->heartbeat = atof(v);
		} else if (!strcmp(line, "attempt")) {
			st->attempt = atoi(v);
		} else if (!strcmp(line, "note")) {
			snprintf(st->note, sizeof(st->note), "%s", v);
		}
	}
	fclose(f);
}

/* The trial's last sign of life: its heartbeat file or status. */
static double last_beat(const char *tdir, const struct status *st)
{
	char path[4800];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/heartbeat", tdir);
	if (stat(path, &sb) == 0 && (double)sb.st_mtime > st->heartbeat)
		return (double)sb.st_mtime;
	return st->heartbeat;
}

static void hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) < 0)
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
}

/* A trial marked running whose process is gone (or silent too long). */
static int is_stale(const char *tdir, const struct status *st)
{
	char host[128];

	hostname(host, sizeof(host));
	if (!strcmp(st->host, host) && st->pid > 0 && kill((pid_t)st->pid, 0) < 0 && errno == ESRCH)
		return 1;
	return wall() - last_beat(tdir, st) > STALE_SECONDS;
}

/* --- reading a trial's metrics ------------------------------------------------ */

/* A trial's metrics.csv (none yet: no rows). */
static void read_metrics(const char *tdir, struct exp_metrics *m)
{
	char path[4800];

	snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
	if (exp_metrics_read(m, path, NULL) < 0)
		exp_metrics_fini(m);
}

/* The objective column of dir/metrics.csv into vals (up to cap epochs);
 * returns the number of epochs, or 0. */
static size_t read_metric(const char *tdir, const char *metric, double *vals, size_t cap)
{
	struct exp_metrics m;
	long col;
	size_t n = 0;

	read_metrics(tdir, &m);
	col = exp_metrics_column(&m, metric);
	for (size_t r = 0; col >= 0 && r < m.nrows && n < cap; r++)
		vals[n++] = m.values[r * m.ncols + (size_t)col];
	exp_metrics_fini(&m);
	return n;
}

/* --- running --------------------------------------------------------------- */

struct slot {
	pid_t pid;          /* the trial's process (local), or nonzero while busy (MPI) */
	size_t trial;
	int pruned;
	size_t pruned_epoch;
};

/* Where trials run: child processes here, or MPI ranks. */
struct executor {
	int nslots;
	/* Starts trial i (attempt) in free slot k; returns 0 or a code. */
	int (*start)(struct executor *x, const struct exp_sweep *s, const char *dir, int k,
		     size_t i, int attempt, struct nn_err *err);
	/* A slot whose trial ended: returns its index and wait status, or -1. */
	int (*reap)(struct executor *x, struct slot *slots, int *status);
	/* Asks slot k's trial to stop cleanly. */
	void (*stop)(struct executor *x, const struct exp_sweep *s, const char *dir, struct slot *sl);
	/* Ends the workers. */
	void (*close)(struct executor *x);
};

static void trial_dir(const char *dir, const struct exp_trial *t, char *out, size_t len)
{
	snprintf(out, len, "%s/trials/%s", dir, t->id);
}

/* Empties a trial directory (for a fresh start), keeping nothing. */
static void clear_dir(const char *tdir)
{
	DIR *d = opendir(tdir);
	struct dirent *e;
	char path[4800];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tdir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static pid_t launch(const struct exp_sweep *s, const char *dir, size_t i, int attempt,
		    struct nn_err *err)
{
	const struct exp_trial *t = &s->trials[i];
	char tdir[4400], exe[4096], heartbeat[4500], log[4500], result[4500];
	const char **argv;
	char **sets;
	size_t n = 0, nsets;
	ssize_t len;
	pid_t pid;

	trial_dir(dir, t, tdir, sizeof(tdir));
	clear_dir(tdir);
	if (exp_mkdirs(tdir, err) < 0)
		return -1;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return nn_errorf(err, NN_EIO, "cannot find the nnlab program: %s", strerror(errno));
	exe[len] = '\0';
	snprintf(heartbeat, sizeof(heartbeat), "%s/heartbeat", tdir);
	snprintf(result, sizeof(result), "%s/result", tdir);
	snprintf(log, sizeof(log), "%s/log.txt", tdir);
	sets = trial_sets(s, i, &nsets);
	argv = sets ? malloc((2 * nsets + 16) * sizeof(*argv)) : NULL;
	if (!argv) {
		free_sets(sets);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	argv[n++] = exe;
	argv[n++] = "run";
	argv[n++] = s->cfg->path;
	for (size_t k = 0; k < nsets; k++) {
		argv[n++] = "--set";
		argv[n++] = sets[k];
	}
	argv[n++] = "--out";
	argv[n++] = tdir;
	argv[n++] = "--heartbeat";
	argv[n++] = heartbeat;
	argv[n++] = "--result";
	argv[n++] = result;
	if (s->cfg->plugin_file) {
		argv[n++] = "--plugin";
		argv[n++] = s->cfg->plugin_file;
	}
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct status st = { RUNNING, (long)getpid(), "", wall(), attempt, "" };
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_RDONLY);

		hostname(st.host, sizeof(st.host));
		/* Marked running before it starts, by the process itself. */
		if (write_status(tdir, &st, NULL) < 0 || fd < 0)
			_exit(EXIT_BOOKKEEPING);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		/* Stop cleanly when the sweep process dies, even by kill -9:
		 * the trial stays marked running with a dead pid, and a resumed
		 * sweep runs it again from scratch. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(125);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	free(argv);
	free_sets(sets);
	if (pid < 0)
		return nn_errorf(err, NN_EIO, "cannot start a trial: %s", strerror(errno));
	return pid;
}

/* Records the end state of a trial from its exit and its log. Returns 0,
 * or a code when the trial's bookkeeping cannot be written (a full disk):
 * the sweep must stop then, or it would run the trial again forever. */
static int finish(const struct exp_sweep *s, const char *dir, const struct slot *sl, int status,
		  int stopping, FILE *log, struct nn_err *err)
{
	const struct exp_trial *t = &s->trials[sl->trial];
	char tdir[4400], path[4500], last[NN_ERR_MAX] = "";
	struct status st;
	int outcome;

	trial_dir(dir, t, tdir, sizeof(tdir));
	read_status(tdir, &st);
	/* The run's own account of its end, from its outcome file. */
	snprintf(path, sizeof(path), "%s/result", tdir);
	outcome = exp_result_read(path, last, sizeof(last));
	st.pid = 0;
	st.heartbeat = wall();
	if (sl->pruned) {
		st.state = PRUNED;
		snprintf(st.note, sizeof(st.note), "pruned after epoch %zu: below the median of finished trials",
			 sl->pruned_epoch);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		st.state = DONE;
		st.note[0] = '\0';
	} else if (stopping) {
		st.state = PENDING;   /* stopped with the sweep: runs again on resume */
		snprintf(st.note, sizeof(st.note), "stopped with the sweep");
	} else if (WIFSIGNALED(status)) {
		st.state = st.attempt < MAX_ATTEMPTS ? PENDING : FAILED;
		snprintf(st.note, sizeof(st.note), "killed by signal %d%s", WTERMSIG(status),
			 st.state == PENDING ? "; it runs again" : "");
	} else if (outcome == EXP_OUTCOME_DIVERGED) {
		st.state = DIVERGED;
		snprintf(st.note, sizeof(st.note), "%.500s", last);
	} else {
		st.state = FAILED;
		snprintf(st.note, sizeof(st.note), "%.500s", last[0] ? last : "failed without a message");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_BOOKKEEPING)
		return nn_errorf(err, NN_EIO, "trial %s could not write its status or log in '%s' (is the disk full?)",
				 t->id, tdir);
	int rc = write_status(tdir, &st, err);
	if (rc < 0)
		return rc;
	if (log) {
		char label[1024], best[160] = "";
		struct exp_metrics m;
		double v;
		long e;

		/* The objective the trial reached, as the results will rank it. */
		read_metrics(tdir, &m);
		e = exp_metrics_best(&m, exp_metrics_column(&m, s->metric), s->maximize, &v);
		if (e >= 0 && strstr(s->metric, "accuracy"))
			snprintf(best, sizeof(best), ", best %s %.2f%% at epoch %ld", s->metric, 100 * v, e);
		else if (e >= 0)
			snprintf(best, sizeof(best), ", best %s %.6g at epoch %ld", s->metric, v, e);
		exp_metrics_fini(&m);
		fprintf(log, "%s: %s%s%s%s\n", trial_label(s, sl->trial, label, sizeof(label)),
			state_names[st.state], best, st.note[0] ? ": " : "", st.note);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median pruning: stops a running trial whose objective at some epoch is
 * worse than the median of the finished trials at that epoch. */
static void prune(const struct exp_sweep *s, const char *dir, struct slot *slots, int nslots,
		  struct executor *x)
{
	double mine[4096], *theirs;
	size_t n = s->ntrials;

	theirs = malloc(n * sizeof(double));
	if (!theirs)
		return;
	for (int k = 0; k < nslots; k++) {
		char tdir[4400];
		size_t epochs;

		if (!slots[k].pid || slots[k].pruned)
			continue;
		trial_dir(dir, &s->trials[slots[k].trial], tdir, sizeof(tdir));
		epochs = read_metric(tdir, s->metric, mine, 4096);
		if (epochs <= s->prune_warmup)
			continue;
		size_t e = epochs - 1, m = 0;
		for (size_t i = 0; i < n; i++) {
			char odir[4400];
			struct status st;
			double vals[4096];

			trial_dir(dir, &s->trials[i], odir, sizeof(odir));
			read_status(odir, &st);
			if (st.state != DONE)
				continue;
			if (read_metric(odir, s->metric, vals, 4096) > e && !isnan(vals[e]))
				theirs[m++] = vals[e];
		}
		if (m < s->prune_min_trials || isnan(mine[e]))
			continue;
		qsort(theirs, m, sizeof(double), cmp_double);
		double median = m % 2 ? theirs[m / 2] : (theirs[m / 2 - 1] + theirs[m / 2]) / 2;
		if (s->maximize ? mine[e] < median : mine[e] > median) {
			slots[k].pruned = 1;
			slots[k].pruned_epoch = e;
			x->stop(x, s, dir, &slots[k]);
		}
	}
	free(theirs);
}

static int write_definition(FILE *f, void *ctx, struct nn_err *err)
{
	(void)err;
	fputs(ctx, f);
	return 0;
}

/* Claims dir for this definition: new, or holding the same one, and
 * locked against other sweeps. Returns the lock (for exp_unlock_dir) or a
 * negative code. */
static int claim_dir(const struct exp_sweep *s, char *dir, size_t len, int force, FILE *log,
		     struct nn_err *err)
{
	char path[4800], *old;
	size_t oldlen;
	int rc, lock;

	for (int k = 2;; k++) {
		if ((rc = exp_mkdirs(dir, err)) < 0 || (lock = exp_lock_dir(dir, "sweep", err)) < 0)
			return rc < 0 ? rc : lock;
		snprintf(path, sizeof(path), "%s/definition.txt", dir);
		if (access(path, F_OK) != 0)
			break;
		if ((rc = exp_read_file(path, &old, &oldlen, err)) < 0) {
			exp_unlock_dir(lock);
			return rc;
		}
		if (!strcmp(old, s->definition)) {
			free(old);
			exp_remove_temps(dir);
			if (log)
				fprintf(log, "resuming the sweep in %s\n", dir);
			return lock;
		}
		exp_unlock_dir(lock);
		if (!force) {
			/* Say what changed: the first line that differs each way. */
			char gone[512] = "", added[512] = "";

			for (char *line = old; *line && !gone[0];) {
				char *end = strchr(line, '\n');
				size_t n = end ? (size_t)(end - line + 1) : strlen(line);
				char probe[600];

				snprintf(probe, sizeof(probe), "%.*s", (int)n, line);
				if (!strstr(s->definition, probe))
					snprintf(gone, sizeof(gone), "%.*s", (int)(n - (end ? 1 : 0)), line);
				line += n;
			}
			for (char *line = s->definition; *line && !added[0];) {
				char *end = strchr(line, '\n');
				size_t n = end ? (size_t)(end - line + 1) : strlen(line);
				char probe[600];

				snprintf(probe, sizeof(probe), "%.*s", (int)n, line);
				if (!strstr(old, probe))
					snprintf(added, sizeof(added), "%.*s", (int)(n - (end ? 1 : 0)), line);
				line += n;
			}
			free(old);
			return nn_errorf(err, NN_EINVAL,
					 "the sweep in '%s' has another definition (was: '%s'; now: '%s'); "
					 "use --force to start a new sweep directory", dir,
					 gone[0] ? gone : "-", added[0] ? added : "-");
		}
		free(old);
		/* --force: the next free DIR-N; never mixes results. */
		char base[4080];
		snprintf(base, sizeof(base), "%.4000s", dir);
		char *dash = strrchr(base, '-');
		if (k > 2 && dash)
			*dash = '\0';
		snprintf(dir, len, "%s-%d", base, k);
	}
	snprintf(path, sizeof(path), "%s/trials", dir);
	if ((rc = exp_mkdirs(path, err)) < 0) {
		exp_unlock_dir(lock);
		return rc;
	}
	exp_remove_temps(dir);
	snprintf(path, sizeof(path), "%s/definition.txt", dir);
	if (log)
		fprintf(log, "sweep of %zu trials in %s\n", s->ntrials, dir);
	if ((rc = exp_write_atomic(path, write_definition, s->definition, err)) < 0) {
		exp_unlock_dir(lock);
		return rc;
	}
	return lock;
}

/* --- the local executor: child processes ------------------------------------ */

static int local_start(struct executor *x, const struct exp_sweep *s, const char *dir, int k,
		       size_t i, int attempt, struct nn_err *err)
{
	struct slot *slots = (struct slot *)(x + 1);
	pid_t pid = launch(s, dir, i, attempt, err);

	if (pid < 0)
		return err ? err->code : NN_EIO;
	slots[k] = (struct slot){ pid, i, 0, 0 };
	return 0;
}

static int local_reap(struct executor *x, struct slot *slots, int *status)
{
	for (int k = 0; k < x->nslots; k++)
		if (slots[k].pid && waitpid(slots[k].pid, status, WNOHANG) == slots[k].pid)
			return k;
	return -1;
}

static void local_stop(struct executor *x, const struct exp_sweep *s, const char *dir,
		       struct slot *sl)
{
	(void)x;
	(void)s;
	(void)dir;
	kill(sl->pid, SIGTERM);
}

static void local_close(struct executor *x)
{
	(void)x;
}

/* After a sweep has ended: an error when a trial failed (an error or a
 * crash, not a divergence or pruning, which are results), so the exit
 * status says whether every trial finished. */
static int check_failed(const struct exp_sweep *s, const char *dir, struct nn_err *err)
{
	size_t failed = 0;
	const char *first = NULL;

	for (size_t i = 0; i < s->ntrials; i++) {
		char tdir[4400];
		struct status st;

		trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
		read_status(tdir, &st);
		if (st.state == FAILED) {
			failed++;
			first = first ? first : s->trials[i].id;
		}
	}
	if (failed)
		return nn_errorf(err, NN_EIO, "%zu of %zu trials failed (the first: trial %s); see '%s/results.csv'",
				 failed, s->ntrials, first, dir);
	return 0;
}

/* The coordinator: starts pending trials in free slots, reaps them,
 * prunes, and keeps results.csv current, until every trial has ended. */
static int coordinate(struct exp_sweep *s, const struct exp_sweep_opts *opts, char *dir,
		      struct executor *x, struct slot *slots, struct nn_err *err)
{
	int jobs = x->nslots, rc = 0, stopping = 0;
	unsigned char *ended = calloc(s->ntrials + 1, 1);  /* known ended: not read again */

	if (!ended)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (;;) {
		int busy = 0, waiting = 0, k, status;

		if (opts->stop && *opts->stop && !stopping) {
			stopping = 1;
			for (k = 0; k < jobs; k++)
				if (slots[k].pid)
					x->stop(x, s, dir, &slots[k]);
		}
		while ((k = x->reap(x, slots, &status)) >= 0) {
			int frc = finish(s, dir, &slots[k], status, stopping, opts->log, rc < 0 ? NULL : err);

			slots[k].pid = 0;
			if (frc == 0)
				frc = exp_sweep_results(s, dir, rc < 0 ? NULL : err);
			if (frc < 0 && rc == 0) {
				/* Stop the others and report this, not their ends. */
				rc = frc;
				stopping = 1;
				for (int j = 0; j < jobs; j++)
					if (slots[j].pid)
						x->stop(x, s, dir, &slots[j]);
			}
		}
		for (k = 0; k < jobs; k++)
			busy += slots[k].pid != 0;
		if (s->prune && !stopping)
			prune(s, dir, slots, jobs, x);
		/* Start trials that are pending, or were left running by a dead
		 * process, in the free slots. */
		for (size_t i = 0; !stopping && busy < jobs && i < s->ntrials; i++) {
			char tdir[4400];
			struct status st;
			int mine = 0;

			if (ended[i])
				continue;
			for (k = 0; k < jobs; k++)
				mine |= slots[k].pid && slots[k].trial == i;
			if (mine)
				continue;
			trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
			read_status(tdir, &st);
			if (st.state == DONE || st.state == FAILED || st.state == DIVERGED || st.state == PRUNED) {
				ended[i] = 1;
				continue;
			}
			if (st.state == RUNNING && !is_stale(tdir, &st)) {
				waiting++;  /* alive elsewhere: wait for it to end or die */
				continue;
			}
			for (k = 0; slots[k].pid; k++)
				;
			if ((rc = x->start(x, s, dir, k, i, st.attempt + 1, err)) < 0) {
				stopping = 1;
				break;
			}
			if (opts->log) {
				char label[1024];

				fprintf(opts->log, "%s: started%s\n", trial_label(s, i, label, sizeof(label)),
					st.state == RUNNING ? " again (its process died)" : "");
			}
			busy++;
		}
		if (!busy && (!waiting || stopping))
			break;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	free(ended);
	if (rc < 0) {
		exp_sweep_results(s, dir, NULL);
		return rc;
	}
	if ((rc = exp_sweep_results(s, dir, err)) < 0)
		return rc;
	if (stopping)
		return nn_errorf(err, NN_EINTR, "stopped; run the same command again to resume the sweep in '%s'", dir);
	return 0;
}

/* The charts of a finished sweep (unless the config turns charts off):
 * its report, overlay and heatmap. */
static void sweep_report(const char *dir, FILE *log)
{
	struct nn_err err = { 0, "" };

	if (exp_report(dir, NULL, &err) < 0 && log)
		fprintf(log, "nnlab: warning: no sweep report: %s\n", err.msg);
	else if (log)
		fprintf(log, "results in %s/results.csv and summary.md; report in %s/report.html\n", dir, dir);
}

#ifdef NNLAB_MPI
/* --- the MPI executor: rank 0 coordinates, the other ranks run trials ----- */

#include <mpi.h>

enum { TAG_WORK = 1, TAG_RESULT, TAG_STOP };

static int mpi_start(struct executor *x, const struct exp_sweep *s, const char *dir, int k,
		     size_t i, int attempt, struct nn_err *err)
{
	struct slot *slots = (struct slot *)(x + 1);
	int work[2] = { (int)i, attempt };

	(void)s;
	(void)dir;
	(void)err;
	MPI_Send(work, 2, MPI_INT, k + 1, TAG_WORK, MPI_COMM_WORLD);
	slots[k] = (struct slot){ (pid_t)(k + 1), i, 0, 0 };
	return 0;
}

static int mpi_reap(struct executor *x, struct slot *slots, int *status)
{
	int flag, res[2];
	MPI_Status st;

	(void)x;
	MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
	if (!flag)
		return -1;
	MPI_Recv(res, 2, MPI_INT, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &st);
	*status = res[1];
	(void)slots;
	return st.MPI_SOURCE - 1;
}

/* The trial runs on another host: ask through a file its rank watches. */
static void mpi_stop(struct executor *x, const struct exp_sweep *s, const char *dir,
		     struct slot *sl)
{
	char tdir[4400], path[4800];
	int fd;

	(void)x;
	trial_dir(dir, &s->trials[sl->trial], tdir, sizeof(tdir));
	snprintf(path, sizeof(path), "%s/stop-request", tdir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

static void mpi_close(struct executor *x)
{
	for (int k = 0; k < x->nslots; k++)
		MPI_Send(NULL, 0, MPI_INT, k + 1, TAG_STOP, MPI_COMM_WORLD);
}

/* A worker rank: runs the trials rank 0 sends until told to stop. */
static void mpi_worker(const struct exp_sweep *s, const char *dir, volatile sig_atomic_t *stop)
{
	for (;;) {
		int work[2], res[2], status = 0, asked = 0;
		MPI_Status st;
		struct nn_err err = { 0, "" };
		char tdir[4400], req[4800];

		MPI_Recv(work, 2, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
		if (st.MPI_TAG == TAG_STOP)
			return;
		trial_dir(dir, &s->trials[work[0]], tdir, sizeof(tdir));
		snprintf(req, sizeof(req), "%s/stop-request", tdir);
		pid_t pid = launch(s, dir, (size_t)work[0], work[1], &err);
		if (pid < 0) {
			status = 1 << 8;  /* as an exit status of 1 */
		} else {
			while (waitpid(pid, &status, WNOHANG) != pid) {
				if (!asked && ((stop && *stop) || access(req, F_OK) == 0)) {
					kill(pid, SIGTERM);
					asked = 1;
				}
				struct timespec ts = { 0, 50 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
		}
		unlink(req);
		res[0] = work[0];
		res[1] = status;
		MPI_Send(res, 2, MPI_INT, 0, TAG_RESULT, MPI_COMM_WORLD);
	}
}

int exp_sweep_run_mpi(struct exp_sweep *s, const struct exp_sweep_opts *opts, struct nn_err *err)
{
	char dir[4096];
	int rank, size, rc = 0, ok, lock = -1;

	MPI_Init(NULL, NULL);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	snprintf(dir, sizeof(dir), "%s", opts->dir);
	if (size < 2) {
		MPI_Finalize();
		return nn_errorf(err, NN_EINVAL, "--mpi needs at least 2 ranks (mpirun -np N, N >= 2): rank 0 coordinates, the others run trials");
	}
	/* Rank 0 claims the directory; the others learn where it is. */
	if (rank == 0) {
		lock = claim_dir(s, dir, sizeof(dir), opts->force, opts->log, err);
		rc = lock < 0 ? lock : 0;
	}
	ok = rc == 0;
	MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, MPI_COMM_WORLD);
	if (!ok) {
		MPI_Finalize();
		return rank == 0 ? rc : nn_errorf(err, NN_EINVAL, "rank 0 could not start the sweep");
	}
	if (rank == 0) {
		struct executor *x = calloc(1, sizeof(*x) + (size_t)(size - 1) * sizeof(struct slot));

		if (!x) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		} else {
			*x = (struct executor){ size - 1, mpi_start, mpi_reap, mpi_stop, mpi_close };
			rc = coordinate(s, opts, dir, x, (struct slot *)(x + 1), err);
			x->close(x);
			free(x);
			if (rc == 0 && s->cfg->charts)
				sweep_report(dir, opts->log);
			if (rc == 0)
				rc = check_failed(s, dir, err);
		}
		exp_unlock_dir(lock);
	} else {
		mpi_worker(s, dir, opts->stop);
	}
	MPI_Finalize();
	/* Workers report nothing; rank 0 speaks for the sweep. */
	return rank == 0 ? rc : 0;
}
#endif

int exp_sweep_run(struct exp_sweep *s, const struct exp_sweep_opts *opts, struct nn_err *err)
{
	char dir[4096];
	int jobs = opts->jobs > 0 ? opts->jobs : 1, rc, lock;
	struct executor *x;

	snprintf(dir, sizeof(dir), "%s", opts->dir);
	if ((lock = claim_dir(s, dir, sizeof(dir), opts->force, opts->log, err)) < 0)
		return lock;
	/* The slots live right after the executor. */
	x = calloc(1, sizeof(*x) + (size_t)jobs * sizeof(struct slot));
	if (!x) {
		exp_unlock_dir(lock);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	*x = (struct executor){ jobs, local_start, local_reap, local_stop, local_close };
	rc = coordinate(s, opts, dir, x, (struct slot *)(x + 1), err);
	x->close(x);
	free(x);
	if (rc == 0 && s->cfg->charts)
		sweep_report(dir, opts->log);
	if (rc == 0)
		rc = check_failed(s, dir, err);
	exp_unlock_dir(lock);
	return rc;
}

/* --- results ---------------------------------------------------------------- */

struct row {
	int maximize;
	size_t trial;
	struct status st;
	double best, final;
	size_t best_epoch, epochs;
	double seconds;
};

static int by_best(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int m = x->maximize;

	if (isnan(x->best) != isnan(y->best))
		return isnan(x->best) ? 1 : -1;
	return m ? (x->best < y->best) - (x->best > y->best) : (x->best > y->best) - (x->best < y->best);
}

struct results {
	const struct exp_sweep *s;
	struct row *rows;
	int sorted;
};

static void put_csv_field(FILE *f, const char *v)
{
	if (strpbrk(v, ",\"\n")) {
		fputc('"', f);
		for (; *v; v++) {
			if (*v == '"')
				fputc('"', f);
			fputc(*v, f);
		}
		fputc('"', f);
	} else {
		fputs(v, f);
	}
}

static int write_results_csv(FILE *f, void *ctx, struct nn_err *err)
{
	const struct results *r = ctx;
	const struct exp_sweep *s = r->s;
	const struct exp_trial *t0 = &s->trials[0];

	(void)err;
	fputs("trial", f);
	for (size_t k = 0; k < t0->nparams; k++) {
		fputc(',', f);
		put_csv_field(f, t0->keys[k]);
	}
	fprintf(f, ",seed,status,best_%s,best_epoch,final_%s,epochs,seconds,note\n", s->metric, s->metric);
	for (size_t i = 0; i < s->ntrials; i++) {
		const struct row *w = &r->rows[i];
		const struct exp_trial *t = &s->trials[w->trial];

		fputs(t->id, f);
		for (size_t k = 0; k < t->nparams; k++) {
			fputc(',', f);
			put_csv_field(f, t->values[k]);
		}
		fprintf(f, ",%llu,%s,", t->seed, state_names[w->st.state]);
		if (w->epochs)
			fprintf(f, "%.6g,%zu,%.6g,%zu,%.1f,", w->best, w->best_epoch, w->final, w->epochs, w->seconds);
		else
			fputs(",,,0,,", f);
		put_csv_field(f, w->st.note);
		fputc('\n', f);
	}
	return 0;
}

static int write_summary(FILE *f, void *ctx, struct nn_err *err)
{
	const struct results *r = ctx;
	const struct exp_sweep *s = r->s;
	const struct exp_trial *t0 = &s->trials[0];
	size_t count[6] = { 0 };

	(void)err;
	for (size_t i = 0; i < s->ntrials; i++)
		count[r->rows[i].st.state]++;
	fprintf(f, "# Sweep of %s\n\n%zu trials: %zu done, %zu running, %zu pending, %zu failed, %zu diverged, %zu pruned. "
		"Sorted by the best %s over epochs (%s is better).\n\n",
		s->cfg->path, s->ntrials, count[DONE], count[RUNNING], count[PENDING], count[FAILED],
		count[DIVERGED], count[PRUNED], s->metric, s->maximize ? "higher" : "lower");
	fputs("| trial |", f);
	for (size_t k = 0; k < t0->nparams; k++)
		fprintf(f, " %s |", t0->keys[k]);
	fprintf(f, " seed | status | best %s | epoch | epochs | seconds |\n|---|", s->metric);
	for (size_t k = 0; k < t0->nparams; k++)
		fputs("---|", f);
	fputs("---|---|---:|---:|---:|---:|\n", f);
	for (size_t i = 0; i < s->ntrials; i++) {
		const struct row *w = &r->rows[i];
		const struct exp_trial *t = &s->trials[w->trial];

		fprintf(f, "| %s |", t->id);
		for (size_t k = 0; k < t->nparams; k++)
			fprintf(f, " %s |", t->values[k]);
		fprintf(f, " %llu | %s |", t->seed, state_names[w->st.state]);
		if (w->epochs)
			fprintf(f, " %.6g | %zu | %zu | %.1f |\n", w->best, w->best_epoch, w->epochs, w->seconds);
		else
			fputs(" | | | |\n", f);
	}
	return 0;
}

int exp_sweep_results(const struct exp_sweep *s, const char *dir, struct nn_err *err)
{
	struct results r = { s, calloc(s->ntrials ? s->ntrials : 1, sizeof(struct row)), 0 };
	char path[4800];
	int rc;

	if (!r.rows)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->ntrials; i++) {
		struct row *w = &r.rows[i];
		char tdir[4400];
		struct exp_metrics m;

		w->trial = i;
		w->maximize = s->maximize;
		trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
		read_status(tdir, &w->st);
		read_metrics(tdir, &m);
		long col = exp_metrics_column(&m, s->metric), sec = exp_metrics_column(&m, "seconds");
		long best = exp_metrics_best(&m, col, s->maximize, &w->best);
		w->epochs = m.nrows;
		w->best_epoch = best < 0 ? 0 : (size_t)best;
		if (best < 0)
			w->best = NAN;
		w->final = col >= 0 && m.nrows ? m.values[(m.nrows - 1) * m.ncols + (size_t)col] : NAN;
		for (size_t e = 0; sec >= 0 && e < m.nrows; e++) {
			double v = m.values[e * m.ncols + (size_t)sec];

			w->seconds += isnan(v) ? 0 : v;
		}
		exp_metrics_fini(&m);
	}
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	rc = exp_write_atomic(path, write_results_csv, &r, err);
	qsort(r.rows, s->ntrials, sizeof(struct row), by_best);
	snprintf(path, sizeof(path), "%s/summary.md", dir);
	if (rc == 0)
		rc = exp_write_atomic(path, write_summary, &r, err);
	free(r.rows);
	return rc;
}

#include "exp_trial.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_run.h"

const char *exp_trial_label(const struct exp_sweep *s, size_t i, char *buf, size_t len)
{
	const struct exp_trial *t = &s->trials[i];
	/* A tpe sweep's trials so far are fewer than it will run. */
	size_t total = s->tpe && s->budget * s->repeats > s->ntrials ? s->budget * s->repeats : s->ntrials;
	size_t n = (size_t)snprintf(buf, len, "trial %zu/%zu (%s)", i + 1, total, t->id);

	for (size_t k = 0; k < t->nparams && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, " %s=%s", t->keys[k], t->values[k]);
	if (n < len)
		snprintf(buf + n, len - n, " seed=%llu", t->seed);
	return buf;
}

/* --- trial status files ----------------------------------------------------- */

const char *const exp_trial_state_names[EXP_TRIAL_NSTATES] = { "pending", "running", "done", "failed",
								  "diverged", "pruned" };

static double wall(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int write_status_fn(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_trial_status *st = ctx;

	(void)err;
	fprintf(f, "state: %s\npid: %ld\nhost: %s\nheartbeat: %.3f\nattempt: %d\nnote: %s\n",
		exp_trial_state_names[st->state], st->pid, st->host, st->heartbeat, st->attempt, st->note);
	return 0;
}

int exp_trial_write_status(const char *tdir, const struct exp_trial_status *st, struct nn_err *err)
{
	char path[4800];

	snprintf(path, sizeof(path), "%s/status", tdir);
	return exp_fs_write_atomic(path, write_status_fn, (void *)st, err);
}

void exp_trial_read_status(const char *tdir, struct exp_trial_status *st)
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
			for (int i = 0; i < EXP_TRIAL_NSTATES; i++)
				if (!strcmp(v, exp_trial_state_names[i]))
					st->state = (enum exp_trial_state)i;
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
static double last_beat(const char *tdir, const struct exp_trial_status *st)
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
int exp_trial_is_stale(const char *tdir, const struct exp_trial_status *st)
{
	char host[128];

	hostname(host, sizeof(host));
	if (!strcmp(st->host, host) && st->pid > 0 && kill((pid_t)st->pid, 0) < 0 && errno == ESRCH)
		return 1;
	return wall() - last_beat(tdir, st) > EXP_TRIAL_STALE_SECONDS;
}

int exp_trial_is_orphan(const struct exp_trial_status *st)
{
	char host[128], path[64], comm[32] = "";
	long ppid = 0;
	FILE *f;

	hostname(host, sizeof(host));
	if (strcmp(st->host, host) || st->pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", st->pid);
	if (!(f = fopen(path, "r")))
		return 0;
	/* pid (comm) state ppid: comm may hold spaces, so from its last ')'. */
	char line[512], *close;
	if (fgets(line, sizeof(line), f) && (close = strrchr(line, ')')))
		sscanf(close + 1, " %*c %ld", &ppid);
	fclose(f);
	if (ppid <= 1)
		return ppid == 1;
	snprintf(path, sizeof(path), "/proc/%ld/comm", ppid);
	if ((f = fopen(path, "r"))) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	return strncmp(comm, "nnlab", 5) != 0;
}

/* A trial's objective per epoch: a new array (NAN where empty) and its
 * length in *n; NULL with *n = 0 when there is none yet. */
double *exp_trial_objective(const struct exp_sweep *s, const char *tdir, size_t *n)
{
	struct exp_metrics m;
	long col;
	double *vals = NULL;

	exp_trial_metrics(tdir, &m);
	col = exp_metrics_column(&m, s->metric);
	*n = 0;
	if (col >= 0 && m.nrows && (vals = malloc(m.nrows * sizeof(*vals)))) {
		for (size_t r = 0; r < m.nrows; r++)
			vals[r] = m.values[r * m.ncols + (size_t)col];
		*n = m.nrows;
	}
	exp_metrics_fini(&m);
	return vals;
}

/* A trial's metrics.csv (none yet: no rows). */
void exp_trial_metrics(const char *tdir, struct exp_metrics *m)
{
	char path[4800];

	snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
	if (exp_metrics_read(m, path, NULL) < 0)
		exp_metrics_fini(m);
}

void exp_trial_dir(const char *dir, const struct exp_trial *t, char *out, size_t len)
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

/* A trial's files and how its run is started. */
struct launch {
	char tdir[4400], exe[4096], heartbeat[4500], log[4500], result[4500], cache[4200];
	int resume;      /* it goes on from its checkpoint */
	int attempt;
};

/* The argv of trial i's 'nnlab run' (free it; sets stays borrowed). */
static const char **trial_argv(const struct exp_sweep *s, const struct launch *l, char **sets,
			       size_t nsets)
{
	const char **argv = malloc((2 * nsets + 16) * sizeof(*argv));
	size_t n = 0;

	if (!argv)
		return NULL;
	argv[n++] = l->exe;
	argv[n++] = "run";
	argv[n++] = s->cfg->path;
	for (size_t k = 0; k < nsets; k++) {
		argv[n++] = "--set";
		argv[n++] = sets[k];
	}
	argv[n++] = "--out";
	argv[n++] = l->tdir;
	argv[n++] = "--heartbeat";
	argv[n++] = l->heartbeat;
	argv[n++] = "--result";
	argv[n++] = l->result;
	if (l->resume)
		argv[n++] = "--resume";
	if (s->cfg->charts && s->trial_charts != EXP_SWEEP_ALL_CHARTS)
		argv[n++] = "--charts-later";
	if (s->cfg->data.plugin_file) {
		argv[n++] = "--plugin";
		argv[n++] = s->cfg->data.plugin_file;
	}
	argv[n] = NULL;
	return argv;
}

/* In the child: marks the trial running, its output into log.txt, and
 * becomes its run. Never returns. */
static void run_child(const struct launch *l, const char **argv)
{
	struct exp_trial_status st = { EXP_TRIAL_RUNNING, (long)getpid(), "", wall(), l->attempt, "" };
	int fd = open(l->log, O_WRONLY | O_CREAT | (l->resume ? O_APPEND : O_TRUNC), 0644);
	int null = open("/dev/null", O_RDONLY);

	hostname(st.host, sizeof(st.host));
	/* Marked running before it starts, by the process itself. */
	if (exp_trial_write_status(l->tdir, &st, NULL) < 0 || fd < 0)
		_exit(EXP_TRIAL_EXIT_BOOKKEEPING);
	dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	/* Stop cleanly when the sweep process dies, even by kill -9: the
	 * trial stays marked running with a dead pid, and a resumed sweep runs
	 * it again, from its checkpoint when it has one. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(125);
	/* The run gets the signals the sweep held back for itself. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The sweep's trials share the data they decode (see the mnist
	 * plugin), in the sweep's directory, unless the caller says where. */
	if (!getenv("NNLAB_DATA_CACHE"))
		setenv("NNLAB_DATA_CACHE", l->cache, 1);
	/* The sweep's own program, even when a rebuild has replaced
	 * (unlinked) the file it was started from: every trial of a sweep runs
	 * the same nnlab. */
	execv("/proc/self/exe", (char *const *)argv);
	execv(l->exe, (char *const *)argv);
	_exit(127);
}

pid_t exp_trial_launch(const struct exp_sweep *s, const char *dir, size_t i, int attempt,
		       struct nn_err *err)
{
	struct launch l = { .attempt = attempt };
	const char **argv;
	char **sets;
	size_t nsets;
	ssize_t len;
	pid_t pid;

	exp_trial_dir(dir, &s->trials[i], l.tdir, sizeof(l.tdir));
	snprintf(l.cache, sizeof(l.cache), "%s/.data-cache", dir);
	/* A trial that was stopped or killed after a scored epoch goes on
	 * from its checkpoint (the sweep's definition, checked on resume,
	 * makes it the same run); any other starts afresh. */
	snprintf(l.result, sizeof(l.result), "%s/checkpoint", l.tdir);
	l.resume = access(l.result, R_OK) == 0;
	if (!l.resume)
		clear_dir(l.tdir);
	if (exp_fs_mkdirs(l.tdir, err) < 0)
		return -1;
	if ((len = readlink("/proc/self/exe", l.exe, sizeof(l.exe) - 1)) <= 0)
		return nn_errorf(err, NN_EIO, "cannot find the nnlab program: %s", strerror(errno));
	l.exe[len] = '\0';
	snprintf(l.heartbeat, sizeof(l.heartbeat), "%s/heartbeat", l.tdir);
	snprintf(l.result, sizeof(l.result), "%s/result", l.tdir);
	unlink(l.result);   /* an earlier attempt's end, never taken for this one's */
	snprintf(l.log, sizeof(l.log), "%s/log.txt", l.tdir);
	sets = exp_sweep_trial_sets(s, i, &nsets);
	if (!sets || !(argv = trial_argv(s, &l, sets, nsets))) {
		exp_sweep_free_sets(sets);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	fflush(NULL);
	if ((pid = fork()) == 0)
		run_child(&l, argv);
	free(argv);
	exp_sweep_free_sets(sets);
	if (pid < 0)
		return nn_errorf(err, NN_EIO, "cannot start a trial: %s", strerror(errno));
	return pid;
}

int exp_trial_finish(const struct exp_sweep *s, const char *dir, size_t i, int pruned,
		     size_t pruned_epoch, int status, int stopping, FILE *log, struct nn_err *err)
{
	const struct exp_trial *t = &s->trials[i];
	char tdir[4400], path[4500], last[NN_ERR_MAX] = "";
	struct exp_trial_status st;
	int outcome;

	exp_trial_dir(dir, t, tdir, sizeof(tdir));
	exp_trial_read_status(tdir, &st);
	/* The run's own account of its end, from its outcome file. */
	snprintf(path, sizeof(path), "%s/result", tdir);
	outcome = exp_run_result_read(path, last, sizeof(last), NULL);
	st.pid = 0;
	st.heartbeat = wall();
	if (pruned) {
		st.state = EXP_TRIAL_PRUNED;
		snprintf(st.note, sizeof(st.note), s->asha ? "pruned after epoch %zu: not in the top 1/%zu at its rung" :
						     "pruned after epoch %zu: below the median of finished trials",
			 pruned_epoch, s->asha_reduction);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		st.state = EXP_TRIAL_DONE;
		st.note[0] = '\0';
	} else if (stopping) {
		st.state = EXP_TRIAL_PENDING;   /* stopped with the sweep: runs again on resume */
		snprintf(st.note, sizeof(st.note), "stopped with the sweep");
	} else if (WIFSIGNALED(status)) {
		st.state = st.attempt < EXP_TRIAL_MAX_ATTEMPTS ? EXP_TRIAL_PENDING : EXP_TRIAL_FAILED;
		snprintf(st.note, sizeof(st.note), "killed by signal %d%s", WTERMSIG(status),
			 st.state == EXP_TRIAL_PENDING ? "; it runs again" : "");
	} else if (outcome == EXP_OUTCOME_DIVERGED) {
		st.state = EXP_TRIAL_DIVERGED;
		snprintf(st.note, sizeof(st.note), "%.500s", last);
	} else {
		st.state = EXP_TRIAL_FAILED;
		snprintf(st.note, sizeof(st.note), "%.500s", last[0] ? last : "failed without a message");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXP_TRIAL_EXIT_BOOKKEEPING)
		return nn_errorf(err, NN_EIO, "trial %s could not write its status or log in '%s' (is the disk full?)",
				 t->id, tdir);
	int rc = exp_trial_write_status(tdir, &st, err);
	if (rc < 0)
		return rc;
	if (log) {
		char label[1024], best[160] = "";
		struct exp_metrics m;
		double v;
		long e;

		/* The objective the trial reached, as the results will rank it. */
		exp_trial_metrics(tdir, &m);
		e = exp_metrics_best(&m, exp_metrics_column(&m, s->metric), s->maximize, s->cfg->monitor.ties, &v);
		if (e >= 0 && strstr(s->metric, "accuracy"))
			snprintf(best, sizeof(best), ", best %s %.2f%% at epoch %ld", s->metric, 100 * v, e);
		else if (e >= 0)
			snprintf(best, sizeof(best), ", best %s %.6g at epoch %ld", s->metric, v, e);
		exp_metrics_fini(&m);
		fprintf(log, "%s: %s%s%s%s\n", exp_trial_label(s, i, label, sizeof(label)),
			exp_trial_state_names[st.state], best, st.note[0] ? ": " : "", st.note);
	}
	return 0;
}

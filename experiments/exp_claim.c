#include "exp_claim.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_fs.h"

static int write_definition(FILE *f, void *ctx, struct nn_err *err)
{
	(void)err;
	fputs(ctx, f);
	return 0;
}

/* The first line of text that other does not hold, without its newline,
 * into out ("" when every line is there). */
static void first_line_missing(const char *text, const char *other, char *out, size_t len)
{
	out[0] = '\0';
	for (const char *line = text; *line && !out[0];) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);
		char probe[600];

		snprintf(probe, sizeof(probe), "%.*s", (int)n, line);
		if (!strstr(other, probe))
			snprintf(out, len, "%.*s", (int)(n - (end ? 1 : 0)), line);
		line += n;
	}
}

/* Claims dir for this definition: new, or holding the same one, and
 * locked against other sweeps (--force: the next free DIR-N, written back
 * into dir). Returns the lock (for exp_fs_unlock_dir) or a negative code. */
static int claim_dir(const struct exp_sweep *s, char *dir, size_t len, int force, FILE *log, struct nn_err *err)
{
	char path[4800], *old;
	size_t oldlen;
	int rc, lock;

	for (int k = 2;; k++) {
		if ((rc = exp_fs_mkdirs(dir, err)) < 0 || (lock = exp_fs_lock_dir(dir, "sweep", err)) < 0)
			return rc < 0 ? rc : lock;
		snprintf(path, sizeof(path), "%s/definition.txt", dir);
		if (access(path, F_OK) != 0)
			break;
		if ((rc = exp_fs_read_file(path, &old, &oldlen, err)) < 0) {
			exp_fs_unlock_dir(lock);
			return rc;
		}
		if (!strcmp(old, s->definition)) {
			free(old);
			exp_fs_remove_temps(dir);
			if (log)
				fprintf(log, "resuming the sweep in %s\n", dir);
			return lock;
		}
		exp_fs_unlock_dir(lock);
		if (!force) {
			/* Say what changed: the first line that differs each way. */
			char gone[512], added[512];

			first_line_missing(old, s->definition, gone, sizeof(gone));
			first_line_missing(s->definition, old, added, sizeof(added));
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
	if ((rc = exp_fs_mkdirs(path, err)) < 0) {
		exp_fs_unlock_dir(lock);
		return rc;
	}
	exp_fs_remove_temps(dir);
	snprintf(path, sizeof(path), "%s/definition.txt", dir);
	if ((rc = exp_fs_write_atomic(path, write_definition, s->definition, err)) < 0) {
		exp_fs_unlock_dir(lock);
		return rc;
	}
	return lock;
}

/* Removes what a claim made in dir (a sweep that never started). */
static void unclaim(const char *dir)
{
	char path[4400], file[4700];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/.data-cache", dir);
	if ((d = opendir(path))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
				unlink(file);
			}
		closedir(d);
		rmdir(path);
	}
	snprintf(path, sizeof(path), "%s/trials", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/definition.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.lock", dir);
	unlink(path);
	rmdir(dir);
}

int exp_claim_checked(const struct exp_sweep *s, const struct exp_sweep_opts *opts, char *dir, size_t len,
		      struct nn_err *err)
{
	char path[4400];
	int had, lock, rc;

	snprintf(path, sizeof(path), "%s/definition.txt", opts->dir);
	had = access(path, F_OK) == 0;
	if ((lock = claim_dir(s, dir, len, opts->force, opts->log, err)) < 0)
		return lock;
	/* The data decoded once for the sweep: this process's check and
	 * charts read it through the cache the trials share (see the mnist
	 * plugin), unless the caller says where. */
	snprintf(path, sizeof(path), "%s/.data-cache", dir);
	if (!getenv("NNLAB_DATA_CACHE"))
		setenv("NNLAB_DATA_CACHE", path, 1);
	rc = opts->check ? opts->check(s, err) : 0;
	if (rc == 0) {
		if (opts->log && (!had || strcmp(dir, opts->dir)))
			fprintf(opts->log, "sweep of %zu trials in %s\n", s->ntrials, dir);
		return lock;
	}
	if (!had || strcmp(dir, opts->dir))
		unclaim(dir);
	exp_fs_unlock_dir(lock);
	return rc;
}

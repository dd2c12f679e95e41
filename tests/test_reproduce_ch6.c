/* scripts/reproduce-ch6.sh end to end on tiny nets: the rows run as
 * sweeps (two seeds at a time with JOBS=2), each run is scored by
 * network3.py's rule (the test accuracy at the last epoch of best
 * validation accuracy), unfinished runs stay out of the table and the
 * vote (a run still going is listed as unfinished), and REPORT_ONLY=1
 * rewrites the report alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"

static char dir[4096];

static void mkdirs(const char *rel)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0777);
			*p = '/';
		}
	mkdir(path, 0777);
}

/* A config of the chapter-6 directory: a tiny dense net on tiny data. */
static void write_row(const char *name, const char *comments)
{
	char path[4300], text[8192];

	snprintf(text, sizeof(text),
		 "%s"
		 "name: %s\n"
		 "charts: false\n"
		 "data:\n"
		 "  plugin: mnist\n"
		 "  options:\n"
		 "    dir: %s/data\n"
		 "  validation_size: 50\n"
		 "model:\n"
		 "  layers: [36, 12, 10]\n"
		 "train:\n"
		 "  epochs: 3\n"
		 "  batch_size: 10\n"
		 "  eta: 3.0\n"
		 "monitor:\n"
		 "  ties: last\n",
		 comments, name, dir);
	snprintf(path, sizeof(path), "%s/configs/book/ch6/%s.yaml", dir, name);
	th_write_str(path, text);
}

/* Runs the script in dir with the environment assignments env; returns
 * its exit status and its output in *out. */
static int script(const char *env, char **out)
{
	char cmd[16384], log[4300];
	int rc;

	snprintf(log, sizeof(log), "%s/script.out", dir);
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s sh '%s/scripts/reproduce-ch6.sh' '%s/nnlab' > '%s' 2>&1", dir,
		 env, NNLAB_SOURCE_DIR, NNLAB_BUILD_DIR, log);
	rc = system(cmd);
	*out = th_read(log, NULL);
	cr_assert_not_null(*out);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The report line that starts with prefix, copied into buf. */
static const char *line_of(const char *report, const char *prefix, char *buf, size_t len)
{
	for (const char *p = report; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix))) {
			size_t n = strcspn(p, "\n");

			snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
			return buf;
		}
	return NULL;
}

/* The trial directory of ROW's seed SEED (its only one). */
static void trial_dir(const char *row, int seed, char *out, size_t len)
{
	char cmd[8192];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -d '%s'/runs/book/ch6/%s/seed-%d/trials/*", dir, row, seed);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(out, (int)len, p), "no trial for %s seed %d", row, seed);
	out[strcspn(out, "\n")] = 0;
	pclose(p);
}

/* The start of ROW's seed SEED's line under Runs: "| ROW | seed-SEED/trials/ID | ". */
static const char *run_line(const char *row, int seed, char *out, size_t len)
{
	char trial[4300];

	trial_dir(row, seed, trial, sizeof(trial));
	snprintf(out, len, "| %s | %s | ", row, strstr(trial, "/seed-") + 1);
	return out;
}

Test(reproduce_ch6, scores_each_run_by_network3s_rule_and_votes_over_finished_nets)
{
	char data[4300], path[4400], trial[4300], buf[512], want[512], *out, *report;
	const char *evalv[8];
	char d1[4300], d2[4300], d3[4300], *eval_out = NULL, run[4400], line[4500];

	th_tmpdir(dir, sizeof(dir));
	snprintf(data, sizeof(data), "%s/data", dir);
	mkdir(data, 0777);
	th_write_mnist(data, 400, 100, 6, 6, 1, 77);
	mkdirs("configs/book/ch6");
	write_row("a", "# book: 50.00\n# ensemble: 51.00 (a vote)\n");
	write_row("b", "# book: 99.99\n");

	cr_assert_eq(script("JOBS=0", &out), 2, "%s", out);
	cr_assert(strstr(out, "JOBS is '0'"), "%s", out);
	free(out);
	cr_assert_eq(script("JOBS=2 SEEDS='1 2' ENSEMBLE_SEEDS='1 2 3'", &out), 0, "%s", out);
	free(out);
	snprintf(path, sizeof(path), "%s/runs/book/REPORT-ch6.md", dir);
	report = th_read(path, NULL);
	cr_assert_not_null(report);
	/* Row b: two seeds, far below its book number. */
	cr_assert_not_null(line_of(report, "| b | 99.99 |", buf, sizeof(buf)), "%s", report);
	cr_assert(strstr(buf, "| 2 | 3 |") && strstr(buf, "**below**"), "%s", buf);
	cr_assert_not_null(line_of(report, "| a | 50.00 |", buf, sizeof(buf)), "%s", report);
	cr_assert(strstr(buf, "| 3 | 3 |") && !strstr(buf, "below"), "%s", buf);
	/* Two at a time: each on half the cores. */
	{
		long cores = sysconf(_SC_NPROCESSORS_ONLN);

		snprintf(want, sizeof(want), " | %ld |", cores / 2 > 1 ? cores / 2 : 1);
		snprintf(line, sizeof(line), "%sdone | ", run_line("b", 2, run, sizeof(run)));
		cr_assert_not_null(line_of(report, line, buf, sizeof(buf)), "%s", report);
		cr_assert(strlen(buf) > strlen(want) && !strcmp(buf + strlen(buf) - strlen(want), want),
			  "%s: threads not%s", buf, want);
	}

	/* The vote is nnlab eval's over the three nets. */
	trial_dir("a", 1, d1, sizeof(d1));
	trial_dir("a", 2, d2, sizeof(d2));
	trial_dir("a", 3, d3, sizeof(d3));
	*strstr(d1, "/trials/") = 0;
	*strstr(d2, "/trials/") = 0;
	*strstr(d3, "/trials/") = 0;
	snprintf(path, sizeof(path), "%s/configs/book/ch6/a.yaml", dir);
	evalv[0] = "eval", evalv[1] = d1, evalv[2] = d2, evalv[3] = d3, evalv[4] = path, evalv[5] = NULL;
	cr_assert_eq(th_nnlab(&eval_out, NULL, evalv), 0);
	{
		const char *v = strstr(eval_out, "plurality vote of 3 models: ");

		cr_assert_not_null(v, "%s", eval_out);
		v = strchr(v, '(');
		cr_assert_not_null(v);
		snprintf(want, sizeof(want), "| a, vote of 3 | 51.00 | %.*s |", (int)strcspn(v + 1, "%"), v + 1);
	}
	cr_assert_not_null(strstr(report, want), "%s not in\n%s", want, report);
	free(eval_out);
	free(report);

	/* Seed 1's scores made by hand: validation 40, 45, 45, 44 of 50, so
	 * the best is the later tie, epoch 2 (87 of 100); seed 3 stopped. */
	trial_dir("a", 1, trial, sizeof(trial));
	snprintf(path, sizeof(path), "%s/metrics.csv", trial);
	th_write_str(path,
		     "epoch,eval_correct,eval_total,validation_correct,validation_total,seconds\n"
		     "0,80,100,40,50,1.25\n"
		     "1,85,100,45,50,1.25\n"
		     "2,87,100,45,50,1.5\n"
		     "3,90,100,44,50,2\n");
	trial_dir("a", 3, trial, sizeof(trial));
	snprintf(path, sizeof(path), "%s/result", trial);
	th_write_str(path, "outcome: stopped\nmessage: \n");
	/* Row b's seed 2 as a run still going (or killed): no result file. */
	trial_dir("b", 2, trial, sizeof(trial));
	snprintf(path, sizeof(path), "%s/result", trial);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(script("REPORT_ONLY=1", &out), 0, "%s", out);
	cr_assert_null(strstr(out, "reproduce-ch6: a, seed"), "REPORT_ONLY ran a row:\n%s", out);
	free(out);
	snprintf(path, sizeof(path), "%s/runs/book/REPORT-ch6.md", dir);
	report = th_read(path, NULL);
	snprintf(line, sizeof(line), "%sdone | 87.00 | 2 | 4 | 6 |", run_line("a", 1, run, sizeof(run)));
	cr_assert_not_null(line_of(report, line, buf, sizeof(buf)), "%s", report);
	snprintf(line, sizeof(line), "%sstopped |", run_line("a", 3, run, sizeof(run)));
	cr_assert_not_null(line_of(report, line, buf, sizeof(buf)), "%s", report);
	cr_assert_not_null(line_of(report, "| a | 50.00 | ", buf, sizeof(buf)), "%s", report);
	cr_assert(strstr(buf, "| 2 | 3 |"), "seed 3 counted: %s", buf);
	cr_assert_not_null(line_of(report, "| a, vote of 2 |", buf, sizeof(buf)), "%s", report);
	snprintf(line, sizeof(line), "%sunfinished |", run_line("b", 2, run, sizeof(run)));
	cr_assert_not_null(line_of(report, line, buf, sizeof(buf)), "%s", report);
	cr_assert_not_null(line_of(report, "| b | 99.99 |", buf, sizeof(buf)), "%s", report);
	cr_assert(strstr(buf, "| 1 | 3 |"), "row b counts its unfinished run: %s", buf);
	free(report);
}

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exp_table.h"
#include "helpers.h"

/* A run directory with the given metrics rows (epoch, validation_correct,
 * eval_correct, seconds), outcome and ties. */
static void run(const char *dir, const char *rows, const char *outcome, const char *ties)
{
	char path[4200], cmd[4300], text[4096];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/metrics.csv", dir);
	snprintf(text, sizeof(text), "epoch,validation_correct,validation_total,eval_correct,eval_total,seconds\n%s",
		 rows);
	th_write_str(path, text);
	if (outcome) {
		snprintf(path, sizeof(path), "%s/result", dir);
		snprintf(text, sizeof(text), "outcome: %s\nmessage: \nseconds: 9\n", outcome);
		th_write_str(path, text);
	}
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	snprintf(text, sizeof(text), "train:\n  threads: 2\nmonitor:\n  every: 1\n%s", ties ? ties : "");
	th_write_str(path, text);
}

/* Rows of runs as make reproduce-ch6 lays them out: each run scored at
 * its best validation epoch by its own tie rule (the last of tied epochs
 * under ties: last, the first otherwise), only done runs in a row's
 * numbers, a vote's line from its eval.csv, rows named only by a
 * reference not yet run. */
Test(exp_table, rows_score_each_run_by_its_own_rule)
{
	char dir[256], path[4200], *text;
	size_t len;

	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/a-row/seed-1/trials/x1", dir);
	/* Validation ties at epochs 1 and 2: the last gives 9,900 of 10,000. */
	run(path, "0,90,100,9000,10000,1.5\n1,95,100,9800,10000,1.5\n2,95,100,9900,10000,1.5\n", "done",
	    "  ties: last\n");
	snprintf(path, sizeof(path), "%s/a-row/seed-2/trials/x2", dir);
	/* The same under ties: first gives epoch 1's 9,800. */
	run(path, "0,90,100,9000,10000,2\n1,95,100,9800,10000,2\n2,95,100,9900,10000,2\n", "done", NULL);
	snprintf(path, sizeof(path), "%s/a-row/seed-3/trials/x3", dir);
	run(path, "0,99,100,9990,10000,1\n", NULL, NULL);
	snprintf(path, sizeof(path), "%s/a-row/vote", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a-row/vote/eval.csv", dir);
	th_write_str(path, "model,epochs,correct,total\nm1,3,9900,10000\nm2,3,9800,10000\nvote,,9950,10000\n");
	snprintf(path, sizeof(path), "%s/table.md", dir);

	FILE *f = fopen(path, "w");
	const struct exp_table_ref refs[] = { { "a-row", 99.5 }, { "a-row/vote", 99.4 }, { "b-row", 98.0 } };
	struct nn_err err = { 0, "" };
	cr_assert_eq(exp_table_write(dir, refs, 3, f, &err), 0, "%s", err.msg);
	fclose(f);
	text = th_read(path, &len);
	cr_assert(strstr(text, "| a-row | 99.50 | 99.00 | 98.50 | -0.50 | 2 | 3 | 5 | **below** |\n"), "%s", text);
	cr_assert(strstr(text, "| a-row, vote of 2 | 99.40 | 99.50 | | +0.10 | | | | |\n"), "%s", text);
	cr_assert(strstr(text, "| b-row | 98.00 | not yet run | | | 0 | | | |\n"), "%s", text);
	cr_assert(strstr(text, "| a-row | seed-1/trials/x1 | done | 99.00 | 2 | 3 | 4 | 2 |\n"), "%s", text);
	cr_assert(strstr(text, "| a-row | seed-2/trials/x2 | done | 98.00 | 1 | 3 | 6 | 2 |\n"), "%s", text);
	cr_assert(strstr(text, "| a-row | seed-3/trials/x3 | unfinished | 99.90 | 0 | 1 | 1 | 2 |\n"), "%s", text);
	free(text);
	/* No such directory: an error naming it. */
	snprintf(path, sizeof(path), "%s/none", dir);
	f = fopen("/dev/null", "w");
	cr_assert_eq(exp_table_write(path, NULL, 0, f, &err), NN_EIO);
	fclose(f);
	cr_assert(strstr(err.msg, "none"), "%s", err.msg);
}

#include "exp_sweep_page.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_html.h"
#include "exp_report.h"
#include "exp_results.h"
#include "exp_sweep_charts.h"
#include "exp_sweep_points.h"
#include "exp_yaml.h"

/* The objective in words; the eval columns score the test split unless
 * the sweep's config says validation. */
static void objective_words(struct exp_sweep_view *pg)
{
	char path[4400], *def = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/definition.txt", pg->dir);
	exp_fs_read_file(path, &def, &len, NULL);
	exp_metrics_words(pg->r->metric, def && strstr(def, "\nconfig data.eval=validation\n") ? "validation" : "test",
			  pg->words, sizeof(pg->words));
	free(def);
}

/* --- the page ----------------------------------------------------------- */

static void put_objective(FILE *f, const struct exp_sweep_view *pg, double v)
{
	if (isnan(v))
		fputs("<td></td>", f);
	else
		fprintf(f, "<td data-v=\"%.9g\">%.*f</td>", v, pg->percent ? 2 : 4, exp_sweep_shown(pg, v));
}

/* A trial's ID, linked to its run page when it has one. */
static void put_trial(FILE *f, const struct exp_sweep_view *pg, size_t row)
{
	char page[4500];
	const char *id = pg->r->rows[row].id;

	snprintf(page, sizeof(page), "%s/trials/%s/report.html", pg->dir, id);
	if (access(page, R_OK) == 0)
		fprintf(f, "<a href=\"trials/%s/report.html\">%s</a>", id, id);
	else
		fputs(id, f);
}

static const char sort_script[] =
	"<script>\n"
	"/* Sorts a table by the column whose header is clicked (again: the other way). */\n"
	"document.querySelectorAll('table.sortable').forEach(function (table) {\n"
	"  table.querySelectorAll('thead th').forEach(function (th, col) {\n"
	"    th.addEventListener('click', function () {\n"
	"      var body = table.tBodies[0], rows = Array.from(body.rows);\n"
	"      var up = th.getAttribute('data-order') !== 'up';\n"
	"      var key = function (row) {\n"
	"        var cell = row.cells[col], v = cell.getAttribute('data-v');\n"
	"        return v !== null ? parseFloat(v) : cell.textContent;\n"
	"      };\n"
	"      rows.sort(function (a, b) {\n"
	"        var x = key(a), y = key(b);\n"
	"        var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));\n"
	"        return up ? c : -c;\n"
	"      });\n"
	"      rows.forEach(function (row) { body.appendChild(row); });\n"
	"      th.setAttribute('data-order', up ? 'up' : 'down');\n"
	"    });\n"
	"  });\n"
	"});\n"
	"/* Shows the rows of the trials' table whose text holds what is typed; a\n"
	" * click on a row marks it. */\n"
	"(function () {\n"
	"  var input = document.getElementById('filter'), table = document.getElementById('trials');\n"
	"  if (!input || !table) return;\n"
	"  var rows = Array.from(table.tBodies[0].rows), shown = document.getElementById('shown');\n"
	"  input.addEventListener('input', function () {\n"
	"    var want = input.value.trim().toLowerCase(), n = 0;\n"
	"    rows.forEach(function (row) {\n"
	"      var keep = !want || row.textContent.toLowerCase().indexOf(want) >= 0;\n"
	"      row.style.display = keep ? '' : 'none';\n"
	"      n += keep;\n"
	"    });\n"
	"    shown.textContent = want ? n + ' of ' + rows.length + ' rows' : '';\n"
	"  });\n"
	"  rows.forEach(function (row) {\n"
	"    row.addEventListener('click', function () { row.classList.toggle('marked'); });\n"
	"  });\n"
	"})();\n"
	"</script>\n";

/* The page's head: the counts by status and how the table ranks. */
/* The trials running now, each with its epochs so far of its total, and
 * the time left at the pace of the trials ended so far (their mean wall
 * time, as many at once as run now). */
static void running_now(FILE *f, const struct exp_sweep_view *pg, size_t running, size_t pending)
{
	double sum = 0;
	size_t ended = 0;

	for (size_t i = 0; i < pg->r->nrows; i++)
		if (!isnan(pg->r->rows[i].seconds)) {
			sum += pg->r->rows[i].seconds;
			ended++;
		}
	fputs("</p>\n<h2>Running now</h2>\n", f);
	if (running)
		fputs("<ul class=\"running\">\n", f);
	for (size_t i = 0; i < pg->r->nrows; i++) {
		const struct exp_results_row *w = &pg->r->rows[i];
		char tdir[4400], path[4500];
		struct exp_metrics m;
		struct nn_err err;
		struct exp_node *tree;
		const struct exp_node *ep;

		if (strcmp(w->status, "running"))
			continue;
		exp_sweep_trial_dir(pg, i, tdir, sizeof(tdir));
		snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
		size_t done = exp_metrics_read(&m, path, NULL) == 0 ? m.nrows : 0;
		exp_metrics_fini(&m);
		snprintf(path, sizeof(path), "%s/config.yaml", tdir);
		tree = exp_yaml_load_file(path, path, &err);
		ep = exp_node_get(exp_node_get(tree, "train"), "epochs");
		fprintf(f, "<li><a href=\"trials/%s/report.html\">%s</a>", w->id, w->id);
		for (size_t k = 0; k < pg->r->nparams; k++) {
			fputc(' ', f);
			exp_html_escape(f, pg->r->keys[k]);
			fputc('=', f);
			exp_html_escape(f, w->values[k]);
		}
		fprintf(f, " seed=%llu: %zu epoch%s done", w->seed, done, done == 1 ? "" : "s");
		if (ep && ep->kind == EXP_SCALAR) {
			fputs(" of ", f);
			exp_html_escape(f, ep->value);
		}
		fputs("</li>\n", f);
		exp_node_free(tree);
	}
	fputs(running ? "</ul>\n<p>" : "<p>Between trials. ", f);
	if (ended)
		fprintf(f, "%zu trial%s ended, %zu to go; about %.0f s left at their pace (%.1f s a trial, %zu at once).",
			ended, ended == 1 ? "" : "s", pending + running,
			sum / (double)ended * ((double)pending + 0.5 * (double)running) / (double)(running ? running : 1),
			sum / (double)ended, running ? running : 1);
	else
		fputs("No trial has ended yet: the time left shows once one has.", f);
}

static void page_head(FILE *f, const struct exp_sweep_view *pg)
{
	static const char *const states[] = { "done", "running", "pending", "failed", "diverged", "pruned" };
	size_t counts[6] = { 0 };
	char title[4500];

	for (size_t i = 0; i < pg->r->nrows; i++)
		for (int s = 0; s < 6; s++)
			counts[s] += !strcmp(pg->r->rows[i].status, states[s]);
	snprintf(title, sizeof(title), "sweep %s", pg->dir);
	/* A sweep still going (its process holds the directory) reloads. */
	if ((counts[1] || counts[2]) && exp_fs_dir_busy(pg->dir))
		exp_html_head_live(f, title);
	else
		exp_html_head(f, title);
	fprintf(f, "<p class=\"counts\">%zu trial%s:", pg->r->nrows, pg->r->nrows == 1 ? "" : "s");
	for (int s = 0; s < 6; s++)
		fprintf(f, " <span class=\"%s\">%zu %s</span>", states[s], counts[s], states[s]);
	if ((counts[1] || counts[2]) && exp_fs_dir_busy(pg->dir))
		running_now(f, pg, counts[1], counts[2]);
	fprintf(f, "</p>\n<p>Ranked by the best %s over a trial's epochs (%s is better)%s; the marked row is "
		"the best. Click a column's header to sort by it.</p>\n",
		pg->r->metric, pg->r->maximize ? "higher" : "lower",
		pg->sp.repeats ? ", for each point its mean over the seeds, with their standard deviation and count" : "");
}

static void table_head(FILE *f, const struct exp_sweep_view *pg)
{
	fputs("<p><label>Show the rows that hold: <input id=\"filter\" size=\"30\" "
	      "placeholder=\"a value, a status, a trial ID\"></label> <span id=\"shown\"></span></p>\n", f);
	fputs("<div class=\"scroll\"><table class=\"sortable\" id=\"trials\">\n<thead><tr><th>rank</th>", f);
	fputs(pg->sp.repeats ? "<th class=\"text\">trials</th>" : "<th class=\"text\">trial</th>", f);
	for (size_t k = 0; k < pg->r->nparams; k++) {
		fputs("<th class=\"text\">", f);
		exp_html_escape(f, pg->r->keys[k]);
		fputs("</th>", f);
	}
	if (pg->sp.repeats)
		fprintf(f, "<th>seeds</th><th class=\"text\">status</th><th>mean best %s%s</th><th>sd</th><th>n</th>",
			pg->r->metric, pg->percent ? " %" : "");
	else
		fprintf(f, "<th>seed</th><th class=\"text\">status</th><th>best %s%s</th><th>best epoch</th><th>epochs</th><th>seconds</th>",
			pg->r->metric, pg->percent ? " %" : "");
	fputs("</tr></thead>\n<tbody>\n", f);
}

/* The row of the point ranked k. */
static void table_row(FILE *f, const struct exp_sweep_view *pg, size_t k)
{
	const struct exp_point *p = &pg->sp.points[pg->sp.rank[k]];
	const struct exp_results_row *w = &pg->r->rows[p->rows[0]];

	fprintf(f, "<tr%s><td data-v=\"%zu\">%zu</td><td class=\"text\">",
		k == 0 && !isnan(p->mean) ? " class=\"best\"" : "", k + 1, k + 1);
	for (size_t j = 0; j < p->n; j++) {
		fputs(j ? " " : "", f);
		put_trial(f, pg, p->rows[j]);
	}
	fputs("</td>", f);
	for (size_t j = 0; j < pg->r->nparams; j++) {
		fprintf(f, "<td class=\"text\" data-v=\"%.9g\">", exp_axis_coord(&pg->sp.axes[j], w->values[j]));
		exp_html_escape(f, w->values[j]);
		fputs("</td>", f);
	}
	if (pg->sp.repeats) {
		size_t done = 0;

		for (size_t j = 0; j < p->n; j++)
			done += !strcmp(pg->r->rows[p->rows[j]].status, "done");
		fprintf(f, "<td>%zu</td><td class=\"text\">%zu of %zu done</td>", p->n, done, p->n);
		put_objective(f, pg, p->mean);
		if (isnan(p->mean))
			fputs("<td></td>", f);
		else
			fprintf(f, "<td data-v=\"%.9g\">%.*f</td>", p->sd, pg->percent ? 2 : 4, exp_sweep_shown(pg, p->sd));
		fprintf(f, "<td>%zu</td></tr>\n", p->count);
		return;
	}
	fprintf(f, "<td>%llu</td><td class=\"text\">", w->seed);
	exp_html_escape(f, w->status);
	fputs("</td>", f);
	put_objective(f, pg, w->best);
	if (w->best_epoch >= 0)
		fprintf(f, "<td>%ld</td>", w->best_epoch);
	else
		fputs("<td></td>", f);
	fprintf(f, "<td>%zu</td>", w->epochs);
	if (isnan(w->seconds))
		fputs("<td></td></tr>\n", f);
	else
		fprintf(f, "<td>%.1f</td></tr>\n", w->seconds);
}

/* Which swept values explain the objective: each key's share of the
 * variance of the trials' best objectives (exp_sweep_importance), largest
 * first, as a table with a bar. */
static void importance(FILE *f, const struct exp_sweep_view *pg)
{
	double share[EXP_SWEEP_MAX_PARAMS];
	size_t order[EXP_SWEEP_MAX_PARAMS], n = pg->r->nparams, shown_any = 0;

	for (size_t k = 0; k < n; k++) {
		share[k] = exp_sweep_importance(&pg->sp, k);
		order[k] = k;
		shown_any += !isnan(share[k]);
	}
	if (!shown_any)
		return;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && !(share[order[j - 1]] >= share[order[j]]); j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	fprintf(f, "<h2>What the objective depends on</h2>\n<p>For each swept value, the share of the variance of the "
		"trials' best %s that it explains alone: the trials grouped by its value (a number with more than 5 "
		"values into 5 bins of as many trials), the variance between the groups over the whole (the "
		"correlation ratio; each value alone, so the shares need not add up to 1).</p>\n"
		"<table id=\"importance\"><thead><tr><th class=\"text\">swept value</th><th>share</th><th></th></tr></thead><tbody>\n",
		pg->r->metric);
	for (size_t i = 0; i < n; i++) {
		size_t k = order[i];

		fputs("<tr><td class=\"text\">", f);
		exp_html_escape(f, pg->r->keys[k]);
		if (isnan(share[k]))
			fputs("</td><td></td><td></td></tr>\n", f);
		else
			fprintf(f, "</td><td>%.2f</td><td><span style=\"display:inline-block;height:0.8em;width:%.0fpx;"
				"background:#3b528b\"></span></td></tr>\n", share[k], 300 * share[k]);
	}
	fputs("</tbody></table>\n", f);
}

static int write_page(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;

	(void)err;
	page_head(f, pg);
	table_head(f, pg);
	for (size_t k = 0; k < pg->sp.npoints; k++)
		table_row(f, pg, k);
	fputs("</tbody></table></div>\n", f);
	importance(f, pg);
	fputs("<h2>Charts</h2>\n", f);
	if (pg->have[4])
		exp_html_image(f, pg->dir, "progress.png",
			       "each trial's best objective by its number, pruned trials marked, and the best so far");
	if (pg->have[0]) {
		const char *alt = pg->sp.repeats ? "the objective per epoch: each point's mean over its seeds, with a band from the lowest to the highest"
						 : "the objective per epoch of every trial";

		if (!exp_html_svg(f, pg->dir, "objective.svg", alt))
			exp_html_image(f, pg->dir, "objective.png", alt);
	}
	if (pg->have[1])
		exp_html_image(f, pg->dir, "heatmap.png", "the best objective over the two swept values");
	if (pg->have[2])
		exp_html_image(f, pg->dir, "parallel.png", "every swept value against the objective, a line per trial");
	if (pg->have[3])
		exp_html_image(f, pg->dir, "params.png", "the objective against each swept value, a point per trial");
	fputs(sort_script, f);
	fputs("</body>\n</html>\n", f);
	return 0;
}

/* The run page of every trial that has epochs and no page, or is still
 * going (its page changes). */
/* Whether a file the trial's page shows (its metrics, charts and outcome)
 * is newer than the page: a page made while the trial ran lacks the
 * charts its run draws at the end. */
static int page_stale(const char *tdir)
{
	char path[4800];
	struct stat page, st;
	struct dirent *e;
	DIR *d;
	int stale = 0;

	snprintf(path, sizeof(path), "%s/report.html", tdir);
	if (stat(path, &page) != 0 || !(d = opendir(tdir)))
		return 1;
	while (!stale && (e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');

		if (strcmp(e->d_name, "metrics.csv") && strcmp(e->d_name, "result") &&
		    (!dot || (strcmp(dot, ".png") && strcmp(dot, ".svg"))))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tdir, e->d_name);
		stale = stat(path, &st) == 0 &&
			(st.st_mtim.tv_sec > page.st_mtim.tv_sec ||
			 (st.st_mtim.tv_sec == page.st_mtim.tv_sec && st.st_mtim.tv_nsec > page.st_mtim.tv_nsec));
	}
	closedir(d);
	return stale;
}

static void trial_pages(const struct exp_sweep_view *pg)
{
	for (size_t i = 0; i < pg->r->nrows; i++) {
		char tdir[4400], path[4500];
		struct nn_err err;

		exp_sweep_trial_dir(pg, i, tdir, sizeof(tdir));
		snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
		if (access(path, R_OK) != 0)
			continue;
		if (strcmp(pg->r->rows[i].status, "running") && !page_stale(tdir))
			continue;
		exp_report(tdir, NULL, &err);
	}
}

int exp_sweep_page(const char *dir, FILE *log, struct nn_err *err)
{
	struct exp_results r;
	struct exp_sweep_view pg = { .dir = dir, .r = &r };
	char path[4400];
	int rc;

	if ((rc = exp_results_read(&r, dir, err)) < 0) {
		exp_results_fini(&r);
		return rc;
	}
	pg.percent = strstr(r.metric, "accuracy") != NULL;
	objective_words(&pg);
	if ((rc = exp_sweep_points(&pg.sp, &r, err)) < 0)
		goto done;
	trial_pages(&pg);
	exp_sweep_charts(&pg, log);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	if ((rc = exp_fs_write_atomic(path, write_page, &pg, err)) == 0 && log)
		fprintf(log, "wrote %s\n", path);
done:
	exp_sweep_points_fini(&pg.sp);
	exp_results_fini(&r);
	return rc;
}

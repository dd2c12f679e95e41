/* Charts and reports, with the real gnuplot (and without it, and with a
 * broken one). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "exp_config.h"
#include "exp_data.h"
#include "exp_model.h"
#include "helpers.h"
#include "nn_train.h"

static char dir[4096];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
}

TestSuite(exp_plot, .init = setup, .timeout = 120);

/* A small run of MNIST-style images of 8 rows and 10 columns into dir/OUT. */
static int small_run(const char *out, const char *path_env, char **err, const char *set)
{
	char data[4300], cfg[4300], text[8192], opath[4300];

	snprintf(data, sizeof(data), "%s/data", dir);
	mkdir(data, 0777);
	th_write_mnist(data, 300, 60, 8, 10, 1, 9);
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	snprintf(text, sizeof(text),
		 "name: tiny\ndata:\n  options:\n    dir: %s\n  validation_size: 50\n"
		 "model:\n  layers: [80, 12, 10]\ntrain:\n  epochs: 3\n  eta: 3.0\n"
		 "monitor:\n  train_accuracy: true\n  train_cost: true\n", data);
	th_write_str(cfg, text);
	snprintf(opath, sizeof(opath), "%s/%s", dir, out);
	const char *argv[] = { "run", cfg, "--out", opath, "--set", set ? set : "seed=1", NULL };
	return path_env ? th_nnlab_path(NULL, err, argv, path_env) : th_nnlab(NULL, err, argv);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks a PNG: signature, IHDR size, and pixels that are not all alike. */
static void check_png(const char *path, uint32_t want_w, uint32_t want_h)
{
	size_t len, idat_len = 0;
	unsigned char *png = (unsigned char *)th_read(path, &len), *idat = NULL;

	cr_assert_not_null(png, "no '%s'", path);
	cr_assert_gt(len, 100, "'%s' is %zu bytes", path, len);
	cr_assert_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0, "'%s' is not a PNG", path);
	cr_assert_eq(memcmp(png + 12, "IHDR", 4), 0);
	uint32_t w = be32(png + 16), h = be32(png + 20);
	if (want_w)
		cr_assert_eq(w, want_w, "'%s' is %u wide", path, w);
	if (want_h)
		cr_assert_eq(h, want_h, "'%s' is %u high", path, h);
	for (size_t off = 8; off + 12 <= len;) {
		uint32_t n = be32(png + off);

		if (!memcmp(png + off + 4, "IDAT", 4)) {
			idat = realloc(idat, idat_len + n);
			memcpy(idat + idat_len, png + off + 8, n);
			idat_len += n;
		}
		off += 12 + n;
	}
	cr_assert_gt(idat_len, 0);
	/* Inflate and count distinct byte values of the pixel data. */
	uLongf raw_len = (uLongf)w * h * 4 + h + 64;
	unsigned char *raw = malloc(raw_len);
	cr_assert_eq(uncompress(raw, &raw_len, idat, idat_len), Z_OK, "'%s': bad image data", path);
	int seen[256] = { 0 }, distinct = 0;
	for (uLongf i = 0; i < raw_len; i++)
		distinct += !seen[raw[i]]++;
	cr_assert_gt(distinct, 8, "'%s' looks blank (%d byte values)", path, distinct);
	free(raw);
	free(idat);
	free(png);
}

static void check_svg(const char *path)
{
	char cmd[8300];

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
		 "sys.exit(0 if r.tag.endswith(\"svg\") else 1)' '%s'", path);
	cr_assert_eq(system(cmd), 0, "'%s' is not an SVG document", path);
}

/* No file in d is empty, and no temporary file is left. */
static void check_no_empty_files(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	char path[8300];
	struct stat st;

	cr_assert_not_null(dp);
	while ((e = readdir(dp))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, e->d_name);
		cr_assert_eq(stat(path, &st), 0);
		cr_assert(S_ISDIR(st.st_mode) || st.st_size > 0, "'%s' is empty", path);
		/* .lock is the run's lock file; other dot files are temporary. */
		cr_assert(e->d_name[0] != '.' || !strcmp(e->d_name, ".lock"), "a temporary file was left: '%s'", path);
	}
	closedir(dp);
}

Test(exp_plot, a_run_draws_every_chart)
{
	char *err, path[4400];
	const char *charts[] = { "accuracy", "cost", "confusion", "misclassified", "weights" };

	cr_assert_eq(small_run("r", NULL, &err, NULL), 0, "%s", err);
	cr_assert_str_eq(err, "");
	for (int i = 0; i < 5; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/r/%s.png", dir, charts[i]);
		check_png(path, i < 2 ? 900 : 0, i < 2 ? 560 : 0);
		snprintf(path, sizeof(path), "%s/r/%s.svg", dir, charts[i]);
		/* SVGs are vector: the confusion matrix as rectangles; the tiled
		 * image charts get none (an embedded bitmap would blur). */
		if (i < 3) {
			check_svg(path);
			char *svg = th_read(path, NULL);
			cr_assert_null(strstr(svg, "<image"), "%s embeds a bitmap", path);
			free(svg);
			/* And the same chart as a PDF page. */
			size_t n = 0;
			snprintf(path, sizeof(path), "%s/r/%s.pdf", dir, charts[i]);
			char *pdf = th_read(path, &n);
			cr_assert(pdf && n > 1000 && !memcmp(pdf, "%PDF-", 5), "%s is no PDF", path);
			free(pdf);
		} else {
			cr_assert_neq(stat(path, &st), 0, "%s exists", path);
		}
		snprintf(path, sizeof(path), "%s/r/%s.gp", dir, charts[i]);
		char *gp = th_read(path, NULL);
		cr_assert_not_null(gp);
		cr_assert(strstr(gp, "tiny: [80, 12, 10], sigmoid, eta 3, batch 10, quadratic cost"), "%s", gp);
		free(gp);
	}
	/* The accuracy chart shows the evaluated, validation and training curves. */
	snprintf(path, sizeof(path), "%s/r/accuracy.gp", dir);
	char *gp = th_read(path, NULL);
	cr_assert(strstr(gp, "title 'on the test data'") && strstr(gp, "title 'on the validation data'") &&
		  strstr(gp, "title 'on the training data'"), "%s", gp);
	/* Few epochs: whole epochs as ticks, a marker at each, a legend. */
	cr_assert(strstr(gp, "set xtics 1\n") && strstr(gp, "linespoints") && !strstr(gp, "unset key"), "%s", gp);
	free(gp);
	snprintf(path, sizeof(path), "%s/r", dir);
	check_no_empty_files(path);
	free(err);

	/* A user can rerun a script by hand in the run directory. */
	char cmd[8400];
	snprintf(cmd, sizeof(cmd), "cd '%s/r' && rm cost.png && gnuplot cost.gp 2>/dev/null", dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/r/cost.png", dir);
	check_png(path, 900, 560);
}

Test(exp_plot, without_gnuplot_the_run_succeeds_with_a_note)
{
	char *err, path[4400], empty[4300];
	struct stat st;

	snprintf(empty, sizeof(empty), "%s/empty-bin", dir);
	mkdir(empty, 0777);
	cr_assert_eq(small_run("r", empty, &err, NULL), 0, "%s", err);
	cr_assert(strstr(err, "nnlab: note: gnuplot is not installed, so the charts are only scripts and data in "),
		  "%s", err);
	snprintf(path, sizeof(path), "%s/r/accuracy.gp", dir);
	cr_assert_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/r/confusion.dat", dir);
	cr_assert_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/r/accuracy.png", dir);
	cr_assert_neq(stat(path, &st), 0);
	free(err);
}

Test(exp_plot, a_broken_gnuplot_is_reported_and_leaves_no_empty_image)
{
	char *err, fake[4300], script[4400], path[8800];

	/* A gnuplot that creates its outputs empty and fails, as a crash would. */
	snprintf(fake, sizeof(fake), "%s/fake-bin", dir);
	mkdir(fake, 0777);
	snprintf(script, sizeof(script), "%s/gnuplot", fake);
	th_write_str(script,
		     "#!/bin/sh\n"
		     "png=$(echo \"$2\" | sed -n \"s/.*out_png='\\([^']*\\)'.*/\\1/p\")\n"
		     "[ -n \"$png\" ] && : > \"$png\"\n"
		     "echo 'fake gnuplot: cannot open font' >&2\n"
		     "exit 1\n");
	chmod(script, 0755);
	snprintf(path, sizeof(path), "%s:/usr/bin:/bin", fake);
	cr_assert_eq(small_run("r", path, &err, NULL), 0, "%s", err);
	cr_assert(strstr(err, "nnlab: warning: chart 'accuracy' failed: gnuplot failed on '"), "%s", err);
	cr_assert(strstr(err, "accuracy.gp' (exit status 1): fake gnuplot: cannot open font"), "%s", err);
	snprintf(path, sizeof(path), "%s/r", dir);
	check_no_empty_files(path);
	free(err);
}

Test(exp_plot, overlay_and_reports)
{
	char *out, *err, path[8800], runs[4300], a[4400], b[4400];

	snprintf(runs, sizeof(runs), "%s/runs", dir);
	mkdir(runs, 0777);
	/* Four runs that differ in two values: eta and the hidden layer. */
	const char *sets[] = { "train.eta=0.5", "train.eta=3" };
	for (int i = 0; i < 2; i++) {
		char *e;
		char name[64];

		snprintf(name, sizeof(name), "runs/eta%d-h12", i);
		cr_assert_eq(small_run(name, NULL, &e, sets[i]), 0, "%s", e);
		free(e);
	}
	/* Same eta values with another layer size. */
	for (int i = 0; i < 2; i++) {
		char cfgpath[4300], opath[4400];
		char *e;

		snprintf(cfgpath, sizeof(cfgpath), "%s/c.yaml", dir);
		snprintf(opath, sizeof(opath), "%s/runs/eta%d-h20", dir, i);
		const char *argv[] = { "run", cfgpath, "--out", opath, "--set", sets[i], "--set",
				       "model.layers=[80, 20, 10]", "--quiet", NULL };
		cr_assert_eq(th_nnlab(NULL, &e, argv), 0, "%s", e);
		free(e);
	}
	snprintf(a, sizeof(a), "%s/runs/eta0-h12", dir);
	snprintf(b, sizeof(b), "%s/runs/eta1-h12", dir);
	snprintf(path, sizeof(path), "%s/cmp.png", dir);
	const char *plot[] = { "plot", a, b, "-o", path, "--metric", "eval_cost", NULL };
	cr_assert_eq(th_nnlab(&out, &err, plot), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/cmp.png", dir);
	check_png(path, 1100, 560);
	snprintf(path, sizeof(path), "%s/cmp.gp", dir);
	char *gp = th_read(path, NULL);
	cr_assert(strstr(gp, "title 'eta=0.5'") && strstr(gp, "title 'eta=3'"), "%s", gp);
	free(gp);
	free(out);
	free(err);

	/* One run's page: every chart embedded, one table row per epoch. */
	const char *one[] = { "report", a, NULL };
	cr_assert_eq(th_nnlab(&out, &err, one), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/report.html", a);
	char *html = th_read(path, NULL);
	size_t imgs = 0, rows = 0;
	for (char *p = html; (p = strstr(p, "<img ")); p++)
		imgs++;
	for (char *p = strstr(html, "id=\"metrics\""); p && (p = strstr(p, "<tr")); p++)
		rows++;
	cr_assert_eq(imgs, 5, "%zu images", imgs);
	cr_assert_eq(rows, 4, "%zu rows (header and 3 epochs)", rows);
	/* Accuracies in percent, no empty column, best.json's epoch marked. */
	cr_assert(strstr(html, "<th>eval_accuracy %</th>"), "%s", html);
	cr_assert_eq(strstr(html, "<tr class=\"best\">") != NULL, 1, "no marked row");
	cr_assert(strstr(html, "<div class=\"scroll\"><table id=\"metrics\">"), "the table does not scroll");
	cr_assert(strstr(html, "src=\"data:image/png;base64,iVBORw0KGgo"), "images are not embedded");
	free(html);
	free(out);
	free(err);

	/* The directory's page: the sorted table, the overlay and the heatmap. */
	const char *all[] = { "report", runs, NULL };
	cr_assert_eq(th_nnlab(&out, &err, all), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/report.html", runs);
	html = th_read(path, NULL);
	rows = 0;
	for (char *p = strstr(html, "id=\"runs\""); p && (p = strstr(p, "<tr>")); p++)
		rows++;
	cr_assert_eq(rows, 5, "%zu rows", rows);
	cr_assert(strstr(html, "model.layers=[80, 20, 10] train.eta=0.5") ||
		  strstr(html, "model.layers=[80, 12, 10] train.eta=0.5"), "%s", html);
	cr_assert(strstr(html, "alt=\"final accuracy over the two config values the runs vary\""));
	cr_assert(strstr(html, "alt=\"accuracy of the evaluated split per epoch, every run\""));
	snprintf(path, sizeof(path), "%s/heatmap.png", runs);
	check_png(path, 700, 560);
	free(html);
	free(out);
	free(err);
}

/* The run's report in headless Chromium: every image loads, the metrics
 * table has its rows. A screenshot is kept in the build directory. */
Test(exp_plot, report_loads_in_a_real_browser)
{
	char *err, *out, cmd[32768], path[4400], shot[4400];

	if (access("/usr/bin/chromium", X_OK) != 0 ||
	    access(NNLAB_SOURCE_DIR "/tests/browser/node_modules/playwright-core", R_OK) != 0)
		cr_skip_test("needs Debian's chromium and tests/browser's playwright-core (make browser)");
	cr_assert_eq(small_run("r", NULL, &err, NULL), 0, "%s", err);
	free(err);
	snprintf(path, sizeof(path), "%s/r", dir);
	const char *argv[] = { "report", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	free(out);
	free(err);
	mkdir(NNLAB_BUILD_DIR "/test-artifacts", 0777);
	snprintf(shot, sizeof(shot), "%s/test-artifacts/report.png", NNLAB_BUILD_DIR);
	snprintf(cmd, sizeof(cmd), "node '%s/tests/browser/check-report.mjs' '%s/r/report.html' '%s' > '%s/browser.json' 2> '%s/browser.log'",
		 NNLAB_SOURCE_DIR, dir, shot, dir, dir);
	cr_assert_eq(system(cmd), 0, "the browser check failed: see %s/browser.log", dir);
	snprintf(path, sizeof(path), "%s/browser.json", dir);
	char *json = th_read(path, NULL);
	size_t images = 0;
	for (char *p = json; (p = strstr(p, "\"naturalWidth\":")); p++) {
		images++;
		cr_assert_neq(atoi(p + 15), 0, "an image did not load: %s", json);
	}
	cr_assert_eq(images, 5, "%s", json);
	cr_assert_null(strstr(json, "\"complete\":false"), "%s", json);
	cr_assert(strstr(json, "\"tables\":{\"metrics\":4}"), "%s", json);
	cr_assert(strstr(json, "\"failedRequests\":[]"), "%s", json);
	free(json);
	check_png(shot, 0, 0);
}

Test(exp_plot, plot_terminal_draws_text)
{
	char cfg[4300], opath[4300], *out, *err;

	cr_assert_eq(small_run("r", NULL, &err, NULL), 0);
	free(err);
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/t", dir);
	const char *argv[] = { "run", cfg, "--out", opath, "--plot-terminal", "--set", "charts=false", NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	cr_assert(strstr(out, "accuracy (%)"), "%s", out);
	cr_assert(strstr(out, "******") || strstr(out, "+-----"), "%s", out);
	free(out);
	free(err);
}

Test(exp_plot, a_stop_while_drawing_ends_gnuplot_and_the_run)
{
	char *err, fake[4300], script[4400], path[8800], pidfile[4400], cfg[4300];

	/* A gnuplot that hangs; the run is asked to stop while it waits. */
	snprintf(fake, sizeof(fake), "%s/fake-bin", dir);
	mkdir(fake, 0777);
	snprintf(script, sizeof(script), "%s/gnuplot", fake);
	snprintf(pidfile, sizeof(pidfile), "%s/gnuplot.pid", dir);
	snprintf(path, sizeof(path), "#!/bin/sh\necho $$ > '%s'\nexec sleep 60\n", pidfile);
	th_write_str(script, path);
	chmod(script, 0755);
	/* Writes the config and data, then runs again with the stop. */
	cr_assert_eq(small_run("first", NULL, &err, "charts=false"), 0, "%s", err);
	free(err);
	snprintf(path, sizeof(path), "%s:/usr/bin:/bin", fake);
	setenv("PATH", path, 1);
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	snprintf(path, sizeof(path), "%s/r", dir);
	const char *argv[] = { "run", cfg, "--out", path, NULL };
	time_t t0 = time(NULL);
	int rc = th_nnlab_ex(NULL, &err, argv, NULL, 2.5, SIGINT);
	cr_assert_eq(rc, 1, "exit %d: %s", rc, err);
	cr_assert_lt(time(NULL) - t0, 30, "the run waited for gnuplot");
	cr_assert(strstr(err, "was interrupted"), "%s", err);
	cr_assert(strstr(err, "nnlab: error: stopped while drawing the charts; '"), "%s", err);
	char *pid = th_read(pidfile, NULL);
	cr_assert_not_null(pid, "gnuplot never started: %s", err);
	cr_assert_lt(kill((pid_t)atol(pid), 0), 0, "gnuplot %s is still alive", pid);
	free(pid);
	/* The finished epochs' files are whole. */
	snprintf(path, sizeof(path), "%s/r/model.json", dir);
	cr_assert_not_null(th_read(path, NULL));
	free(err);
}

/* A run directory made by hand: config.yaml with dir as data.options.dir,
 * metrics.csv with two epochs of eval_accuracy. */
static void fake_run(const char *path, const char *option_dir, double acc)
{
	char file[4600], text[2048];

	mkdir(path, 0777);
	snprintf(file, sizeof(file), "%s/config.yaml", path);
	snprintf(text, sizeof(text), "name: r\ndata:\n  options:\n    dir: %s\ntrain:\n  eta: 1\n", option_dir);
	th_write_str(file, text);
	snprintf(file, sizeof(file), "%s/metrics.csv", path);
	snprintf(text, sizeof(text), "epoch,train_cost,eval_accuracy,eval_cost,seconds\n0,,%.4f,0.5,1\n1,,%.4f,0.4,1\n",
		 acc - 0.1, acc);
	th_write_str(file, text);
}

Test(exp_plot, overlays_of_runs_with_any_text_render)
{
	char runs[4300], a[4400], b[4400], c[4400], path[8800], *out, *err;

	/* Quotes, backslashes, @, &, underscores and non-ASCII in a legend
	 * once broke the script ("unexpected or unrecognized token"). */
	snprintf(runs, sizeof(runs), "%s/runs", dir);
	mkdir(runs, 0777);
	snprintf(a, sizeof(a), "%s/a", runs);
	snprintf(b, sizeof(b), "%s/b", runs);
	snprintf(c, sizeof(c), "%s/c", runs);
	fake_run(a, "\"it's a \\\"quote\\\" and \\\\ back\\\\slash\"", 0.9);
	fake_run(b, "\"@macro & amp_under caf\xc3\xa9\"", 0.8);
	fake_run(c, "plain", 0.7);
	snprintf(path, sizeof(path), "%s/o", dir);
	const char *plot[] = { "plot", a, b, c, "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, plot), 0, "%s", err);
	cr_assert(strstr(out, "wrote "), "%s", out);
	snprintf(path, sizeof(path), "%s/o.png", dir);
	check_png(path, 0, 0);
	snprintf(path, sizeof(path), "%s/o.svg", dir);
	char *svg = th_read(path, NULL);
	cr_assert(strstr(svg, "@macro &amp; amp_under caf\xc3\xa9"), "the legend lost its text");
	/* The legend shows the value as YAML writes it: "...\"quote\"...". */
	cr_assert(strstr(svg, "it's a \\\"quote\\\" and \\\\ back\\\\slash"), "the legend lost its text");
	free(svg);
	free(out);
	free(err);

	/* A directory of runs is taken as its runs, as nnlab report does. */
	snprintf(path, sizeof(path), "%s/all", dir);
	const char *all[] = { "plot", runs, "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, all), 0, "%s", err);
	cr_assert(strstr(out, "(3 runs)"), "%s", out);
	free(out);
	free(err);

	/* A metric no run holds names the columns that do. */
	const char *bad[] = { "plot", a, "--metric", "validation_accuracy", "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, bad), 2, "%s", err);
	cr_assert(strstr(err, "metrics.csv' has no column 'validation_accuracy'; its columns with values: epoch, eval_accuracy, eval_cost, seconds\n"),
		  "%s", err);
	free(out);
	free(err);
	const char *empty[] = { "plot", a, "--metric", "train_cost", "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, empty), 2, "%s", err);
	cr_assert(strstr(err, "has no values in its column 'train_cost'"), "%s", err);
	free(out);
	free(err);

	/* Without gnuplot it says it wrote the script only. */
	snprintf(path, sizeof(path), "%s/nogp", dir);
	const char *nogp[] = { "plot", a, "-o", path, NULL };
	cr_assert_eq(th_nnlab_path(&out, &err, nogp, "/nonexistent"), 0, "%s", err);
	cr_assert(strstr(out, "nogp.gp only (1 run): gnuplot is not installed"), "%s", out);
	struct stat st;
	snprintf(path, sizeof(path), "%s/nogp.png", dir);
	cr_assert_neq(stat(path, &st), 0);
	free(out);
	free(err);
}

Test(exp_plot, heatmap_cells_sit_at_their_grid_points)
{
	/* A 3x3 grid once came out sheared, values under the wrong cells. */
	static const char *const bs[] = { "20", "5", "10" }, *const eta[] = { "3", "0.05", "0.5" };
	char runs[4300], path[8800], *out, *err;

	snprintf(runs, sizeof(runs), "%s/runs", dir);
	mkdir(runs, 0777);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			char run[4400], file[4600], text[512];

			snprintf(run, sizeof(run), "%s/r%d%d", runs, i, j);
			mkdir(run, 0777);
			snprintf(file, sizeof(file), "%s/config.yaml", run);
			snprintf(text, sizeof(text), "name: r\ntrain:\n  batch_size: %s\n  eta: %s\n", bs[i], eta[j]);
			th_write_str(file, text);
			snprintf(file, sizeof(file), "%s/metrics.csv", run);
			/* The final accuracy encodes the cell: 0.BBEE... */
			snprintf(text, sizeof(text), "epoch,eval_accuracy,seconds\n0,0.1,1\n1,%s,1\n",
				 i == 0 ? (j == 0 ? "0.91" : j == 1 ? "0.92" : "0.93") :
				 i == 1 ? (j == 0 ? "0.81" : j == 1 ? "0.82" : "0.83") :
					  (j == 0 ? "0.71" : j == 1 ? "0.72" : "0.73"));
			th_write_str(file, text);
		}
	const char *argv[] = { "report", runs, NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/heatmap.dat", runs);
	char *dat = th_read(path, NULL);
	cr_assert_not_null(dat);
	/* Columns: batch_size 5, 10, 20; rows: eta 0.05, 0.5, 3 (by value). */
	static const char *const want[3][3] = {
		{ "0 0 82.00 1", "1 0 72.00 1", "2 0 92.00 1" },
		{ "0 1 83.00 1", "1 1 73.00 1", "2 1 93.00 1" },
		{ "0 2 81.00 1", "1 2 71.00 1", "2 2 91.00 1" },
	};
	const char *line = strchr(dat, '\n') + 1;
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			cr_assert_eq(strncmp(line, want[r][c], strlen(want[r][c])), 0, "cell %d,%d: %s", c, r, dat);
			line = strchr(line, '\n') + 1;
		}
	free(dat);
	snprintf(path, sizeof(path), "%s/heatmap.gp", runs);
	char *gp = th_read(path, NULL);
	cr_assert(strstr(gp, "set xtics ('5' 0, '10' 1, '20' 2)"), "%s", gp);
	cr_assert(strstr(gp, "set ytics ('0.05' 0, '0.5' 1, '3' 2)"), "%s", gp);
	free(gp);
	snprintf(path, sizeof(path), "%s/heatmap.png", runs);
	check_png(path, 700, 560);
	/* The SVG draws cells as shapes, not an embedded bitmap. */
	snprintf(path, sizeof(path), "%s/heatmap.svg", runs);
	char *svg = th_read(path, NULL);
	cr_assert_null(strstr(svg, "<image"), "a bitmap in the SVG");
	free(svg);
	free(out);
	free(err);
}

Test(exp_plot, titles_and_the_page_say_which_epoch_split_and_accuracy)
{
	char *err, *out, path[4400], f[64], want[256];

	cr_assert_eq(small_run("r", NULL, &err, "train.epochs=5"), 0, "%s", err);
	free(err);
	snprintf(path, sizeof(path), "%s/r/metrics.csv", dir);
	char *csv = th_read(path, NULL);
	/* best.json's epoch: the first of the best validation accuracy. */
	size_t kept = 0;
	double best = -1;
	for (size_t i = 0; i < th_csv_rows(csv); i++) {
		double v = atof(th_csv(csv, i, "validation_accuracy", f, sizeof(f)));

		if (v > best) {
			best = v;
			kept = i;
		}
	}
	free(csv);
	snprintf(want, sizeof(want), "epoch %zu's model (best.json: the best validation accuracy)", kept);
	static const char *const charts[] = { "confusion.gp", "misclassified.gp", "weights.gp" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/r/%s", dir, charts[i]);
		char *gp = th_read(path, NULL);

		cr_assert(strstr(gp, want), "%s lacks '%s'", charts[i], want);
		free(gp);
	}
	snprintf(path, sizeof(path), "%s/r", dir);
	const char *argv[] = { "report", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/r/report.html", dir);
	char *html = th_read(path, NULL);
	snprintf(want, sizeof(want), "holds epoch %zu's model, chosen by the best validation accuracy (%.2f%%); its test accuracy is ",
		 kept, 100 * best);
	cr_assert(strstr(html, want), "lacks '%s'", want);
	cr_assert(strstr(html, "Peak test accuracy "), "%s", html);
	free(html);
	free(out);
	free(err);
}

/* nnlab plot RUNS -o dir/NAME: the script it wrote. */
static char *overlay_script(const char *runs, const char *name)
{
	char path[4400], *out, *err;
	const char *plot[] = { "plot", runs, "-o", path, NULL };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(th_nnlab(&out, &err, plot), 0, "%s", err);
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	return th_read(path, NULL);
}

/* The colours of an overlay script, in order, into out (up to max). */
static size_t colours_of(const char *gp, char (*out)[8], size_t max)
{
	size_t n = 0;

	for (const char *p = gp; n < max && (p = strstr(p, "lc rgb '")); p += 8)
		snprintf(out[n++], 8, "%.7s", p + 8);
	return n;
}

Test(exp_plot, overlays_tell_many_runs_apart_and_draw_one_epoch)
{
	char runs[4300], path[8800], *out, *err;

	snprintf(runs, sizeof(runs), "%s/runs", dir);
	mkdir(runs, 0777);
	for (int i = 0; i < 12; i++) {
		char run[4400], opt[64];

		snprintf(run, sizeof(run), "%s/run%02d", runs, i);
		snprintf(opt, sizeof(opt), "d%d", i);
		fake_run(run, opt, 0.5 + 0.01 * i);
	}
	char *gp = overlay_script(runs, "o"), colours[16][8];
	size_t n = colours_of(gp, colours, 16);
	cr_assert_eq(n, 12);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_assert_str_neq(colours[i], colours[j], "runs %zu and %zu share %s", i, j, colours[i]);
	/* Whole epochs, and the key outside the plot. */
	cr_assert(strstr(gp, "set xrange [0:1]\nset xtics 1\n"), "%s", gp);
	cr_assert(strstr(gp, "set key outside"), "%s", gp);
	cr_assert(strstr(gp, "title 'dir=d0'"), "%s", gp);
	/* The same runs in another order get the same colours. */
	char a[4400], b[4400], colours2[16][8];
	snprintf(a, sizeof(a), "%s/run05", runs);
	snprintf(b, sizeof(b), "%s/run02", runs);
	snprintf(path, sizeof(path), "%s/two", dir);
	const char *two[] = { "plot", a, b, "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, two), 0, "%s", err);
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/two.gp", dir);
	char *gp2 = th_read(path, NULL);
	cr_assert_eq(colours_of(gp2, colours2, 16), 2);
	cr_assert(strstr(gp2, "run02/metrics.csv' using") < strstr(gp2, "run05/metrics.csv' using"), "%s", gp2);
	free(gp2);
	free(gp);

	/* A run of one epoch is a point on an axis around epoch 0. */
	char one[4400], file[4500];
	snprintf(one, sizeof(one), "%s/one", dir);
	fake_run(one, "x", 0.5);
	snprintf(file, sizeof(file), "%s/metrics.csv", one);
	th_write_str(file, "epoch,eval_accuracy,seconds\n0,0.5,1\n");
	snprintf(path, sizeof(path), "%s/single", dir);
	const char *single[] = { "plot", one, "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, single), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/single.gp", dir);
	gp = th_read(path, NULL);
	cr_assert(strstr(gp, "set xrange [-0.5:0.5]\nset xtics (0)\n"), "%s", gp);
	cr_assert(strstr(gp, "with linespoints"), "%s", gp);
	free(gp);
	snprintf(path, sizeof(path), "%s/single.png", dir);
	check_png(path, 0, 0);
	free(out);
	free(err);
}

Test(exp_plot, legends_are_names_given_by_hand_or_short_values)
{
	char a[4400], b[4400], path[8800], file[4600], *out, *err;

	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	fake_run(a, "\"a long directory name with many words that goes on and on\"", 0.6);
	fake_run(b, "short", 0.7);
	snprintf(path, sizeof(path), "%s/o", dir);
	const char *plot[] = { "plot", a, b, "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, plot), 0, "%s", err);
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/o.gp", dir);
	char *gp = th_read(path, NULL);
	/* Cut at a word, not mid-word, and marked. */
	cr_assert(strstr(gp, "title 'dir=\\\"a long directory name with many words...'"), "%s", gp);
	free(gp);
	/* Named by hand: the names are the legend. */
	snprintf(file, sizeof(file), "%s/config.yaml", a);
	th_write_str(file, "name: baseline\ntrain:\n  eta: 1\n");
	snprintf(file, sizeof(file), "%s/config.yaml", b);
	th_write_str(file, "name: \"with dropout\"\ntrain:\n  eta: 1\n");
	const char *again[] = { "plot", a, b, "-o", path, NULL };
	snprintf(path, sizeof(path), "%s/o", dir);
	cr_assert_eq(th_nnlab(&out, &err, again), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/o.gp", dir);
	gp = th_read(path, NULL);
	cr_assert(strstr(gp, "title 'baseline'") && strstr(gp, "title 'with dropout'"), "%s", gp);
	free(gp);
	free(out);
	free(err);
}

Test(exp_plot, the_run_page_table_hides_empty_columns)
{
	char run[4400], page[4500], *out, *err;

	snprintf(run, sizeof(run), "%s/r", dir);
	fake_run(run, "x", 0.9);
	const char *argv[] = { "report", run, NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	snprintf(page, sizeof(page), "%s/report.html", run);
	char *html = th_read(page, NULL);
	cr_assert_null(strstr(html, "<th>train_cost</th>"), "an empty column is shown");
	cr_assert(strstr(html, "<th>eval_accuracy %</th>"), "%s", html);
	cr_assert(strstr(html, "<tr class=\"best\"><td>1</td><td>90.00</td>"), "%s", html);
	free(html);
	free(out);
	free(err);
}

/* The series (lines) an overlay script draws. */
static size_t series_of(const char *gp)
{
	size_t n = 0;

	for (const char *p = gp; (p = strstr(p, "lc rgb '")); p++)
		n++;
	return n;
}

Test(exp_plot, plot_options_draw_what_they_say)
{
	char runs[4300], path[8800], *out, *err;

	snprintf(runs, sizeof(runs), "%s/runs", dir);
	mkdir(runs, 0777);
	for (int i = 0; i < 3; i++) {
		char run[4400], file[4500], text[1024];
		static const char *const eta[] = { "0.5", "0.05", "5" };

		snprintf(run, sizeof(run), "%s/r%d", runs, i);
		mkdir(run, 0777);
		snprintf(file, sizeof(file), "%s/config.yaml", run);
		snprintf(text, sizeof(text), "name: r\ntrain:\n  eta: %s\n", eta[i]);
		th_write_str(file, text);
		snprintf(file, sizeof(file), "%s/metrics.csv", run);
		snprintf(text, sizeof(text),
			 "epoch,train_cost,eval_accuracy,grad_norm_hidden1,grad_norm_hidden2,grad_norm_hidden3\n"
			 "0,0.9,0.5%d,0.01,0.1,1\n1,0.5,0.6%d,0.02,0.2,2\n2,0.3,0.7%d,0.03,0.3,3\n", i, i, i);
		th_write_str(file, text);
	}
	struct {
		const char *args[8];
		size_t series;
		const char *want;
	} cases[] = {
		{ { "--metric", "grad_norm_hidden*", "--log" }, 3, "set logscale y\n" },
		{ { "--metric", "grad_norm_hidden*" }, 3,
		  "set ylabel 'gradient norm of each hidden layer''s biases'" },
		{ { "--metric", "grad_norm_hidden*" }, 3, "title 'gradient norm of hidden layer 2''s biases'" },
		{ { "--metric", "train_cost,eval_accuracy" }, 2, "title 'accuracy on the test data (%)'" },
		{ { "--metric", "train_cost" }, 1, "set ylabel 'cost on the training data'" },
		{ { "--metric", "eval_accuracy" }, 1, "unset key\n" },
		{ { "--metric", "train_cost", "--from", "1", "--title", "from epoch 1" }, 1, "set xrange [1:2]\n" },
		{ { "--metric", "train_cost,eval_accuracy", "--panels" }, 2, "set multiplot layout 1,2;" },
		{ { "--metric", "train_cost", "--yrange", "0:2" }, 1, "set yrange [0:2]\n" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char run[4400];
		const char *argv[16] = { "plot" };
		int n = 1;

		snprintf(run, sizeof(run), "%s/r0", runs);
		argv[n++] = run;
		for (int k = 0; cases[c].args[k]; k++)
			argv[n++] = cases[c].args[k];
		snprintf(path, sizeof(path), "%s/c%zu", dir, c);
		argv[n++] = "-o";
		argv[n++] = path;
		argv[n] = NULL;
		cr_assert_eq(th_nnlab(&out, &err, argv), 0, "case %zu: %s", c, err);
		free(out);
		free(err);
		snprintf(path, sizeof(path), "%s/c%zu.gp", dir, c);
		char *gp = th_read(path, NULL);
		cr_assert_eq(series_of(gp), cases[c].series, "case %zu: %s", c, gp);
		cr_assert(strstr(gp, cases[c].want), "case %zu lacks '%s': %s", c, cases[c].want, gp);
		free(gp);
		snprintf(path, sizeof(path), "%s/c%zu.png", dir, c);
		check_png(path, 0, 0);
	}
	/* A metric against a config value across runs, sorted by it. */
	snprintf(path, sizeof(path), "%s/across", dir);
	const char *across[] = { "plot", runs, "--x", "train.eta", "--logx", "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, across), 0, "%s", err);
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/across.dat", dir);
	char *dat = th_read(path, NULL);
	cr_assert_str_eq(dat, "# train.eta best_eval_accuracy\n0.05 71\n0.5 70\n5 72\n");
	snprintf(path, sizeof(path), "%s/across.gp", dir);
	char *agp = th_read(path, NULL);
	cr_assert(strstr(agp, "set datafile nocolumnheaders"), "the first run would be read as a header: %s", agp);
	cr_assert(strstr(agp, "set xlabel 'learning rate eta (train.eta)'"), "%s", agp);
	cr_assert(strstr(agp, "set autoscale xfix"), "the x axis ends at the data: %s", agp);
	free(agp);
	/* The runs' lines in the order of the varied value, not of their paths
	 * (r0 0.5, r1 0.05, r2 5). */
	agp = overlay_script(runs, "order");
	const char *a = strstr(agp, "title 'eta=0.05'"), *b = strstr(agp, "title 'eta=0.5'"), *c = strstr(agp, "title 'eta=5'");
	cr_assert(a && b && c && a < b && b < c, "%s", agp);
	free(agp);
	free(dat);
	snprintf(path, sizeof(path), "%s/across.png", dir);
	check_png(path, 0, 0);
	const char *nokey[] = { "plot", runs, "--x", "train.l2", "-o", path, NULL };
	cr_assert_eq(th_nnlab(&out, &err, nokey), 2);
	cr_assert(strstr(err, "has no number at 'train.l2'"), "%s", err);
	free(out);
	free(err);
}

Test(exp_plot, the_learning_rate_figure_runs_and_draws)
{
	/* configs/figures/learning-rates.yaml on real MNIST, cut to 2 epochs
	 * of 1,000 images: three trials, three cost curves. */
	char *out, *err, set[4400], sweepdir[4400], chart[4400], path[4600];

	snprintf(set, sizeof(set), "data.options.dir=%s/data/mnist", NNLAB_SOURCE_DIR);
	snprintf(sweepdir, sizeof(sweepdir), "%s/lr", dir);
	const char *argv[] = { "sweep", NNLAB_SOURCE_DIR "/configs/figures/learning-rates.yaml", "--set", set,
			       "--set", "train.epochs=2", "--set", "data.train_size=1000", "--out", sweepdir,
			       "-j", "2", NULL };
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/trials", sweepdir);
	snprintf(chart, sizeof(chart), "%s/learning-rates", dir);
	const char *plot[] = { "plot", path, "--metric", "train_cost", "-o", chart, NULL };
	cr_assert_eq(th_nnlab(&out, &err, plot), 0, "%s", err);
	snprintf(path, sizeof(path), "%s.gp", chart);
	char *gp = th_read(path, NULL);
	cr_assert_eq(series_of(gp), 3, "%s", gp);
	cr_assert(strstr(gp, "title 'eta=0.025'") && strstr(gp, "title 'eta=0.25'") && strstr(gp, "title 'eta=2.5'"),
		  "%s", gp);
	free(gp);
	snprintf(path, sizeof(path), "%s.png", chart);
	check_png(path, 1100, 560);
	free(out);
	free(err);
}

Test(exp_plot, a_run_with_gradient_norms_draws_its_learning_speed)
{
	char *err, cfg[4300], opath[4300], path[4500];

	cr_assert_eq(small_run("first", NULL, &err, "charts=false"), 0, "%s", err);
	free(err);
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	snprintf(opath, sizeof(opath), "%s/r", dir);
	const char *argv[] = { "run", cfg, "--out", opath, "--set", "monitor.gradient_norms=true",
			       "--set", "model.layers=[80, 12, 8, 10]", NULL };
	cr_assert_eq(th_nnlab(NULL, &err, argv), 0, "%s", err);
	free(err);
	snprintf(path, sizeof(path), "%s/r/learning-speed.gp", dir);
	char *gp = th_read(path, NULL);
	cr_assert(strstr(gp, "title 'hidden layer 1'") && strstr(gp, "title 'hidden layer 2'") &&
		  !strstr(gp, "hidden layer 3"), "%s", gp);
	free(gp);
	snprintf(path, sizeof(path), "%s/r/learning-speed.png", dir);
	check_png(path, 900, 560);
	snprintf(path, sizeof(path), "%s/r/initial-gradients.png", dir);
	check_png(path, 700, 480);
}

/* The misclassified chart shows each image the way up the data has it:
 * the test images are 8 rows of 10 columns with one row (the label's) lit
 * from edge to edge (other pixels below 0.25), so a width taken for a
 * height shows as no such row. */
Test(exp_plot, image_tiles_keep_rows_and_columns_of_images_that_are_not_square)
{
	char *err, path[4400];

	cr_assert_eq(small_run("r", NULL, &err, NULL), 0, "%s", err);
	free(err);
	snprintf(path, sizeof(path), "%s/r/misclassified.dat", dir);
	char *text = th_read(path, NULL), *p = text;
	cr_assert_not_null(text, "no %s", path);
	/* The matrix: its first row is border; tile 0 is rows 1-8, columns 1-10. */
	size_t width = 0, nrows = 0, cap = 1 << 16;
	float *cells = malloc(cap * sizeof(float));
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"), nrows++) {
		size_t k = 0;

		for (char *tok = line, *end; *tok; tok = end, k++) {
			float v = strtof(tok, &end);

			if (end == tok)
				break;
			if (nrows * 1024 + k < cap)
				cells[nrows * 1024 + k] = v;
		}
		width = width ? width : k;
		cr_assert_eq(k, width, "row %zu has %zu cells, not %zu", nrows, k, width);
	}
	/* Tiles of 10 + 1 columns and 8 + 1 rows, a border around each. */
	cr_assert_eq((width - 1) % 11, 0, "width %zu", width);
	cr_assert_eq((nrows - 1) % 9, 0, "height %zu", nrows);
	int lit = 0;
	for (size_t y = 1; y <= 8; y++) {
		int row = 1;

		for (size_t x = 1; x <= 10; x++)
			row &= cells[y * 1024 + x] > 0.7f;  /* 255, or 200 where a lit column crosses */
		lit += row;
	}
	cr_assert_geq(lit, 1, "no row of tile 0 is lit from edge to edge");
	free(cells);
	free(text);
}

/* NNLAB_CHART_STYLE: a gnuplot file loaded after each terminal is set
 * changes the charts (the project's configs/chart-style.gp: larger text,
 * thicker lines); a file that cannot be read is a warning naming it, and
 * no chart. */
Test(exp_plot, a_style_file_restyles_the_charts)
{
	char *err, path[4400];
	size_t n1 = 0, n2 = 0;

	if (system("command -v gnuplot > /dev/null 2>&1") != 0)
		cr_skip_test("gnuplot is not installed");
	cr_assert_eq(small_run("plain", NULL, &err, NULL), 0, "%s", err);
	free(err);
	setenv("NNLAB_CHART_STYLE", NNLAB_SOURCE_DIR "/configs/chart-style.gp", 1);
	cr_assert_eq(small_run("styled", NULL, &err, NULL), 0, "%s", err);
	cr_assert_str_eq(err, "");
	free(err);
	snprintf(path, sizeof(path), "%s/plain/accuracy.png", dir);
	char *plain = th_read(path, &n1);
	snprintf(path, sizeof(path), "%s/styled/accuracy.png", dir);
	check_png(path, 900, 560);
	char *styled = th_read(path, &n2);
	cr_assert(n1 != n2 || memcmp(plain, styled, n1), "the style changed nothing");
	free(plain);
	free(styled);
	snprintf(path, sizeof(path), "%s/styled/accuracy.gp", dir);
	char *gp = th_read(path, NULL);
	cr_assert(strstr(gp, "if (exists(\"style\")) { load style }\n"), "%s", gp);
	free(gp);
	/* NNLAB_CHART_LATEX: TikZ as well, for LaTeX. */
	setenv("NNLAB_CHART_LATEX", "1", 1);
	cr_assert_eq(small_run("latex", NULL, &err, NULL), 0, "%s", err);
	free(err);
	unsetenv("NNLAB_CHART_LATEX");
	snprintf(path, sizeof(path), "%s/latex/accuracy.tex", dir);
	char *tex = th_read(path, NULL);
	cr_assert(tex && strstr(tex, "\\begin{tikzpicture}[gnuplot]"), "%s", path);
	free(tex);
	snprintf(path, sizeof(path), "%s/styled/accuracy.tex", dir);
	struct stat none;
	cr_assert_neq(stat(path, &none), 0, "TikZ drawn unasked");
	setenv("NNLAB_CHART_STYLE", "/nonexistent/style.gp", 1);
	cr_assert_eq(small_run("missing", NULL, &err, NULL), 0, "%s", err);
	cr_assert(strstr(err, "NNLAB_CHART_STYLE names '/nonexistent/style.gp', which cannot be read"), "%s", err);
	free(err);
	unsetenv("NNLAB_CHART_STYLE");
	snprintf(path, sizeof(path), "%s/missing/accuracy.png", dir);
	struct stat st;
	cr_assert_neq(stat(path, &st), 0, "a chart drawn without the style asked for");
}

/* The run page's canvas scores a drawing with the run's best model in the
 * browser: MNIST test images drawn onto it (those its preprocessing leaves
 * as they are) get the prediction nnlab's own scoring gives, for a dense
 * and a conv net; a stroke drawn with the mouse gets a prediction. */
static void canvas_matches_nnlab(const char *name, const char *config, const char *const *sets, size_t nsets)
{
	char out_dir[4400], path[4600], *out, *err;
	const char *argv[32] = { "run", config, "--out", out_dir, "--quiet" };
	size_t n = 5;

	snprintf(out_dir, sizeof(out_dir), "%s/%s", dir, name);
	for (size_t i = 0; i < nsets; i++) {
		argv[n++] = "--set";
		argv[n++] = sets[i];
	}
	argv[n] = NULL;
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	free(out);
	free(err);
	const char *report[] = { "report", out_dir, NULL };
	cr_assert_eq(th_nnlab(&out, &err, report), 0, "%s", err);
	free(out);
	free(err);

	/* nnlab's predictions for the first test images, with best.json. */
	struct exp_config cfg;
	struct exp_data data;
	struct nn_err e = { 0, "" };
	char cfgpath[4600], best[4600];
	enum { IMAGES = 40 };
	int32_t pred[IMAGES];

	setenv("NNLAB_PLUGIN_PATH", NNLAB_BUILD_DIR "/plugins", 1);
	snprintf(cfgpath, sizeof(cfgpath), "%s/config.yaml", out_dir);
	snprintf(best, sizeof(best), "%s/best.json", out_dir);
	cr_assert_eq(exp_config_load(&cfg, cfgpath, NULL, 0, &e), 0, "%s", e.msg);
	cfg.model.from = best;
	cr_assert_eq(exp_data_open(&data, &cfg, &e), 0, "%s", e.msg);
	struct nn_model *m = exp_model_make(&cfg, &data, EXP_EVAL_BATCH, NULL, &e);
	cr_assert_not_null(m, "%s", e.msg);
	struct nn_data first = nn_data_slice(&data.test, 0, IMAGES);
	nn_predict(m, &first, pred);
	snprintf(path, sizeof(path), "%s/%s-images.json", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(first.type, NN_U8);
	const uint8_t *px = first.x;
	fputc('[', f);
	for (size_t i = 0; i < IMAGES; i++) {
		fputs(i ? ",[" : "[", f);
		for (size_t j = 0; j < first.dim; j++)
			fprintf(f, "%s%.9g", j ? "," : "", (double)(px[i * first.dim + j] * first.scale));
		fputc(']', f);
	}
	fputs("]\n", f);
	fclose(f);
	nn_model_destroy(m);
	exp_data_close(&data);
	exp_config_fini(&cfg);

	char cmd[20000], lines[4600];
	snprintf(lines, sizeof(lines), "%s/%s-canvas.txt", dir, name);
	snprintf(cmd, sizeof(cmd), "node '%s/tests/browser/check-canvas.mjs' '%s/report.html' '%s' > '%s' 2> '%s/%s-browser.log'",
		 NNLAB_SOURCE_DIR, out_dir, path, lines, dir, name);
	cr_assert_eq(system(cmd), 0, "the browser check failed: see %s/%s-browser.log", dir, name);
	char *text = th_read(lines, NULL), *p = text;
	size_t compared = 0;
	for (size_t i = 0; i < IMAGES; i++) {
		int page, moved, bars, used;

		cr_assert_eq(sscanf(p, "%d %d %d\n%n", &page, &moved, &bars, &used), 3, "line %zu: %s", i, text);
		p += used;
		cr_assert_eq(bars, 10, "%s", text);
		if (moved)
			continue;
		cr_assert_eq(page, pred[i], "%s: test image %zu: the page says %d, nnlab %d", name, i, page, pred[i]);
		compared++;
	}
	cr_assert_geq(compared, 10, "%s: only %zu images reached the net unchanged: %s", name, compared, text);
	int stroke = -1;
	cr_assert_eq(sscanf(p, "stroke %d\nfailed 0", &stroke), 1, "%s", text);
	cr_assert(stroke >= 0 && stroke <= 9, "%s", text);
	cr_assert(strstr(p, "failed 0\n"), "%s", text);
	free(text);
}

Test(exp_plot, the_pages_canvas_scores_as_nnlab_does)
{
	char data_dir[4400];

	if (access("/usr/bin/chromium", X_OK) != 0 ||
	    access(NNLAB_SOURCE_DIR "/tests/browser/node_modules/playwright-core", R_OK) != 0)
		cr_skip_test("needs Debian's chromium and tests/browser's playwright-core (make browser)");
	snprintf(data_dir, sizeof(data_dir), "data.options.dir=%s/data/mnist", NNLAB_SOURCE_DIR);
	const char *dense[] = { data_dir, "train.epochs=1", "data.train_size=3000", "charts=false" };
	canvas_matches_nnlab("dense", NNLAB_SOURCE_DIR "/configs/nielsen-ch1.yaml", dense, 4);
	const char *conv[] = { data_dir, "train.epochs=1", "data.train_size=3000", "data.validation_size=500",
			       "charts=false" };
	canvas_matches_nnlab("conv", NNLAB_SOURCE_DIR "/configs/book/ch6/3-relu.yaml", conv, 5);
}

/* A conv layer's chart shows every kernel, a row per map and a column per
 * input channel, at least 600 pixels wide, with a colour scale; its
 * title's lines fit the chart. */
Test(exp_plot, conv_kernels_all_shown_with_a_colour_scale)
{
	char cfg[4400], path[4600], *out, *err;

	snprintf(cfg, sizeof(cfg), "%s/k.yaml", dir);
	th_write_str(cfg, "name: kernels\ndata:\n  plugin: synthetic\n  options:\n    kind: digits\n    train_size: 200\n"
			  "    test_size: 100\nmodel:\n  layers: [conv 6x3x3, conv 40x3x3, pool 2, softmax 10]\n"
			  "  activation: relu\n  init: scaled\ntrain:\n  epochs: 1\n  eta: 0.05\n  cost: log_likelihood\n");
	snprintf(path, sizeof(path), "%s/k", dir);
	const char *argv[] = { "run", cfg, "--out", path, "--quiet", NULL };
	setenv("NNLAB_PLUGIN_PATH", NNLAB_BUILD_DIR "/plugins", 1);
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	free(out);
	free(err);
	/* 40 maps of 6 channels: 40 rows and 6 columns of 3x3 tiles, a cell
	 * between them. */
	snprintf(path, sizeof(path), "%s/k/filters2.dat", dir);
	char *dat = th_read(path, NULL);
	size_t rows = 0, cols = 1;
	for (const char *p = dat; *p; p++)
		rows += *p == '\n';
	for (const char *p = dat; *p != '\n'; p++)
		cols += *p == ' ';
	cr_assert_eq(rows, 40 * 4 + 1);
	cr_assert_eq(cols, 6 * 4 + 1);
	free(dat);
	snprintf(path, sizeof(path), "%s/k/filters2.gp", dir);
	char *gp = th_read(path, NULL);
	cr_assert(strstr(gp, "set colorbox vertical\n"), "%s", gp);
	cr_assert(strstr(gp, "set cblabel 'weight / the kernel''s largest |weight|'"), "%s", gp);
	cr_assert(strstr(gp, "a row per map, a column per input channel"), "%s", gp);
	cr_assert_null(strstr(gp, "the first"), "%s", gp);
	/* The title's lines: none longer than 90 characters. */
	const char *t = strstr(gp, "set title \""), *end = t ? strstr(t, "\" noenhanced") : NULL;
	cr_assert(t && end, "%s", gp);
	size_t line = 0;
	for (const char *p = t + 11; p < end; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			line = 0;
			p++;
			continue;
		}
		cr_assert_leq(++line, 90, "%.*s", (int)(end - t), t);
	}
	free(gp);
	if (system("command -v gnuplot > /dev/null 2>&1") == 0) {
		snprintf(path, sizeof(path), "%s/k/filters1.png", dir);
		check_png(path, 0, 0);
		FILE *f = fopen(path, "rb");
		unsigned char head[24];
		cr_assert_eq(fread(head, 1, 24, f), 24);
		fclose(f);
		cr_assert_geq(be32(head + 16), 600, "the filters chart is narrower than 600 pixels");
	}
}

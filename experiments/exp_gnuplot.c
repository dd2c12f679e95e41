/* Running gnuplot: a chart is a script NAME.gp (and its data) in a
 * directory, rendered into NAME.png and NAME.svg through temporary files
 * renamed into place only when gnuplot succeeds. */
#include "exp_gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int exp_gnuplot_have(void)
{
	const char *path = getenv("PATH");
	char file[4200];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(file, sizeof(file), "%.*s/gnuplot", (int)(n ? n : 1), n ? path : ".");
		if (access(file, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

static void unlink_in(const char *dir, const char *name)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* True when dir/name exists and is not empty. */
static int nonempty(const char *dir, const char *name)
{
	char path[4400];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && st.st_size > 0;
}

static int move_in(const char *dir, const char *from, const char *to)
{
	char a[4400], b[4400];

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	return rename(a, b);
}

int exp_gnuplot_run(const char *dir, const char *const *args, int out_fd, char *msg,
		       size_t len)
{
	char log[] = "/tmp/nnlab-gnuplot.XXXXXX";
	int fd = mkstemp(log), status;
	pid_t pid;

	msg[0] = '\0';
	if (fd < 0) {
		snprintf(msg, len, "cannot create '%s': %s", log, strerror(errno));
		return -1;
	}
	unlink(log);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : fd, 1);
		dup2(fd, 2);
		if (chdir(dir) < 0)
			_exit(126);
		execvp("gnuplot", (char *const *)args);
		_exit(127);
	}
	if (pid < 0) {
		snprintf(msg, len, "cannot run gnuplot: %s", strerror(errno));
		close(fd);
		return -1;
	}
	int interrupted = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(msg, len, "cannot wait for gnuplot: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (!interrupted)
			kill(pid, SIGTERM);
		interrupted = 1;
	}
	if (interrupted) {
		snprintf(msg, len, "interrupted");
		close(fd);
		return EXP_GNUPLOT_INTERRUPTED;
	}
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd);
	/* One line is enough in a message. */
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Renders dir/name.gp into name.png and, when with_svg, name.svg. */
static int render(const char *dir, const char *name, int with_svg, struct nn_err *err)
{
	char script[300], png[300], svg[300], pdf[300], png_part[320], svg_part[320], pdf_part[320], defs[5000],
		msg[1024];
	const char *style = getenv("NNLAB_CHART_STYLE");
	int rc;

	snprintf(script, sizeof(script), "%s.gp", name);
	snprintf(png, sizeof(png), "%s.png", name);
	snprintf(svg, sizeof(svg), "%s.svg", name);
	snprintf(pdf, sizeof(pdf), "%s.pdf", name);
	snprintf(png_part, sizeof(png_part), ".%s.png.part", name);
	snprintf(svg_part, sizeof(svg_part), ".%s.svg.part", name);
	snprintf(pdf_part, sizeof(pdf_part), ".%s.pdf.part", name);
	snprintf(defs, sizeof(defs), "out_png='%s'; out_svg='%s'; out_pdf='%s'", png_part, svg_part, pdf_part);
	const char *latex = getenv("NNLAB_CHART_LATEX");
	char tex[300], tex_part[320];
	int want_tex = with_svg && latex && *latex && strcmp(latex, "0");

	snprintf(tex, sizeof(tex), "%s.tex", name);
	snprintf(tex_part, sizeof(tex_part), ".%s.tex.part", name);
	if (want_tex)
		snprintf(defs + strlen(defs), sizeof(defs) - strlen(defs), "; out_tex='%s'", tex_part);
	if (style && *style) {
		char abs[4096];

		if (!realpath(style, abs) || access(abs, R_OK) != 0)
			return nn_errorf(err, NN_EIO, "NNLAB_CHART_STYLE names '%s', which cannot be read", style);
		if (strchr(abs, '\''))
			return nn_errorf(err, NN_EIO, "NNLAB_CHART_STYLE: a path with a quote ('%s') is not taken", abs);
		snprintf(defs + strlen(defs), sizeof(defs) - strlen(defs), "; style='%s'", abs);
	}
	const char *args[] = { "gnuplot", "-e", defs, script, NULL };
	rc = exp_gnuplot_run(dir, args, -1, msg, sizeof(msg));
	if (rc == 0 && nonempty(dir, png_part) && (!with_svg || (nonempty(dir, svg_part) && nonempty(dir, pdf_part))) &&
	    (!want_tex || nonempty(dir, tex_part))) {
		if (move_in(dir, png_part, png) == 0 &&
		    (!with_svg || (move_in(dir, svg_part, svg) == 0 && move_in(dir, pdf_part, pdf) == 0)) &&
		    (!want_tex || move_in(dir, tex_part, tex) == 0))
			return 0;
		snprintf(msg, sizeof(msg), "cannot rename the images into place: %s", strerror(errno));
		rc = -1;
	} else if (rc == 0) {
		/* gnuplot says nothing when its output cannot be written. */
		snprintf(msg, sizeof(msg), "no image came out (is the disk full?)");
		rc = -1;
	}
	unlink_in(dir, png_part);
	unlink_in(dir, svg_part);
	unlink_in(dir, pdf_part);
	unlink_in(dir, tex_part);
	if (rc == EXP_GNUPLOT_INTERRUPTED)
		return nn_errorf(err, NN_EINTR, "drawing '%s/%s' was interrupted", dir, script);
	if (rc == 127)
		return nn_errorf(err, NN_EIO, "cannot run gnuplot for '%s/%s' (is it installed?)", dir,
				 script);
	if (rc == -1)
		return nn_errorf(err, NN_EIO, "chart '%s/%s': %s", dir, script, msg);
	return nn_errorf(err, NN_EIO, "gnuplot failed on '%s/%s' (exit status %d)%s%s", dir, script,
			 rc, msg[0] ? ": " : "", msg);
}

int exp_gnuplot_render(const char *dir, const char *name, struct nn_err *err)
{
	return render(dir, name, 1, err);
}

int exp_gnuplot_render_as(const char *dir, const char *name, int with_svg, struct nn_err *err)
{
	return render(dir, name, with_svg, err);
}

void exp_gnuplot_quote(FILE *f, const char *s, int in_macro)
{
	fputc('\'', f);
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			continue;
		if (*s == '\'')
			fputc('\'', f);   /* '' inside single quotes */
		else if (in_macro && (*s == '"' || *s == '\\'))
			fputc('\\', f);  /* \" and \\ inside the macro's double quotes */
		fputc(*s, f);
	}
	fputc('\'', f);
}

void exp_gnuplot_outputs(FILE *f, const char *name)
{
	fprintf(f, "if (!exists(\"out_png\")) out_png = '%s.png'\n", name);
	fprintf(f, "if (!exists(\"out_svg\")) out_svg = '%s.svg'\n", name);
	fprintf(f, "if (!exists(\"out_pdf\")) out_pdf = '%s.pdf'\n", name);
}

#define TITLE_LINE 90  /* characters of a title line */

/* s cut at spaces into lines of at most TITLE_LINE characters (a longer
 * word stays whole). */
static void wrap(const char *s, char *out, size_t len)
{
	size_t n = 0, line = 0;

	while (*s && n + 2 < len) {
		const char *next = s + strcspn(s, " ");   /* the next word, its space after it */
		size_t word = (size_t)(next - s) + (*next == ' ');

		if (line && line + word > TITLE_LINE + 1) {
			if (n && out[n - 1] == ' ')
				n--;
			out[n++] = '\n';
			line = 0;
		}
		for (size_t i = 0; i < word && n + 2 < len; i++)
			out[n++] = s[i];
		line += word;
		s += word;
	}
	out[n] = '\0';
}

/* The opening every script shares: outputs overridable, as nnlab does to
 * render into temporary files. */
void exp_gnuplot_head(FILE *f, const char *name, const char *what, const char *title)
{
	char full[1024];

	fprintf(f, "# nnlab chart: %s. Edit it and run 'gnuplot %s.gp' in this directory.\n", what,
		name);
	exp_gnuplot_outputs(f, name);
	/* What the chart shows, then what was run, each cut into lines that
	 * fit a chart 600 pixels wide. */
	char w1[512], w2[512];
	wrap(what, w1, sizeof(w1));
	wrap(title, w2, sizeof(w2));
	snprintf(full, sizeof(full), "%s\n%s", w1, w2);
	fputs("set title \"", f);
	for (const char *s = full; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
	fputs(" noenhanced\n", f);
}

/* A user's style file (NNLAB_CHART_STYLE, passed as the variable style),
 * loaded after each terminal is set, so it can change fonts, lines and
 * colours. */
#define STYLE "if (exists(\"style\")) { load style }\n"

/* Renders with every terminal: the plot command is in the script as the
 * macro 'draw'. */
static void tail(FILE *f, const char *size, int mouse);

void exp_gnuplot_tail(FILE *f, const char *size)
{
	tail(f, size, 0);
}

void exp_gnuplot_tail_mouse(FILE *f, const char *size)
{
	tail(f, size, 1);
}

static void tail(FILE *f, const char *size, int mouse)
{
	double w = 0, h = 0;

	sscanf(size, "%lf,%lf", &w, &h);
	fprintf(f, "set terminal pngcairo size %s noenhanced font 'sans,10'\n%s", size, STYLE);
	fputs("set output out_png\n@draw\n", f);
	/* mouse standalone: the SVG shows the coordinates under the pointer
	 * and toggles a line when its legend entry is clicked, with
	 * gnuplot's script inside it (no file beside it, no network). */
	fprintf(f, "set terminal svg size %s%s noenhanced font 'sans,10'\n%s", size, mouse ? " mouse standalone" : "",
		STYLE);
	fputs("set output out_svg\n@draw\n", f);
	/* The same page in inches, 100 pixels to the inch. */
	fprintf(f, "set terminal pdfcairo size %g,%g noenhanced font 'sans,8'\n%s", w / 100, h / 100, STYLE);
	fputs("set output out_pdf\n@draw\nunset output\n", f);
	/* On request (out_tex set: NNLAB_CHART_LATEX, or -e by hand): TikZ
	 * for LaTeX (\\usepackage{gnuplot-lua-tikz}), text set in the
	 * document's font. */
	fprintf(f, "if (exists(\"out_tex\")) {\nset terminal tikz size %gin,%gin\n%sset output out_tex\n@draw\n"
		"unset output\n}\n", w / 100, h / 100, STYLE);
}

/* For the tiled image charts: PNG only. Their SVG would embed a small
 * bitmap that browsers blur, or hold tens of thousands of rectangles. */
void exp_gnuplot_tail_png(FILE *f, const char *size)
{
	fprintf(f, "set terminal pngcairo size %s noenhanced font 'sans,10'\n%s", size, STYLE);
	fputs("set output out_png\n@draw\nunset output\n", f);
}

int exp_gnuplot_write_in(const char *dir, const char *file, exp_fs_write_fn write, void *ctx,
			 struct nn_err *err)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return exp_fs_write_atomic(path, write, ctx, err);
}

int exp_gnuplot_chart(const char *dir, const char *name, exp_fs_write_fn script, void *ctx, int *draw,
		      int with_svg, FILE *log, int *failed)
{
	char file[300];
	struct nn_err err = { 0, "" };

	snprintf(file, sizeof(file), "%s.gp", name);
	if (exp_gnuplot_write_in(dir, file, script, ctx, &err) < 0 || (*draw && render(dir, name, with_svg, &err) < 0)) {
		if (err.code == NN_EINTR)
			*draw = 0;
		if (log)
			fprintf(log, "nnlab: warning: chart '%s' failed: %s\n", name, err.msg);
		++*failed;
		return -1;
	}
	return 0;
}

void exp_gnuplot_colour(size_t i, size_t n, char out[8])
{
	static const char *const ten[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
					   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

	if (n <= 10) {
		snprintf(out, 8, "%s", ten[i]);
		return;
	}
	/* HSV to RGB, hue i/n of the wheel. */
	double h = 6.0 * (double)i / (double)n, s = 0.7, v = 0.85, c = v * s;
	double x = c * (1 - fabs(fmod(h, 2) - 1)), m = v - c, r = 0, g = 0, b = 0;

	switch ((int)h) {
	case 0: r = c; g = x; break;
	case 1: r = x; g = c; break;
	case 2: g = c; b = x; break;
	case 3: g = x; b = c; break;
	case 4: r = x; b = c; break;
	default: r = c; b = x; break;
	}
	snprintf(out, 8, "#%02x%02x%02x", (int)((r + m) * 255), (int)((g + m) * 255), (int)((b + m) * 255));
}

#include "exp_html.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_fs.h"

void exp_html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

void exp_html_image(FILE *f, const char *dir, const char *file, const char *alt)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char path[4400], *data;
	size_t len;
	struct nn_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (access(path, R_OK) != 0 || exp_fs_read_file(path, &data, &len, &err) < 0)
		return;
	fputs("<figure><img alt=\"", f);
	exp_html_escape(f, alt);
	fputs("\" src=\"data:image/png;base64,", f);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)data[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char)data[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)data[i + 2];
		fputc(b64[v >> 18 & 63], f);
		fputc(b64[v >> 12 & 63], f);
		fputc(i + 1 < len ? b64[v >> 6 & 63] : '=', f);
		fputc(i + 2 < len ? b64[v & 63] : '=', f);
	}
	fputs("\"><figcaption>", f);
	exp_html_escape(f, alt);
	fputs("</figcaption></figure>\n", f);
	free(data);
}

int exp_html_svg(FILE *f, const char *dir, const char *file, const char *alt)
{
	char path[4400], *data, *svg;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (access(path, R_OK) != 0 || exp_fs_read_file(path, &data, &len, NULL) < 0)
		return 0;
	/* The <svg> element on: the XML prolog and doctype have no place in HTML. */
	if (!(svg = strstr(data, "<svg"))) {
		free(data);
		return 0;
	}
	fputs("<figure class=\"svg\">", f);
	fputs(svg, f);
	fputs("<figcaption>", f);
	exp_html_escape(f, alt);
	fputs(" (point at the chart for its coordinates; click a legend entry to hide or show its line)</figcaption></figure>\n", f);
	free(data);
	return 1;
}

static void head(FILE *f, const char *title, int refresh)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
	if (refresh > 0)
		fprintf(f, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh);
	fputs("<title>", f);
	exp_html_escape(f, title);
	fputs("</title>\n<style>\n"
	      "body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }\n"
	      "table { border-collapse: collapse; margin: 1em 0; font-size: 90%; }\n"
	      "th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }\n"
	      "th { background: #f0f0f0; }\n td.text, th.text { text-align: left; }\n"
	      "figure { margin: 1em 0; } img { max-width: 100%; }\n"
	      "figcaption { font-size: 85%; color: #555; }\n"
	      "pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }\n"
	      "div.scroll { overflow-x: auto; } tr.best td { background: #fff3c4; font-weight: bold; }\n"
	      "table.sortable th { cursor: pointer; } p.counts span { margin-right: 1em; }\n"
	      "p.live { background: #e8f4fd; border-left: 4px solid #3b8bd0; padding: 0.4em 0.8em; }\n"
	      "tr.marked td { background: #d8ecff; } figure.svg svg { max-width: 100%; height: auto; }\n"
	      "</style>\n</head>\n<body>\n<h1>", f);
	exp_html_escape(f, title);
	fputs("</h1>\n", f);
	if (refresh > 0)
		fprintf(f, "<p class=\"live\">Still going: this page reloads itself every %d s.</p>\n", refresh);
}

void exp_html_head(FILE *f, const char *title)
{
	head(f, title, 0);
}

void exp_html_head_live(FILE *f, const char *title)
{
	const char *env = getenv("NNLAB_PAGE_REFRESH");
	char *end;
	long refresh = env ? strtol(env, &end, 10) : 10;

	head(f, title, env && (*end || refresh < 1 || refresh > 3600) ? 10 : (int)refresh);
}

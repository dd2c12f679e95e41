/* HTML for nnlab's pages (a run's, a directory of runs', a sweep's). */
#ifndef EXP_HTML_H
#define EXP_HTML_H

#include <stdio.h>

/* Text escaped for HTML; dir/file (a PNG) embedded as an <img> with a
 * data URI, nothing when it is missing; the page's head (styles included)
 * and its <h1>. */
void exp_html_escape(FILE *f, const char *s);
void exp_html_image(FILE *f, const char *dir, const char *file, const char *alt);
/* dir/file (an SVG gnuplot drew with its mouse script) inline, so its
 * script runs in the page: the pointer's coordinates, lines toggled from
 * the legend; nothing when it is missing. One per page (gnuplot's
 * element ids are fixed). Returns 1 when written. */
int exp_html_svg(FILE *f, const char *dir, const char *file, const char *alt);
void exp_html_head(FILE *f, const char *title);

/* The head of a page of something still going: the browser reloads it
 * every 10 seconds (NNLAB_PAGE_REFRESH: 1 to 3600) as the page is
 * rewritten, and the page says so. */
void exp_html_head_live(FILE *f, const char *title);

#endif

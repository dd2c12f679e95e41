#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_help.h"

static const char *const commands[] = { "run", "sweep", "check", "eval", "plot", "report", "plugins" };

Test(exp_help, every_command_has_its_usage)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char head[64];
		const char *h = exp_help(commands[i]), *u;

		cr_assert_not_null(h, "no help for %s", commands[i]);
		snprintf(head, sizeof(head), "usage: nnlab %s", commands[i]);
		cr_assert(!strncmp(h, head, strlen(head)), "%s's help starts '%.30s'", commands[i], h);
		/* The general usage lists it too. */
		u = strstr(exp_help(NULL), head + strlen("usage: "));
		cr_assert(u && (u[strlen(head + 7)] == ' ' || u[strlen(head + 7)] == '\n'), "usage lacks %s",
			  commands[i]);
	}
	cr_assert_null(exp_help("train"));
	cr_assert_null(exp_help(""));
}

Test(exp_help, asks_for_help_only_outside_option_values)
{
	char *plain[] = { "a.yaml", "--help" };
	char *short_h[] = { "-h" };
	char *title[] = { "runs/x", "--title", "-h" };
	char *set[] = { "a.yaml", "--set", "--help", "--quiet" };
	char *after_value[] = { "--out", "d", "-h" };
	char *none[] = { "a.yaml", "--quiet" };

	cr_assert_eq(exp_help_wanted(2, plain), 1);
	cr_assert_eq(exp_help_wanted(1, short_h), 1);
	cr_assert_eq(exp_help_wanted(3, title), 0);
	cr_assert_eq(exp_help_wanted(4, set), 0);
	cr_assert_eq(exp_help_wanted(3, after_value), 1);
	cr_assert_eq(exp_help_wanted(2, none), 0);
	cr_assert_eq(exp_help_wanted(0, none), 0);
}

/* nnlab help TOPIC prints a page of the manual; every page the general
 * usage names is one in docs/, and every page in docs/ is named. */
Test(exp_help, every_manual_page_is_printed_by_its_topic)
{
	const char *pages[] = { "running", "configs", "runs", "model-files", "conv-nets", "sweeps",
				"charts", "book", "plugins", "speed" };
	struct nn_err err = { 0, "" };

	setenv("NNLAB_DOC_DIR", NNLAB_SOURCE_DIR "/docs", 1);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *text = NULL, path[4200];
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		cr_assert_eq(exp_help_topic(pages[i], f, &err), 0, "%s: %s", pages[i], err.msg);
		fclose(f);
		cr_assert_eq(text[0], '#', "%s", pages[i]);
		cr_assert(strstr(exp_help(NULL), pages[i]), "the usage does not name %s", pages[i]);
		snprintf(path, sizeof(path), "%s/docs/%s.md", NNLAB_SOURCE_DIR, pages[i]);
		FILE *md = fopen(path, "r");
		cr_assert_not_null(md, "%s", path);
		fclose(md);
		free(text);
	}
	cr_assert_eq(exp_help_topic("nosuch", stdout, &err), NN_EINVAL);
	cr_assert_str_eq(err.msg, "no command or manual page 'nosuch' (pages: running, configs, runs, model-files, conv-nets, sweeps, charts, book, plugins, speed)");
	/* docs/ holds no page the list lacks (README.md is the index). */
	DIR *d = opendir(NNLAB_SOURCE_DIR "/docs");
	struct dirent *e;
	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), found = 0;

		if (n < 4 || strcmp(e->d_name + n - 3, ".md") || !strcmp(e->d_name, "README.md"))
			continue;
		for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
			found |= strlen(pages[i]) == n - 3 && !strncmp(pages[i], e->d_name, n - 3);
		cr_assert(found, "docs/%s is not a help topic", e->d_name);
	}
	closedir(d);
	unsetenv("NNLAB_DOC_DIR");
}

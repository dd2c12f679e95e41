#include <criterion/criterion.h>
#include <stdio.h>
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

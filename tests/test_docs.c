/* Every example of README.md and docs/ works: tests/doc_examples.py runs
 * README's tour as written and checks every other example (a command's
 * config with nnlab check, a YAML block merged into a config, make
 * targets, scripts). The sanitizer build checks the tour's commands
 * instead of running them (its sweep would take minutes). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#if defined(__SANITIZE_ADDRESS__)
#define TOUR ""
#else
#define TOUR " --run-tour"
#endif

Test(docs, every_example_in_the_readme_and_the_manual_works, .timeout = 600)
{
	char dir[4096], cmd[12000], line[4200], *log;
	size_t examples = 0, failed = 0;
	int found = 0;

	th_tmpdir(dir, sizeof(dir));
	snprintf(cmd, sizeof(cmd),
		 "python3 '%s/tests/doc_examples.py' '%s' '%s/nnlab' '%s'" TOUR " > '%s/log' 2>&1",
		 NNLAB_SOURCE_DIR, NNLAB_SOURCE_DIR, NNLAB_BUILD_DIR, dir, dir);
	int rc = system(cmd);
	snprintf(line, sizeof(line), "%s/log", dir);
	log = th_read(line, NULL);
	cr_assert_not_null(log);
	cr_assert_eq(rc, 0, "an example fails:\n%s", log);
	const char *last = strstr(log, " examples, ");
	while (last && last > log && last[-1] != '\n')
		last--;
	found = last && sscanf(last, "%zu examples, %zu failed", &examples, &failed) == 2;
	cr_assert(found, "%s", log);
	cr_assert_eq(failed, 0, "%s", log);
	/* The README and the manual hold about ninety: none lost unseen. */
	cr_assert_geq(examples, 80, "only %zu examples found:\n%s", examples, log);
	free(log);
}

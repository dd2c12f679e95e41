#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "exp_text.h"

Test(exp_text, grows_and_hands_over)
{
	struct exp_text t = { 0 };
	char *s;

	for (int i = 0; i < 1000; i++)
		exp_text_printf(&t, "%d,", i);
	exp_text_puts(&t, "end");
	exp_text_put(&t, "xyz", 1);
	s = exp_text_take(&t);
	cr_assert_not_null(s);
	cr_assert(!strncmp(s, "0,1,2,", 6));
	cr_assert_str_eq(s + strlen(s) - 8, "999,endx");
	cr_assert_null(t.s);
	free(s);
	s = exp_text_take(&t);
	cr_assert_str_eq(s, "");
	free(s);
	/* After a failure the text is refused, not handed over short. */
	exp_text_puts(&t, "abc");
	t.failed = 1;
	exp_text_puts(&t, "def");
	cr_assert_null(exp_text_take(&t));
}

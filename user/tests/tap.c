// SPDX-License-Identifier: GPL-2.0
/*
 * TAP output for the host unit tests: see tap.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

struct tap_test {
	tap_fn fn;
	const void *arg;
	char name[160];
};

static struct tap_test *tests;
static size_t nr_tests;
static unsigned int failed_checks;
static const char *skip_reason;

void tap_skip(const char *reason)
{
	skip_reason = reason;
}

void tap_add(tap_fn fn, const void *arg, const char *fmt, ...)
{
	struct tap_test *t;
	va_list ap;

	t = realloc(tests, (nr_tests + 1) * sizeof(*tests));
	if (!t) {
		puts("Bail out! out of memory");
		exit(1);
	}
	tests = t;
	t = &tests[nr_tests++];
	t->fn = fn;
	t->arg = arg;
	va_start(ap, fmt);
	vsnprintf(t->name, sizeof(t->name), fmt, ap);
	va_end(ap);
}

bool tap_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	failed_checks++;
	printf("# %s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return false;
}

int tap_run(void)
{
	unsigned int failed = 0;

	printf("TAP version 13\n1..%zu\n", nr_tests);
	fflush(stdout);
	for (size_t i = 0; i < nr_tests; i++) {
		unsigned int before = failed_checks;

		skip_reason = NULL;
		tests[i].fn(tests[i].arg);
		if (failed_checks != before)
			failed++;
		printf("%sok %zu - %s%s%s\n", failed_checks != before ? "not " : "",
		       i + 1, tests[i].name, skip_reason ? " # SKIP " : "",
		       skip_reason ? skip_reason : "");
		fflush(stdout);
	}
	printf("# %zu tests, %u failed\n", nr_tests, failed);
	free(tests);
	return failed ? 1 : 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's kselftest_harness.h, with one change to its main(): every
 * test's time limit (TEST_TIMEOUT_DEFAULT, 30 s, or TEST_F_TIMEOUT's) is
 * multiplied by CKPT_TIMEOUT_SCALE from the environment, a whole number
 * from 1 to 100.  run-selftests sets it on a debug kernel, where KASAN,
 * lockdep and kmemleak under TCG make everything several times slower;
 * a test that hangs still fails, only later.
 */
#ifndef CKPT_HARNESS_H
#define CKPT_HARNESS_H

#include "kselftest_harness.h"

static inline void ckpt_scale_timeouts(void)
{
	const char *s = getenv("CKPT_TIMEOUT_SCALE");
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	char *end;
	long scale;

	if (!s || !*s)
		return;
	scale = strtol(s, &end, 10);
	if (*end || scale < 1 || scale > 100) {
		fprintf(stderr, "CKPT_TIMEOUT_SCALE=%s: not a whole number from 1 to 100\n", s);
		exit(KSFT_FAIL);
	}
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= scale;
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) \
	{ \
		ckpt_scale_timeouts(); \
		return test_harness_run(argc, argv); \
	}

#endif /* CKPT_HARNESS_H */

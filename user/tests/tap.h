/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP producer for the host unit tests.  Tests are registered
 * first (tap_add), so that the plan can be printed before any result;
 * each test is one `ok N - name` line, its failed checks `# ` comments.
 */
#ifndef CKPT_TAP_H
#define CKPT_TAP_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*tap_fn)(const void *arg);

void tap_add(tap_fn fn, const void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print the plan, run every test, return 0 if all passed. */
int tap_run(void);

/* The running test cannot run here: `ok N - name # SKIP reason`. */
void tap_skip(const char *reason);

bool tap_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define CHECK(cond) tap_check((cond), __FILE__, __LINE__, "%s", #cond)

#define CHECK_INT(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		tap_check(a_ == b_, __FILE__, __LINE__,			\
			  "%s == %s: %lld != %lld", #a, #b, a_, b_);	\
	} while (0)

/* @s contains @sub. */
#define CHECK_HAS(s, sub)						\
	tap_check(strstr((s), (sub)) != NULL, __FILE__, __LINE__,	\
		  "\"%s\" in \"%s\"", (sub), (s))

#define CHECK_STR(a, b)							\
	tap_check(!strcmp((a), (b)), __FILE__, __LINE__,		\
		  "%s == %s:\n#   got:  \"%s\"\n#   want: \"%s\"", #a, #b,	\
		  (a), (b))

#endif /* CKPT_TAP_H */

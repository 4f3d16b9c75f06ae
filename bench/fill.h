/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/fill.h - pseudo-random bytes for the benchmark's memory.
 *
 * The workload and the copy/encrypt limits fill their memory the same
 * way, so that every tool moves the same kind of bytes: incompressible,
 * never zero pages.  xorshift64* is used rather than getrandom(): it is
 * several times faster under TCG, and the bytes need not be secret.
 */
#ifndef CKPT_BENCH_FILL_H
#define CKPT_BENCH_FILL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#define BENCH_PAGE_SIZE	4096UL

/* A seed that differs from run to run; the bytes need not be secret. */
static inline uint64_t bench_seed(void)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), 0) != sizeof(s)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	}
	return s | 1;		/* xorshift must not start at 0 */
}

/* Fill @len bytes at @p (a multiple of 8, 8-byte aligned). */
static inline void bench_fill(void *p, size_t len, uint64_t *state)
{
	uint64_t *w = p, x = *state;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		w[i] = x * 0x2545f4914f6cdd1dULL;
	}
	*state = x;
}

#endif /* CKPT_BENCH_FILL_H */

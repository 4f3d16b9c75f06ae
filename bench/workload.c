// SPDX-License-Identifier: GPL-2.0
/*
 * bench/workload.c - the process the benchmark checkpoints and restarts.
 *
 * Usage: workload SIZE_MIB [--sparse PERCENT]
 *
 * Maps SIZE_MIB MiB of private anonymous memory and writes pseudo-random
 * bytes into all of it or, with --sparse, into PERCENT% of its pages,
 * spread evenly over the whole range (the others are never touched, so
 * neither ckpt nor CRIU has anything to save for them).  A sparse mapping
 * is madvise(MADV_NOHUGEPAGE)d: Debian's kernels default to THP "always",
 * and one touched byte would otherwise fault in a whole zeroed 2 MiB page.
 *
 * Then it prints one line to standard output,
 *
 *	ready hb=0xADDR touched=BYTES
 *
 * and loops forever: read CLOCK_MONOTONIC, update the heartbeat at ADDR,
 * sleep 1 ms.  The benchmark driver reads the heartbeat through
 * /proc/PID/mem and so learns, without any help from the tools under test:
 *
 *  - when a restored process runs again: the first iteration after a
 *    restore ends the largest gap there has been, at max_gap_end_ns;
 *  - how long a leave-running checkpoint held the process still: the
 *    driver zeroes max_gap_ns (writing /proc/PID/mem) before the
 *    checkpoint and reads it after.
 *
 * Nothing is written to any file after the "ready" line: ckpt restart
 * refuses a file whose size or modification time changed since the
 * checkpoint, and CRIU checks sizes too.  The descriptors are the ones the
 * driver gives: /dev/null and files on tmpfs, which both tools restore.
 * No parent-death signal either: `ckpt restart --detach` refuses one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fill.h"

/* "ckpt-hb!" read as a little-endian u64: the driver knows it read the right place. */
#define HB_MAGIC	0x2162682d74706b63ULL

/* What the driver reads (and partly writes) through /proc/PID/mem. */
struct heartbeat {
	uint64_t magic;
	uint64_t count;			/* loop iterations */
	uint64_t last_ns;		/* CLOCK_MONOTONIC of the last one */
	uint64_t max_gap_ns;		/* largest gap between two; zeroed by the driver */
	uint64_t max_gap_end_ns;	/* the iteration that ended it */
	uint64_t touched_bytes;		/* the bytes written at start */
};

static volatile struct heartbeat hb __attribute__((aligned(64)));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: workload SIZE_MIB [--sparse PERCENT]\n");
	exit(2);
}

/* Write every page, or @percent of the pages spread over the whole range. */
static uint64_t touch(unsigned char *mem, size_t len, unsigned int percent)
{
	size_t npages = len / BENCH_PAGE_SIZE, i;
	uint64_t state = bench_seed(), touched = 0;

	if (percent >= 100) {
		bench_fill(mem, len, &state);
		return len;
	}
	for (i = 0; i < npages; i++) {
		/* Page i is touched when i * percent / 100 crosses an integer. */
		if ((i + 1) * percent / 100 == i * percent / 100)
			continue;
		bench_fill(mem + i * BENCH_PAGE_SIZE, BENCH_PAGE_SIZE, &state);
		touched += BENCH_PAGE_SIZE;
	}
	return touched;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 1000 * 1000 };	/* 1 ms */
	unsigned int percent = 100;
	unsigned char *mem;
	char line[128];
	uint64_t prev;
	size_t len;
	char *end;
	int n;

	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "--sparse")))
		usage();
	len = strtoul(argv[1], &end, 10) << 20;
	if (*end || !len)
		usage();
	if (argc == 4) {
		percent = strtoul(argv[3], &end, 10);
		if (*end || !percent || percent > 100)
			usage();
	}

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	if (percent < 100 && madvise(mem, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	hb.touched_bytes = touch(mem, len, percent);

	hb.last_ns = prev = now_ns();
	hb.magic = HB_MAGIC;
	n = snprintf(line, sizeof(line), "ready hb=%p touched=%llu\n",
		     (void *)&hb, (unsigned long long)hb.touched_bytes);
	if (write(STDOUT_FILENO, line, n) != n)
		die("write");

	for (;;) {
		uint64_t t = now_ns();

		if (t - prev > hb.max_gap_ns) {
			hb.max_gap_ns = t - prev;
			hb.max_gap_end_ns = t;
		}
		hb.last_ns = prev = t;
		hb.count++;
		nanosleep(&tick, NULL);
	}
}

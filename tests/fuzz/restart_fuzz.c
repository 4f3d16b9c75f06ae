// SPDX-License-Identifier: GPL-2.0
/*
 * restart_fuzz - libFuzzer on CKPT_IOC_RESTART, guided by the module's
 * KCOV coverage.
 *
 * Each input is an image.  A forked child makes itself what the image
 * asks of a restart caller, as far as the image lets it (its signal
 * dispositions, pipes, [vdso] address, limits: ckpt_test.h), enables
 * KCOV for itself and calls the ioctl on a memfd holding the input.  The
 * coverage buffer is shared with this process, which, once the child is
 * gone, folds every PC inside ckpt.ko into libFuzzer's extra counters:
 * an input that reaches new code in the module is kept.  Without KCOV
 * (a stock kernel) the fuzzer still runs, blind, to prove that it works.
 *
 * Mutations: libFuzzer's own on the raw bytes, and a structure-aware
 * mutator that knows the record format: it mutates inside one record
 * with its header left valid, breaks a record's length, swaps,
 * duplicates, drops and truncates records, splices records of two
 * inputs, and half the time fixes the tail up again so that the module
 * parses the image to its end.
 *
 * What stops the run, keeping the input (libFuzzer writes crash-*):
 *  - a kernel report in the log (Oops, WARNING, BUG, KASAN, UBSAN, KFENCE,
 *    lockdep, kmemleak), read from /dev/kmsg after every input;
 *  - a restored program that does not run with the caller's credentials;
 *  - a restart that takes longer than libFuzzer's -timeout (a hang).
 * A child that the module killed past the point of no return, and a
 * restored program that runs (an image can be valid), are normal; the
 * latter is killed at once.
 */
#include <linux/kcov.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "ckpt_test.h"

#define KCOV_WORDS	(1UL << 20)		/* PCs the buffer holds */
#define NR_COUNTERS	(1 << 16)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* libFuzzer reads these after each input, as it does its own counters. */
__attribute__((section("__libfuzzer_extra_counters")))
static uint8_t counters[NR_COUNTERS];

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static int dev_ok, kcov_fd = -1, kmsg_fd = -1, img_fd = -1;
static unsigned long *kcov_area;
static unsigned long mod_start, mod_end;

/* Every module PC seen, for the coverage figures printed as it runs. */
static uint8_t *seen;
static unsigned long nr_seen, nr_execs;
static time_t started, last_report;

static void report(bool last);
static void report_last(void);
static uid_t my_uid;
static gid_t my_gid;

/*
 * KCOV records each PC less the kernel's KASLR offset (canonicalize_ip()),
 * modules' included: the offset is where _text is now less where it is
 * linked, __START_KERNEL_map + CONFIG_PHYSICAL_START (16 MiB, x86-64's
 * default and Debian's).
 */
#define TEXT_LINKED	0xffffffff81000000UL

static unsigned long kaslr_offset(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[128];
	unsigned long addr, off = 0;
	char type;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %127s", &addr, &type, name) == 3 &&
		    !strcmp(name, "_text")) {
			off = addr - TEXT_LINKED;
			break;
		}
	if (f)
		fclose(f);
	return off;
}

/* ckpt.ko's address range as KCOV reports it, from /proc/modules. */
static void find_module(void)
{
	FILE *f = fopen("/proc/modules", "r");
	unsigned long size, addr, off = kaslr_offset();
	char name[64], line[512];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %*s %*s %*s %lx", name, &size, &addr) == 3 &&
		    !strcmp(name, "ckpt") && addr) {
			mod_start = addr - off;
			mod_end = addr - off + size;
		}
	if (f)
		fclose(f);
}

static void setup_kcov(void)
{
	kcov_fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	if (kcov_fd < 0) {
		fprintf(stderr, "restart_fuzz: no KCOV (%s): fuzzing without coverage\n",
			strerror(errno));
		return;
	}
	if (ioctl(kcov_fd, KCOV_INIT_TRACE, KCOV_WORDS))
		goto fail;
	/* Shared: the child's coverage lands where this process reads it. */
	kcov_area = mmap(NULL, KCOV_WORDS * sizeof(unsigned long),
			 PROT_READ | PROT_WRITE, MAP_SHARED, kcov_fd, 0);
	if (kcov_area == MAP_FAILED)
		goto fail;
	find_module();
	if (!mod_start) {
		fprintf(stderr, "restart_fuzz: ckpt.ko's address is not in /proc/modules\n");
		exit(1);
	}
	seen = calloc((mod_end - mod_start) / 8 + 1, 1);
	if (!seen)
		exit(1);
	fprintf(stderr, "restart_fuzz: KCOV on, ckpt.ko at %#lx-%#lx (KASLR offset taken off)\n",
		mod_start, mod_end);
	return;
fail:
	perror("restart_fuzz: KCOV");
	exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dev_ok = ckpt_available();
	if (!dev_ok) {
		fprintf(stderr, "restart_fuzz: " CKPT_DEV " is missing: load ckpt.ko\n");
		exit(1);
	}
	my_uid = getuid();
	my_gid = getgid();
	img_fd = memfd_create("restart-fuzz", MFD_CLOEXEC);
	if (img_fd < 0)
		exit(1);
	/* From now on: only what the kernel logs while fuzzing. */
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	setup_kcov();
	signal(SIGPIPE, SIG_IGN);
	report(false);
	atexit(report_last);
	return 0;
}

/* A kernel report since the last call: print it and stop the run. */
static void check_kmsg(void)
{
	static const char *const reports[] = {
		"Oops", "WARNING:", "BUG:", "KASAN", "UBSAN", "KFENCE",
		"kmemleak", "lockdep", "possible circular locking",
		"general protection fault", "Call Trace", "kernel BUG",
	};
	char rec[8192];
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	while ((n = read(kmsg_fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(reports); i++)
			if (strstr(rec, reports[i])) {
				fprintf(stderr, "restart_fuzz: kernel report: %s", rec);
				abort();
			}
	}
}

/* The restored program runs: with the caller's credentials, or abort. */
static void check_restored(pid_t pid)
{
	char path[64], buf[4096];
	char want_uid[64], want_gid[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;		/* gone already */
	buf[n] = '\0';
	snprintf(want_uid, sizeof(want_uid), "\nUid:\t%u\t%u\t%u\t%u\n",
		 my_uid, my_uid, my_uid, my_uid);
	snprintf(want_gid, sizeof(want_gid), "\nGid:\t%u\t%u\t%u\t%u\n",
		 my_gid, my_gid, my_gid, my_gid);
	if (!strstr(buf, want_uid) || !strstr(buf, want_gid)) {
		fprintf(stderr, "restart_fuzz: restored pid %d has other credentials:\n%s",
			pid, buf);
		kill(pid, SIGKILL);
		abort();
	}
}

/* In the restarting child, right before the ioctl. */
static void child_kcov_on(void)
{
	if (kcov_fd < 0)
		return;
	if (ioctl(kcov_fd, KCOV_ENABLE, KCOV_TRACE_PC))
		_exit(97);
	__atomic_store_n(&kcov_area[0], 0, __ATOMIC_RELAXED);
}

static void __attribute__((noreturn)) restart_child(const struct image *img,
						    int st)
{
	struct ckpt_restart_args args = {
		.size = sizeof(args), .fd = img_fd, .status_fd = st,
	};
	int dev = open(CKPT_DEV, O_RDWR);

	if (dev < 0)
		_exit(96);
	/*
	 * As much of what the image asks of its caller as it lets this
	 * child do: failures here only mean the module refuses earlier.
	 */
	restart_prep_self(img);
	restart_prep_pipes(img, &args);
	move_specials(img);
	restart_prep_limits(img);
	child_kcov_on();
	syscall(SYS_ioctl, dev, CKPT_IOC_RESTART, &args);
	_exit(100 + errno);
}

/* Fold the module's PCs of the last run into the extra counters. */
static void collect(void)
{
	unsigned long n, i;

	if (!kcov_area)
		return;
	n = __atomic_load_n(&kcov_area[0], __ATOMIC_RELAXED);
	if (n > KCOV_WORDS - 1)
		n = KCOV_WORDS - 1;
	for (i = 0; i < n; i++) {
		unsigned long pc = kcov_area[i + 1];

		if (pc >= mod_start && pc < mod_end) {
			unsigned long off = pc - mod_start;
			unsigned long h = off * 0x9E3779B97F4A7C15UL;
			uint8_t *c = &counters[(h >> 48) % NR_COUNTERS];

			if (*c != 255)
				(*c)++;
			if (!(seen[off / 8] & 1 << off % 8)) {
				seen[off / 8] |= 1 << off % 8;
				nr_seen++;
			}
		}
	}
}

/* A line a minute, and one at the end: how the coverage grows. */
static void report(bool last)
{
	time_t now = time(NULL);

	if (!started)
		started = last_report = now;
	if (!last && now - last_report < 60)
		return;
	last_report = now;
	fprintf(stderr, "restart_fuzz: %s t=%lds execs=%lu exec/s=%.1f module_pcs=%lu\n",
		last ? "final" : "progress", (long)(now - started), nr_execs,
		now > started ? (double)nr_execs / (now - started) : 0.0,
		nr_seen);
	if (kcov_area && nr_execs && !nr_seen)
		fprintf(stderr, "restart_fuzz: KCOV saw no PC inside ckpt.ko: is the module built with KCOV_INSTRUMENT, or the KASLR offset (TEXT_LINKED) wrong?\n");
}

static void report_last(void)
{
	report(true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image img = { .buf = (unsigned char *)data, .len = size };
	char msg[512];
	int st[2], status;
	ssize_t n;
	pid_t pid;

	if (ftruncate(img_fd, 0) || pwrite(img_fd, data, size, 0) != (ssize_t)size ||
	    lseek(img_fd, 0, SEEK_SET) || pipe2(st, O_CLOEXEC))
		abort();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		close(st[0]);
		restart_child(&img, st[1]);
	}
	close(st[1]);
	/* A message, or end of file: the child failed, or the program runs. */
	n = read(st[0], msg, sizeof(msg));
	close(st[0]);
	if (n == 0 && waitpid(pid, &status, WNOHANG) == 0) {
		check_restored(pid);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	collect();
	check_kmsg();
	nr_execs++;
	report(false);
	return 0;
}

/* ------------------------------------------------------------ mutator */

#define MAX_RECS	4096

struct recs {
	size_t off[MAX_RECS];
	size_t len[MAX_RECS];
	size_t n;
	size_t end;		/* where the last whole record ends */
};

static void split(const uint8_t *d, size_t size, struct recs *r)
{
	size_t off = 0;

	r->n = 0;
	while (r->n < MAX_RECS && off + sizeof(struct ckpt_hdr) <= size) {
		struct ckpt_hdr h;

		memcpy(&h, d + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > size - off)
			break;
		r->off[r->n] = off;
		r->len[r->n] = h.len;
		r->n++;
		off += h.len;
	}
	r->end = off;
}

/* Make the tail, if the last record is one, agree with what precedes it. */
static void fix_tail(uint8_t *d, size_t size)
{
	struct ckpt_hdr_tail t;
	struct recs *r = malloc(sizeof(*r));
	size_t i, vmas = 0, pages = 0;

	if (!r)
		return;
	split(d, size, r);
	if (r->n < 2 || r->len[r->n - 1] != sizeof(t))
		goto out;
	memcpy(&t, d + r->off[r->n - 1], sizeof(t));
	if (t.h.type != CKPT_HDR_TAIL)
		goto out;
	for (i = 0; i + 1 < r->n; i++) {
		struct ckpt_hdr_pages p;

		memcpy(&p, d + r->off[i], sizeof(p.h));
		if (p.h.type == CKPT_HDR_VMA)
			vmas++;
		if (p.h.type == CKPT_HDR_PAGES && r->len[i] >= sizeof(p)) {
			memcpy(&p, d + r->off[i], sizeof(p));
			pages += p.nr_pages;
		}
	}
	t.nr_records = r->n - 1;
	t.nr_vmas = vmas;
	t.nr_pages = pages;
	t.image_len = r->off[r->n - 1];
	memcpy(d + r->off[r->n - 1], &t, sizeof(t));
out:
	free(r);
}

/* Replace [off, off + len) of @d (@size bytes) with @src, @slen bytes. */
static size_t replace(uint8_t *d, size_t size, size_t max, size_t off,
		      size_t len, const uint8_t *src, size_t slen)
{
	if (size - len + slen > max)
		return 0;
	memmove(d + off + slen, d + off + len, size - off - len);
	if (slen)
		memmove(d + off, src, slen);
	return size - len + slen;
}

static size_t structured(uint8_t *d, size_t size, size_t max,
			 unsigned int seed)
{
	struct recs *r = malloc(sizeof(*r));
	size_t i, j, out = 0;
	uint8_t *copy;

	if (!r)
		return 0;
	split(d, size, r);
	if (r->n < 2) {
		free(r);
		return 0;
	}
	i = 1 + (seed >> 8) % (r->n - 1);	/* never the header's place */
	j = 1 + (seed >> 20) % (r->n - 1);
	switch (seed % 7) {
	case 0: {	/* hostile fields in a valid header */
		size_t body = r->len[i] - sizeof(struct ckpt_hdr);
		size_t m;

		if (!body)
			break;
		copy = malloc(body * 2 + 64);
		if (!copy)
			break;
		memcpy(copy, d + r->off[i] + sizeof(struct ckpt_hdr), body);
		m = LLVMFuzzerMutate(copy, body, body);	/* same length */
		memcpy(d + r->off[i] + sizeof(struct ckpt_hdr), copy, m);
		free(copy);
		out = size;
		break;
	}
	case 1: {	/* a wrong length */
		struct ckpt_hdr h;

		memcpy(&h, d + r->off[i], sizeof(h));
		h.len += (int)(seed >> 4 & 0xff) - 128;
		memcpy(d + r->off[i], &h, sizeof(h));
		out = size;
		break;
	}
	case 2:		/* swapped with its neighbour */
		if (i + 1 < r->n) {
			size_t a = r->len[i], b = r->len[i + 1];

			copy = malloc(a);
			if (!copy)
				break;
			memcpy(copy, d + r->off[i], a);
			memmove(d + r->off[i], d + r->off[i + 1], b);
			memcpy(d + r->off[i] + b, copy, a);
			free(copy);
			out = size;
		}
		break;
	case 3:		/* duplicated */
		copy = malloc(r->len[i]);
		if (!copy)
			break;
		memcpy(copy, d + r->off[i], r->len[i]);
		out = replace(d, size, max, r->off[j], 0, copy, r->len[i]);
		free(copy);
		break;
	case 4:		/* dropped */
		out = replace(d, size, max, r->off[i], r->len[i], NULL, 0);
		break;
	case 5:		/* cut inside or at the end of a record */
		out = r->off[i] + (seed >> 4) % (r->len[i] + 1);
		break;
	default:	/* raw bytes */
		out = LLVMFuzzerMutate(d, size, max);
		break;
	}
	free(r);
	return out;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	size_t out = structured(data, size, max_size, seed);

	if (!out)
		out = LLVMFuzzerMutate(data, size, max_size);
	if (seed & 0x80000000)
		fix_tail(data, out);
	return out;
}

/* Splice: the records of @a up to one of its records, then @b's from one. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t asize,
				 const uint8_t *b, size_t bsize,
				 uint8_t *out, size_t max_out, unsigned int seed)
{
	struct recs *ra = malloc(sizeof(*ra)), *rb = malloc(sizeof(*rb));
	size_t cut_a, from_b, n = 0;

	if (!ra || !rb)
		goto out;
	split(a, asize, ra);
	split(b, bsize, rb);
	if (!ra->n || !rb->n)
		goto out;
	cut_a = ra->off[seed % ra->n];
	from_b = rb->off[(seed >> 12) % rb->n];
	if (cut_a + (bsize - from_b) > max_out)
		goto out;
	memcpy(out, a, cut_a);
	memcpy(out + cut_a, b + from_b, bsize - from_b);
	n = cut_a + bsize - from_b;
	fix_tail(out, n);
out:
	free(ra);
	free(rb);
	return n;
}

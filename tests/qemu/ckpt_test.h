/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ckpt selftests: calling /dev/checkpoint, reading
 * an image back, comparing it with /proc/PID/maps, and running code as
 * another user.  Everything here is test code: it trusts images made by
 * the module under test only as far as it checks them.
 */
#ifndef CKPT_TEST_H
#define CKPT_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint.h>

#define CKPT_DEV	"/dev/checkpoint"

/* Unprivileged users the guest provides (tests/qemu/vm). */
#define CKPT_TEST_UID	1000
#define CKPT_TEST_UID2	1001

static inline bool ckpt_available(void)
{
	return access(CKPT_DEV, F_OK) == 0;
}

/* ioctl(CKPT_IOC_CHECKPOINT); -1 and errno on failure, like a syscall. */
static inline int ckpt_checkpoint_msg(pid_t pid, int fd, __u64 flags,
				      char *msg, size_t msglen)
{
	struct ckpt_checkpoint_args args = {
		.size = sizeof(args),
		.pid = pid,
		.fd = fd,
		.flags = flags,
		.errbuf = (uintptr_t)msg,
		.errbuf_len = msglen,
	};
	int dev, ret, saved;

	if (msg && msglen)
		msg[0] = '\0';
	dev = open(CKPT_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	ret = ioctl(dev, CKPT_IOC_CHECKPOINT, &args);
	saved = errno;
	close(dev);
	errno = saved;
	return ret;
}

static inline int ckpt_checkpoint(pid_t pid, int fd, __u64 flags)
{
	return ckpt_checkpoint_msg(pid, fd, flags, NULL, 0);
}

/* A child that dies with its parent, so no test leaves processes behind. */
static inline pid_t fork_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
	}
	return pid;
}

static inline void kill_child(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Drop to @uid (from root), keeping PR_SET_PDEATHSIG. */
static inline int become_user(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -1;
	/*
	 * A change of credentials clears the parent-death signal, and makes
	 * the process non-dumpable (suid_dumpable): undo both, so that the
	 * process is what that user would have started.
	 */
	if (prctl(PR_SET_DUMPABLE, 1))
		return -1;
	return prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * Run @fn in a child as @uid (if not -1) and return what it returns, or
 * -1 if it died: a way to check refusals seen by another user.
 */
static inline int run_as(uid_t uid, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork_child();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (uid != (uid_t)-1 && become_user(uid))
			_exit(255);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static inline int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline int write_sysctl(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%d\n", v) < 0;
	ret |= fclose(f) != 0;
	return ret ? -1 : 0;
}

#define YAMA_SCOPE "/proc/sys/kernel/yama/ptrace_scope"

/* An image read back into memory. */
struct image {
	unsigned char *buf;
	size_t len;
};

/* Read all of @fd from offset 0 (a memfd or a file). */
static inline int image_load(struct image *img, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	img->len = st.st_size;
	img->buf = malloc(img->len ? img->len : 1);
	if (!img->buf)
		return -1;
	if (pread(fd, img->buf, img->len, 0) != (ssize_t)img->len)
		return -1;
	return 0;
}

static inline void image_free(struct image *img)
{
	free(img->buf);
	img->buf = NULL;
}

/*
 * Walk the records: returns the record at *off and advances *off, or NULL
 * at the end or on a malformed length.
 */
static inline const struct ckpt_hdr *image_next(const struct image *img,
						size_t *off)
{
	const struct ckpt_hdr *h;

	if (*off + sizeof(*h) > img->len)
		return NULL;
	h = (const void *)(img->buf + *off);
	if (h->len < sizeof(*h) || h->len > img->len - *off)
		return NULL;
	*off += h->len;
	return h;
}

static inline const void *image_find(const struct image *img, __u32 type)
{
	const struct ckpt_hdr *h;
	size_t off = 0;

	while ((h = image_next(img, &off)))
		if (h->type == type)
			return h;
	return NULL;
}

/* Is the image whole: header first, a tail that agrees with it last? */
static inline bool image_is_whole(const struct image *img)
{
	const struct ckpt_hdr_header *hdr = (const void *)img->buf;
	const struct ckpt_hdr *h, *last = NULL;
	const struct ckpt_hdr_tail *tail;
	size_t off = 0, last_off = 0;
	unsigned int n = 0;

	if (img->len < sizeof(*hdr) || hdr->h.type != CKPT_HDR_HEADER ||
	    memcmp(hdr->magic, CKPT_MAGIC, CKPT_MAGIC_LEN) ||
	    hdr->version != CKPT_VERSION)
		return false;
	for (;;) {
		size_t here = off;

		h = image_next(img, &off);
		if (!h)
			break;
		last = h;
		last_off = here;
		n++;
	}
	if (!last || off != img->len || last->type != CKPT_HDR_TAIL ||
	    last->len != sizeof(*tail))
		return false;
	tail = (const void *)last;
	return tail->nr_records == n - 1 && tail->image_len == last_off &&
	       !memcmp(tail->magic, CKPT_MAGIC, CKPT_MAGIC_LEN);
}

/*
 * Copy @len bytes at @addr of the checkpointed memory into @out.  Bytes
 * of pages the image does not hold are left alone; returns the number of
 * bytes found.
 */
static inline size_t image_read_mem(const struct image *img, uint64_t addr,
				    void *out, size_t len)
{
	const struct ckpt_hdr *h;
	size_t off = 0, found = 0;
	long page = sysconf(_SC_PAGESIZE);

	while ((h = image_next(img, &off))) {
		const struct ckpt_hdr_pages *p = (const void *)h;
		uint64_t start, end, lo, hi;

		if (h->type != CKPT_HDR_PAGES)
			continue;
		start = p->addr;
		end = start + (uint64_t)p->nr_pages * page;
		lo = addr > start ? addr : start;
		hi = addr + len < end ? addr + len : end;
		if (lo >= hi)
			continue;
		memcpy((char *)out + (lo - addr),
		       (const char *)(p + 1) + (lo - start), hi - lo);
		found += hi - lo;
	}
	return found;
}

/* /proc/PID/maps, without [vsyscall]: the gate area is no VMA of the mm. */
static inline char *read_maps(pid_t pid)
{
	char path[64], line[4096];
	size_t len = 0, cap = 1 << 16;
	char *out = malloc(cap);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f || !out) {
		if (f)
			fclose(f);
		free(out);
		return NULL;
	}
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (strstr(line, "[vsyscall]"))
			continue;
		if (len + n + 1 > cap) {
			char *bigger = realloc(out, cap *= 2);

			if (!bigger) {
				free(out);
				fclose(f);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + len, line, n + 1);
		len += n;
	}
	fclose(f);
	return out;
}

/*
 * The image's memory map in /proc/PID/maps form, for comparison: the
 * same fields and the same layout as show_map_vma() prints.
 */
static inline char *image_maps(const struct image *img)
{
	const struct ckpt_hdr *h;
	size_t off = 0, len = 0, cap = 1 << 16;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	while ((h = image_next(img, &off))) {
		const struct ckpt_hdr_vma *v = (const void *)h;
		char line[4200];
		int n;

		if (h->type != CKPT_HDR_VMA)
			continue;
		n = snprintf(line, sizeof(line),
			     "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
			     (unsigned long long)v->start,
			     (unsigned long long)v->end,
			     v->flags & CKPT_VMA_READ ? 'r' : '-',
			     v->flags & CKPT_VMA_WRITE ? 'w' : '-',
			     v->flags & CKPT_VMA_EXEC ? 'x' : '-',
			     v->flags & CKPT_VMA_SHARED ? 's' : 'p',
			     (unsigned long long)(v->kind == CKPT_VMA_FILE ? v->pgoff : 0),
			     v->kind == CKPT_VMA_FILE ? major(v->dev) : 0,
			     v->kind == CKPT_VMA_FILE ? minor(v->dev) : 0,
			     (unsigned long long)(v->kind == CKPT_VMA_FILE ? v->ino : 0));
		/*
		 * seq_pad() pads to column 72 and adds a space: the name
		 * starts at column 73, or after one more space if the
		 * header is longer.  Without a name, the header's trailing
		 * space stays.
		 */
		if (v->name_len > 1)
			n += snprintf(line + n, sizeof(line) - n, "%*s%.*s",
				      n < 73 ? 73 - n : 1, "",
				      (int)v->name_len - 1, v->name);
		line[n++] = '\n';
		line[n] = '\0';
		if (len + n + 1 > cap) {
			char *bigger = realloc(out, cap *= 2);

			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + len, line, n + 1);
		len += n;
	}
	return out;
}

/* Deterministic bytes for a region, so both sides can regenerate them. */
static inline void fill_pattern(void *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

/* Offset of the first byte that differs from the pattern, or -1. */
static inline long check_pattern(const void *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (p[i] != (unsigned char)x)
			return i;
	}
	return -1;
}

/* Wait up to @ms until @pid sleeps in syscall @nr (/proc/PID/syscall). */
static inline bool wait_in_syscall(pid_t pid, long nr, int ms)
{
	char path[64], buf[256];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (i = 0; i < ms / 10; i++) {
		FILE *f = fopen(path, "r");
		long seen = -2;

		if (f) {
			if (fgets(buf, sizeof(buf), f))
				seen = strtol(buf, NULL, 10);
			fclose(f);
		}
		if (seen == nr)
			return true;
		usleep(10000);
	}
	return false;
}

#endif /* CKPT_TEST_H */

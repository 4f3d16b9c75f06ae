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
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/*
 * Unmap shared anonymous memory inherited from the test harness (its
 * results page), which checkpoint refuses: test children do not use it.
 */
static inline void drop_shared_anon(void)
{
	char line[512];
	unsigned long start[16], end[16];
	int n = 0, i;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	while (n < 16 && fgets(line, sizeof(line), f)) {
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &start[n], &end[n], perms) == 3 &&
		    perms[3] == 's' && strstr(line, "/dev/zero (deleted)"))
			n++;
	}
	fclose(f);
	for (i = 0; i < n; i++)
		munmap((void *)start[i], end[i] - start[i]);
}

/* Restart gives a process descriptors 0, 1 and 2 only, for now. */
static inline void close_fds_above_2(void)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		close(fd);
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
		drop_shared_anon();
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

/* A setuid-root copy of sleep(1), made by root, used by every pass. */
#define SUID_PROG	"/tmp/ckpt-selftest-suid-sleep"

static inline int make_suid_program(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "cp \"$(command -v sleep)\" %s.new && chmod 4755 %s.new && mv %s.new %s",
		 SUID_PROG, SUID_PROG, SUID_PROG, SUID_PROG);
	return system(cmd);
}

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

/*
 * A page shared with a program the test checkpoints, through a file at
 * @path, a mkstemp() template (checkpoint refuses shared anonymous
 * memory); MAP_FAILED if it cannot be made.
 */
static inline void *map_shared_page(char *path)
{
	void *p = MAP_FAILED;
	int fd = mkstemp(path);

	if (fd < 0)
		return MAP_FAILED;
	if (!ftruncate(fd, 4096))
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p;
}

/* A child with nothing open above 2, after @prep, waiting in pause(). */
static inline pid_t start_paused(int (*prep)(void));

/*
 * Checkpoint a child that start_paused(@prep) made, into a memfd: true if
 * the ioctl failed with @err and a message holding @what.  The message is
 * left in @msg either way, for the test's log.  The child is killed.
 */
static inline bool checkpoint_refused(int (*prep)(void), int err,
				      const char *what, char *msg, size_t size)
{
	int img = memfd_create("ckpt-image", MFD_CLOEXEC), ret, saved;
	pid_t pid;

	snprintf(msg, size, "setup failed");
	if (img < 0)
		return false;
	pid = start_paused(prep);
	if (pid <= 0) {
		close(img);
		return false;
	}
	ret = ckpt_checkpoint_msg(pid, img, 0, msg, size);
	saved = errno;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(img);
	return ret == -1 && saved == err && strstr(msg, what);
}

/*
 * Checkpoint @pid into a new memfd and read the image back: returns the
 * memfd (its offset at the end), or -1.
 */
static inline int checkpoint_image(pid_t pid, __u64 flags, struct image *img)
{
	const char *save = getenv("CKPT_SAVE_IMAGES");
	int fd = memfd_create("ckpt-image", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ckpt_checkpoint(pid, fd, flags) || image_load(img, fd)) {
		close(fd);
		return -1;
	}
	/* The fuzzer's seeds (tests/fuzz/run-fuzz): every image made here. */
	if (save && *save) {
		static int nr;
		char path[4096];
		int out;

		snprintf(path, sizeof(path), "%s/%d-%d.img", save, (int)getpid(), nr++);
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out >= 0) {
			if (write(out, img->buf, img->len) != (ssize_t)img->len)
				unlink(path);
			close(out);
		}
	}
	return fd;
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
 * @maps with adjacent lines merged where the kernel could have merged the
 * VMAs (same permissions, same file at consecutive offsets, same name):
 * restart maps each VMA anew, and mmap() merges what it can, while the
 * original may have kept them apart for reasons of its history (an
 * anon_vma of its own, say).  In place; returns @maps.
 */
static inline char *maps_merged(char *maps)
{
	char *out = maps, *line = maps, *next;
	unsigned long ps = 0, pe = 0, pofs = 0, pino = 0;
	char pperm[8] = "", pdev[16] = "", pname[4096] = "";
	bool have = false;

	for (; *line; line = next) {
		unsigned long s, e, ofs, ino;
		char perm[8], dev[16], name[4096] = "";
		int n = 0;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu%n", &s, &e, perm, &ofs,
			   dev, &ino, &n) < 6)
			continue;
		while (line[n] == ' ')
			n++;
		sscanf(line + n, "%4095[^\n]", name);
		if (have && s == pe && !strcmp(perm, pperm) && !strcmp(dev, pdev) &&
		    ino == pino && !strcmp(name, pname) &&
		    (!ino || ofs == pofs + (pe - ps))) {
			pe = e;
			continue;
		}
		if (have)
			out += sprintf(out, "%lx-%lx %s %lx %s %lu %s\n", ps, pe,
				       pperm, pofs, pdev, pino, pname);
		ps = s, pe = e, pofs = ofs, pino = ino, have = true;
		strcpy(pperm, perm);
		strcpy(pdev, dev);
		strcpy(pname, name);
	}
	if (have)
		sprintf(out, "%lx-%lx %s %lx %s %lu %s\n", ps, pe, pperm, pofs,
			pdev, pino, pname);
	else
		*out = '\0';
	return maps;
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
static inline bool wait_in_syscall(pid_t pid, long nr, int ms);

static inline pid_t start_paused(int (*prep)(void))
{
	pid_t pid = fork_child();

	if (pid == 0) {
		close_fds_above_2();
		if (prep && prep())
			_exit(1);
		for (;;)
			pause();
	}
	if (pid > 0 && !wait_in_syscall(pid, SYS_pause, 20000)) {
		kill_child(pid);
		return -1;
	}
	return pid;
}

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

/*
 * Restart, the way the ckpt command does it, for tests that drive the
 * module directly: a child moves its own [vdso] and [vvar] to where the
 * image has them, keeps only the file descriptors restart needs, resets
 * its signal dispositions and calls CKPT_IOC_RESTART, becoming the
 * restored program.  The parent learns the outcome from the status pipe.
 */
#include <sys/syscall.h>

struct restart_result {
	pid_t pid;		/* the child: the restored program on success */
	bool started;		/* the restored program runs */
	bool committed;		/* the child was killed past the point of no return */
	int err;		/* errno of a failed ioctl, before that point */
	bool intact;		/* restart_child_after() found the child as it was */
	pid_t caller;		/* the child that called the ioctl, reaped or not */
	char msg[512];		/* what the status pipe said */
};

struct own_map {
	unsigned long start, end;
	char name[32];
};

/* This process's special mappings, from /proc/self/maps. */
static inline int own_specials(struct own_map *maps, int max)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, ' ');

		if (!name || name[1] != '[' || strstr(line, "[vsyscall]") ||
		    strstr(line, "[heap]") || strstr(line, "[stack]"))
			continue;
		name[strcspn(name, "\n")] = '\0';
		snprintf(maps[n].name, sizeof(maps[n].name), "%s", name + 1);
		sscanf(line, "%lx-%lx", &maps[n].start, &maps[n].end);
		n++;
	}
	fclose(f);
	return n;
}

/*
 * Move [vdso] and friends to the image's addresses, through a reserved
 * area so that no move lands on another special mapping.  Nothing after
 * this may call into the vDSO: glibc's pointers into it are stale.
 */
static inline int move_specials(const struct image *img)
{
	struct own_map own[8];
	const struct ckpt_hdr *h;
	unsigned long total = 0, off = 0;
	size_t pos = 0;
	char *reserve;
	int n, i;

	n = own_specials(own, 8);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		total += own[i].end - own[i].start;
	reserve = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (reserve == MAP_FAILED)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned long len = own[i].end - own[i].start;

		if (mremap((void *)own[i].start, len, len,
			   MREMAP_MAYMOVE | MREMAP_FIXED, reserve + off) == MAP_FAILED)
			return -1;
		own[i].start = (unsigned long)reserve + off;
		own[i].end = own[i].start + len;
		off += len;
	}
	while ((h = image_next(img, &pos))) {
		const struct ckpt_hdr_vma *v = (const void *)h;

		if (h->type != CKPT_HDR_VMA || v->kind != CKPT_VMA_SPECIAL)
			continue;
		for (i = 0; i < n; i++) {
			unsigned long len = own[i].end - own[i].start;
			void *probe;

			if (strcmp(own[i].name, v->name) || len != v->end - v->start)
				continue;
			probe = mmap((void *)v->start, len, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
				     -1, 0);
			if (probe != (void *)v->start &&
			    !(v->start >= (unsigned long)reserve &&
			      v->end <= (unsigned long)reserve + total))
				return -1;
			if (mremap((void *)own[i].start, len, len,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   (void *)v->start) == MAP_FAILED)
				return -1;
		}
	}
	return 0;
}

/* struct sigaction as the rt_sigaction syscall takes it on x86-64 */
struct kernel_sigaction_x86 {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/*
 * What the caller of restart sets on itself, as the ckpt command does:
 * every signal blocked (the module sets the image's mask), the image's
 * dispositions and alternate stack, working directory, umask,
 * personality, parent-death signal and no_new_privs.  Returns NULL, or
 * what failed.
 */
static inline const char *restart_prep_self(const struct image *img)
{
	const struct ckpt_hdr_signals *sg = image_find(img, CKPT_HDR_SIGNALS);
	const struct ckpt_hdr_task *t = image_find(img, CKPT_HDR_TASK);
	const struct ckpt_hdr_fs *fs = image_find(img, CKPT_HDR_FS);
	sigset_t all;
	int sig;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sg && sig <= 64; sig++) {
		struct kernel_sigaction_x86 ka = {
			.handler = sg->action[sig - 1].handler,
			.flags = sg->action[sig - 1].flags,
			.restorer = sg->action[sig - 1].restorer,
			.mask = sg->action[sig - 1].mask,
		};

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &ka, NULL, 8))
			return "rt_sigaction";
	}
	if (sg) {
		stack_t ss = {
			.ss_sp = (void *)(uintptr_t)sg->ss_sp,
			.ss_size = sg->ss_size,
			.ss_flags = sg->ss_flags,
		};

		if (sg->ss_flags & SS_DISABLE)
			ss = (stack_t){ .ss_flags = SS_DISABLE };
		if (syscall(SYS_sigaltstack, &ss, NULL))
			return "sigaltstack";
	}
	if (fs) {
		if (chdir(fs->cwd))
			return "chdir to the image's working directory";
		umask(fs->umask);
	}
	if (t) {
		if (personality(t->personality) < 0)
			return "personality";
		if (prctl(PR_SET_PDEATHSIG, t->pdeath_signal))
			return "PR_SET_PDEATHSIG";
		if ((t->task_flags & CKPT_TASK_NO_NEW_PRIVS) &&
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			return "PR_SET_NO_NEW_PRIVS";
	}
	return NULL;
}

/*
 * A module cannot make pipes: make one per CKPT_HDR_PIPE record, of the
 * record's capacity, and pass both ends.  Returns NULL, or what failed.
 */
static inline const char *restart_prep_pipes(const struct image *img,
					     struct ckpt_restart_args *args)
{
	static struct ckpt_restart_pipe pipes[64];
	const struct ckpt_hdr *h;
	size_t off = 0;
	int n = 0, p[2];

	while ((h = image_next(img, &off))) {
		const struct ckpt_hdr_pipe *r = (const void *)h;

		if (h->type != CKPT_HDR_PIPE)
			continue;
		if (n == 64 || pipe2(p, O_CLOEXEC) ||
		    fcntl(p[1], F_SETPIPE_SZ, r->size) != (int)r->size)
			return "making a pipe of the image's capacity";
		pipes[n].id = r->id;
		pipes[n].read_fd = p[0];
		pipes[n].write_fd = p[1];
		n++;
	}
	args->pipes = (uintptr_t)pipes;
	args->nr_pipes = n;
	return NULL;
}

/* The image's resource limits, last: they may leave no room to map. */
static inline const char *restart_prep_limits(const struct image *img)
{
	const struct ckpt_hdr_task *t = image_find(img, CKPT_HDR_TASK);
	int i;

	for (i = 0; t && i < CKPT_RLIM_NLIMITS; i++) {
		struct rlimit rl = {
			.rlim_cur = t->rlim[i][0], .rlim_max = t->rlim[i][1],
		};

		if (setrlimit(i, &rl))
			return "setrlimit: the image's limit is above this process's";
	}
	return NULL;
}

/* Run in the restarting child just before CKPT_IOC_RESTART, if set. */
static void (*restart_child_prep)(void);

/*
 * Run in the restarting child when CKPT_IOC_RESTART has returned (it
 * failed before the point of no return), if set: NULL if the child is
 * as it was before the call, else what is not.  Said on the status pipe
 * after the module's message, as "caller: intact" or "caller: changed:
 * WHAT"; restart_image() sets res->intact on the first.
 */
static const char *(*restart_child_after)(void);

#define RESTART_CALLER_INTACT	"caller: intact"

/*
 * Descriptors restart_image() hands over (ckpt_restart_args::inherit):
 * the restored program's restart_inherit[i].to is the test's .from, or
 * whatever the restarting child has there if .from is negative (nothing,
 * above 2).  Passed as they are, in the order given.
 */
struct restart_inherit {
	int to;
	int from;
};
static struct restart_inherit restart_inherit[8];
static unsigned int restart_nr_inherit;

/* ckpt_restart_args::flags for restart_image() */
static __u64 restart_flags;

/* Out of the way of the descriptors handed over. */
#define RESTART_HELD_FD		500
#define RESTART_OWN_FD		600

/* Say why on the status pipe, as the module would, and give up. */
static inline void __attribute__((noreturn)) child_fail(int fd, const char *why)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "test setup: %s (errno %d)\n", why,
			 errno);

	/* Below 100: not an errno of the ioctl (see restart_image()). */
	if (write(fd, msg, n) < 0)
		_exit(98);
	_exit(99);
}

/*
 * Restart @img (also open as @imgfd at offset 0) in a child running as
 * @uid (-1: as we are), with @stdin_fd (if >= 0) as its standard input.
 */
static inline int restart_image(const struct image *img, int imgfd,
				int stdin_fd, uid_t uid,
				struct restart_result *res)
{
	int st[2], status, dev;
	ssize_t n;
	size_t len = 0;

	memset(res, 0, sizeof(*res));
	if (pipe2(st, O_CLOEXEC) || lseek(imgfd, 0, SEEK_SET))
		return -1;
	res->pid = fork_child();
	if (res->pid < 0)
		return -1;
	if (res->pid == 0) {
		struct ckpt_restart_args args = {
			.size = sizeof(args), .fd = imgfd, .status_fd = st[1],
		};
		int held[8], tos[8];
		const char *why;
		unsigned int i;
		int fd, err;

		if (uid != (uid_t)-1 && become_user(uid))
			child_fail(st[1], "cannot change user");
		if (stdin_fd >= 0 && dup2(stdin_fd, 0) < 0)
			child_fail(st[1], "dup2");

		dev = open(CKPT_DEV, O_RDWR);
		if (dev < 0)
			child_fail(st[1], "open " CKPT_DEV);
		for (i = 0; i < restart_nr_inherit; i++) {
			held[i] = restart_inherit[i].from < 0 ? -1 :
				  fcntl(restart_inherit[i].from, F_DUPFD_CLOEXEC,
					RESTART_HELD_FD);
			tos[i] = restart_inherit[i].to;
		}
		if (restart_nr_inherit) {
			imgfd = fcntl(imgfd, F_DUPFD_CLOEXEC, RESTART_OWN_FD);
			st[1] = fcntl(st[1], F_DUPFD_CLOEXEC, RESTART_OWN_FD);
			dev = fcntl(dev, F_DUPFD_CLOEXEC, RESTART_OWN_FD);
			args.fd = imgfd;
			args.status_fd = st[1];
		}
		for (fd = 3; fd < 1024; fd++) {
			bool keep = fd == imgfd || fd == st[1] || fd == dev;

			for (i = 0; i < restart_nr_inherit; i++)
				keep |= fd == held[i];
			if (!keep)
				close(fd);
		}
		why = restart_prep_self(img);
		if (why)
			child_fail(st[1], why);
		why = restart_prep_pipes(img, &args);
		if (why)
			child_fail(st[1], why);
		if (move_specials(img))
			child_fail(st[1], "cannot move [vdso]/[vvar] where the image has them");
		why = restart_prep_limits(img);
		if (why)
			child_fail(st[1], why);
		for (i = 0; i < restart_nr_inherit; i++)
			if (held[i] >= 0 && dup2(held[i], tos[i]) < 0)
				child_fail(st[1], "dup2 of a descriptor to hand over");
		args.inherit = (uintptr_t)tos;
		args.nr_inherit = restart_nr_inherit;
		args.flags = restart_flags;
		if (restart_child_prep)
			restart_child_prep();
		syscall(SYS_ioctl, dev, CKPT_IOC_RESTART, &args);
		err = errno;
		if (restart_child_after) {
			why = restart_child_after();
			if (why)
				dprintf(st[1], "\ncaller: changed: %s\n", why);
			else
				dprintf(st[1], "\n" RESTART_CALLER_INTACT "\n");
		}
		_exit(100 + err);
	}
	res->caller = res->pid;
	close(st[1]);
	while ((n = read(st[0], res->msg + len, sizeof(res->msg) - 1 - len)) > 0)
		len += n;
	res->msg[len] = '\0';
	close(st[0]);
	if (!len) {
		res->started = true;
		return 0;
	}
	/* Failed: the child either returned from the ioctl or was killed. */
	if (waitpid(res->pid, &status, 0) != res->pid)
		return -1;
	res->pid = 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		res->committed = true;
	else if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
		res->err = WEXITSTATUS(status) - 100;
	res->intact = !!strstr(res->msg, "\n" RESTART_CALLER_INTACT "\n");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fake_dev.so - an LD_PRELOAD stand-in for /dev/checkpoint, so that the
 * host tests can drive `ckpt checkpoint` (its thread, pipe, validation,
 * error messages and cleanup) without ckpt.ko.  Only the device is
 * faked; every other open() and ioctl() goes to libc.
 *
 * CKPT_IOC_CHECKPOINT writes CKPT_FAKE_IMAGE to args.fd, then:
 *   CKPT_FAKE_CUT=N     stop after N bytes
 *   CKPT_FAKE_ERRNO=E   fail with errno E (after writing, if anything)
 *   CKPT_FAKE_MSG=TEXT  the message put in args.errbuf on failure
 *   CKPT_FAKE_STALL=S   first wait S seconds, as for a target that does
 *                       not stop; a signal ends the wait with EINTR
 *   CKPT_FAKE_LOG=FILE  append the arguments received to FILE
 * CKPT_FAKE_OPEN_ERRNO=E makes opening the device fail with E.
 *
 * CKPT_IOC_RESTART, which the restart child calls through syscall(2)
 * once it has moved its [vdso], writes what the child set up on itself
 * to CKPT_FAKE_RESTART_LOG (an absolute path), if given: the blocked
 * mask, every signal action that is not all zero, the alternate stack,
 * the working directory, the umask, the resource limits, the
 * personality, the parent-death signal and no_new_privs, one a line;
 * then the arguments (size, flags, nr_pipes, reserved) and each pipe it
 * was passed, as the module would see it: its id, the access mode, the
 * capacity (F_GETPIPE_SZ) and the bytes held (FIONREAD) of each of its
 * two descriptors, and whether they are the two ends of one pipe.
 * Then it fails as the module would before its point of no return:
 * CKPT_FAKE_MSG (or "fake: restart refused") on the status descriptor,
 * errno CKPT_FAKE_ERRNO (or EINVAL).  It reads all of that with raw
 * syscalls: with the vDSO moved, nothing may go through it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/checkpoint.h>

static int fake_fd = -1;
static long (*real_syscall)(long, ...);

__attribute__((constructor)) static void fake_init(void)
{
	real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
}

static int (*next_open(void))(const char *, int, ...)
{
	return (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
}

static int open_device(int flags)
{
	const char *err = getenv("CKPT_FAKE_OPEN_ERRNO");

	if (err) {
		errno = atoi(err);
		return -1;
	}
	fake_fd = next_open()("/dev/null", O_RDWR | (flags & O_CLOEXEC));
	return fake_fd;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!strcmp(path, "/dev/checkpoint"))
		return open_device(flags);
	return next_open()(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

static void set_msg(const struct ckpt_checkpoint_args *a, const char *msg)
{
	if (a->errbuf && a->errbuf_len && msg)
		snprintf((char *)(uintptr_t)a->errbuf, a->errbuf_len, "%s", msg);
}

static void log_args(const struct ckpt_checkpoint_args *a)
{
	const char *path = getenv("CKPT_FAKE_LOG");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (!f)
		return;
	fprintf(f, "size=%u pid=%d flags=%llu errbuf=%s errbuf_len=%u reserved=%llu,%llu\n",
		a->size, a->pid, (unsigned long long)a->flags,
		a->errbuf ? "set" : "none", a->errbuf_len,
		(unsigned long long)a->reserved[0],
		(unsigned long long)a->reserved[1]);
	fclose(f);
}

/* Copy the image to the caller's fd, as ckpt_write() would. */
static int write_image(const struct ckpt_checkpoint_args *a)
{
	const char *path = getenv("CKPT_FAKE_IMAGE");
	const char *cut = getenv("CKPT_FAKE_CUT");
	long long left = cut ? atoll(cut) : -1;
	char buf[65536], msg[128];
	long long pos = 0;
	int in;

	if (!path)
		return 0;
	in = next_open()(path, O_RDONLY);
	if (in < 0)
		return -1;
	for (;;) {
		ssize_t n = read(in, buf, left >= 0 && left < (long long)sizeof(buf) ?
				 (size_t)left : sizeof(buf));

		if (n <= 0)
			break;
		for (ssize_t done = 0; done < n; ) {
			ssize_t w = write(a->fd, buf + done, n - done);

			if (w < 0) {
				int err = errno;

				snprintf(msg, sizeof(msg), "writing the image at offset %lld failed (%d)",
					 pos, -err);
				set_msg(a, msg);
				close(in);
				errno = err;
				return -1;
			}
			done += w;
			pos += w;
		}
		if (left >= 0) {
			left -= n;
			if (left == 0)
				break;
		}
	}
	close(in);
	return 0;
}

static int fake_checkpoint(const struct ckpt_checkpoint_args *a)
{
	const char *stall = getenv("CKPT_FAKE_STALL");
	const char *err = getenv("CKPT_FAKE_ERRNO");
	char msg[128];

	log_args(a);
	if (stall && sleep(atoi(stall))) {
		snprintf(msg, sizeof(msg), "interrupted while waiting for pid %d to stop",
			 a->pid);
		set_msg(a, msg);
		errno = EINTR;
		return -1;
	}
	if (write_image(a))
		return -1;
	if (err) {
		set_msg(a, getenv("CKPT_FAKE_MSG"));
		errno = atoi(err);
		return -1;
	}
	return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
	int (*next)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == fake_fd && fd >= 0 && request == CKPT_IOC_CHECKPOINT)
		return fake_checkpoint(arg);
	next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return next(fd, request, arg);
}

/* ---------------------------------------------------------------- restart */

struct k_sigaction {
	unsigned long handler, flags, restorer, mask;
};

struct k_stack {
	unsigned long sp;
	int flags;
	unsigned long size;
};

__attribute__((format(printf, 2, 3)))
static void log_line(int fd, const char *fmt, ...)
{
	char line[4200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		real_syscall(SYS_write, fd, line, (long)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1));
}

/* One end of a pipe the restart was passed: "r size 65536 held 0". */
static void log_pipe_end(int fd, long pfd, struct stat *st, int *ok)
{
	long fl = real_syscall(SYS_fcntl, pfd, (long)F_GETFL, 0L);
	long size = real_syscall(SYS_fcntl, pfd, (long)F_GETPIPE_SZ, 0L);
	int held = -1;

	real_syscall(SYS_ioctl, pfd, (long)FIONREAD, &held);
	*ok = !real_syscall(SYS_fstat, pfd, st) && S_ISFIFO(st->st_mode);
	log_line(fd, " %s size %ld held %d",
		 fl < 0 ? "bad" : (fl & O_ACCMODE) == O_RDONLY ? "r" :
		 (fl & O_ACCMODE) == O_WRONLY ? "w" : "rw", size, held);
}

static void log_pipes(int fd, const struct ckpt_restart_args *a)
{
	const struct ckpt_restart_pipe *p = (const void *)(uintptr_t)a->pipes;
	const int32_t *inherit = (const void *)(uintptr_t)a->inherit;
	int32_t low = a->fd < a->status_fd ? a->fd : a->status_fd;

	log_line(fd, "args size %u flags %llu nr_pipes %u reserved %u pipes %s\n",
		 a->size, (unsigned long long)a->flags, a->nr_pipes,
		 a->reserved, a->pipes ? "set" : "none");
	log_line(fd, "nr_inherit %u reserved2 %u\n", a->nr_inherit, a->reserved2);
	for (uint32_t i = 0; inherit && i < a->nr_inherit; i++) {
		struct stat st;

		if (real_syscall(SYS_fstat, (long)inherit[i], &st))
			st.st_ino = 0;
		log_line(fd, "inherit %d ino %llu\n", inherit[i],
			 (unsigned long long)st.st_ino);
		if (low <= inherit[i])
			low = -1;
	}
	if (a->nr_inherit && low >= 0)
		log_line(fd, "image and status above %d\n", inherit[a->nr_inherit - 1]);
	for (uint32_t i = 0; p && i < a->nr_pipes; i++) {
		struct stat r, w;
		int rok, wok;

		log_line(fd, "pipe %llu read", (unsigned long long)p[i].id);
		log_pipe_end(fd, p[i].read_fd, &r, &rok);
		log_line(fd, " write");
		log_pipe_end(fd, p[i].write_fd, &w, &wok);
		log_line(fd, " %s\n", rok && wok && r.st_dev == w.st_dev &&
			 r.st_ino == w.st_ino ? "one pipe" : "not one pipe");
	}
}

static void log_restart_state(const char *path, const struct ckpt_restart_args *a)
{
	unsigned long blocked = 0;
	struct k_stack ss = { 0 };
	char cwd[4096] = "";
	long fd, mask;
	int pdeath = -1;

	fd = real_syscall(SYS_openat, AT_FDCWD, path,
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	real_syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &blocked, 8L);
	log_line(fd, "blocked 0x%lx\n", blocked);
	for (int sig = 1; sig <= 64; sig++) {
		struct k_sigaction a = { 0 };

		if (real_syscall(SYS_rt_sigaction, sig, NULL, &a, 8L) ||
		    (!a.handler && !a.flags && !a.restorer && !a.mask))
			continue;
		log_line(fd, "action %d handler 0x%lx flags 0x%lx restorer 0x%lx mask 0x%lx\n",
		     sig, a.handler, a.flags, a.restorer, a.mask);
	}
	real_syscall(SYS_sigaltstack, NULL, &ss);
	log_line(fd, "altstack sp 0x%lx size %lu flags 0x%x\n", ss.sp, ss.size,
	     (unsigned int)ss.flags);
	real_syscall(SYS_getcwd, cwd, sizeof(cwd));
	log_line(fd, "cwd %s\n", cwd);
	mask = real_syscall(SYS_umask, 0L);
	real_syscall(SYS_umask, mask);
	log_line(fd, "umask 0%03lo\n", mask);
	for (int r = 0; r < 16; r++) {
		unsigned long rl[2] = { 0, 0 };

		real_syscall(SYS_prlimit64, 0L, (long)r, NULL, rl);
		log_line(fd, "rlimit %d %lu %lu\n", r, rl[0], rl[1]);
	}
	log_line(fd, "personality 0x%lx\n", real_syscall(SYS_personality, 0xffffffffL));
	real_syscall(SYS_prctl, (long)PR_GET_PDEATHSIG, &pdeath, 0L, 0L, 0L);
	log_line(fd, "pdeath %d\n", pdeath);
	log_line(fd, "nnp %ld\n", real_syscall(SYS_prctl, (long)PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L));
	log_pipes((int)fd, a);
	real_syscall(SYS_close, fd);
}

static long fake_restart(const struct ckpt_restart_args *a)
{
	const char *path = getenv("CKPT_FAKE_RESTART_LOG");
	const char *msg = getenv("CKPT_FAKE_MSG");
	const char *err = getenv("CKPT_FAKE_ERRNO");

	if (path)
		log_restart_state(path, a);
	if (!msg)
		msg = "fake: restart refused";
	if (a->status_fd >= 0) {
		real_syscall(SYS_write, (long)a->status_fd, msg, (long)strlen(msg));
		real_syscall(SYS_write, (long)a->status_fd, "\n", 1L);
	}
	errno = err ? atoi(err) : EINVAL;
	return -1;
}

/*
 * The stand-in device, or a copy of it: the restart child moves its
 * descriptors out of the way of those it hands over (--inherit-fd).
 */
static int is_fake(int fd)
{
	struct stat st;

	/* The stand-in is /dev/null. */
	return fd == fake_fd ||
	       (!real_syscall(SYS_fstat, (long)fd, &st) && S_ISCHR(st.st_mode) &&
		st.st_rdev == makedev(1, 3));
}

/* The restart child calls the ioctl through syscall(2): the vDSO has moved. */
long syscall(long nr, ...)
{
	long a1, a2, a3, a4, a5, a6;
	va_list ap;

	va_start(ap, nr);
	a1 = va_arg(ap, long);
	a2 = va_arg(ap, long);
	a3 = va_arg(ap, long);
	a4 = va_arg(ap, long);
	a5 = va_arg(ap, long);
	a6 = va_arg(ap, long);
	va_end(ap);
	/* An int argument leaves the upper half of its register undefined. */
	if (nr == SYS_ioctl && fake_fd >= 0 && is_fake((int)a1) &&
	    (unsigned int)a2 == CKPT_IOC_RESTART)
		return fake_restart((const struct ckpt_restart_args *)a3);
	return real_syscall(nr, a1, a2, a3, a4, a5, a6);
}

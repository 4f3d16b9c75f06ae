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
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/checkpoint.h>

static int fake_fd = -1;

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

// SPDX-License-Identifier: GPL-2.0
/*
 * Shared plumbing of the ckpt command: error reporting, whole-buffer I/O,
 * signals, and output files that appear under their name only once they
 * are complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char ckpt_exit_codes_help[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  operational error (I/O, a missing file, ckpt.ko not loaded)\n"
	"  2  usage error\n"
	"  3  wrong key, identity or passphrase\n"
	"  4  corrupted or tampered input: authentication failed, or an invalid image\n"
	"  5  truncated input\n"
	"  6  not a ckpt file, or an unsupported format version\n"
	"  7  permission denied: by the ptrace access check, or at restart (an image's\n"
	"     limit above your hard limit, a pipe above your pipe-max-size, a file you\n"
	"     may not open)\n"
	"  8  not supported (by this build, or by ckpt.ko for this process)\n";

static struct {
	char msg[1024];
	char hint[512];
} last_error;

static void vfail(const char *fmt, va_list ap)
{
	vsnprintf(last_error.msg, sizeof(last_error.msg), fmt, ap);
	last_error.hint[0] = '\0';
}

int ckpt_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap);
	va_end(ap);
	return code;
}

/* As ckpt_fail(), followed by ": strerror(err)". */
int ckpt_fail_errno(int code, int err, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap);
	va_end(ap);
	len = strlen(last_error.msg);
	snprintf(last_error.msg + len, sizeof(last_error.msg) - len, ": %s",
		 strerror(err));
	return code;
}

void ckpt_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error.hint, sizeof(last_error.hint), fmt, ap);
	va_end(ap);
}

const char *ckpt_errmsg(void)
{
	return last_error.msg;
}

const char *ckpt_errhint(void)
{
	return last_error.hint;
}

void ckpt_clear_error(void)
{
	last_error.msg[0] = '\0';
	last_error.hint[0] = '\0';
}

int ckpt_report(int code)
{
	if (code == CKPT_OK)
		return code;
	fprintf(stderr, "ckpt: error: %s\n",
		last_error.msg[0] ? last_error.msg : "failed");
	if (last_error.hint[0])
		fprintf(stderr, "ckpt: hint: %s\n", last_error.hint);
	return code;
}

void ckpt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ckpt: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void ckpt_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ckpt: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *ckpt_in_name(const char *path)
{
	return strcmp(path, "-") ? path : "standard input";
}

const char *ckpt_out_name(const char *path)
{
	return strcmp(path, "-") ? path : "standard output";
}

/* ---------------------------------------------------------------- signals */

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

void ckpt_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a read blocked on a pipe must come back. */
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		struct sigaction old;

		/* Ignored when we started (nohup, a background job): stays so. */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int ckpt_cancelled(void)
{
	return caught_signal;
}

void ckpt_die_of_signal(void)
{
	int sig = caught_signal;

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/* ---------------------------------------------------------------- I/O */

ssize_t ckpt_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR && !ckpt_cancelled())
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

int ckpt_write_full(int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR && !ckpt_cancelled())
				continue;
			return -1;
		}
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

/* ---------------------------------------------------------------- ckpt_in */

void ckpt_in_init_fd(struct ckpt_in *in, int fd, const char *name)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->name = name;
}

int ckpt_in_open(struct ckpt_in *in, const char *path)
{
	int fd;

	if (!strcmp(path, "-")) {
		if (isatty(STDIN_FILENO)) {
			ckpt_fail(CKPT_EUSAGE, "standard input is a terminal, not an image");
			ckpt_hint("redirect standard input, or give a file name");
			return CKPT_EUSAGE;
		}
		ckpt_in_init_fd(in, STDIN_FILENO, ckpt_in_name(path));
		return CKPT_OK;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", path);
	ckpt_in_init_fd(in, fd, path);
	in->owned = true;
	return CKPT_OK;
}

ssize_t ckpt_in_peek(struct ckpt_in *in, size_t n, const unsigned char **p)
{
	if (n > sizeof(in->peek))
		n = sizeof(in->peek);
	if (in->npeek - in->peekpos < n) {
		ssize_t got;

		/* Keep what is buffered at the front, then fill up. */
		memmove(in->peek, in->peek + in->peekpos,
			in->npeek - in->peekpos);
		in->npeek -= in->peekpos;
		in->peekpos = 0;
		got = ckpt_read_full(in->fd, in->peek + in->npeek,
				     n - in->npeek);
		if (got < 0)
			return -1;
		in->npeek += got;
	}
	*p = in->peek + in->peekpos;
	return in->npeek - in->peekpos < n ? in->npeek - in->peekpos : n;
}

ssize_t ckpt_in_read(struct ckpt_in *in, void *buf, size_t len)
{
	size_t from_peek = in->npeek - in->peekpos;
	ssize_t got;

	if (from_peek > len)
		from_peek = len;
	memcpy(buf, in->peek + in->peekpos, from_peek);
	in->peekpos += from_peek;
	got = ckpt_read_full(in->fd, (char *)buf + from_peek, len - from_peek);
	if (got < 0)
		return -1;
	in->offset += from_peek + got;
	return from_peek + got;
}

int ckpt_in_skip(struct ckpt_in *in, uint64_t n)
{
	size_t from_peek = in->npeek - in->peekpos;

	if (from_peek > n)
		from_peek = (size_t)n;
	in->peekpos += from_peek;
	in->offset += from_peek;
	n -= from_peek;
	if (n && lseek(in->fd, (off_t)n, SEEK_CUR) < 0)
		return -1;
	in->offset += n;
	return 0;
}

void ckpt_in_close(struct ckpt_in *in)
{
	if (in->owned && in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	in->owned = false;
}

/* ---------------------------------------------------------------- outfile */

/*
 * Where the bytes for @path really go: through a symlink to its target,
 * so that the rename replaces the file and not the link.
 */
static char *resolve_output(const char *path)
{
	char *real = realpath(path, NULL);

	return real ? real : strdup(path);
}

static int open_temp(struct outfile *out)
{
	char *dcopy = strdup(out->path), *bcopy = strdup(out->path);
	int len = -1;

	/* dirname() and basename() may modify their argument: two copies. */
	if (dcopy && bcopy)
		len = asprintf(&out->tmp, "%s/.%s.ckpt-XXXXXX", dirname(dcopy),
			       basename(bcopy));
	free(dcopy);
	free(bcopy);
	if (len < 0) {
		out->tmp = NULL;
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	}
	/* mkostemp() creates the file with mode 0600. */
	out->fd = mkostemp(out->tmp, O_CLOEXEC);
	if (out->fd < 0) {
		int err = errno;

		free(out->tmp);
		out->tmp = NULL;
		return ckpt_fail_errno(CKPT_EFAIL, err,
				       "%s: cannot create the output file",
				       out->name);
	}
	return CKPT_OK;
}

/* An existing device or FIFO: a rename cannot replace it, write to it. */
static int open_existing(struct outfile *out, const struct stat *st,
			 bool binary, bool force)
{
	if (S_ISDIR(st->st_mode))
		return ckpt_fail(CKPT_EFAIL, "%s: is a directory", out->name);
	out->fd = open(out->path, O_WRONLY | O_CLOEXEC);
	if (out->fd < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", out->name);
	if (binary && !force && isatty(out->fd)) {
		close(out->fd);
		out->fd = -1;
		ckpt_fail(CKPT_EUSAGE, "%s: refusing to write binary data to a terminal",
			  out->name);
		ckpt_hint("use --force to write it anyway");
		return CKPT_EUSAGE;
	}
	return CKPT_OK;
}

int outfile_open(struct outfile *out, const char *path, bool binary,
		 bool force)
{
	struct stat st;
	int ret;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->name = ckpt_out_name(path);

	if (!strcmp(path, "-")) {
		if (binary && !force && isatty(STDOUT_FILENO)) {
			ckpt_fail(CKPT_EUSAGE, "refusing to write binary data to a terminal");
			ckpt_hint("redirect standard output, or use --force");
			return CKPT_EUSAGE;
		}
		out->is_stdout = true;
		out->fd = STDOUT_FILENO;
		return CKPT_OK;
	}

	out->path = resolve_output(path);
	if (!out->path)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	if (stat(out->path, &st) == 0 && !S_ISREG(st.st_mode))
		ret = open_existing(out, &st, binary, force);
	else
		ret = open_temp(out);
	if (ret) {
		free(out->path);
		out->path = NULL;
	}
	return ret;
}

int outfile_write(struct outfile *out, const void *buf, size_t len)
{
	if (ckpt_write_full(out->fd, buf, len))
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s: write failed",
				       out->name);
	return CKPT_OK;
}

static void outfile_release(struct outfile *out)
{
	if (out->fd >= 0 && !out->is_stdout)
		close(out->fd);
	out->fd = -1;
	free(out->tmp);
	free(out->path);
	out->tmp = NULL;
	out->path = NULL;
}

/* Make a rename in @path's directory durable (best effort). */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/*
 * fsync before the rename: after a crash, the name must hold either the
 * old file or the whole new one, never an empty file.
 */
int outfile_commit(struct outfile *out)
{
	int ret = CKPT_OK;

	if (out->is_stdout) {
		/* A pipe or a file: its errors show at the last write. */
		return CKPT_OK;
	}
	if (!out->tmp) {
		if (close(out->fd))
			ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s", out->name);
		out->fd = -1;
		outfile_release(out);
		return ret;
	}
	if (fsync(out->fd))
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s: cannot sync",
				      out->name);
	if (close(out->fd) && !ret)
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s: write failed",
				      out->name);
	out->fd = -1;
	if (!ret && rename(out->tmp, out->path))
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s: cannot rename %s to it",
				      out->name, out->tmp);
	if (ret)
		unlink(out->tmp);
	else
		sync_dir(out->path);
	outfile_release(out);
	return ret;
}

void outfile_abort(struct outfile *out)
{
	if (out->tmp)
		unlink(out->tmp);
	outfile_release(out);
}

/* ---------------------------------------------------------------- misc */

void ckpt_rfc3339(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "@%lld", (long long)t);
}

int ckpt_parse_pid(const char *s, int32_t *pid)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT32_MAX)
		return -1;
	*pid = (int32_t)v;
	return 0;
}

/* Length of the valid UTF-8 sequence at @s, or 0 (RFC 3629). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void ckpt_json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);

		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f)
				fprintf(f, "\\u%04x", *s);
			else
				fwrite(s, 1, n, f);
		}
		s += n;
	}
	fputc('"', f);
}

void ckpt_print_safe(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = utf8_len(s);

		if (n == 0 || *s < 0x20 || *s == 0x7f || *s == '\\') {
			fprintf(f, "\\%03o", *s);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
}

double ckpt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

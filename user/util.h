/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared plumbing of the ckpt command: exit codes, error reporting,
 * reading and writing whole buffers, and output files that appear only
 * once they are complete.
 */
#ifndef CKPT_UTIL_H
#define CKPT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CKPT_TOOL_VERSION	"0.1"

/*
 * Exit codes, documented in `ckpt --help` and ckpt(1).  Library functions
 * return one of these (0 on success) after recording a message with
 * ckpt_fail(); main() prints it.
 */
enum ckpt_exit {
	CKPT_OK		 = 0,
	CKPT_EFAIL	 = 1,	/* operational: I/O, missing file, no module */
	CKPT_EUSAGE	 = 2,	/* bad command line */
	CKPT_EKEY	 = 3,	/* wrong key, identity or passphrase */
	CKPT_ECORRUPT	 = 4,	/* authentication failed, or invalid image */
	CKPT_ETRUNC	 = 5,	/* the input ends too early */
	CKPT_EFORMAT	 = 6,	/* not a ckpt file, or an unsupported version */
	CKPT_EPERM	 = 7,	/* permission denied (the ptrace access check) */
	CKPT_EUNSUPP	 = 8,	/* not supported: by this build or by ckpt.ko */
};

/* The text of `ckpt --help` and ckpt(1) that lists the codes above. */
extern const char ckpt_exit_codes_help[];

#define CKPT_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/*
 * ckpt_fail() records what went wrong and returns @code, so that a failing
 * function ends with `return ckpt_fail(CKPT_EFAIL, "%s: ...", name);`.
 * The last message wins: a caller that handles a failure itself (trying
 * the next identity, say) simply goes on.  ckpt_hint() adds an optional
 * `ckpt: hint:` line to the recorded error.
 */
int ckpt_fail(int code, const char *fmt, ...) CKPT_PRINTF(2, 3);
int ckpt_fail_errno(int code, int err, const char *fmt, ...) CKPT_PRINTF(3, 4);
void ckpt_hint(const char *fmt, ...) CKPT_PRINTF(1, 2);
const char *ckpt_errmsg(void);
const char *ckpt_errhint(void);
void ckpt_clear_error(void);

/* Print the recorded error (if @code is not 0) and return @code. */
int ckpt_report(int code);

/* Immediate messages: `ckpt: warning: ...` and, with -v, `ckpt: ...`. */
void ckpt_warn(const char *fmt, ...) CKPT_PRINTF(1, 2);
void ckpt_note(const char *fmt, ...) CKPT_PRINTF(1, 2);

/* "-" is standard input or output; everything else is its own name. */
const char *ckpt_in_name(const char *path);
const char *ckpt_out_name(const char *path);

/*
 * Whole-buffer I/O on file descriptors, retrying after EINTR only when
 * no cancellation was asked for (see ckpt_cancelled()).  ckpt_read_full()
 * returns the number of bytes read, short only at end of file, or -1.
 */
ssize_t ckpt_read_full(int fd, void *buf, size_t len);
int ckpt_write_full(int fd, const void *buf, size_t len);

/*
 * SIGINT, SIGTERM and SIGHUP set a flag instead of killing the command at
 * once, so that it can remove its partial output first; slow reads
 * return EINTR.  ckpt_die_of_signal() then ends the process with the
 * signal, as the shell expects.
 */
void ckpt_catch_signals(void);
int ckpt_cancelled(void);
void ckpt_die_of_signal(void);

/*
 * An output file that exists under its name only once complete: bytes go
 * to a temporary file in the same directory, renamed over the name by
 * outfile_commit(); outfile_abort() (or a failed commit) unlinks it.
 * "-" is standard output, and a name that is not a regular file (a
 * device, a FIFO) is written directly.  Files are created with mode 0600:
 * an image holds all of a process's memory.
 */
struct outfile {
	char *path;	/* the name asked for, resolved through symlinks */
	char *tmp;	/* the temporary file, or NULL */
	const char *name;	/* for messages */
	int fd;
	bool is_stdout;
};

/* @binary: refuse a terminal unless @force. */
int outfile_open(struct outfile *out, const char *path, bool binary,
		 bool force);
int outfile_write(struct outfile *out, const void *buf, size_t len);
int outfile_commit(struct outfile *out);
void outfile_abort(struct outfile *out);

/*
 * An input stream that can be peeked at: the first bytes of an image
 * say whether it is a container or a plaintext image, and whoever reads
 * it next must see them again.  @offset counts the bytes consumed, for
 * messages.
 */
struct ckpt_in {
	int fd;
	const char *name;
	unsigned char peek[16];
	size_t npeek;
	size_t peekpos;
	uint64_t offset;
	bool owned;
};

/* "-" is standard input (refused if it is a terminal). */
int ckpt_in_open(struct ckpt_in *in, const char *path);
void ckpt_in_init_fd(struct ckpt_in *in, int fd, const char *name);
/* As ckpt_read_full(): short only at end of file, -1 on error. */
ssize_t ckpt_in_read(struct ckpt_in *in, void *buf, size_t len);
/* Pass over @n bytes of a seekable input; -1 with errno on error. */
int ckpt_in_skip(struct ckpt_in *in, uint64_t n);
/* Up to @n (at most 16) bytes without consuming them; -1 on error. */
ssize_t ckpt_in_peek(struct ckpt_in *in, size_t n, const unsigned char **p);
void ckpt_in_close(struct ckpt_in *in);

/* Format @t as RFC 3339 UTC: 2006-01-02T15:04:05Z. */
void ckpt_rfc3339(int64_t t, char buf[32]);

/* Parse a decimal pid, 1..INT32_MAX. */
int ckpt_parse_pid(const char *s, int32_t *pid);

/*
 * Strings from an image are hostile: ckpt_json_string() prints a JSON
 * string (invalid UTF-8 becomes U+FFFD), ckpt_print_safe() prints text
 * with control characters and invalid UTF-8 as \ooo, so that a name can
 * neither break the output's structure nor drive the terminal.
 */
void ckpt_json_string(FILE *f, const char *s);
void ckpt_print_safe(FILE *f, const char *s);

/* Monotonic time in seconds. */
double ckpt_now(void);

/* Little-endian fixed-width integers, for the container format. */
static inline void ckpt_put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void ckpt_put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t ckpt_get_le32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline uint64_t ckpt_get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#endif /* CKPT_UTIL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing and validating a checkpoint image.
 *
 * The parser is a push parser: image_feed() takes whatever bytes come,
 * assembles each record's fixed part (at most a VMA or a file with its
 * name, or the xstate), checks it, and lets page contents and the data
 * of pipes stream past.  It keeps what `ckpt info` shows and what later
 * checks need: the header, the task, its filesystem context, the
 * registers, the signal state and pending signals, the interval timers,
 * the open files, the pipes, the auxiliary vector and the VMAs.
 *
 * The order of the records, the length of each, every count and every
 * address range is checked against <linux/checkpoint.h>; reserved fields
 * and padding must be zero.  The first error stops the parser and names
 * the record (index, type, offset in the image) and the field.
 *
 * Records are read in place into the uapi structures, which are
 * little-endian: so is every host ckpt runs on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "image.h"
#include "util.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ckpt images are little-endian and read in place: this host would need byte swapping"
#endif

#define ALIGN8(x)	(((x) + 7) & ~(uint64_t)7)

#define CKPT_VMA_KNOWN_FLAGS	((CKPT_VMA_RAND_READ << 1) - 1)
#define CKPT_FD_KNOWN_FLAGS	CKPT_FD_CLOEXEC
#define CKPT_FILE_KNOWN_FLAGS	CKPT_FILE_DELETED
#define CKPT_TASK_KNOWN_FLAGS	(CKPT_TASK_NO_NEW_PRIVS | CKPT_TASK_ITIMERS)

/* i_mode's file type */
#define K_S_IFMT		0170000
#define K_S_IFIFO		0010000
#define K_S_IFREG		0100000
#define K_S_IFDIR		0040000
#define K_S_IFCHR		0020000

/* x86-64 open flags */
#define K_O_ACCMODE		00000003
#define K_O_DIRECTORY		00200000
#define K_O_PATH		010000000

/* Signals as x86-64 numbers them; bit n-1 of a mask is signal n. */
#define K_SIGKILL		9
#define K_SIGSTOP		19
/* struct sigaction's sa_flags a task can hold on x86-64 */
#define K_SA_KNOWN_FLAGS	(0x00000001ULL /* SA_NOCLDSTOP */ |	\
				 0x00000002ULL /* SA_NOCLDWAIT */ |	\
				 0x00000004ULL /* SA_SIGINFO */ |	\
				 0x00000400ULL /* SA_UNSUPPORTED */ |	\
				 0x00000800ULL /* SA_EXPOSE_TAGBITS */ | \
				 0x04000000ULL /* SA_RESTORER */ |	\
				 0x08000000ULL /* SA_ONSTACK */ |	\
				 0x10000000ULL /* SA_RESTART */ |	\
				 0x40000000ULL /* SA_NODEFER */ |	\
				 0x80000000ULL /* SA_RESETHAND */)
/* sigaltstack(2) */
#define K_SS_DISABLE		2U
#define K_SS_AUTODISARM		(1U << 31)
#define K_MINSIGSTKSZ		2048
/* The auxiliary vector's last type */
#define K_AT_NULL		0
/* XSAVE: the legacy area, then the header whose XSTATE_BV comes first. */
#define XSAVE_HDR_OFFSET	512
#define XSAVE_MIN_SIZE		(512 + 64)
/* The header's fields up to its version, which every version keeps. */
#define HEADER_VERSION_END	(offsetof(struct ckpt_hdr_header, version) + \
				 sizeof(((struct ckpt_hdr_header *)0)->version))

/* What the parser expects next. */
enum stage {
	ST_HEADER, ST_TASK, ST_FS, ST_CPU, ST_XSTATE, ST_SIGNALS,
	ST_SIGPENDING, ST_ITIMERS, ST_FILES, ST_PIPES, ST_MM, ST_VMAS, ST_AUXV,
	ST_PAGES, ST_DONE,
};

/* Where in a record the next byte goes. */
enum state { IN_HDR, IN_BODY, IN_DATA };

/*
 * A file record that is an end of "pipe:[n]", kept until the pipe
 * records are checked against the file records: each pipe must be the
 * inode of such a file, and each such file above descriptor 2 must have
 * its pipe record.
 */
struct pipe_end {
	uint64_t n;			/* of its name, "pipe:[n]" */
	uint64_t index;			/* the file record: its index, */
	uint64_t offset;		/* its offset */
	int32_t fd;
	bool is_inode;			/* its ino is n */
};

struct image_parser {
	const char *name;
	struct ckpt_image img;
	size_t pending_cap;
	size_t files_cap;
	size_t *id_first;		/* file_id -> index of its first record */
	size_t vmas_cap;
	size_t pipes_cap;
	struct pipe_end *ends;		/* in file order, by n once all are in */
	size_t nr_ends, ends_cap;
	size_t ends_cursor;		/* the first end of a pipe not yet seen */
	enum stage stage;
	enum state state;
	int error;			/* sticky */

	struct ckpt_hdr cur;		/* the current record */
	uint64_t index;			/* its index */
	uint64_t rec_off;		/* its offset */
	unsigned char *rec;		/* its fixed part, header included */
	size_t rec_cap;
	size_t rec_want;
	size_t rec_have;
	uint64_t data_left;		/* page or pipe data still to come */
	uint64_t data_pad;		/* of which the last bytes, zeroes */

	uint64_t offset;		/* bytes consumed */
	size_t vma_cursor;		/* the VMA page runs are in now */
	uint64_t pages_end;		/* end of the last page run */
	bool file_data;			/* file data may come: the last file
					   record opened a deleted file */
};

static const struct {
	uint32_t type;
	const char *name;
	enum stage stage;
} types[] = {
	{ CKPT_HDR_HEADER, "CKPT_HDR_HEADER", ST_HEADER },
	{ CKPT_HDR_TASK, "CKPT_HDR_TASK", ST_TASK },
	{ CKPT_HDR_FS, "CKPT_HDR_FS", ST_FS },
	{ CKPT_HDR_CPU, "CKPT_HDR_CPU", ST_CPU },
	{ CKPT_HDR_XSTATE, "CKPT_HDR_XSTATE", ST_XSTATE },
	{ CKPT_HDR_SIGNALS, "CKPT_HDR_SIGNALS", ST_SIGNALS },
	{ CKPT_HDR_SIGPENDING, "CKPT_HDR_SIGPENDING", ST_SIGPENDING },
	{ CKPT_HDR_ITIMERS, "CKPT_HDR_ITIMERS", ST_ITIMERS },
	{ CKPT_HDR_FILE, "CKPT_HDR_FILE", ST_FILES },
	{ CKPT_HDR_FILE_DATA, "CKPT_HDR_FILE_DATA", ST_FILES },
	{ CKPT_HDR_PIPE, "CKPT_HDR_PIPE", ST_PIPES },
	{ CKPT_HDR_MM, "CKPT_HDR_MM", ST_MM },
	{ CKPT_HDR_VMA, "CKPT_HDR_VMA", ST_VMAS },
	{ CKPT_HDR_AUXV, "CKPT_HDR_AUXV", ST_AUXV },
	{ CKPT_HDR_PAGES, "CKPT_HDR_PAGES", ST_PAGES },
	{ CKPT_HDR_TAIL, "CKPT_HDR_TAIL", ST_PAGES },
};

#define NR_TYPES	ARRAY_SIZE(types)

const char *image_type_name(uint32_t type)
{
	for (size_t i = 0; i < NR_TYPES; i++)
		if (types[i].type == type)
			return types[i].name;
	return NULL;
}

static int type_stage(uint32_t type)
{
	for (size_t i = 0; i < NR_TYPES; i++)
		if (types[i].type == type)
			return types[i].stage;
	return -1;
}

const char *image_signal_name(uint32_t signo)
{
	static const char *const names[] = {
		"SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
		"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
		"SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
		"SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
		"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
		"SIGIO", "SIGPWR", "SIGSYS",
	};
	/* The kernel's real-time signals, 32..64 (the C library keeps the first). */
	static const char *const rt_names[] = {
		"SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3",
		"SIGRTMIN+4", "SIGRTMIN+5", "SIGRTMIN+6", "SIGRTMIN+7",
		"SIGRTMIN+8", "SIGRTMIN+9", "SIGRTMIN+10", "SIGRTMIN+11",
		"SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15",
		"SIGRTMIN+16", "SIGRTMIN+17", "SIGRTMIN+18", "SIGRTMIN+19",
		"SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
		"SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27",
		"SIGRTMIN+28", "SIGRTMIN+29", "SIGRTMIN+30", "SIGRTMIN+31",
		"SIGRTMAX",
	};

	if (signo < 1 || signo > CKPT_NSIG)
		return NULL;
	if (signo <= ARRAY_SIZE(names))
		return names[signo - 1];
	return rt_names[signo - 32];
}

void image_rlim_str(uint64_t v, char buf[24])
{
	if (v == CKPT_RLIM_INFINITY)
		snprintf(buf, 24, "unlimited");
	else
		snprintf(buf, 24, "%llu", (unsigned long long)v);
}

const char *image_rlimit_name(uint32_t resource)
{
	static const char *const names[CKPT_RLIM_NLIMITS] = {
		"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
		"RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
		"RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
		"RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
		"RLIMIT_RTPRIO", "RLIMIT_RTTIME",
	};

	return resource < CKPT_RLIM_NLIMITS ? names[resource] : NULL;
}

bool image_sniff(const unsigned char *buf, size_t len)
{
	return len >= 16 && ckpt_get_le32(buf) == CKPT_HDR_HEADER &&
	       !memcmp(buf + 8, CKPT_MAGIC, CKPT_MAGIC_LEN);
}

/* ---------------------------------------------------------------- errors */

/* "FILE: record N (TYPE at image offset X): FIELD: ..." */
CKPT_PRINTF(7, 0)
static int vbad(struct image_parser *p, int code, uint32_t type,
		uint64_t index, uint64_t offset, const char *field,
		const char *fmt, va_list ap)
{
	const char *tname = image_type_name(type);
	char what[512], tbuf[32];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (!tname) {
		snprintf(tbuf, sizeof(tbuf), "type %u", type);
		tname = tbuf;
	}
	p->error = ckpt_fail(code, "%s: record %llu (%s at image offset %llu): %s: %s",
			     p->name, (unsigned long long)index, tname,
			     (unsigned long long)offset, field, what);
	return p->error;
}

/* Fail on the current record. */
CKPT_PRINTF(4, 5)
static int bad(struct image_parser *p, int code, const char *field,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(p, code, p->cur.type, p->index, p->rec_off, field, fmt, ap);
	va_end(ap);
	return p->error;
}

#define INVALID(p, field, ...)	bad(p, CKPT_ECORRUPT, field, __VA_ARGS__)

static bool all_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

#define CHECK_ZERO(p, field, ptr, len)					\
	do {								\
		if (!all_zero(ptr, len))				\
			return INVALID(p, field, "must be zero");	\
	} while (0)

/* ---------------------------------------------------------------- records */

static int do_header(struct image_parser *p)
{
	const struct ckpt_hdr_header *h = (const void *)p->rec;
	const struct ckpt_const *c = &h->constants;

	/* Only the magic and the version may be read before the length. */
	if (memcmp(h->magic, CKPT_MAGIC, CKPT_MAGIC_LEN))
		return bad(p, CKPT_EFORMAT, "magic", "not a ckpt image");
	if (h->version != CKPT_VERSION)
		return bad(p, CKPT_EFORMAT, "version",
			   "unsupported image version %u (this ckpt reads version %d)",
			   h->version, CKPT_VERSION);
	if (p->cur.len != sizeof(*h))
		return INVALID(p, "len", "%u, expected %zu", p->cur.len,
			       sizeof(*h));
	if (h->arch != CKPT_ARCH_X86_64)
		return bad(p, CKPT_EFORMAT, "arch",
			   "unsupported architecture %u (this ckpt reads x86_64, %d)",
			   h->arch, CKPT_ARCH_X86_64);
	if (h->flags & ~(uint64_t)CKPT_CHECKPOINT_FLAGS)
		return INVALID(p, "flags", "unknown flags 0x%llx",
			       (unsigned long long)h->flags);
	if (!memchr(h->release, '\0', sizeof(h->release)))
		return INVALID(p, "release", "not NUL-terminated");
	CHECK_ZERO(p, "reserved", h->reserved, sizeof(h->reserved));
	if (c->page_size != CKPT_IMAGE_PAGE_SIZE)
		return INVALID(p, "constants.page_size",
			       "%u: x86_64 pages are %d bytes", c->page_size,
			       CKPT_IMAGE_PAGE_SIZE);
	if (c->task_comm_len != sizeof(((struct ckpt_hdr_task *)0)->comm))
		return INVALID(p, "constants.task_comm_len",
			       "%u, not the %zu bytes of ckpt_hdr_task.comm",
			       c->task_comm_len,
			       sizeof(((struct ckpt_hdr_task *)0)->comm));
	if (c->xstate_size < XSAVE_MIN_SIZE ||
	    c->xstate_size > CKPT_IMAGE_XSTATE_MAX)
		return INVALID(p, "constants.xstate_size",
			       "%u is outside %d..%d", c->xstate_size,
			       XSAVE_MIN_SIZE, CKPT_IMAGE_XSTATE_MAX);
	CHECK_ZERO(p, "constants.reserved", &c->reserved, sizeof(c->reserved));
	if (!c->task_size || c->task_size % CKPT_IMAGE_PAGE_SIZE ||
	    c->task_size > (1ULL << 57))
		return INVALID(p, "constants.task_size",
			       "0x%llx is not a page-aligned address up to 2^57",
			       (unsigned long long)c->task_size);
	p->img.header = *h;
	return CKPT_OK;
}

static int do_task(struct image_parser *p)
{
	const struct ckpt_hdr_task *t = (const void *)p->rec;

	if (!memchr(t->comm, '\0', sizeof(t->comm)))
		return INVALID(p, "comm", "not NUL-terminated");
	CHECK_ZERO(p, "reserved", &t->reserved, sizeof(t->reserved));
	if (t->pid <= 0)
		return INVALID(p, "pid", "%d is not a pid", t->pid);
	if (t->restart > CKPT_RESTART_BLOCK)
		return INVALID(p, "restart", "unknown value %u", t->restart);
	if ((t->restart == CKPT_RESTART_NONE) != (t->syscall_nr == -1))
		return INVALID(p, "syscall_nr",
			       "%lld does not agree with restart %u",
			       (long long)t->syscall_nr, t->restart);
	if (t->restart_block_kind > CKPT_RESTART_BLOCK_OTHER)
		return INVALID(p, "restart_block_kind", "unknown value %u",
			       t->restart_block_kind);
	if (t->restart_block_kind != CKPT_RESTART_BLOCK_NONE &&
	    t->restart != CKPT_RESTART_BLOCK)
		return INVALID(p, "restart_block_kind",
			       "%u without restart CKPT_RESTART_BLOCK",
			       t->restart_block_kind);
	if (t->restart_block_kind == CKPT_RESTART_BLOCK_NANOSLEEP) {
		if (t->nanosleep_type > 2)
			return INVALID(p, "nanosleep_type", "unknown value %u",
				       t->nanosleep_type);
	} else if (t->nanosleep_clockid || t->nanosleep_type ||
		   t->nanosleep_rmtp || t->nanosleep_expires ||
		   t->nanosleep_now) {
		return INVALID(p, "nanosleep_*",
			       "must be zero without CKPT_RESTART_BLOCK_NANOSLEEP");
	}
	if (t->pdeath_signal > CKPT_NSIG)
		return INVALID(p, "pdeath_signal", "%u is not a signal (0 for none, or 1..%d)",
			       t->pdeath_signal, CKPT_NSIG);
	if (t->task_flags & ~CKPT_TASK_KNOWN_FLAGS)
		return INVALID(p, "task_flags", "unknown flags 0x%x",
			       t->task_flags & ~CKPT_TASK_KNOWN_FLAGS);
	for (uint32_t i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		char field[24], soft[24];

		if (t->rlim[i][0] <= t->rlim[i][1])
			continue;
		snprintf(field, sizeof(field), "rlim[%u]", i);
		image_rlim_str(t->rlim[i][0], soft);
		return INVALID(p, field, "the soft limit %s of %s is above its hard limit %llu",
			       soft, image_rlimit_name(i),
			       (unsigned long long)t->rlim[i][1]);
	}
	p->img.task = *t;
	return CKPT_OK;
}

static int do_cpu(struct image_parser *p)
{
	/* Registers are checked where they are loaded, by the regsets. */
	memcpy(&p->img.cpu, p->rec, sizeof(p->img.cpu));
	return CKPT_OK;
}

static int do_xstate(struct image_parser *p)
{
	const struct ckpt_hdr_xstate *x = (const void *)p->rec;
	uint64_t allowed = p->img.header.constants.xfeatures;
	uint64_t bv;

	if (x->size != p->img.header.constants.xstate_size)
		return INVALID(p, "size", "%u, not constants.xstate_size %u",
			       x->size, p->img.header.constants.xstate_size);
	CHECK_ZERO(p, "reserved", &x->reserved, sizeof(x->reserved));
	if (x->xfeatures & ~allowed)
		return INVALID(p, "xfeatures",
			       "0x%llx has features outside constants.xfeatures 0x%llx",
			       (unsigned long long)x->xfeatures,
			       (unsigned long long)allowed);
	memcpy(&bv, x->data + XSAVE_HDR_OFFSET, sizeof(bv));
	if (bv != x->xfeatures)
		return INVALID(p, "xfeatures",
			       "0x%llx differs from the XSTATE_BV 0x%llx of the data",
			       (unsigned long long)x->xfeatures,
			       (unsigned long long)bv);
	p->img.xstate_features = x->xfeatures;
	p->img.xstate_size = x->size;
	return CKPT_OK;
}

/*
 * A disposition as sigaction(2) would install it: SIGKILL's and
 * SIGSTOP's are never changed, addresses are user addresses, flags are
 * those of x86-64.  Any mask goes: sigaction(2) drops SIGKILL and
 * SIGSTOP from it, and ckpt.ko compares it without them.
 */
static int check_sigaction(struct image_parser *p, uint32_t i,
			   const struct ckpt_sigaction *a)
{
	uint64_t top = p->img.header.constants.task_size;
	uint32_t signo = i + 1;
	const char *name = image_signal_name(signo);
	char field[32];

	if ((signo == K_SIGKILL || signo == K_SIGSTOP) && a->handler) {
		snprintf(field, sizeof(field), "action[%u].handler", i);
		return INVALID(p, field, "0x%llx: the disposition of %s cannot be changed, SIG_DFL (0) expected",
			       (unsigned long long)a->handler, name);
	}
	if (a->handler >= top) {
		snprintf(field, sizeof(field), "action[%u].handler", i);
		return INVALID(p, field, "0x%llx for %s is not SIG_DFL, SIG_IGN or an address below task_size 0x%llx",
			       (unsigned long long)a->handler, name,
			       (unsigned long long)top);
	}
	if (a->restorer >= top) {
		snprintf(field, sizeof(field), "action[%u].restorer", i);
		return INVALID(p, field, "0x%llx for %s is not an address below task_size 0x%llx",
			       (unsigned long long)a->restorer, name,
			       (unsigned long long)top);
	}
	if (a->flags & ~K_SA_KNOWN_FLAGS) {
		snprintf(field, sizeof(field), "action[%u].flags", i);
		return INVALID(p, field, "unknown flags 0x%llx for %s",
			       (unsigned long long)(a->flags & ~K_SA_KNOWN_FLAGS),
			       name);
	}
	return CKPT_OK;
}

/*
 * The alternate signal stack as sigaltstack(2) leaves it (the task's own
 * sas_ss_* fields): none, with SS_DISABLE or not, or one of at least
 * MINSIGSTKSZ bytes at a user address.  SS_DISABLE | SS_AUTODISARM is
 * what sigaltstack(2) leaves when asked to disable with that flag.
 */
static int check_altstack(struct image_parser *p,
			  const struct ckpt_hdr_signals *s)
{
	uint64_t top = p->img.header.constants.task_size;

	if (s->ss_flags & ~(K_SS_DISABLE | K_SS_AUTODISARM))
		return INVALID(p, "ss_flags", "0x%x is not 0, SS_DISABLE (0x%x) or SS_AUTODISARM (0x%x)",
			       s->ss_flags, K_SS_DISABLE, K_SS_AUTODISARM);
	if ((s->ss_flags & K_SS_DISABLE) || !s->ss_size) {
		if (s->ss_sp || s->ss_size)
			return INVALID(p, s->ss_sp ? "ss_sp" : "ss_size",
				       "0x%llx, size %llu: %s",
				       (unsigned long long)s->ss_sp,
				       (unsigned long long)s->ss_size,
				       s->ss_size ? "a disabled alternate stack has no address or size" :
				       "an alternate stack of 0 bytes");
		if (s->ss_flags == K_SS_AUTODISARM)
			return INVALID(p, "ss_flags", "SS_AUTODISARM without an alternate stack");
		return CKPT_OK;
	}
	if (s->ss_size < K_MINSIGSTKSZ)
		return INVALID(p, "ss_size", "%llu is below MINSIGSTKSZ (%d)",
			       (unsigned long long)s->ss_size, K_MINSIGSTKSZ);
	/* sigaltstack(2) takes any address: it is checked when used. */
	if (s->ss_sp >= top)
		return INVALID(p, "ss_sp", "0x%llx is not an address below task_size 0x%llx",
			       (unsigned long long)s->ss_sp,
			       (unsigned long long)top);
	if (s->ss_size > top)
		return INVALID(p, "ss_size", "%llu is above task_size 0x%llx",
			       (unsigned long long)s->ss_size,
			       (unsigned long long)top);
	return CKPT_OK;
}

static int do_signals(struct image_parser *p)
{
	const struct ckpt_hdr_signals *s = (const void *)p->rec;
	int ret;

	/* Any blocked mask goes: SIGKILL and SIGSTOP are never blocked. */
	ret = check_altstack(p, s);
	if (ret)
		return ret;
	if (s->nr_pending > CKPT_IMAGE_MAX_PENDING)
		return INVALID(p, "nr_pending", "%u is more than %u",
			       s->nr_pending, CKPT_IMAGE_MAX_PENDING);
	for (uint32_t i = 0; i < CKPT_NSIG; i++) {
		ret = check_sigaction(p, i, &s->action[i]);
		if (ret)
			return ret;
	}
	p->img.signals = *s;
	return CKPT_OK;
}

/* A pending signal: one that can be, in its queue, with its own siginfo. */
static int do_sigpending(struct image_parser *p)
{
	const struct ckpt_hdr_sigpending *sp = (const void *)p->rec;
	struct image_sigpending *ip;
	int32_t si_signo;

	if (sp->signo < 1 || sp->signo > CKPT_NSIG || sp->signo == K_SIGKILL ||
	    sp->signo == K_SIGSTOP)
		return INVALID(p, "signo", "%u is not a signal that can be pending (1..%d but SIGKILL and SIGSTOP)",
			       sp->signo, CKPT_NSIG);
	if (sp->queue > CKPT_SIGQUEUE_SHARED)
		return INVALID(p, "queue", "unknown queue %u", sp->queue);
	if (p->img.nr_pending &&
	    sp->queue < p->img.pending[p->img.nr_pending - 1].queue)
		return INVALID(p, "queue", "a private signal after a shared one: the private queue comes first");
	memcpy(&si_signo, sp->info, sizeof(si_signo));
	if (si_signo < 0 || (uint32_t)si_signo != sp->signo)
		return INVALID(p, "info", "si_signo %d is not signo %u", si_signo,
			       sp->signo);
	if (p->img.nr_pending == p->pending_cap) {
		size_t cap = p->pending_cap ? 2 * p->pending_cap : 8;
		struct image_sigpending *bigger = realloc(p->img.pending,
							  cap * sizeof(*bigger));

		if (!bigger)
			return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
		p->img.pending = bigger;
		p->pending_cap = cap;
	}
	ip = &p->img.pending[p->img.nr_pending++];
	ip->signo = sp->signo;
	ip->queue = sp->queue;
	memcpy(ip->info, sp->info, sizeof(ip->info));
	return CKPT_OK;
}

/*
 * The interval timers, there because CKPT_TASK_ITIMERS says one is
 * armed.  Each time is one ckpt.ko can arm again (at most KTIME_MAX
 * nanoseconds).  ITIMER_REAL may have a zero value with an interval: it
 * expired, and its SIGALRM rearms it when dequeued.
 */
static int do_itimers(struct image_parser *p)
{
	static const char *const names[CKPT_NR_ITIMERS] = {
		[CKPT_ITIMER_REAL] = "ITIMER_REAL",
		[CKPT_ITIMER_VIRTUAL] = "ITIMER_VIRTUAL",
		[CKPT_ITIMER_PROF] = "ITIMER_PROF",
	};
	const struct ckpt_hdr_itimers *it = (const void *)p->rec;

	for (uint32_t i = 0; i < CKPT_NR_ITIMERS; i++) {
		const struct {
			const char *name;
			uint64_t v;
		} times[] = {
			{ "value_ns", it->timer[i].value_ns },
			{ "interval_ns", it->timer[i].interval_ns },
		};

		for (size_t k = 0; k < ARRAY_SIZE(times); k++) {
			char field[32];

			snprintf(field, sizeof(field), "timer[%u].%s", i,
				 times[k].name);
			if (times[k].v > CKPT_ITIMER_MAX_NS)
				return INVALID(p, field, "%llu ns of %s is above CKPT_ITIMER_MAX_NS (%llu)",
					       (unsigned long long)times[k].v,
					       names[i], CKPT_ITIMER_MAX_NS);
		}
	}
	/*
	 * Every timer disarmed is valid: ckpt.ko decides on the record when
	 * it writes the task record, and a one-shot ITIMER_REAL may expire
	 * before the timers are read, its SIGALRM then pending.
	 */
	p->img.itimers = *it;
	p->img.has_itimers = true;
	return CKPT_OK;
}

static int do_mm(struct image_parser *p)
{
	const struct ckpt_hdr_mm *m = (const void *)p->rec;
	uint64_t top = p->img.header.constants.task_size;
	const struct {
		const char *name;
		uint64_t v;
	} addrs[] = {
		{ "start_code", m->start_code }, { "end_code", m->end_code },
		{ "start_data", m->start_data }, { "end_data", m->end_data },
		{ "start_brk", m->start_brk }, { "brk", m->brk },
		{ "start_stack", m->start_stack }, { "arg_start", m->arg_start },
		{ "arg_end", m->arg_end }, { "env_start", m->env_start },
		{ "env_end", m->env_end },
	};

	CHECK_ZERO(p, "reserved", &m->reserved, sizeof(m->reserved));
	if (m->nr_vmas > CKPT_IMAGE_MAX_VMAS)
		return INVALID(p, "nr_vmas", "%u is more than %u", m->nr_vmas,
			       CKPT_IMAGE_MAX_VMAS);
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++)
		if (addrs[i].v > top)
			return INVALID(p, addrs[i].name,
				       "0x%llx is above task_size 0x%llx",
				       (unsigned long long)addrs[i].v,
				       (unsigned long long)top);
	p->img.mm = *m;
	return CKPT_OK;
}

/* (type, value) pairs, the last and only the last of type AT_NULL. */
static int do_auxv(struct image_parser *p)
{
	const struct ckpt_hdr_auxv *a = (const void *)p->rec;
	uint32_t n = a->nr_words;

	CHECK_ZERO(p, "reserved", &a->reserved, sizeof(a->reserved));
	if (n < 2 || n > CKPT_IMAGE_AUXV_MAX || n % 2)
		return INVALID(p, "nr_words", "%u is not an even number of words in 2..%d",
			       n, CKPT_IMAGE_AUXV_MAX);
	if (p->cur.len != sizeof(*a) + (uint64_t)n * sizeof(a->words[0]))
		return INVALID(p, "len", "%u, expected %llu for nr_words %u",
			       p->cur.len,
			       (unsigned long long)(sizeof(*a) + (uint64_t)n * sizeof(a->words[0])),
			       n);
	for (uint32_t i = 0; i + 2 < n; i += 2)
		if (a->words[i] == K_AT_NULL)
			return INVALID(p, "words", "AT_NULL at word %u of %u: only the last pair may be AT_NULL",
				       i, n);
	if (a->words[n - 2] != K_AT_NULL)
		return INVALID(p, "words", "the last pair has type %llu, not AT_NULL (0): the vector does not end",
			       (unsigned long long)a->words[n - 2]);
	p->img.auxv = malloc(n * sizeof(a->words[0]));
	if (!p->img.auxv)
		return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
	memcpy(p->img.auxv, a->words, n * sizeof(a->words[0]));
	p->img.nr_auxv_words = n;
	return CKPT_OK;
}

/*
 * The name that ends a record of @fixed bytes (a VMA, a file, the working
 * directory): @name_len bytes, NUL included, then zero padding to the
 * record's length, a multiple of 8 (check_length).  @len_field and
 * @name_field name the two fields in messages.
 */
static int check_name(struct image_parser *p, size_t fixed, const char *name,
		      uint32_t name_len, const char *len_field,
		      const char *name_field)
{
	size_t end = fixed + name_len;

	if (name_len < 1 || name_len > CKPT_IMAGE_NAME_MAX)
		return INVALID(p, len_field, "%u is outside 1..%d",
			       name_len, CKPT_IMAGE_NAME_MAX);
	if (p->cur.len != ALIGN8(end))
		return INVALID(p, "len", "%u, expected %llu for %s %u",
			       p->cur.len, (unsigned long long)ALIGN8(end),
			       len_field, name_len);
	if (name[name_len - 1] != '\0')
		return INVALID(p, name_field, "not NUL-terminated within %s %u",
			       len_field, name_len);
	if (memchr(name, '\0', name_len - 1))
		return INVALID(p, name_field, "has a NUL byte before its end");
	CHECK_ZERO(p, "padding", p->rec + end, p->cur.len - end);
	return CKPT_OK;
}

/* The working directory, an absolute path, and the umask. */
static int do_fs(struct image_parser *p)
{
	const struct ckpt_hdr_fs *f = (const void *)p->rec;
	int ret;

	ret = check_name(p, sizeof(*f), f->cwd, f->cwd_len, "cwd_len", "cwd");
	if (ret)
		return ret;
	if (f->cwd[0] != '/')
		return INVALID(p, "cwd", "not an absolute path");
	if (f->umask & ~0777U)
		return INVALID(p, "umask", "0%o is not a umask (0..0777)", f->umask);
	p->img.fs.cwd = strdup(f->cwd);
	if (!p->img.fs.cwd)
		return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
	p->img.fs.umask = f->umask;
	return CKPT_OK;
}

/* A descriptor: above the previous one, with known flags and a valid id. */
static int check_file(struct image_parser *p, const struct ckpt_hdr_file *f)
{
	if (f->fd < 0)
		return INVALID(p, "fd", "%d is not a descriptor", f->fd);
	if (p->img.nr_files) {
		int32_t prev = p->img.files[p->img.nr_files - 1].fd;

		if (f->fd <= prev)
			return INVALID(p, "fd", "%d is not above the fd %d of the previous file record: %s",
				       f->fd, prev,
				       f->fd == prev ? "repeated" : "not ascending");
	}
	if (f->fd_flags & ~CKPT_FD_KNOWN_FLAGS)
		return INVALID(p, "fd_flags", "unknown flags 0x%x",
			       f->fd_flags & ~CKPT_FD_KNOWN_FLAGS);
	if (f->file_flags & ~CKPT_FILE_KNOWN_FLAGS)
		return INVALID(p, "file_flags", "unknown flags 0x%x",
			       f->file_flags & ~CKPT_FILE_KNOWN_FLAGS);
	/* Ids count from 0 in order of first appearance. */
	if (f->file_id > p->img.nr_file_ids)
		return INVALID(p, "file_id", "%u is neither the id of an earlier record nor the next new id %u",
			       f->file_id, p->img.nr_file_ids);
	if (!(f->file_flags & CKPT_FILE_DELETED))
		return CKPT_OK;
	/* Restart makes it anew: a regular file, open to read or write. */
	if ((f->mode & K_S_IFMT) != K_S_IFREG)
		return INVALID(p, "mode", "0%o: a deleted file (CKPT_FILE_DELETED) is a regular file",
			       f->mode);
	if ((f->f_flags & K_O_ACCMODE) == K_O_ACCMODE ||
	    f->f_flags & (K_O_PATH | K_O_DIRECTORY))
		return INVALID(p, "f_flags", "0%o: a deleted file (CKPT_FILE_DELETED) is open for reading or writing, without O_PATH or O_DIRECTORY",
			       f->f_flags);
	if (f->name[0] != '/')
		return INVALID(p, "name", "%s: a deleted file (CKPT_FILE_DELETED) has an absolute path",
			       f->name);
	if (f->size > INT64_MAX || f->pos > INT64_MAX)
		return INVALID(p, "size", "%llu, or its position %llu, is above 2^63-1",
			       (unsigned long long)f->size,
			       (unsigned long long)f->pos);
	return CKPT_OK;
}

static int add_file(struct image_parser *p, const struct ckpt_hdr_file *f)
{
	struct image_file *fi;
	size_t *firsts;

	if (p->img.nr_files == p->files_cap) {
		size_t cap = p->files_cap ? 2 * p->files_cap : 16;
		struct image_file *bigger = realloc(p->img.files, cap * sizeof(*bigger));

		if (!bigger)
			return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
		p->img.files = bigger;
		firsts = realloc(p->id_first, cap * sizeof(*firsts));
		if (!firsts)
			return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
		p->id_first = firsts;
		p->files_cap = cap;
	}
	fi = &p->img.files[p->img.nr_files];
	memset(fi, 0, sizeof(*fi));
	fi->name = strdup(f->name);
	if (!fi->name)
		return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
	fi->fd = f->fd;
	fi->fd_flags = f->fd_flags;
	fi->file_id = f->file_id;
	fi->f_flags = f->f_flags;
	fi->mode = f->mode;
	fi->pos = f->pos;
	fi->dev = f->dev;
	fi->ino = f->ino;
	fi->rdev = f->rdev;
	fi->size = f->size;
	fi->mtime_sec = f->mtime_sec;
	fi->mtime_nsec = f->mtime_nsec;
	/* The first record of a file describes it; its data follows it. */
	fi->file_flags = f->file_flags;
	p->file_data = false;
	if (f->file_id == p->img.nr_file_ids) {
		p->file_data = f->file_flags & CKPT_FILE_DELETED;
		p->id_first[p->img.nr_file_ids++] = p->img.nr_files;
	} else {
		/* What was saved of the file, for each of its descriptors. */
		const struct image_file *first = &p->img.files[p->id_first[f->file_id]];

		fi->data_bytes = first->data_bytes;
		fi->data_end = first->data_end;
	}
	p->img.nr_files++;
	return CKPT_OK;
}

/*
 * Part of a deleted file, after its file record or the data before it:
 * ascending, within its size.  The bytes stream past.
 */
static int do_file_data(struct image_parser *p)
{
	const struct ckpt_hdr_file_data *d = (const void *)p->rec;
	struct image_file *fi = &p->img.files[p->img.nr_files - 1];
	uint64_t want = ALIGN8(sizeof(*d) + (uint64_t)d->nr_bytes);

	if (d->file_id != fi->file_id)
		return INVALID(p, "file_id", "%u, but the file record before is of file %u",
			       d->file_id, fi->file_id);
	if (!d->nr_bytes || d->nr_bytes > CKPT_FILE_DATA_MAX)
		return INVALID(p, "nr_bytes", "%u is not in 1..%d", d->nr_bytes,
			       CKPT_FILE_DATA_MAX);
	if (p->cur.len != want)
		return INVALID(p, "len", "%u, expected %llu for nr_bytes %u",
			       p->cur.len, (unsigned long long)want, d->nr_bytes);
	if (d->offset < fi->data_end)
		return INVALID(p, "offset", "%llu is below the end %llu of the file's data before it: not ascending",
			       (unsigned long long)d->offset,
			       (unsigned long long)fi->data_end);
	if (d->offset > fi->size || d->nr_bytes > fi->size - d->offset)
		return INVALID(p, "offset", "%u bytes at %llu are beyond the file's size %llu",
			       d->nr_bytes, (unsigned long long)d->offset,
			       (unsigned long long)fi->size);
	fi->data_end = d->offset + d->nr_bytes;
	fi->data_bytes += d->nr_bytes;
	p->data_pad = p->cur.len - sizeof(*d) - d->nr_bytes;
	return CKPT_OK;
}

/* What pipe_name() finds in a name. */
enum pipe_name {
	NOT_PIPE,			/* anything but "pipe:[DIGITS]" */
	PIPE_EXACT,			/* "pipe:[N]", as the kernel names pipes */
	PIPE_ZEROES,			/* "pipe:[0N]": N with leading zeroes */
	PIPE_HUGE,			/* a number above UINT64_MAX */
};

/* "pipe:[N]", N in decimal: *@id is N. */
static enum pipe_name pipe_name(const char *name, uint64_t *id)
{
	static const char prefix[] = "pipe:[";
	const char *d = name + sizeof(prefix) - 1, *digits = d;
	uint64_t n = 0;
	bool huge = false;

	if (strncmp(name, prefix, sizeof(prefix) - 1))
		return NOT_PIPE;
	for (; *d >= '0' && *d <= '9'; d++) {
		if (n > (UINT64_MAX - (uint64_t)(*d - '0')) / 10)
			huge = true;
		n = n * 10 + (uint64_t)(*d - '0');
	}
	if (d == digits || strcmp(d, "]"))
		return NOT_PIPE;
	if (huge)
		return PIPE_HUGE;
	*id = n;
	return digits[0] == '0' && d - digits > 1 ? PIPE_ZEROES : PIPE_EXACT;
}

/* Is @f an end of a pipe, a FIFO named "pipe:[N]"? */
static enum pipe_name file_pipe(const struct image_file *f, uint64_t *id)
{
	if ((f->mode & K_S_IFMT) != K_S_IFIFO)
		return NOT_PIPE;
	return pipe_name(f->name, id);
}

/*
 * Keep the file just added if it is an end of a pipe: a FIFO named
 * "pipe:[N]".  Only the name the kernel gives, N without leading zeroes,
 * names the pipe whose inode N is.
 */
static int add_pipe_end(struct image_parser *p)
{
	const struct image_file *fi = &p->img.files[p->img.nr_files - 1];
	enum pipe_name kind;
	struct pipe_end *e;
	uint64_t n = 0;

	kind = file_pipe(fi, &n);
	if (kind == NOT_PIPE)
		return CKPT_OK;
	if (kind == PIPE_HUGE) {
		if (fi->fd <= 2)
			return CKPT_OK;
		return INVALID(p, "name", "fd %d holds %s, which can have no CKPT_HDR_PIPE record: its number is above 2^64-1",
			       fi->fd, fi->name);
	}
	if (p->nr_ends == p->ends_cap) {
		size_t cap = p->ends_cap ? 2 * p->ends_cap : 16;
		struct pipe_end *bigger = realloc(p->ends, cap * sizeof(*bigger));

		if (!bigger)
			return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
		p->ends = bigger;
		p->ends_cap = cap;
	}
	e = &p->ends[p->nr_ends++];
	e->n = n;
	e->index = p->index;
	e->offset = p->rec_off;
	e->fd = fi->fd;
	e->is_inode = kind == PIPE_EXACT && fi->ino == n;
	return CKPT_OK;
}

/*
 * An open descriptor.  What describes its file (flags, mode, position,
 * device, inode, size, time) is informational: any value goes, but for
 * the ends of pipes, which the pipe records must agree with.  Of the
 * records of one file_id (dup()ed descriptors) the first describes the
 * file; the others repeat it, or not.
 */
static int do_file(struct image_parser *p)
{
	const struct ckpt_hdr_file *f = (const void *)p->rec;
	int ret;

	if (p->img.nr_files == CKPT_IMAGE_MAX_FILES)
		return INVALID(p, "type", "more than %u CKPT_HDR_FILE records",
			       CKPT_IMAGE_MAX_FILES);
	ret = check_name(p, sizeof(*f), f->name, f->name_len, "name_len", "name");
	if (!ret)
		ret = check_file(p, f);
	if (!ret)
		ret = add_file(p, f);
	if (!ret)
		ret = add_pipe_end(p);
	return ret;
}

/* ---------------------------------------------------------------- pipes */

static int cmp_ends(const void *a, const void *b)
{
	const struct pipe_end *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The file records are all in: order their pipe ends by pipe. */
static void end_files(struct image_parser *p)
{
	if (p->nr_ends)
		qsort(p->ends, p->nr_ends, sizeof(*p->ends), cmp_ends);
	p->ends_cursor = 0;
}

/*
 * Pass the ends of pipes below @id: they have no pipe record, so they
 * lead outside the process, and restart takes their descriptors from its
 * caller (standard input, output and error, or --inherit-fd).
 */
static void pipes_below(struct image_parser *p, uint64_t id)
{
	while (p->ends_cursor < p->nr_ends && p->ends[p->ends_cursor].n < id)
		p->ends_cursor++;
}

/*
 * A pipe: after the previous one, of a capacity a pipe can have, holding
 * no more than that, and whose ends are among the file records.  Its data
 * streams past; the padding after it must be zero (checked as it comes).
 */
static int do_pipe(struct image_parser *p)
{
	const struct ckpt_hdr_pipe *pp = (const void *)p->rec;
	uint64_t want = ALIGN8(sizeof(*pp) + (uint64_t)pp->nr_bytes);
	struct image_pipe *ip;
	bool found = false;

	if (p->img.nr_pipes == CKPT_IMAGE_MAX_PIPES)
		return INVALID(p, "type", "more than %u CKPT_HDR_PIPE records",
			       CKPT_IMAGE_MAX_PIPES);
	if (p->img.nr_pipes) {
		uint64_t prev = p->img.pipes[p->img.nr_pipes - 1].id;

		if (pp->id <= prev)
			return INVALID(p, "id", "%llu is not above the id %llu of the previous pipe record: %s",
				       (unsigned long long)pp->id,
				       (unsigned long long)prev,
				       pp->id == prev ? "repeated" : "not ascending");
	}
	if (pp->size < CKPT_IMAGE_PIPE_MIN || pp->size > CKPT_IMAGE_PIPE_MAX ||
	    pp->size % CKPT_IMAGE_PAGE_SIZE)
		return INVALID(p, "size", "%u is not a pipe's capacity: a multiple of %d in %u..%u",
			       pp->size, CKPT_IMAGE_PAGE_SIZE,
			       CKPT_IMAGE_PIPE_MIN, CKPT_IMAGE_PIPE_MAX);
	if (pp->nr_bytes > pp->size)
		return INVALID(p, "nr_bytes", "%u is more than the pipe's size %u",
			       pp->nr_bytes, pp->size);
	if (p->cur.len != want)
		return INVALID(p, "len", "%u, expected %llu for nr_bytes %u",
			       p->cur.len, (unsigned long long)want,
			       pp->nr_bytes);
	pipes_below(p, pp->id);
	for (; p->ends_cursor < p->nr_ends &&
	       p->ends[p->ends_cursor].n == pp->id; p->ends_cursor++)
		found |= p->ends[p->ends_cursor].is_inode;
	if (!found)
		return INVALID(p, "id", "%llu is the inode of no CKPT_HDR_FILE record of a pipe (a FIFO named pipe:[%llu])",
			       (unsigned long long)pp->id,
			       (unsigned long long)pp->id);
	if (p->img.nr_pipes == p->pipes_cap) {
		size_t cap = p->pipes_cap ? 2 * p->pipes_cap : 8;
		struct image_pipe *bigger = realloc(p->img.pipes, cap * sizeof(*bigger));

		if (!bigger)
			return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
		p->img.pipes = bigger;
		p->pipes_cap = cap;
	}
	ip = &p->img.pipes[p->img.nr_pipes++];
	ip->id = pp->id;
	ip->size = pp->size;
	ip->nr_bytes = pp->nr_bytes;
	p->data_pad = p->cur.len - sizeof(*pp) - pp->nr_bytes;
	return CKPT_OK;
}

static int check_vma_kind(struct image_parser *p, const struct ckpt_hdr_vma *v)
{
	const uint32_t file_only = CKPT_VMA_DELETED;
	const uint32_t anon_only = CKPT_VMA_HEAP | CKPT_VMA_STACK;
	const uint32_t thp = CKPT_VMA_HUGEPAGE | CKPT_VMA_NOHUGEPAGE;
	const uint32_t access = CKPT_VMA_SEQ_READ | CKPT_VMA_RAND_READ;

	if (v->flags & ~CKPT_VMA_KNOWN_FLAGS)
		return INVALID(p, "flags", "unknown flags 0x%x",
			       v->flags & ~CKPT_VMA_KNOWN_FLAGS);
	if ((v->flags & thp) == thp || (v->flags & access) == access)
		return INVALID(p, "flags", "0x%x holds madvise() hints that exclude each other",
			       v->flags);
	if ((v->flags & CKPT_VMA_WIPEONFORK) &&
	    (v->kind != CKPT_VMA_ANON || (v->flags & CKPT_VMA_SHARED)))
		return INVALID(p, "flags", "MADV_WIPEONFORK outside private anonymous memory");
	switch (v->kind) {
	case CKPT_VMA_FILE:
		if (v->name_len < 2)
			return INVALID(p, "name", "a file mapping needs a path");
		if (v->pgoff % CKPT_IMAGE_PAGE_SIZE)
			return INVALID(p, "pgoff", "0x%llx is not page aligned",
				       (unsigned long long)v->pgoff);
		if (v->mtime_nsec >= 1000000000)
			return INVALID(p, "mtime_nsec", "%u is not below 10^9",
				       v->mtime_nsec);
		if (v->flags & anon_only)
			return INVALID(p, "flags", "[heap] or [stack] on a file mapping");
		return CKPT_OK;
	case CKPT_VMA_ANON:
	case CKPT_VMA_SPECIAL:
		if (v->pgoff || v->dev || v->ino || v->size || v->mtime_sec ||
		    v->mtime_nsec)
			return INVALID(p, "pgoff..mtime_nsec",
				       "must be zero unless the kind is CKPT_VMA_FILE");
		if (v->flags & file_only)
			return INVALID(p, "flags", "CKPT_VMA_DELETED without a file");
		if (v->kind == CKPT_VMA_SPECIAL && v->name_len < 2)
			return INVALID(p, "name", "a special mapping needs a name");
		if (v->kind == CKPT_VMA_SPECIAL && (v->flags & anon_only))
			return INVALID(p, "flags", "[heap] or [stack] on a special mapping");
		return CKPT_OK;
	default:
		return INVALID(p, "kind", "unknown kind %u", v->kind);
	}
}

static int check_vma_range(struct image_parser *p, const struct ckpt_hdr_vma *v)
{
	uint64_t top = p->img.header.constants.task_size;

	if (v->start % CKPT_IMAGE_PAGE_SIZE || v->end % CKPT_IMAGE_PAGE_SIZE)
		return INVALID(p, v->start % CKPT_IMAGE_PAGE_SIZE ? "start" : "end",
			       "0x%llx is not page aligned",
			       (unsigned long long)(v->start % CKPT_IMAGE_PAGE_SIZE ?
						    v->start : v->end));
	if (v->end <= v->start)
		return INVALID(p, "end", "0x%llx is not above start 0x%llx: empty VMA",
			       (unsigned long long)v->end,
			       (unsigned long long)v->start);
	if (v->end > top)
		return INVALID(p, "end", "0x%llx is above task_size 0x%llx",
			       (unsigned long long)v->end,
			       (unsigned long long)top);
	if (p->img.nr_vmas) {
		const struct image_vma *prev = &p->img.vmas[p->img.nr_vmas - 1];

		if (v->start < prev->end)
			return INVALID(p, "start",
				       "0x%llx is below the end 0x%llx of the previous VMA: %s",
				       (unsigned long long)v->start,
				       (unsigned long long)prev->end,
				       v->start < prev->start ? "not ascending" : "overlapping");
	}
	return CKPT_OK;
}

static int add_vma(struct image_parser *p, const struct ckpt_hdr_vma *v)
{
	struct image_vma *iv;

	if (p->img.nr_vmas == p->vmas_cap) {
		size_t cap = p->vmas_cap ? 2 * p->vmas_cap : 64;
		struct image_vma *bigger = realloc(p->img.vmas, cap * sizeof(*bigger));

		if (!bigger)
			return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
		p->img.vmas = bigger;
		p->vmas_cap = cap;
	}
	iv = &p->img.vmas[p->img.nr_vmas];
	memset(iv, 0, sizeof(*iv));
	iv->name = strdup(v->name);
	if (!iv->name)
		return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
	iv->start = v->start;
	iv->end = v->end;
	iv->pgoff = v->pgoff;
	iv->dev = v->dev;
	iv->ino = v->ino;
	iv->size = v->size;
	iv->mtime_sec = v->mtime_sec;
	iv->mtime_nsec = v->mtime_nsec;
	iv->kind = v->kind;
	iv->flags = v->flags;
	p->img.nr_vmas++;
	return CKPT_OK;
}

static int do_vma(struct image_parser *p)
{
	const struct ckpt_hdr_vma *v = (const void *)p->rec;
	int ret;

	ret = check_name(p, sizeof(*v), v->name, v->name_len, "name_len", "name");
	if (!ret)
		ret = check_vma_kind(p, v);
	if (!ret)
		ret = check_vma_range(p, v);
	if (!ret)
		ret = add_vma(p, v);
	return ret;
}

/*
 * A run of pages: inside one VMA, after the previous run.  Runs ascend
 * like the VMAs, so the VMA is found by moving a cursor forward.
 */
static int do_pages(struct image_parser *p)
{
	const struct ckpt_hdr_pages *pg = (const void *)p->rec;
	const struct image_vma *v;
	uint64_t end;

	if (pg->nr_pages < 1 || pg->nr_pages > CKPT_PAGES_MAX)
		return INVALID(p, "nr_pages", "%u is outside 1..%d",
			       pg->nr_pages, CKPT_PAGES_MAX);
	if (p->cur.len != sizeof(*pg) + (uint64_t)pg->nr_pages * CKPT_IMAGE_PAGE_SIZE)
		return INVALID(p, "len", "%u does not hold nr_pages %u",
			       p->cur.len, pg->nr_pages);
	CHECK_ZERO(p, "reserved", &pg->reserved, sizeof(pg->reserved));
	if (pg->addr % CKPT_IMAGE_PAGE_SIZE)
		return INVALID(p, "addr", "0x%llx is not page aligned",
			       (unsigned long long)pg->addr);
	if (pg->addr < p->pages_end)
		return INVALID(p, "addr",
			       "0x%llx is below the end 0x%llx of the previous run: %s",
			       (unsigned long long)pg->addr,
			       (unsigned long long)p->pages_end,
			       "runs must ascend without overlapping");
	while (p->vma_cursor < p->img.nr_vmas &&
	       p->img.vmas[p->vma_cursor].end <= pg->addr)
		p->vma_cursor++;
	if (p->vma_cursor == p->img.nr_vmas ||
	    pg->addr < p->img.vmas[p->vma_cursor].start)
		return INVALID(p, "addr", "0x%llx is not inside any VMA",
			       (unsigned long long)pg->addr);
	v = &p->img.vmas[p->vma_cursor];
	end = pg->addr + (uint64_t)pg->nr_pages * CKPT_IMAGE_PAGE_SIZE;
	if (end > v->end)
		return INVALID(p, "nr_pages",
			       "the run 0x%llx-0x%llx ends past its VMA 0x%llx-0x%llx",
			       (unsigned long long)pg->addr,
			       (unsigned long long)end,
			       (unsigned long long)v->start,
			       (unsigned long long)v->end);
	/*
	 * Their contents are the file's or the kernel's, never the image's;
	 * MADV_WIPEONFORK memory comes back empty, as in a child.
	 */
	if ((v->flags & (CKPT_VMA_SHARED | CKPT_VMA_WIPEONFORK)) ||
	    v->kind == CKPT_VMA_SPECIAL)
		return INVALID(p, "addr",
			       "0x%llx is in a shared, special or MADV_WIPEONFORK VMA, whose pages are never saved",
			       (unsigned long long)pg->addr);
	p->img.vmas[p->vma_cursor].saved_pages += pg->nr_pages;
	p->img.nr_pages += pg->nr_pages;
	p->img.nr_page_records++;
	p->pages_end = end;
	return CKPT_OK;
}

static int do_tail(struct image_parser *p)
{
	const struct ckpt_hdr_tail *t = (const void *)p->rec;

	if (t->nr_records != p->index)
		return INVALID(p, "nr_records", "%u, but %llu records precede it",
			       t->nr_records, (unsigned long long)p->index);
	if (t->nr_vmas != p->img.nr_vmas)
		return INVALID(p, "nr_vmas", "%u, but there are %zu VMA records",
			       t->nr_vmas, p->img.nr_vmas);
	if (t->nr_pages != p->img.nr_pages)
		return INVALID(p, "nr_pages", "%llu, but %llu pages were saved",
			       (unsigned long long)t->nr_pages,
			       (unsigned long long)p->img.nr_pages);
	if (t->image_len != p->rec_off)
		return INVALID(p, "image_len", "%llu, but the tail is at offset %llu",
			       (unsigned long long)t->image_len,
			       (unsigned long long)p->rec_off);
	if (memcmp(t->magic, CKPT_MAGIC, CKPT_MAGIC_LEN))
		return INVALID(p, "magic", "not CKPT_MAGIC");
	p->img.tail = *t;
	p->img.complete = true;
	p->stage = ST_DONE;
	return CKPT_OK;
}

/* ---------------------------------------------------------------- framing */

/*
 * Is a record of @type welcome now?  If not, say why not.  The records
 * come one of each, in the order of the stages, but for five runs: the
 * pending signals and the VMAs, exactly as many as CKPT_HDR_SIGNALS and
 * CKPT_HDR_MM say, and the files, the pipes and the pages, any number of
 * them.  The timers come after the pending signals if, and only if,
 * CKPT_HDR_TASK has CKPT_TASK_ITIMERS.  The auxiliary vector comes after
 * the VMAs, before the pages, where ckpt.ko's checkpoint_mm() writes it
 * and its restart reads it.
 */
static int check_order(struct image_parser *p)
{
	static const uint32_t expected[] = {
		[ST_HEADER] = CKPT_HDR_HEADER, [ST_TASK] = CKPT_HDR_TASK,
		[ST_FS] = CKPT_HDR_FS, [ST_CPU] = CKPT_HDR_CPU,
		[ST_XSTATE] = CKPT_HDR_XSTATE, [ST_SIGNALS] = CKPT_HDR_SIGNALS,
		[ST_SIGPENDING] = CKPT_HDR_SIGPENDING,
		[ST_ITIMERS] = CKPT_HDR_ITIMERS, [ST_FILES] = CKPT_HDR_FILE,
		[ST_PIPES] = CKPT_HDR_PIPE, [ST_MM] = CKPT_HDR_MM,
		[ST_VMAS] = CKPT_HDR_VMA,
		[ST_AUXV] = CKPT_HDR_AUXV, [ST_PAGES] = CKPT_HDR_PAGES,
	};
	uint32_t type = p->cur.type;
	int stage = type_stage(type);

	if (stage < 0)
		return INVALID(p, "type", "unknown record type %u", type);
	/* A deleted file's data follows its first record, and nothing else. */
	if (type == CKPT_HDR_FILE_DATA && !(p->stage == ST_FILES && p->file_data))
		return INVALID(p, "type", "out of order: CKPT_HDR_FILE_DATA follows only the first file record of a deleted file (CKPT_FILE_DELETED), or the file's data before it");
	if (type == CKPT_HDR_FILE_DATA)
		return CKPT_OK;
	p->file_data = false;
	/*
	 * The file records and the pipe records are zero or more: a pipe
	 * record ends the files, the mm ends both.  The pipes are checked
	 * against the files as they come, and once they are all in.
	 */
	if (p->stage == ST_FILES &&
	    (type == CKPT_HDR_PIPE || type == CKPT_HDR_MM)) {
		end_files(p);
		p->stage = ST_PIPES;
	}
	if (p->stage == ST_PIPES && type == CKPT_HDR_MM) {
		pipes_below(p, UINT64_MAX);
		p->stage = ST_MM;
	}
	if (p->stage == ST_PAGES ? stage == ST_PAGES : type == expected[p->stage])
		return CKPT_OK;
	if (type == CKPT_HDR_SIGPENDING && p->stage > ST_SIGPENDING)
		return INVALID(p, "type", "more pending-signal records than CKPT_HDR_SIGNALS.nr_pending (%u)%s",
			       p->img.signals.nr_pending,
			       p->stage > ST_FILES || p->img.nr_files ?
			       ", or one after the file records" :
			       p->img.has_itimers ?
			       ", or one after CKPT_HDR_ITIMERS" : "");
	/*
	 * The timers come only with the task flag that announces them: say
	 * so rather than "repeated" or "out of order".  Before the task
	 * record the flag is not known yet.
	 */
	if (type == CKPT_HDR_ITIMERS && p->stage > ST_TASK &&
	    !(p->img.task.task_flags & CKPT_TASK_ITIMERS))
		return INVALID(p, "type", "unexpected: CKPT_HDR_TASK.task_flags does not have CKPT_TASK_ITIMERS (0x%x)",
			       CKPT_TASK_ITIMERS);
	if (type == CKPT_HDR_FILE && p->stage == ST_PIPES)
		return INVALID(p, "type", "out of order: the file records come before the pipe records");
	if (type == CKPT_HDR_FILE && p->stage > ST_FILES)
		return INVALID(p, "type", "out of order: the file records come before CKPT_HDR_MM");
	if (type == CKPT_HDR_PIPE && p->stage > ST_PIPES)
		return INVALID(p, "type", "out of order: the pipe records come before CKPT_HDR_MM");
	if (type == CKPT_HDR_VMA && p->stage > ST_VMAS)
		return INVALID(p, "type", "more VMA records than CKPT_HDR_MM.nr_vmas (%u)%s",
			       p->img.mm.nr_vmas,
			       p->img.nr_page_records ? ", or a VMA after the pages" :
			       p->stage == ST_PAGES ? ", or a VMA after CKPT_HDR_AUXV" : "");
	if (stage < (int)p->stage && type != CKPT_HDR_SIGPENDING &&
	    type != CKPT_HDR_FILE && type != CKPT_HDR_PIPE &&
	    type != CKPT_HDR_VMA)
		return INVALID(p, "type", "repeated: an image has one %s",
			       image_type_name(type));
	if (p->stage == ST_SIGPENDING)
		return INVALID(p, "type", "CKPT_HDR_SIGPENDING %zu of %u expected: fewer pending-signal records than CKPT_HDR_SIGNALS.nr_pending",
			       p->img.nr_pending + 1, p->img.signals.nr_pending);
	if (p->stage == ST_ITIMERS)
		return INVALID(p, "type", "out of order: CKPT_HDR_ITIMERS expected: CKPT_HDR_TASK.task_flags has CKPT_TASK_ITIMERS");
	if (p->stage == ST_VMAS)
		return INVALID(p, "type", "CKPT_HDR_VMA %zu of %u expected: fewer VMA records than CKPT_HDR_MM.nr_vmas",
			       p->img.nr_vmas + 1, p->img.mm.nr_vmas);
	if (p->stage == ST_FILES)
		return INVALID(p, "type", "out of order: CKPT_HDR_FILE, CKPT_HDR_PIPE or CKPT_HDR_MM expected here");
	if (p->stage == ST_PIPES)
		return INVALID(p, "type", "out of order: CKPT_HDR_PIPE or CKPT_HDR_MM expected here");
	return INVALID(p, "type", "out of order: %s expected here",
		       image_type_name(expected[p->stage]));
}

/* The record's length: how much of it to buffer, how much to stream. */
static int check_length(struct image_parser *p, size_t *keep, uint64_t *data)
{
	uint32_t len = p->cur.len;
	size_t want = 0;

	*data = 0;
	switch (p->cur.type) {
	case CKPT_HDR_HEADER:
		/*
		 * Another version may have another header: read enough of it
		 * to say which version it is (do_header() checks the length
		 * after the version).
		 */
		want = sizeof(struct ckpt_hdr_header);
		if (len != want && len >= HEADER_VERSION_END) {
			*keep = len < want ? len : want;
			*data = len - *keep;
			return CKPT_OK;
		}
		break;
	case CKPT_HDR_TASK:
		want = sizeof(struct ckpt_hdr_task);
		break;
	case CKPT_HDR_FS:
		/* Exact once cwd_len is known (check_name). */
		if (len < ALIGN8(sizeof(struct ckpt_hdr_fs) + 1) ||
		    len > ALIGN8(sizeof(struct ckpt_hdr_fs) + CKPT_IMAGE_NAME_MAX) ||
		    len % 8)
			return INVALID(p, "len", "%u is not the length of a fs record with a cwd of 1..%d bytes",
				       len, CKPT_IMAGE_NAME_MAX);
		*keep = len;
		return CKPT_OK;
	case CKPT_HDR_SIGNALS:
		want = sizeof(struct ckpt_hdr_signals);
		break;
	case CKPT_HDR_SIGPENDING:
		want = sizeof(struct ckpt_hdr_sigpending);
		break;
	case CKPT_HDR_ITIMERS:
		want = sizeof(struct ckpt_hdr_itimers);
		break;
	case CKPT_HDR_AUXV:
		/* Exact once nr_words is known (do_auxv). */
		if (len < sizeof(struct ckpt_hdr_auxv) + 2 * sizeof(uint64_t) ||
		    len > sizeof(struct ckpt_hdr_auxv) +
			  CKPT_IMAGE_AUXV_MAX * sizeof(uint64_t) ||
		    len % 8)
			return INVALID(p, "len", "%u is not the length of an auxiliary vector of 2..%d words",
				       len, CKPT_IMAGE_AUXV_MAX);
		*keep = len;
		return CKPT_OK;
	case CKPT_HDR_CPU:
		want = sizeof(struct ckpt_hdr_cpu);
		break;
	case CKPT_HDR_XSTATE:
		want = sizeof(struct ckpt_hdr_xstate) +
		       p->img.header.constants.xstate_size;
		break;
	case CKPT_HDR_MM:
		want = sizeof(struct ckpt_hdr_mm);
		break;
	case CKPT_HDR_TAIL:
		want = sizeof(struct ckpt_hdr_tail);
		break;
	case CKPT_HDR_FILE:
		/* Exact once name_len is known (check_name). */
		if (len < ALIGN8(sizeof(struct ckpt_hdr_file) + 1) ||
		    len > ALIGN8(sizeof(struct ckpt_hdr_file) + CKPT_IMAGE_NAME_MAX) ||
		    len % 8)
			return INVALID(p, "len", "%u is not the length of a file record with a name of 1..%d bytes",
				       len, CKPT_IMAGE_NAME_MAX);
		*keep = len;
		return CKPT_OK;
	case CKPT_HDR_VMA:
		/* Exact once name_len is known (check_name). */
		if (len < ALIGN8(sizeof(struct ckpt_hdr_vma) + 1) ||
		    len > ALIGN8(sizeof(struct ckpt_hdr_vma) + CKPT_IMAGE_NAME_MAX) ||
		    len % 8)
			return INVALID(p, "len", "%u is not the length of a VMA record with a name of 1..%d bytes",
				       len, CKPT_IMAGE_NAME_MAX);
		*keep = len;
		return CKPT_OK;
	case CKPT_HDR_PAGES:
		/* Exact once nr_pages is known (do_pages). */
		if (len < sizeof(struct ckpt_hdr_pages) + CKPT_IMAGE_PAGE_SIZE ||
		    len > sizeof(struct ckpt_hdr_pages) +
			  (uint64_t)CKPT_PAGES_MAX * CKPT_IMAGE_PAGE_SIZE ||
		    (len - sizeof(struct ckpt_hdr_pages)) % CKPT_IMAGE_PAGE_SIZE)
			return INVALID(p, "len", "%u is not the length of a run of 1..%d pages",
				       len, CKPT_PAGES_MAX);
		*keep = sizeof(struct ckpt_hdr_pages);
		*data = len - sizeof(struct ckpt_hdr_pages);
		return CKPT_OK;
	case CKPT_HDR_FILE_DATA:
		/* Exact once nr_bytes is known (do_file_data); the data streams. */
		if (len < sizeof(struct ckpt_hdr_file_data) + 8 ||
		    len > sizeof(struct ckpt_hdr_file_data) + CKPT_FILE_DATA_MAX ||
		    len % 8)
			return INVALID(p, "len", "%u is not the length of a file data record with 1..%d bytes of data",
				       len, CKPT_FILE_DATA_MAX);
		*keep = sizeof(struct ckpt_hdr_file_data);
		*data = len - sizeof(struct ckpt_hdr_file_data);
		return CKPT_OK;
	case CKPT_HDR_PIPE:
		/* Exact once nr_bytes is known (do_pipe); the data streams. */
		if (len < sizeof(struct ckpt_hdr_pipe) ||
		    len > ALIGN8(sizeof(struct ckpt_hdr_pipe) + (uint64_t)CKPT_IMAGE_PIPE_MAX) ||
		    len % 8)
			return INVALID(p, "len", "%u is not the length of a pipe record with 0..%u bytes of data",
				       len, CKPT_IMAGE_PIPE_MAX);
		*keep = sizeof(struct ckpt_hdr_pipe);
		*data = len - sizeof(struct ckpt_hdr_pipe);
		return CKPT_OK;
	}
	if (len != want)
		return INVALID(p, "len", "%u, expected %zu", len, want);
	*keep = want;
	return CKPT_OK;
}

static int begin_record(struct image_parser *p)
{
	size_t keep = 0;
	int ret;

	p->data_pad = 0;
	ret = check_order(p);
	if (!ret)
		ret = check_length(p, &keep, &p->data_left);
	if (ret)
		return ret;
	if (keep > p->rec_cap) {
		unsigned char *bigger = realloc(p->rec, keep);

		if (!bigger)
			return p->error = ckpt_fail(CKPT_EFAIL, "out of memory");
		p->rec = bigger;
		p->rec_cap = keep;
	}
	memcpy(p->rec, &p->cur, sizeof(p->cur));
	p->rec_have = sizeof(p->cur);
	p->rec_want = keep;
	p->state = IN_BODY;
	return CKPT_OK;
}

static int do_record(struct image_parser *p)
{
	switch (p->cur.type) {
	case CKPT_HDR_HEADER:
		return do_header(p);
	case CKPT_HDR_TASK:
		return do_task(p);
	case CKPT_HDR_FS:
		return do_fs(p);
	case CKPT_HDR_CPU:
		return do_cpu(p);
	case CKPT_HDR_XSTATE:
		return do_xstate(p);
	case CKPT_HDR_SIGNALS:
		return do_signals(p);
	case CKPT_HDR_SIGPENDING:
		return do_sigpending(p);
	case CKPT_HDR_ITIMERS:
		return do_itimers(p);
	case CKPT_HDR_FILE:
		return do_file(p);
	case CKPT_HDR_FILE_DATA:
		return do_file_data(p);
	case CKPT_HDR_PIPE:
		return do_pipe(p);
	case CKPT_HDR_MM:
		return do_mm(p);
	case CKPT_HDR_AUXV:
		return do_auxv(p);
	case CKPT_HDR_VMA:
		return do_vma(p);
	case CKPT_HDR_PAGES:
		return do_pages(p);
	case CKPT_HDR_TAIL:
		return do_tail(p);
	}
	return INVALID(p, "type", "unknown record type %u", p->cur.type);
}

/* The stage after a record of the current type. */
static enum stage next_stage(const struct image_parser *p)
{
	switch (p->cur.type) {
	case CKPT_HDR_HEADER:
		return ST_TASK;
	case CKPT_HDR_TASK:
		return ST_FS;
	case CKPT_HDR_FS:
		return ST_CPU;
	case CKPT_HDR_CPU:
		return ST_XSTATE;
	case CKPT_HDR_XSTATE:
		return ST_SIGNALS;
	case CKPT_HDR_SIGNALS:
	case CKPT_HDR_SIGPENDING:
		if (p->img.nr_pending < p->img.signals.nr_pending)
			return ST_SIGPENDING;
		return p->img.task.task_flags & CKPT_TASK_ITIMERS ?
		       ST_ITIMERS : ST_FILES;
	case CKPT_HDR_ITIMERS:
		return ST_FILES;
	case CKPT_HDR_MM:
	case CKPT_HDR_VMA:
		return p->img.nr_vmas < p->img.mm.nr_vmas ? ST_VMAS : ST_AUXV;
	case CKPT_HDR_AUXV:
		return ST_PAGES;
	default:
		/* Files, pipes and pages, any number; the tail ended the image. */
		return p->stage;
	}
}

static void end_record(struct image_parser *p)
{
	p->index++;
	p->img.nr_records++;
	p->state = IN_HDR;
	p->rec_have = 0;
	p->stage = next_stage(p);
	if (p->stage >= ST_PAGES)
		p->img.map_complete = true;
}

/* The fixed part is in: check it, then stream the page data, if any. */
static int end_body(struct image_parser *p)
{
	int ret = do_record(p);

	if (ret)
		return ret;
	if (p->data_left)
		p->state = IN_DATA;
	else
		end_record(p);
	return CKPT_OK;
}

static size_t feed_header(struct image_parser *p, const unsigned char *buf,
			  size_t len)
{
	size_t n = sizeof(p->cur) - p->rec_have;

	if (p->rec_have == 0)
		p->rec_off = p->offset;
	if (n > len)
		n = len;
	memcpy((unsigned char *)&p->cur + p->rec_have, buf, n);
	p->rec_have += n;
	return n;
}

/*
 * The last data_pad bytes of a record's data are padding: of the @n
 * bytes at @b, those that fall in it must be zero.
 */
static bool data_padding_zero(struct image_parser *p, const unsigned char *b,
			      size_t n)
{
	uint64_t before = p->data_left > p->data_pad ?
			  p->data_left - p->data_pad : 0;
	size_t from = before < n ? (size_t)before : n;

	if (all_zero(b + from, n - from))
		return true;
	INVALID(p, "padding", "must be zero");
	return false;
}

int image_feed(struct image_parser *p, const void *buf, size_t len)
{
	const unsigned char *b = buf;

	while (len && !p->error) {
		size_t n;

		if (p->state == IN_HDR && p->stage == ST_DONE) {
			p->error = ckpt_fail(CKPT_ECORRUPT, "%s: data after the tail record (at image offset %llu)",
					     p->name,
					     (unsigned long long)p->offset);
			break;
		}
		switch (p->state) {
		case IN_HDR:
			n = feed_header(p, b, len);
			if (p->rec_have == sizeof(p->cur))
				begin_record(p);
			break;
		case IN_BODY:
			n = p->rec_want - p->rec_have;
			if (n > len)
				n = len;
			memcpy(p->rec + p->rec_have, b, n);
			p->rec_have += n;
			if (p->rec_have == p->rec_want)
				end_body(p);
			break;
		default:
			n = p->data_left < len ? p->data_left : len;
			if (p->data_pad && !data_padding_zero(p, b, n))
				break;
			p->data_left -= n;
			if (!p->data_left)
				end_record(p);
			break;
		}
		b += n;
		len -= n;
		p->offset += n;
		p->img.length = p->offset;
	}
	return p->error;
}

int image_finish(struct image_parser *p)
{
	const char *tname = image_type_name(p->cur.type);

	if (p->error)
		return p->error;
	if (p->stage == ST_DONE)
		return CKPT_OK;
	if (p->offset == 0)
		return p->error = ckpt_fail(CKPT_ETRUNC, "%s: truncated: the image is empty",
					    p->name);
	if (p->state != IN_HDR || p->rec_have)
		return p->error = ckpt_fail(CKPT_ETRUNC, "%s: truncated: the image ends at offset %llu inside record %llu (%s at image offset %llu)",
					    p->name,
					    (unsigned long long)p->offset,
					    (unsigned long long)p->index,
					    p->state == IN_HDR ? "its header" :
					    tname ? tname : "?",
					    (unsigned long long)p->rec_off);
	return p->error = ckpt_fail(CKPT_ETRUNC, "%s: truncated: the image ends at offset %llu after %llu records, before its tail",
				    p->name, (unsigned long long)p->offset,
				    (unsigned long long)p->index);
}

struct image_parser *image_parser_new(const char *name)
{
	struct image_parser *p = calloc(1, sizeof(*p));

	if (p)
		p->name = name;
	else
		ckpt_fail(CKPT_EFAIL, "out of memory");
	return p;
}

void image_parser_free(struct image_parser *p)
{
	if (!p)
		return;
	free(p->img.fs.cwd);
	free(p->img.pending);
	free(p->img.auxv);
	for (size_t i = 0; i < p->img.nr_files; i++)
		free(p->img.files[i].name);
	free(p->img.files);
	free(p->id_first);
	free(p->img.pipes);
	free(p->ends);
	for (size_t i = 0; i < p->img.nr_vmas; i++)
		free(p->img.vmas[i].name);
	free(p->img.vmas);
	free(p->rec);
	free(p);
}

const struct ckpt_image *image_parser_image(const struct image_parser *p)
{
	return &p->img;
}

/* As ckpt.ko's ckpt_reopenable() and restore_files() decide. */
bool image_file_outside(const struct ckpt_image *img, const struct image_file *f)
{
	static const char *const devices[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
		"/dev/urandom", "/dev/tty",
	};
	uint64_t id;

	if (f->file_flags & CKPT_FILE_DELETED)
		return false;
	switch (f->mode & K_S_IFMT) {
	case K_S_IFREG:
	case K_S_IFDIR:
		return false;
	case K_S_IFCHR:
		for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
			if (!strcmp(f->name, devices[i]))
				return false;
		return true;
	case K_S_IFIFO:
		if (f->name[0] == '/')
			return false;
		if (pipe_name(f->name, &id) != PIPE_EXACT || id != f->ino)
			return true;
		for (size_t i = 0; i < img->nr_pipes; i++)
			if (img->pipes[i].id == id)
				return false;
		return true;
	default:
		return true;
	}
}

uint64_t image_skippable(const struct image_parser *p)
{
	if (p->error || p->state != IN_DATA || p->cur.type != CKPT_HDR_PAGES)
		return 0;
	return p->data_left;
}

void image_skip(struct image_parser *p, uint64_t n)
{
	p->data_left -= n;
	p->offset += n;
	p->img.length = p->offset;
	if (!p->data_left)
		end_record(p);
}

/* ---------------------------------------------------------------- maps */

void image_vma_perms(const struct image_vma *v, char perms[5])
{
	perms[0] = v->flags & CKPT_VMA_READ ? 'r' : '-';
	perms[1] = v->flags & CKPT_VMA_WRITE ? 'w' : '-';
	perms[2] = v->flags & CKPT_VMA_EXEC ? 'x' : '-';
	perms[3] = v->flags & CKPT_VMA_SHARED ? 's' : 'p';
	perms[4] = '\0';
}

/*
 * The name as seq_file_path(m, file, "\n") prints it: a newline becomes
 * \012, so that one VMA stays one line.
 */
static size_t put_name(char *buf, size_t size, const char *name)
{
	size_t n = 0;

	for (; *name && n + 4 < size; name++) {
		if (*name == '\n') {
			memcpy(buf + n, "\\012", 4);
			n += 4;
		} else {
			buf[n++] = *name;
		}
	}
	return n;
}

size_t image_maps_line(const struct image_vma *v, char *buf, size_t size)
{
	bool file = v->kind == CKPT_VMA_FILE;
	char perms[5];
	int n;

	image_vma_perms(v, perms);
	/* show_vma_header_prefix(): the header ends with a space. */
	n = snprintf(buf, size, "%08llx-%08llx %s %08llx %02x:%02x %llu ",
		     (unsigned long long)v->start, (unsigned long long)v->end,
		     perms, (unsigned long long)(file ? v->pgoff : 0),
		     file ? major(v->dev) : 0, file ? minor(v->dev) : 0,
		     (unsigned long long)(file ? v->ino : 0));
	if (n < 0 || (size_t)n >= size)
		return 0;
	if (v->name[0]) {
		/*
		 * seq_pad(): spaces up to column 72 then one more, so the
		 * name starts at column 73, or one space after a longer
		 * header.
		 */
		int pad = n < 73 ? 73 - n : 1;

		if ((size_t)(n + pad) + 2 > size)
			return 0;
		memset(buf + n, ' ', pad);
		n += pad;
		n += put_name(buf + n, size - n - 1, v->name);
	}
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt info: validate an image, plaintext or encrypted, and describe it:
 * as text, as one JSON object (--json), or as its memory map in the exact
 * format of /proc/PID/maps (--maps).
 *
 * Nothing is printed until the whole image has been read and found
 * valid: a report on half an image would be a report on a lie.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include "ckpt.h"
#include "imgio.h"

static int info(int argc, char **argv);

const struct ckpt_cmd cmd_info = {
	.name = "info",
	.fn = info,
	.help =
	"check an image and describe it\n"
	"\n"
	"Usage: ckpt info [KEY OPTIONS] [--json | --maps] FILE|-\n"
	"\n"
	"Reads the image FILE (or standard input), decrypting it if it is\n"
	"encrypted, validates all of it, and prints its header, task (with its\n"
	"parent-death signal, no_new_privs, interval timers and resource\n"
	"limits), working directory and umask, registers, xstate, signal\n"
	"handlers, blocked mask, alternate stack and pending signals, open file\n"
	"descriptors, pipes (their size, the bytes they held and the descriptors\n"
	"of their ends), mm fields, auxiliary vector and memory map with what was\n"
	"saved of it.\n"
	"\n"
	"Options:\n"
	"      --json                  print one JSON object instead\n"
	"      --maps                  print only the memory map, in the format of\n"
	"                              /proc/PID/maps\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Key options (for an encrypted image only):\n"
	"  -i, --identity FILE         an identity file (repeatable)\n"
	"  -k, --key-file FILE         a symmetric key file\n"
	"      --passphrase            ask for the passphrase (the default when the\n"
	"                              image needs one and no key option is given)\n"
	"      --passphrase-file FILE  read the passphrase from the first line of FILE\n",
};

/* ---------------------------------------------------------------- names */

/* ckpt_hdr_itimers::timer[], by CKPT_ITIMER_* */
static const char *const itimer_names[CKPT_NR_ITIMERS] = {
	[CKPT_ITIMER_REAL] = "ITIMER_REAL",
	[CKPT_ITIMER_VIRTUAL] = "ITIMER_VIRTUAL",
	[CKPT_ITIMER_PROF] = "ITIMER_PROF",
};

static const char *const vma_flag_names[] = {
	"read", "write", "exec", "shared", "mayread", "maywrite", "mayexec",
	"growsdown", "locked", "dontfork", "dontdump", "heap", "stack",
	"deleted", "noreserve", "hugepage", "nohugepage", "wipeonfork",
	"sequential", "random",
};

static const char *const xfeature_names[] = {
	"x87", "sse", "avx", "bndregs", "bndcsr", "opmask", "zmm_hi256",
	"hi16_zmm", "pt", "pkru", "pasid", "cet_u", "cet_s", "hdc", "uintr",
	"lbr", "hwp", "xtilecfg", "xtiledata", "apx",
};

/*
 * The open flags in ckpt_hdr_file.f_flags, by bit: the kernel's values
 * (x86-64), which are not all the C library's (O_LARGEFILE is 0 there).
 * Bits 0 and 1 are the access mode, shown apart.
 */
static const char *const open_flag_names[] = {
	[6] = "creat", [7] = "excl", [8] = "noctty", [9] = "trunc",
	[10] = "append", [11] = "nonblock", [12] = "dsync", [13] = "async",
	[14] = "direct", [15] = "largefile", [16] = "directory",
	[17] = "nofollow", [18] = "noatime", [19] = "cloexec", [20] = "sync",
	[21] = "path", [22] = "tmpfile",
};

/* struct sigaction's sa_flags on x86-64, by bit */
static const char *const sa_flag_names[] = {
	[0] = "nocldstop", [1] = "nocldwait", [2] = "siginfo",
	[10] = "unsupported", [11] = "expose_tagbits", [26] = "restorer",
	[27] = "onstack", [28] = "restart", [30] = "nodefer",
	[31] = "resethand",
};

/* sigaltstack(2)'s ss_flags, by bit */
static const char *const ss_flag_names[] = {
	[0] = "onstack", [1] = "disable", [31] = "autodisarm",
};

#define K_SIGCHLD	17
#define K_SIG_DFL	0
#define K_SIG_IGN	1
#define K_SS_DISABLE	2

/* The auxiliary vector's entries ckpt info points out. */
#define K_AT_PHDR	3
#define K_AT_ENTRY	9
#define K_AT_RANDOM	25

#define KO_ACCMODE	00000003
#define KO_APPEND	00002000
#define KO_NONBLOCK	00004000
#define KO_PATH		010000000

/* The file's type, from the S_IFMT bits of its mode. */
static const char *file_type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFCHR:
		return "chr";
	case S_IFBLK:
		return "blk";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "sock";
	case S_IFLNK:
		return "link";
	}
	return "?";
}

/* "r", "w", "rw"; "-" for neither (3, for ioctls), "path" for O_PATH. */
static const char *file_access_name(uint32_t f_flags)
{
	static const char *const names[] = { "r", "w", "rw", "-" };

	return f_flags & KO_PATH ? "path" : names[f_flags & KO_ACCMODE];
}

/* Bit n-1 of a signal mask is signal n: its names, by bit. */
static void signal_names(const char *names[CKPT_NSIG])
{
	for (uint32_t i = 0; i < CKPT_NSIG; i++)
		names[i] = image_signal_name(i + 1);
}

static const char *si_code_name(uint32_t signo, int32_t code)
{
	static const char *const chld[] = {
		NULL, "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED",
		"CLD_STOPPED", "CLD_CONTINUED",
	};

	switch (code) {
	case 0:
		return "SI_USER";
	case 0x80:
		return "SI_KERNEL";
	case -1:
		return "SI_QUEUE";
	case -2:
		return "SI_TIMER";
	case -3:
		return "SI_MESGQ";
	case -4:
		return "SI_ASYNCIO";
	case -5:
		return "SI_SIGIO";
	case -6:
		return "SI_TKILL";
	case -7:
		return "SI_DETHREAD";
	case -60:
		return "SI_ASYNCNL";
	}
	if (signo == K_SIGCHLD && code > 0 && code < (int32_t)ARRAY_SIZE(chld))
		return chld[code];
	return NULL;
}

/* The fields of a user siginfo_t (x86-64) that ckpt info shows. */
struct siginfo_view {
	int32_t err;		/* si_errno */
	int32_t code;		/* si_code */
	int32_t pid;		/* si_pid */
	uint32_t uid;		/* si_uid */
	bool has_sender;	/* si_pid and si_uid are the sender's */
};

static void siginfo_view(const struct image_sigpending *sp,
			 struct siginfo_view *v)
{
	memcpy(&v->err, sp->info + 4, 4);
	memcpy(&v->code, sp->info + 8, 4);
	memcpy(&v->pid, sp->info + 16, 4);
	memcpy(&v->uid, sp->info + 20, 4);
	v->has_sender = v->code == 0 || v->code == -1 || v->code == -6 ||
			(sp->signo == K_SIGCHLD && v->code > 0 && v->code <= 6);
}

static const char *auxv_name(uint64_t type)
{
	static const char *const names[] = {
		[0] = "AT_NULL", [1] = "AT_IGNORE", [2] = "AT_EXECFD",
		[3] = "AT_PHDR", [4] = "AT_PHENT", [5] = "AT_PHNUM",
		[6] = "AT_PAGESZ", [7] = "AT_BASE", [8] = "AT_FLAGS",
		[9] = "AT_ENTRY", [10] = "AT_NOTELF", [11] = "AT_UID",
		[12] = "AT_EUID", [13] = "AT_GID", [14] = "AT_EGID",
		[15] = "AT_PLATFORM", [16] = "AT_HWCAP", [17] = "AT_CLKTCK",
		[23] = "AT_SECURE", [24] = "AT_BASE_PLATFORM",
		[25] = "AT_RANDOM", [26] = "AT_HWCAP2",
		[27] = "AT_RSEQ_FEATURE_SIZE", [28] = "AT_RSEQ_ALIGN",
		[29] = "AT_HWCAP3", [30] = "AT_HWCAP4", [31] = "AT_EXECFN",
		[32] = "AT_SYSINFO", [33] = "AT_SYSINFO_EHDR",
		[51] = "AT_MINSIGSTKSZ",
	};

	return type < ARRAY_SIZE(names) ? names[type] : NULL;
}

/* Does the vector have an entry of @type?  Its value in *@value. */
static bool auxv_get(const struct ckpt_image *img, uint64_t type,
		     uint64_t *value)
{
	for (uint32_t i = 0; i + 1 < img->nr_auxv_words; i += 2) {
		if (img->auxv[i] == type) {
			*value = img->auxv[i + 1];
			return true;
		}
	}
	return false;
}

static bool action_is_default(const struct ckpt_sigaction *a)
{
	return !a->handler && !a->flags && !a->restorer && !a->mask;
}

static const char *disposition_name(uint64_t handler)
{
	return handler == K_SIG_DFL ? "default" :
	       handler == K_SIG_IGN ? "ignore" : "handler";
}

static const char *vma_kind_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_VMA_ANON:
		return "anon";
	case CKPT_VMA_FILE:
		return "file";
	case CKPT_VMA_SPECIAL:
		return "special";
	}
	return "?";
}

static const char *restart_name(uint32_t restart)
{
	static const char *const names[] = {
		[CKPT_RESTART_NONE] = "none",
		[CKPT_RESTART_RETURN] = "return",
		[CKPT_RESTART_SYS] = "ERESTARTSYS",
		[CKPT_RESTART_NOINTR] = "ERESTARTNOINTR",
		[CKPT_RESTART_NOHAND] = "ERESTARTNOHAND",
		[CKPT_RESTART_BLOCK] = "ERESTART_RESTARTBLOCK",
	};

	return restart < ARRAY_SIZE(names) ? names[restart] : "?";
}

static const char *restart_block_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_RESTART_BLOCK_NONE:
		return "none";
	case CKPT_RESTART_BLOCK_NANOSLEEP:
		return "nanosleep";
	case CKPT_RESTART_BLOCK_OTHER:
		return "other";
	}
	return "?";
}

/* The syscalls a process is usually found sleeping in (x86-64 numbers). */
static const char *syscall_name(int64_t nr)
{
	static const struct {
		int nr;
		const char *name;
	} names[] = {
		{ 0, "read" }, { 1, "write" }, { 7, "poll" }, { 23, "select" },
		{ 34, "pause" }, { 35, "nanosleep" }, { 43, "accept" },
		{ 45, "recvfrom" }, { 47, "recvmsg" }, { 61, "wait4" },
		{ 128, "rt_sigtimedwait" }, { 130, "rt_sigsuspend" },
		{ 202, "futex" }, { 230, "clock_nanosleep" },
		{ 232, "epoll_wait" }, { 247, "waitid" }, { 270, "pselect6" },
		{ 271, "ppoll" }, { 281, "epoll_pwait" }, { 288, "accept4" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes < 1024)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", bytes / 1024.0);
	else if (bytes < 1024ULL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", bytes / 1048576.0);
	else
		snprintf(buf, size, "%.1f GiB", bytes / 1073741824.0);
}

static void print_bits(FILE *f, uint64_t bits, const char *const *names,
		       size_t nr, const char *sep)
{
	const char *s = "";

	for (size_t i = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (i < nr && names[i])
			fprintf(f, "%s%s", s, names[i]);
		else
			fprintf(f, "%sbit%zu", s, i);
		s = sep;
	}
}

/* ---------------------------------------------------------------- pipes */

/* A descriptor that holds an end of one of the image's pipes. */
struct pipe_fd {
	size_t pipe;			/* in img->pipes */
	size_t file;			/* in img->files */
};

/*
 * The descriptors of the ends of the image's pipes, by pipe, then by fd:
 * as restart gives them back, the FIFOs whose inode is a pipe record's
 * id.
 */
struct pipe_fds {
	struct pipe_fd *fds;
	size_t nr;
};

static int cmp_pipe_fd(const void *a, const void *b)
{
	const struct pipe_fd *x = a, *y = b;

	if (x->pipe != y->pipe)
		return x->pipe < y->pipe ? -1 : 1;
	return x->file < y->file ? -1 : x->file > y->file;
}

/* The pipe whose id is @id, in the ascending img->pipes, or -1. */
static ssize_t find_pipe(const struct ckpt_image *img, uint64_t id)
{
	size_t lo = 0, hi = img->nr_pipes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->pipes[mid].id == id)
			return (ssize_t)mid;
		if (img->pipes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int find_pipe_fds(const struct ckpt_image *img, struct pipe_fds *pf)
{
	size_t cap = 0;

	pf->fds = NULL;
	pf->nr = 0;
	if (!img->nr_pipes)
		return CKPT_OK;
	for (size_t i = 0; i < img->nr_files; i++) {
		const struct image_file *fi = &img->files[i];
		ssize_t k;

		if ((fi->mode & S_IFMT) != S_IFIFO)
			continue;
		k = find_pipe(img, fi->ino);
		if (k < 0)
			continue;
		if (pf->nr == cap) {
			struct pipe_fd *bigger;

			cap = cap ? 2 * cap : 8;
			bigger = realloc(pf->fds, cap * sizeof(*bigger));
			if (!bigger) {
				free(pf->fds);
				pf->fds = NULL;
				return ckpt_fail(CKPT_EFAIL, "out of memory");
			}
			pf->fds = bigger;
		}
		pf->fds[pf->nr].pipe = (size_t)k;
		pf->fds[pf->nr++].file = i;
	}
	if (pf->nr)
		qsort(pf->fds, pf->nr, sizeof(*pf->fds), cmp_pipe_fd);
	return CKPT_OK;
}

/*
 * Does the descriptor hold the read end (@write false) or the write end?
 * As restart gives them: the read end if it was open read-only.
 */
static bool pipe_end_is(const struct image_file *fi, bool write)
{
	return ((fi->f_flags & KO_ACCMODE) == 0) != write;
}

/*
 * Call @fn for each descriptor that holds the read end (@write false) or
 * the write end of pipe @k, in ascending order; @at is the first entry of
 * that pipe in @pf (first_pipe_fd()).
 */
static void pipe_end_fds(const struct ckpt_image *img, const struct pipe_fds *pf,
			 size_t k, bool write, size_t at,
			 void (*fn)(void *ctx, int32_t fd), void *ctx)
{
	for (; at < pf->nr && pf->fds[at].pipe == k; at++) {
		const struct image_file *fi = &img->files[pf->fds[at].file];

		if (pipe_end_is(fi, write))
			fn(ctx, fi->fd);
	}
}

/* The first entry of pipe @k in @pf, from @at on. */
static size_t first_pipe_fd(const struct pipe_fds *pf, size_t k, size_t at)
{
	while (at < pf->nr && pf->fds[at].pipe < k)
		at++;
	return at;
}

/* Descriptors printed as a list: "4,5" (and as a JSON array's members). */
struct fd_list {
	FILE *f;
	unsigned int n;
};

static void list_fd(void *ctx, int32_t fd)
{
	struct fd_list *l = ctx;

	fprintf(l->f, "%s%d", l->n++ ? "," : "", fd);
}

static uint64_t pipe_bytes(const struct ckpt_image *img)
{
	uint64_t total = 0;

	for (size_t i = 0; i < img->nr_pipes; i++)
		total += img->pipes[i].nr_bytes;
	return total;
}

static uint64_t vma_bytes(const struct ckpt_image *img)
{
	uint64_t total = 0;

	for (size_t i = 0; i < img->nr_vmas; i++)
		total += img->vmas[i].end - img->vmas[i].start;
	return total;
}

/* ---------------------------------------------------------------- text */

static void text_container(FILE *f, const char *name,
			   const struct stream_info *si)
{
	char hex[17];

	fprintf(f, "file:        ");
	ckpt_print_safe(f, name);
	if (!si) {
		fprintf(f, " (plaintext)\n");
		return;
	}
	fprintf(f, " (encrypted, container version %u, %u KiB chunks)\n",
		si->version, si->chunk_size / 1024);
	switch (si->mode) {
	case CKPT_MODE_RECIPIENTS:
		fprintf(f, "encryption:  %u recipient%s, key ids", si->nr_recipients,
			si->nr_recipients == 1 ? "" : "s");
		for (uint32_t i = 0; i < si->nr_recipients; i++) {
			ckpt_keyid_hex(si->recipient_ids + (size_t)i * CKPT_ENC_RECIPIENT_LEN,
				       hex);
			fprintf(f, " %s", hex);
		}
		fputc('\n', f);
		break;
	case CKPT_MODE_SYMMETRIC:
		ckpt_keyid_hex(si->keyid, hex);
		fprintf(f, "encryption:  symmetric key, key id %s\n", hex);
		break;
	case CKPT_MODE_PASSPHRASE:
		fprintf(f, "encryption:  passphrase, Argon2id opslimit %" PRIu64 " memlimit %" PRIu64 " MiB\n",
			si->opslimit, si->memlimit >> 20);
		break;
	}
}

static void text_header(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_header *h = &img->header;
	const struct ckpt_const *c = &h->constants;
	char when[32];

	ckpt_rfc3339(h->time, when);
	fprintf(f, "image:       version %u, x86_64, %" PRIu64 " bytes in %" PRIu64 " records\n",
		h->version, img->length, img->nr_records);
	fprintf(f, "taken:       %s, flags 0x%" PRIx64 "%s\n", when,
		(uint64_t)h->flags,
		h->flags & CKPT_CHECKPOINT_KILL ? " (kill)" : "");
	fprintf(f, "kernel:      ");
	ckpt_print_safe(f, h->release);
	fprintf(f, " (informational)\n");
	fprintf(f, "constants:   page_size %u, task_comm_len %u, xstate_size %u,\n"
		   "             xfeatures 0x%" PRIx64 ", task_size 0x%" PRIx64 "\n",
		c->page_size, c->task_comm_len, c->xstate_size,
		(uint64_t)c->xfeatures, (uint64_t)c->task_size);
}

static void text_syscall(FILE *f, const struct ckpt_hdr_task *t)
{
	const char *name = syscall_name(t->syscall_nr);

	fprintf(f, "syscall:     ");
	if (t->restart == CKPT_RESTART_NONE) {
		fprintf(f, "none (stopped in user mode)\n");
		return;
	}
	fprintf(f, "%" PRId64 "%s%s%s, ", (int64_t)t->syscall_nr,
		name ? " (" : "", name ? name : "", name ? ")" : "");
	if (t->restart == CKPT_RESTART_RETURN) {
		fprintf(f, "returns %" PRId64 "\n", (int64_t)t->syscall_ret);
		return;
	}
	fprintf(f, "interrupted: -%s", restart_name(t->restart));
	if (t->restart == CKPT_RESTART_BLOCK) {
		fprintf(f, ", restart block %s",
			restart_block_name(t->restart_block_kind));
		if (t->restart_block_kind == CKPT_RESTART_BLOCK_NANOSLEEP)
			fprintf(f, " (clock %d, %.3f s left)",
				t->nanosleep_clockid,
				(t->nanosleep_expires - t->nanosleep_now) / 1e9);
	}
	fputc('\n', f);
}

/* The limits that are not both unlimited, one a line. */
static void text_limits(FILE *f, const struct ckpt_hdr_task *t)
{
	unsigned int set = 0;

	for (uint32_t i = 0; i < CKPT_RLIM_NLIMITS; i++)
		set += t->rlim[i][0] != CKPT_RLIM_INFINITY ||
		       t->rlim[i][1] != CKPT_RLIM_INFINITY;
	fprintf(f, "limits:      %u of %d limited, the others unlimited\n", set,
		CKPT_RLIM_NLIMITS);
	if (!set)
		return;
	fprintf(f, "  %-17s %20s %20s\n", "RESOURCE", "SOFT", "HARD");
	for (uint32_t i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		char soft[24], hard[24];

		if (t->rlim[i][0] == CKPT_RLIM_INFINITY &&
		    t->rlim[i][1] == CKPT_RLIM_INFINITY)
			continue;
		image_rlim_str(t->rlim[i][0], soft);
		image_rlim_str(t->rlim[i][1], hard);
		fprintf(f, "  %-17s %20s %20s\n", image_rlimit_name(i), soft, hard);
	}
}

/* Nanoseconds as seconds, to the nanosecond: "1.500000000". */
static void text_ns(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%09" PRIu64, ns / 1000000000, ns % 1000000000);
}

/*
 * "itimers:     ITIMER_REAL 1.500000000 s left, every 0.200000000 s", the
 * armed timers separated by "; ", or "none" like the other settings.
 */
static void text_itimers(FILE *f, const struct ckpt_image *img)
{
	bool first = true;

	fprintf(f, "itimers:     ");
	for (uint32_t i = 0; img->has_itimers && i < CKPT_NR_ITIMERS; i++) {
		const struct ckpt_itimer *it = &img->itimers.timer[i];

		if (!it->value_ns && !it->interval_ns)
			continue;
		fprintf(f, "%s%s ", first ? "" : "; ", itimer_names[i]);
		first = false;
		if (it->value_ns) {
			text_ns(f, it->value_ns);
			fputs(" s left", f);
		} else {
			/* Expired: its pending SIGALRM rearms it (getitimer(2)). */
			fputs("expired, rearmed when its signal is dequeued", f);
		}
		if (it->interval_ns) {
			fputs(", every ", f);
			text_ns(f, it->interval_ns);
			fputs(" s", f);
		} else {
			fputs(", one-shot", f);
		}
	}
	fprintf(f, "%s\n", first ? "none" : "");
}

static void text_task(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_task *t = &img->task;

	fprintf(f, "task:        pid %d, comm \"", t->pid);
	ckpt_print_safe(f, t->comm);
	fprintf(f, "\", personality 0x%x\n", t->personality);
	fprintf(f, "ids:         ppid %d, uid %u, euid %u, gid %u, egid %u (informational)\n",
		t->ppid, t->uid, t->euid, t->gid, t->egid);
	text_syscall(f, t);
	if (t->pdeath_signal)
		fprintf(f, "settings:    parent-death signal %s (%u)",
			image_signal_name(t->pdeath_signal), t->pdeath_signal);
	else
		fprintf(f, "settings:    no parent-death signal");
	fprintf(f, ", %s\n", t->task_flags & CKPT_TASK_NO_NEW_PRIVS ?
		"no_new_privs" : "no no_new_privs");
	text_itimers(f, img);
	text_limits(f, t);
	fprintf(f, "fs:          cwd ");
	ckpt_print_safe(f, img->fs.cwd);
	fprintf(f, ", umask %04o\n", img->fs.umask);
}

/* A signal mask: "0xa00 (SIGUSR1 SIGUSR2)", or "0x0". */
static void text_sigmask(FILE *f, uint64_t mask)
{
	const char *names[CKPT_NSIG];

	fprintf(f, "0x%" PRIx64, mask);
	if (!mask)
		return;
	signal_names(names);
	fputs(" (", f);
	print_bits(f, mask, names, CKPT_NSIG, " ");
	fputc(')', f);
}

static void text_signals(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_signals *g = &img->signals;
	unsigned int changed = 0;

	fprintf(f, "signals:     blocked ");
	text_sigmask(f, g->blocked);
	fputc('\n', f);
	if (g->ss_size) {
		fprintf(f, "altstack:    0x%" PRIx64 ", %" PRIu64 " bytes", (uint64_t)g->ss_sp,
			(uint64_t)g->ss_size);
		if (g->ss_flags) {
			fputs(", ", f);
			print_bits(f, g->ss_flags, ss_flag_names,
				   ARRAY_SIZE(ss_flag_names), ",");
		}
		fputc('\n', f);
	} else {
		fprintf(f, "altstack:    none%s\n",
			g->ss_flags & K_SS_DISABLE ? " (disabled)" : "");
	}
	for (uint32_t i = 0; i < CKPT_NSIG; i++)
		changed += !action_is_default(&g->action[i]);
	fprintf(f, "handlers:    %u signal%s not at their default\n", changed,
		changed == 1 ? "" : "s");
	if (changed)
		fprintf(f, "  %3s %-12s %-16s %-34s %s\n", "SIG", "NAME",
			"HANDLER", "FLAGS", "MASK");
	for (uint32_t i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &g->action[i];
		char handler[24], flags[256];
		FILE *m;

		if (action_is_default(a))
			continue;
		if (a->handler == K_SIG_DFL || a->handler == K_SIG_IGN)
			snprintf(handler, sizeof(handler), "%s",
				 a->handler == K_SIG_DFL ? "SIG_DFL" : "SIG_IGN");
		else
			snprintf(handler, sizeof(handler), "0x%" PRIx64,
				 (uint64_t)a->handler);
		m = fmemopen(flags, sizeof(flags), "w");
		if (m) {
			if (a->flags)
				print_bits(m, a->flags, sa_flag_names,
					   ARRAY_SIZE(sa_flag_names), ",");
			else
				fputc('-', m);
			fclose(m);
		} else {
			snprintf(flags, sizeof(flags), "0x%" PRIx64, (uint64_t)a->flags);
		}
		fprintf(f, "  %3u %-12s %-16s %-34s ", i + 1,
			image_signal_name(i + 1), handler, flags);
		text_sigmask(f, a->mask);
		fputc('\n', f);
	}
}

static void text_pending(FILE *f, const struct ckpt_image *img)
{
	fprintf(f, "pending:     %zu signal%s\n", img->nr_pending,
		img->nr_pending == 1 ? "" : "s");
	if (!img->nr_pending)
		return;
	fprintf(f, "  %3s %-12s %-8s %-16s %8s %8s\n", "SIG", "NAME", "QUEUE",
		"CODE", "PID", "UID");
	for (size_t i = 0; i < img->nr_pending; i++) {
		const struct image_sigpending *sp = &img->pending[i];
		const char *cname;
		struct siginfo_view v;
		char code[32], pid[16], uid[16];

		siginfo_view(sp, &v);
		cname = si_code_name(sp->signo, v.code);
		if (cname)
			snprintf(code, sizeof(code), "%s", cname);
		else
			snprintf(code, sizeof(code), "%d", v.code);
		snprintf(pid, sizeof(pid), "%d", v.pid);
		snprintf(uid, sizeof(uid), "%u", v.uid);
		fprintf(f, "  %3u %-12s %-8s %-16s %8s %8s\n", sp->signo,
			image_signal_name(sp->signo),
			sp->queue == CKPT_SIGQUEUE_SHARED ? "shared" : "private",
			code, v.has_sender ? pid : "-", v.has_sender ? uid : "-");
	}
}

static void text_auxv(FILE *f, const struct ckpt_image *img)
{
	static const struct {
		uint64_t type;
		const char *name;
	} notable[] = {
		{ K_AT_ENTRY, "AT_ENTRY" }, { K_AT_PHDR, "AT_PHDR" },
		{ K_AT_RANDOM, "AT_RANDOM" },
	};
	uint32_t entries = img->nr_auxv_words / 2 - 1;

	fprintf(f, "auxv:        %u entr%s", entries, entries == 1 ? "y" : "ies");
	for (size_t i = 0; i < ARRAY_SIZE(notable); i++) {
		uint64_t v;

		if (auxv_get(img, notable[i].type, &v))
			fprintf(f, ", %s 0x%" PRIx64, notable[i].name, v);
	}
	fputc('\n', f);
}

static void text_cpu(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_cpu *r = &img->cpu;

	fprintf(f, "registers:   ip 0x%016" PRIx64 " sp 0x%016" PRIx64 " flags 0x%" PRIx64 "\n"
		   "             ax 0x%016" PRIx64 " orig_ax %" PRId64 " cs 0x%" PRIx64 " ss 0x%" PRIx64 "\n"
		   "             fs_base 0x%" PRIx64 " gs_base 0x%" PRIx64 "\n",
		(uint64_t)r->ip, (uint64_t)r->sp, (uint64_t)r->flags,
		(uint64_t)r->ax, (int64_t)r->orig_ax, (uint64_t)r->cs,
		(uint64_t)r->ss, (uint64_t)r->fs_base, (uint64_t)r->gs_base);
	fprintf(f, "xstate:      %u bytes, features 0x%" PRIx64 " (", img->xstate_size,
		img->xstate_features);
	print_bits(f, img->xstate_features, xfeature_names,
		   ARRAY_SIZE(xfeature_names), " ");
	fprintf(f, ")\n");
}

static void text_files(FILE *f, const struct ckpt_image *img)
{
	fprintf(f, "files:       %zu open descriptor%s of %u file%s\n", img->nr_files,
		img->nr_files == 1 ? "" : "s", img->nr_file_ids,
		img->nr_file_ids == 1 ? "" : "s");
	if (!img->nr_files)
		return;
	fprintf(f, "  %5s %4s %-7s %-4s %-18s %10s  %s\n", "FD", "FILE", "FLAGS",
		"TYPE", "ACCESS", "POS", "NAME");
	for (size_t i = 0; i < img->nr_files; i++) {
		const struct image_file *fi = &img->files[i];
		char access[32];

		snprintf(access, sizeof(access), "%s%s%s",
			 file_access_name(fi->f_flags),
			 fi->f_flags & KO_APPEND ? ",append" : "",
			 fi->f_flags & KO_NONBLOCK ? ",nonblock" : "");
		fprintf(f, "  %5d %4u %-7s %-4s %-18s %10" PRIu64 "  ", fi->fd,
			fi->file_id,
			fi->fd_flags & CKPT_FD_CLOEXEC ? "cloexec" : "-",
			file_type_name(fi->mode), access, fi->pos);
		ckpt_print_safe(f, fi->name);
		if (fi->file_flags & CKPT_FILE_DELETED)
			fprintf(f, " (deleted: %" PRIu64 " bytes, %" PRIu64 " saved)",
				fi->size, fi->data_bytes);
		fputc('\n', f);
	}
}

static void text_pipe_ends(FILE *f, const struct ckpt_image *img,
			   const struct pipe_fds *pf, size_t k, size_t at,
			   bool write)
{
	struct fd_list l = { .f = f };

	pipe_end_fds(img, pf, k, write, at, list_fd, &l);
	if (!l.n)
		fputc('-', f);
}

static void text_pipes(FILE *f, const struct ckpt_image *img,
		       const struct pipe_fds *pf)
{
	size_t at = 0;

	fprintf(f, "pipes:       %zu pipe%s, %" PRIu64 " bytes buffered\n",
		img->nr_pipes, img->nr_pipes == 1 ? "" : "s", pipe_bytes(img));
	if (!img->nr_pipes)
		return;
	fprintf(f, "  %10s %10s %10s  %-10s %s\n", "ID", "SIZE", "BUFFERED",
		"READ FDS", "WRITE FDS");
	for (size_t k = 0; k < img->nr_pipes; k++) {
		const struct image_pipe *ip = &img->pipes[k];
		char *reads = NULL;
		size_t len = 0;
		FILE *m;

		at = first_pipe_fd(pf, k, at);
		fprintf(f, "  %10" PRIu64 " %10u %10u  ", ip->id, ip->size,
			ip->nr_bytes);
		m = open_memstream(&reads, &len);
		if (m) {
			text_pipe_ends(m, img, pf, k, at, false);
			fclose(m);
		}
		fprintf(f, "%-10s ", reads ? reads : "?");
		free(reads);
		text_pipe_ends(f, img, pf, k, at, true);
		fputc('\n', f);
	}
}

static void text_mm(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_mm *m = &img->mm;

	fprintf(f, "mm:          code 0x%" PRIx64 "-0x%" PRIx64 ", data 0x%" PRIx64 "-0x%" PRIx64 ", brk 0x%" PRIx64 "-0x%" PRIx64 "\n"
		   "             stack 0x%" PRIx64 ", args 0x%" PRIx64 "-0x%" PRIx64 ", env 0x%" PRIx64 "-0x%" PRIx64 "\n",
		(uint64_t)m->start_code, (uint64_t)m->end_code,
		(uint64_t)m->start_data, (uint64_t)m->end_data,
		(uint64_t)m->start_brk, (uint64_t)m->brk,
		(uint64_t)m->start_stack, (uint64_t)m->arg_start,
		(uint64_t)m->arg_end, (uint64_t)m->env_start,
		(uint64_t)m->env_end);
}

static void text_vmas(FILE *f, const struct ckpt_image *img)
{
	char saved[32], mapped[32];

	human_size(vma_bytes(img), mapped, sizeof(mapped));
	human_size(img->nr_pages * CKPT_IMAGE_PAGE_SIZE, saved, sizeof(saved));
	fprintf(f, "memory map:  %zu VMAs, %s mapped, %" PRIu64 " pages saved (%s) in %" PRIu64 " records\n",
		img->nr_vmas, mapped, img->nr_pages, saved,
		img->nr_page_records);
	fprintf(f, "  %-33s %-4s %-8s %-5s %-8s %-7s %7s  %s\n", "START-END",
		"PERM", "OFFSET", "DEV", "INODE", "KIND", "SAVED", "NAME");
	for (size_t i = 0; i < img->nr_vmas; i++) {
		const struct image_vma *v = &img->vmas[i];
		char range[40], perms[5];

		snprintf(range, sizeof(range), "%016" PRIx64 "-%016" PRIx64,
			 v->start, v->end);
		image_vma_perms(v, perms);
		fprintf(f, "  %-33s %-4s %08" PRIx64 " %02x:%02x %-8" PRIu64 " %-7s %7" PRIu64,
			range, perms, v->pgoff, major(v->dev), minor(v->dev),
			v->ino, vma_kind_name(v->kind), v->saved_pages);
		if (v->name[0]) {
			fputs("  ", f);
			ckpt_print_safe(f, v->name);
		}
		fputc('\n', f);
	}
}

static void text_tail(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_tail *t = &img->tail;

	fprintf(f, "tail:        %u records, %u VMAs, %" PRIu64 " pages, image_len %" PRIu64 ": consistent\n",
		t->nr_records, t->nr_vmas, (uint64_t)t->nr_pages,
		(uint64_t)t->image_len);
}

static void print_text(FILE *f, const char *name, const struct stream_info *si,
		       const struct ckpt_image *img, const struct pipe_fds *pf)
{
	text_container(f, name, si);
	text_header(f, img);
	text_task(f, img);
	text_cpu(f, img);
	text_signals(f, img);
	text_pending(f, img);
	text_files(f, img);
	text_pipes(f, img, pf);
	text_mm(f, img);
	text_auxv(f, img);
	text_vmas(f, img);
	text_tail(f, img);
}

/* ---------------------------------------------------------------- json */

/* The separator before the next member: "{" has none, others a comma. */
struct json {
	FILE *f;
	bool first;
};

static void jkey(struct json *j, const char *key)
{
	fprintf(j->f, "%s\"%s\":", j->first ? "" : ",", key);
	j->first = false;
}

static void jopen(struct json *j, const char *key, char brace)
{
	if (key)
		jkey(j, key);
	fputc(brace, j->f);
	j->first = true;
}

static void jclose(struct json *j, char brace)
{
	fputc(brace, j->f);
	j->first = false;
}

static void jint(struct json *j, const char *key, int64_t v)
{
	jkey(j, key);
	fprintf(j->f, "%" PRId64, v);
}

static void juint(struct json *j, const char *key, uint64_t v)
{
	jkey(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

/* Bit patterns (registers, masks) as hex strings: exact in any parser. */
static void jhex(struct json *j, const char *key, uint64_t v)
{
	jkey(j, key);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

static void jstr(struct json *j, const char *key, const char *s)
{
	jkey(j, key);
	ckpt_json_string(j->f, s);
}

static void jbool(struct json *j, const char *key, bool v)
{
	jkey(j, key);
	fputs(v ? "true" : "false", j->f);
}

static void jnull(struct json *j, const char *key)
{
	jkey(j, key);
	fputs("null", j->f);
}

/* A limit: a number, or null for RLIM_INFINITY. */
static void jrlim(struct json *j, const char *key, uint64_t v)
{
	if (v == CKPT_RLIM_INFINITY)
		jnull(j, key);
	else
		juint(j, key, v);
}

/* A signal's name, or null. */
static void jsigname(struct json *j, const char *key, uint32_t signo)
{
	const char *name = image_signal_name(signo);

	if (name)
		jstr(j, key, name);
	else
		jnull(j, key);
}

static void jbits(struct json *j, const char *key, uint64_t bits,
		  const char *const *names, size_t nr)
{
	jkey(j, key);
	fputc('[', j->f);
	for (size_t i = 0, n = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (i < nr && names[i])
			fprintf(j->f, "%s\"%s\"", n++ ? "," : "", names[i]);
		else
			fprintf(j->f, "%s\"bit%zu\"", n++ ? "," : "", i);
	}
	fputc(']', j->f);
}

static void json_container(struct json *j, const struct stream_info *si)
{
	char hex[17];

	if (!si) {
		jkey(j, "encryption");
		fputs("null", j->f);
		return;
	}
	jopen(j, "encryption", '{');
	juint(j, "container_version", si->version);
	jstr(j, "mode", si->mode == CKPT_MODE_RECIPIENTS ? "recipients" :
			si->mode == CKPT_MODE_SYMMETRIC ? "symmetric" :
			"passphrase");
	juint(j, "chunk_size", si->chunk_size);
	juint(j, "header_len", si->header_len);
	if (si->mode == CKPT_MODE_RECIPIENTS) {
		jopen(j, "recipient_key_ids", '[');
		for (uint32_t i = 0; i < si->nr_recipients; i++) {
			ckpt_keyid_hex(si->recipient_ids + (size_t)i * CKPT_ENC_RECIPIENT_LEN,
				       hex);
			fprintf(j->f, "%s\"%s\"", i ? "," : "", hex);
		}
		jclose(j, ']');
	} else {
		ckpt_keyid_hex(si->keyid, hex);
		jstr(j, "key_id", hex);
	}
	if (si->mode == CKPT_MODE_PASSPHRASE) {
		juint(j, "argon2id_opslimit", si->opslimit);
		juint(j, "argon2id_memlimit", si->memlimit);
	}
	jclose(j, '}');
}

static void json_header(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_header *h = &img->header;
	const struct ckpt_const *c = &h->constants;
	char when[32];

	ckpt_rfc3339(h->time, when);
	jopen(j, "header", '{');
	juint(j, "version", h->version);
	jstr(j, "arch", "x86_64");
	jhex(j, "flags", h->flags);
	jbool(j, "kill", h->flags & CKPT_CHECKPOINT_KILL);
	jint(j, "time", h->time);
	jstr(j, "time_utc", when);
	jstr(j, "release", h->release);
	jopen(j, "constants", '{');
	juint(j, "page_size", c->page_size);
	juint(j, "task_comm_len", c->task_comm_len);
	juint(j, "xstate_size", c->xstate_size);
	jhex(j, "xfeatures", c->xfeatures);
	jhex(j, "task_size", c->task_size);
	jclose(j, '}');
	jclose(j, '}');
}

static void json_task(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_task *t = &img->task;
	const char *name = syscall_name(t->syscall_nr);

	jopen(j, "task", '{');
	jint(j, "pid", t->pid);
	jstr(j, "comm", t->comm);
	jint(j, "ppid", t->ppid);
	juint(j, "uid", t->uid);
	juint(j, "euid", t->euid);
	juint(j, "gid", t->gid);
	juint(j, "egid", t->egid);
	jhex(j, "personality", t->personality);
	jstr(j, "restart", restart_name(t->restart));
	jint(j, "syscall_nr", t->syscall_nr);
	jkey(j, "syscall_name");
	if (name)
		ckpt_json_string(j->f, name);
	else
		fputs("null", j->f);
	jint(j, "syscall_ret", t->syscall_ret);
	jstr(j, "restart_block", restart_block_name(t->restart_block_kind));
	if (t->restart_block_kind == CKPT_RESTART_BLOCK_NANOSLEEP) {
		jint(j, "nanosleep_clockid", t->nanosleep_clockid);
		juint(j, "nanosleep_type", t->nanosleep_type);
		jhex(j, "nanosleep_rmtp", t->nanosleep_rmtp);
		jint(j, "nanosleep_expires", t->nanosleep_expires);
		jint(j, "nanosleep_now", t->nanosleep_now);
	}
	juint(j, "pdeath_signal", t->pdeath_signal);
	jsigname(j, "pdeath_signal_name", t->pdeath_signal);
	jhex(j, "task_flags", t->task_flags);
	jbool(j, "no_new_privs", t->task_flags & CKPT_TASK_NO_NEW_PRIVS);
	/* The three timers as the record has them, or null without it. */
	if (img->has_itimers) {
		jopen(j, "itimers", '[');
		for (uint32_t i = 0; i < CKPT_NR_ITIMERS; i++) {
			const struct ckpt_itimer *it = &img->itimers.timer[i];

			if (i)
				fputc(',', j->f);
			jopen(j, NULL, '{');
			jstr(j, "which", itimer_names[i]);
			juint(j, "value_ns", it->value_ns);
			juint(j, "interval_ns", it->interval_ns);
			jclose(j, '}');
		}
		jclose(j, ']');
	} else {
		jnull(j, "itimers");
	}
	jopen(j, "rlimits", '[');
	for (uint32_t i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		if (i)
			fputc(',', j->f);
		jopen(j, NULL, '{');
		jstr(j, "resource", image_rlimit_name(i));
		jrlim(j, "soft", t->rlim[i][0]);
		jrlim(j, "hard", t->rlim[i][1]);
		jclose(j, '}');
	}
	jclose(j, ']');
	jclose(j, '}');
	jopen(j, "fs", '{');
	{
		char umask[8];

		snprintf(umask, sizeof(umask), "%04o", img->fs.umask);
		jstr(j, "umask", umask);
	}
	jstr(j, "cwd", img->fs.cwd);
	jclose(j, '}');
}

static void json_signals(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_signals *g = &img->signals;
	const char *names[CKPT_NSIG];

	signal_names(names);
	jopen(j, "signals", '{');
	jhex(j, "blocked", g->blocked);
	jbits(j, "blocked_names", g->blocked, names, CKPT_NSIG);
	jopen(j, "altstack", '{');
	juint(j, "sp", g->ss_sp);
	juint(j, "size", g->ss_size);
	jhex(j, "flags", g->ss_flags);
	jbits(j, "flag_names", g->ss_flags, ss_flag_names,
	      ARRAY_SIZE(ss_flag_names));
	jclose(j, '}');
	juint(j, "nr_pending", g->nr_pending);
	jopen(j, "actions", '[');
	for (uint32_t i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &g->action[i];

		if (i)
			fputc(',', j->f);
		jopen(j, NULL, '{');
		juint(j, "signo", i + 1);
		jstr(j, "name", names[i]);
		jstr(j, "disposition", disposition_name(a->handler));
		juint(j, "handler", a->handler);
		jhex(j, "flags", a->flags);
		jbits(j, "flag_names", a->flags, sa_flag_names,
		      ARRAY_SIZE(sa_flag_names));
		juint(j, "restorer", a->restorer);
		jhex(j, "mask", a->mask);
		jbits(j, "mask_names", a->mask, names, CKPT_NSIG);
		jclose(j, '}');
	}
	jclose(j, ']');
	jclose(j, '}');
	jopen(j, "pending", '[');
	for (size_t i = 0; i < img->nr_pending; i++) {
		const struct image_sigpending *sp = &img->pending[i];
		const char *cname;
		struct siginfo_view v;
		char info[2 * sizeof(sp->info) + 1];

		siginfo_view(sp, &v);
		cname = si_code_name(sp->signo, v.code);
		for (size_t b = 0; b < sizeof(sp->info); b++)
			snprintf(info + 2 * b, 3, "%02x", sp->info[b]);
		if (i)
			fputc(',', j->f);
		jopen(j, NULL, '{');
		juint(j, "signo", sp->signo);
		jsigname(j, "name", sp->signo);
		jstr(j, "queue", sp->queue == CKPT_SIGQUEUE_SHARED ? "shared" : "private");
		jint(j, "si_errno", v.err);
		jint(j, "si_code", v.code);
		if (cname)
			jstr(j, "si_code_name", cname);
		else
			jnull(j, "si_code_name");
		jint(j, "si_pid", v.pid);
		juint(j, "si_uid", v.uid);
		jstr(j, "info", info);
		jclose(j, '}');
	}
	jclose(j, ']');
}

static void json_auxv(struct json *j, const struct ckpt_image *img)
{
	jopen(j, "auxv", '{');
	juint(j, "nr_words", img->nr_auxv_words);
	jopen(j, "entries", '[');
	for (uint32_t i = 0; i + 1 < img->nr_auxv_words; i += 2) {
		const char *name = auxv_name(img->auxv[i]);

		if (i)
			fputc(',', j->f);
		jopen(j, NULL, '{');
		juint(j, "type", img->auxv[i]);
		if (name)
			jstr(j, "name", name);
		else
			jnull(j, "name");
		juint(j, "value", img->auxv[i + 1]);
		jclose(j, '}');
	}
	jclose(j, ']');
	jclose(j, '}');
}

static void json_cpu(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_cpu *r = &img->cpu;
	const struct {
		const char *name;
		uint64_t v;
	} regs[] = {
		{ "r15", r->r15 }, { "r14", r->r14 }, { "r13", r->r13 },
		{ "r12", r->r12 }, { "bp", r->bp }, { "bx", r->bx },
		{ "r11", r->r11 }, { "r10", r->r10 }, { "r9", r->r9 },
		{ "r8", r->r8 }, { "ax", r->ax }, { "cx", r->cx },
		{ "dx", r->dx }, { "si", r->si }, { "di", r->di },
		{ "orig_ax", r->orig_ax }, { "ip", r->ip }, { "cs", r->cs },
		{ "flags", r->flags }, { "sp", r->sp }, { "ss", r->ss },
		{ "fs_base", r->fs_base }, { "gs_base", r->gs_base },
		{ "ds", r->ds }, { "es", r->es }, { "fs", r->fs },
		{ "gs", r->gs },
	};

	jopen(j, "cpu", '{');
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		jhex(j, regs[i].name, regs[i].v);
	jclose(j, '}');
	jopen(j, "xstate", '{');
	juint(j, "size", img->xstate_size);
	jhex(j, "xfeatures", img->xstate_features);
	jbits(j, "features", img->xstate_features, xfeature_names,
	      ARRAY_SIZE(xfeature_names));
	jclose(j, '}');
}

/* Everything the record gives; the mode in octal, as modes are written. */
static void json_file(struct json *j, const struct image_file *fi)
{
	char mode[16], dev[32], rdev[32];

	snprintf(mode, sizeof(mode), "0%o", fi->mode);
	snprintf(dev, sizeof(dev), "%02x:%02x", major(fi->dev), minor(fi->dev));
	snprintf(rdev, sizeof(rdev), "%02x:%02x", major(fi->rdev), minor(fi->rdev));
	jopen(j, NULL, '{');
	jint(j, "fd", fi->fd);
	juint(j, "file_id", fi->file_id);
	jhex(j, "fd_flags", fi->fd_flags);
	jbool(j, "cloexec", fi->fd_flags & CKPT_FD_CLOEXEC);
	jhex(j, "f_flags", fi->f_flags);
	jstr(j, "access", file_access_name(fi->f_flags));
	jbits(j, "open_flags", fi->f_flags & ~(uint64_t)KO_ACCMODE,
	      open_flag_names, ARRAY_SIZE(open_flag_names));
	jstr(j, "mode", mode);
	jstr(j, "type", file_type_name(fi->mode));
	juint(j, "pos", fi->pos);
	jstr(j, "dev", dev);
	juint(j, "inode", fi->ino);
	jstr(j, "rdev", rdev);
	juint(j, "size", fi->size);
	jint(j, "mtime_sec", fi->mtime_sec);
	juint(j, "mtime_nsec", fi->mtime_nsec);
	jstr(j, "name", fi->name);
	jbool(j, "deleted", fi->file_flags & CKPT_FILE_DELETED);
	if (fi->file_flags & CKPT_FILE_DELETED)
		juint(j, "saved_bytes", fi->data_bytes);
	jclose(j, '}');
}

static void json_pipes(struct json *j, const struct ckpt_image *img,
		       const struct pipe_fds *pf)
{
	size_t at = 0;

	jopen(j, "pipes", '[');
	for (size_t k = 0; k < img->nr_pipes; k++) {
		const struct image_pipe *ip = &img->pipes[k];
		struct fd_list l = { .f = j->f };

		at = first_pipe_fd(pf, k, at);
		if (k)
			fputc(',', j->f);
		jopen(j, NULL, '{');
		juint(j, "id", ip->id);
		juint(j, "size", ip->size);
		juint(j, "bytes", ip->nr_bytes);
		jopen(j, "read_fds", '[');
		pipe_end_fds(img, pf, k, false, at, list_fd, &l);
		jclose(j, ']');
		l.n = 0;
		jopen(j, "write_fds", '[');
		pipe_end_fds(img, pf, k, true, at, list_fd, &l);
		jclose(j, ']');
		jclose(j, '}');
	}
	jclose(j, ']');
}

static void json_mm(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_mm *m = &img->mm;

	jopen(j, "mm", '{');
	juint(j, "nr_vmas", m->nr_vmas);
	juint(j, "start_code", m->start_code);
	juint(j, "end_code", m->end_code);
	juint(j, "start_data", m->start_data);
	juint(j, "end_data", m->end_data);
	juint(j, "start_brk", m->start_brk);
	juint(j, "brk", m->brk);
	juint(j, "start_stack", m->start_stack);
	juint(j, "arg_start", m->arg_start);
	juint(j, "arg_end", m->arg_end);
	juint(j, "env_start", m->env_start);
	juint(j, "env_end", m->env_end);
	jclose(j, '}');
}

static void json_vma(struct json *j, const struct image_vma *v)
{
	bool file = v->kind == CKPT_VMA_FILE;
	char perms[5], dev[32];

	image_vma_perms(v, perms);
	snprintf(dev, sizeof(dev), "%02x:%02x", file ? major(v->dev) : 0,
		 file ? minor(v->dev) : 0);
	jopen(j, NULL, '{');
	juint(j, "start", v->start);
	juint(j, "end", v->end);
	jstr(j, "perms", perms);
	juint(j, "offset", file ? v->pgoff : 0);
	jstr(j, "dev", dev);
	juint(j, "inode", file ? v->ino : 0);
	jstr(j, "name", v->name);
	jstr(j, "kind", vma_kind_name(v->kind));
	jbits(j, "flags", v->flags, vma_flag_names, ARRAY_SIZE(vma_flag_names));
	if (file) {
		juint(j, "file_size", v->size);
		jint(j, "mtime_sec", v->mtime_sec);
		juint(j, "mtime_nsec", v->mtime_nsec);
	}
	juint(j, "saved_pages", v->saved_pages);
	jclose(j, '}');
}

static void print_json(FILE *f, const char *name, const struct stream_info *si,
		       const struct ckpt_image *img, const struct pipe_fds *pf)
{
	struct json j = { .f = f, .first = true };

	jopen(&j, NULL, '{');
	jstr(&j, "file", name);
	json_container(&j, si);
	json_header(&j, img);
	json_task(&j, img);
	json_cpu(&j, img);
	json_signals(&j, img);
	jopen(&j, "files", '[');
	for (size_t i = 0; i < img->nr_files; i++) {
		if (i)
			fputc(',', f);
		json_file(&j, &img->files[i]);
	}
	jclose(&j, ']');
	json_pipes(&j, img, pf);
	json_mm(&j, img);
	json_auxv(&j, img);
	jopen(&j, "vmas", '[');
	for (size_t i = 0; i < img->nr_vmas; i++) {
		if (i)
			fputc(',', f);
		json_vma(&j, &img->vmas[i]);
	}
	jclose(&j, ']');
	jopen(&j, "totals", '{');
	juint(&j, "files", img->nr_files);
	juint(&j, "open_files", img->nr_file_ids);
	juint(&j, "pending_signals", img->nr_pending);
	juint(&j, "pipes", img->nr_pipes);
	juint(&j, "pipe_bytes", pipe_bytes(img));
	juint(&j, "vmas", img->nr_vmas);
	juint(&j, "mapped_bytes", vma_bytes(img));
	juint(&j, "saved_pages", img->nr_pages);
	juint(&j, "saved_bytes", img->nr_pages * CKPT_IMAGE_PAGE_SIZE);
	juint(&j, "page_records", img->nr_page_records);
	juint(&j, "records", img->nr_records);
	juint(&j, "image_bytes", img->length);
	jclose(&j, '}');
	jopen(&j, "tail", '{');
	juint(&j, "nr_records", img->tail.nr_records);
	juint(&j, "nr_vmas", img->tail.nr_vmas);
	juint(&j, "nr_pages", img->tail.nr_pages);
	juint(&j, "image_len", img->tail.image_len);
	jclose(&j, '}');
	jclose(&j, '}');
	fputc('\n', f);
}

/* ---------------------------------------------------------------- maps */

static void print_maps(FILE *f, const struct ckpt_image *img)
{
	char line[CKPT_MAPS_LINE_MAX];

	for (size_t i = 0; i < img->nr_vmas; i++) {
		size_t n = image_maps_line(&img->vmas[i], line, sizeof(line));

		fwrite(line, 1, n, f);
	}
}

/* ---------------------------------------------------------------- command */

enum { OPT_JSON = 0x100, OPT_MAPS };

static int info_run(const char *path, const struct key_opts *ko, int format)
{
	struct image_parser *p;
	struct source src;
	int ret;

	ret = source_open(&src, path, ko, SOURCE_ANY);
	if (ret)
		return ret;
	p = image_parser_new(src.name);
	ret = p ? source_scan(&src, p) : CKPT_EFAIL;
	if (!ret) {
		const struct ckpt_image *img = image_parser_image(p);
		struct pipe_fds pf;

		ret = find_pipe_fds(img, &pf);
		if (!ret && format == OPT_JSON)
			print_json(stdout, src.name, source_info(&src), img, &pf);
		else if (!ret && format == OPT_MAPS)
			print_maps(stdout, img);
		else if (!ret)
			print_text(stdout, src.name, source_info(&src), img, &pf);
		free(pf.fds);
		if (!ret && (fflush(stdout) || ferror(stdout)))
			ret = ckpt_fail(CKPT_EFAIL, "standard output: write failed");
	}
	image_parser_free(p);
	source_close(&src);
	return ret;
}

static int info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "maps", no_argument, NULL, OPT_MAPS },
		{ "help", no_argument, NULL, 'h' },
		KEY_OPTIONS_DECRYPT,
		{ 0 }
	};
	struct key_opts ko = { 0 };
	int c, format = 0, ret = CKPT_OK;

	/* A filter: when the reader of its output goes away, so does it. */
	signal(SIGPIPE, SIG_DFL);
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":hi:k:", options, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
		case OPT_MAPS:
			if (format && format != c)
				ret = ckpt_usage(&cmd_info, "--json and --maps exclude each other");
			format = c;
			break;
		case 'h':
			key_opts_free(&ko);
			return ckpt_cmd_help(&cmd_info);
		default:
			ret = ckpt_key_option(&cmd_info, &ko, c, argv);
		}
	}
	if (!ret)
		ret = ckpt_one_operand(&cmd_info, argc,
				       "which image? give FILE, or - for standard input",
				       "one image at a time");
	if (!ret)
		ret = info_run(argv[optind], &ko, format);
	key_opts_free(&ko);
	return ret;
}

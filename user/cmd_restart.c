// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt restart (also installed as `restart`): bring a checkpointed
 * process back from its image.
 *
 * The restored process is a child of this command.  The child keeps only
 * the descriptors the restart needs; sets on itself, with the syscalls
 * made for it, what a process sets for itself (signal dispositions and
 * alternate stack with every signal blocked, working directory, umask,
 * resource limits, personality, parent-death signal, no_new_privs: the
 * module only checks them); makes a pipe of the image's capacity for
 * each of the image's pipes and passes both ends to the module, which
 * puts them where the image had them with the data they held (a module
 * cannot make pipes); moves its own [vdso] and [vvar] to where the image
 * had them (a module cannot create them either); and calls
 * CKPT_IOC_RESTART on a pipe.  The kernel replaces the child's memory and
 * registers with the image's and lets it run, with the child's
 * credentials.  This command decrypts and validates the image and feeds
 * the pipe, then reads the restart's outcome from a status pipe: a
 * message if it failed, end of file once the restored program runs.
 *
 * By default the command then behaves like the program it restored: the
 * program has this command's standard input, output and error, and this
 * command waits for it, passes it the signals it gets, and exits with
 * its status or dies of its signal.  --detach leaves it running and
 * prints its pid.
 *
 * A file is read twice: once to check all of it (the key, every chunk's
 * authentication, the whole image) before anything is started, once to
 * restart.  Standard input, or --no-verify, is read once: a damaged chunk
 * found after the restarted process has started replacing its memory
 * kills that process, never anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "ckpt.h"
#include "imgio.h"

#define CKPT_DEVICE	"/dev/checkpoint"

static int restart(int argc, char **argv);

const struct ckpt_cmd cmd_restart = {
	.name = "restart",
	.fn = restart,
	.help =
	"restart a process from an image\n"
	"\n"
	"Usage: ckpt restart [KEY OPTIONS] [--inherit-fd N[:M]]... [--detach]\n"
	"                    [--allow-changed-files] [--no-verify] FILE|-\n"
	"       restart [KEY OPTIONS] [--inherit-fd N[:M]]... [--detach]\n"
	"               [--allow-changed-files] [--no-verify] FILE|-\n"
	"\n"
	"Decrypts the image FILE (or standard input) and restarts the process in\n"
	"it, as a child of this command, with your credentials: never those of\n"
	"the checkpointed process.  The restarted program has this command's\n"
	"standard input (/dev/null when the image comes from standard input),\n"
	"output and error; the command waits for it, passes on the signals it\n"
	"gets, and exits with the program's status (or dies of its signal).\n"
	"\n"
	"The new process first sets on itself, with the usual system calls, the\n"
	"image's signal dispositions and alternate stack, working directory,\n"
	"umask, resource limits, personality, parent-death signal and\n"
	"no_new_privs: an image with a limit above your hard limit is refused.\n"
	"It makes one pipe of the image's capacity for each pipe the process held\n"
	"both ends of: a capacity above your pipe-max-size is refused as well.\n"
	"\n"
	"What connected the process to the outside (a pipe to another process, a\n"
	"terminal) cannot be reopened: at descriptors 0-2 the program\n"
	"gets this command's own, and any descriptor can be handed over with\n"
	"--inherit-fd; restart refuses the others, naming them.\n"
	"\n"
	"A FILE is verified whole (key, authentication, image) before anything\n"
	"is started.  Standard input cannot be read twice: a damaged stream may\n"
	"then be found after the restarted process has begun replacing its\n"
	"memory, and that process is killed.\n"
	"\n"
	"Options:\n"
	"      --inherit-fd N[:M]      give the program at descriptor N this\n"
	"                              command's descriptor M (default N) instead\n"
	"                              of the image's (repeatable)\n"
	"      --allow-changed-files   reopen files open at descriptors whose size\n"
	"                              or modification time changed (the same\n"
	"                              file, other contents: a log appended to)\n"
	"      --detach                leave the program running, print its pid\n"
	"      --no-verify             read FILE once, without checking it first\n"
	"  -q, --quiet                 no messages but errors\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Key options (for an encrypted image):\n"
	"  -i, --identity FILE         an identity file (repeatable)\n"
	"  -k, --key-file FILE         a symmetric key file\n"
	"      --passphrase            ask for the passphrase (the default when the\n"
	"                              image needs one and no key option is given)\n"
	"      --passphrase-file FILE  read the passphrase from the first line of FILE\n",
};

/* --inherit-fd N:M: the program's descriptor N is this command's M. */
struct inherit {
	int to;
	int from;
};

struct options {
	const char *input;
	struct key_opts keys;
	bool detach;
	bool no_verify;
	bool quiet;
	bool changed_files;
	struct inherit *inherit;	/* ascending @to */
	size_t nr_inherit;
};

/* A special mapping of the image: [vdso], [vvar], [vvar_vclock]. */
struct special {
	unsigned long start, end;
	char name[16];
};

#define MAX_SPECIALS	4

/* The data pipe's capacity: unprivileged pipe-max-size. */
#define DATA_PIPE_SIZE		(1024 * 1024)

/* The most of an image held before its memory map is known. */
#define RESTART_PREFIX_MAX	(256 << 20)

/* The state of one restart, shared by the pump and the child. */
struct job {
	const struct options *o;
	struct image_parser *parser;
	int dev;
	int data[2];		/* the image, to the kernel */
	int status[2];		/* the outcome, from the kernel */
	pid_t child;
	bool started;		/* the child runs the restart */
	bool child_gone;	/* it stopped reading: EPIPE */
	int direct;		/* the image file the module reads, or -1 */
	unsigned char *prefix;	/* the image until its memory map is known */
	size_t prefix_len, prefix_cap;
	struct special specials[MAX_SPECIALS];
	int nr_specials;
	/* The child's pipes, one per pipe of the image, for the module. */
	struct ckpt_restart_pipe *pipes;
	/*
	 * What the parser kept of the image once its map was known: the
	 * task, fs, signals and pipe records the child sets up (fork()
	 * gives it its own copy).
	 */
	const struct ckpt_image *img;
};

/* ---------------------------------------------------------------- child */

/*
 * This process's special mappings, from /proc/self/maps.  [vsyscall] is
 * no VMA of the mm but the gate area, the same in every process, which
 * mremap() cannot move.
 */
static int own_specials(struct special *own, int max)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, ' ');

		if (!name || strncmp(name + 1, "[v", 2) ||
		    !strncmp(name + 1, "[vsyscall]", 10))
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (sscanf(line, "%lx-%lx", &own[n].start, &own[n].end) != 2)
			continue;
		snprintf(own[n].name, sizeof(own[n].name), "%s", name + 1);
		n++;
	}
	fclose(f);
	return n;
}

/*
 * Move [vdso] and friends to the image's addresses, going through a
 * reserved area so that no move lands on another special mapping.  From
 * here on nothing may call into the vDSO: glibc's pointers into it are
 * stale.  Returns 0, or a message.
 */
static const char *move_specials(const struct job *job)
{
	struct special own[MAX_SPECIALS];
	unsigned long total = 0, off = 0;
	char *reserve;
	int n, i, j;

	/* The image's limits are already set: they may be what fails here. */
	n = own_specials(own, MAX_SPECIALS);
	if (n < 0)
		return errno == EMFILE ?
		       "cannot read /proc/self/maps: no descriptor free under the image's RLIMIT_NOFILE" :
		       "cannot read /proc/self/maps";
	for (i = 0; i < n; i++)
		total += own[i].end - own[i].start;
	reserve = mmap(NULL, total ? total : 4096, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (reserve == MAP_FAILED)
		return errno == ENOMEM ?
		       "cannot reserve room to move [vdso]: out of memory, or above the image's RLIMIT_AS" :
		       "cannot reserve room to move [vdso]";
	for (i = 0; i < n; i++) {
		unsigned long len = own[i].end - own[i].start;

		if (mremap((void *)own[i].start, len, len,
			   MREMAP_MAYMOVE | MREMAP_FIXED, reserve + off) == MAP_FAILED)
			return "cannot move this process's [vdso] or [vvar]";
		own[i].start = (unsigned long)reserve + off;
		own[i].end = own[i].start + len;
		off += len;
	}
	for (j = 0; j < job->nr_specials; j++) {
		const struct special *sp = &job->specials[j];
		unsigned long len = sp->end - sp->start;

		for (i = 0; i < n; i++)
			if (!strcmp(own[i].name, sp->name))
				break;
		if (i == n)
			return "the image has a special mapping this kernel does not provide";
		if (own[i].end - own[i].start != len)
			return "the image's [vdso] or [vvar] differs in size from this kernel's";
		/* The target must be free, or in the reserve itself. */
		if (mmap((void *)sp->start, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0) != (void *)sp->start &&
		    !(sp->start >= (unsigned long)reserve &&
		      sp->end <= (unsigned long)reserve + total))
			return "the image's [vdso] lies on this command's own memory; try again";
		if (mremap((void *)own[i].start, len, len,
			   MREMAP_MAYMOVE | MREMAP_FIXED, (void *)sp->start) == MAP_FAILED)
			return "cannot move [vdso] or [vvar] to the image's address";
	}
	return NULL;
}

/*
 * One line to the status pipe, with one write(2): not through stdio,
 * which allocates a buffer, and an allocator (the sanitizers' reads the
 * clock) may call into the vDSO, which may have moved by now.
 */
static void status_line(int fd, const char *msg)
{
	char line[600];
	size_t len = strnlen(msg, sizeof(line) - 1);

	memcpy(line, msg, len);
	line[len++] = '\n';
	while (write(fd, line, len) < 0 && errno == EINTR)
		;
}

static void __attribute__((noreturn)) child_fail(int fd, const char *msg)
{
	status_line(fd, msg);
	_exit(CKPT_EFAIL);
}

/* One line to the status pipe, then exit with @code. */
static void __attribute__((noreturn, format(printf, 3, 4)))
child_failf(int fd, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	status_line(fd, msg);
	_exit(code);
}

/* The exit status a restart child reports for the ioctl's errno. */
static int errno_exit(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return CKPT_EPERM;
	case EOPNOTSUPP:
		return CKPT_EUNSUPP;
	case EINVAL:
		return CKPT_ECORRUPT;
	case EIO:
		return CKPT_ETRUNC;
	default:
		return CKPT_EFAIL;
	}
}

/* struct sigaction as rt_sigaction(2) takes it on x86-64 */
struct kernel_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* Set the image's resource limits, or say which one cannot be. */
static void child_rlimits(int fd, const struct ckpt_hdr_task *t)
{
	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		struct rlimit want = {
			.rlim_cur = t->rlim[i][0], .rlim_max = t->rlim[i][1],
		}, have;
		char w[24], h[24];
		int err;

		if (!setrlimit(i, &want))
			continue;
		err = errno;
		image_rlim_str(want.rlim_max, w);
		if (err == EPERM && !getrlimit(i, &have) &&
		    want.rlim_max > have.rlim_max) {
			image_rlim_str(have.rlim_max, h);
			child_failf(fd, CKPT_EPERM, "the image's %s (%s) is above this process's hard limit (%s)",
				    image_rlimit_name(i), w, h);
		}
		image_rlim_str(want.rlim_cur, h);
		child_failf(fd, err == EPERM ? CKPT_EPERM : CKPT_EFAIL,
			    "cannot set %s to the image's %s (hard %s): %s",
			    image_rlimit_name(i), h, w, strerror(err));
	}
}

/*
 * What a process sets for itself, set as the image has it, through the
 * syscalls that would refuse what this process may not set: the module
 * checks each before its point of no return.  The blocked mask stays
 * full: the module sets the image's once the program's memory is back.
 */
static void child_settings(const struct job *job)
{
	const struct ckpt_image *img = job->img;
	const struct ckpt_hdr_signals *g = &img->signals;
	const struct ckpt_hdr_task *t = &img->task;
	int fd = job->status[1];
	uint64_t all = ~0ULL;
	stack_t ss = { .ss_flags = SS_DISABLE };

	/* The C library's sigprocmask() would leave its own signals out. */
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof(all)))
		child_failf(fd, CKPT_EFAIL, "cannot block every signal: %s",
			    strerror(errno));
	/* Its sigaction() would replace the restorer: the raw syscall. */
	for (int i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &g->action[i];
		struct kernel_sigaction ka = {
			.handler = a->handler, .flags = a->flags,
			.restorer = a->restorer, .mask = a->mask,
		};
		int sig = i + 1;

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &ka, NULL, sizeof(ka.mask)))
			child_failf(fd, CKPT_EFAIL, "cannot install the image's action for signal %d (%s): %s",
				    sig, image_signal_name(sig), strerror(errno));
	}
	/*
	 * A stack as the image has it; or none: SS_DISABLE, with the
	 * image's SS_AUTODISARM if it has one (sigaltstack(2) keeps the
	 * flag), or alone for an image without either.
	 */
	if (g->ss_size) {
		ss.ss_sp = (void *)(uintptr_t)g->ss_sp;
		ss.ss_size = g->ss_size;
		ss.ss_flags = (int)g->ss_flags;
	} else if (g->ss_flags & SS_DISABLE) {
		ss.ss_flags = (int)g->ss_flags;
	}
	if (sigaltstack(&ss, NULL))
		child_failf(fd, CKPT_EFAIL, "cannot set the image's alternate signal stack (0x%" PRIx64 ", %" PRIu64 " bytes, flags 0x%x): %s",
			    (uint64_t)g->ss_sp, (uint64_t)g->ss_size, g->ss_flags,
			    strerror(errno));
	if (chdir(img->fs.cwd))
		child_failf(fd, errno == EACCES ? CKPT_EPERM : CKPT_EFAIL,
			    "cannot enter the image's working directory %s: %s",
			    img->fs.cwd, strerror(errno));
	umask(img->fs.umask);
	if (personality(t->personality) == -1)
		child_failf(fd, CKPT_EFAIL, "cannot set the image's personality 0x%x: %s",
			    t->personality, strerror(errno));
	/* From here this child dies with this command: the program's choice. */
	if (prctl(PR_SET_PDEATHSIG, (unsigned long)t->pdeath_signal, 0, 0, 0))
		child_failf(fd, CKPT_EFAIL, "cannot set the image's parent-death signal %u: %s",
			    t->pdeath_signal, strerror(errno));
	if (t->task_flags & CKPT_TASK_NO_NEW_PRIVS) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			child_failf(fd, CKPT_EFAIL, "cannot set no_new_privs: %s",
				    strerror(errno));
	} else if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		child_failf(fd, CKPT_EPERM, "this process has no_new_privs set, and the image's process had not: it cannot be cleared");
	}
}

/* fs.pipe-max-size, the largest capacity an unprivileged pipe may have. */
static bool pipe_max_size(unsigned long *max)
{
	char buf[32];
	ssize_t n;
	int fd = open("/proc/sys/fs/pipe-max-size", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*max = strtoul(buf, NULL, 10);
	return true;
}

/*
 * A pipe for each of the image's, with its capacity (F_SETPIPE_SZ, which
 * refuses what this process may not have), both ends left open for the
 * module, which cannot make pipes: it checks them, puts the ends where
 * the image had them and the data in.  Made once the descriptors the
 * restart does not need are closed; close-on-exec, as the module's own.
 */
static void child_pipes(struct job *job)
{
	const struct ckpt_image *img = job->img;
	int fd = job->status[1];

	for (size_t i = 0; i < img->nr_pipes; i++) {
		const struct image_pipe *ip = &img->pipes[i];
		struct ckpt_restart_pipe *rp = &job->pipes[i];
		unsigned long max;
		int ends[2], err, got;

		if (pipe2(ends, O_CLOEXEC))
			child_failf(fd, CKPT_EFAIL, "cannot make a pipe for the image's pipe:[%" PRIu64 "]: %s",
				    ip->id, strerror(errno));
		rp->id = ip->id;
		rp->read_fd = ends[0];
		rp->write_fd = ends[1];
		got = fcntl(ends[1], F_SETPIPE_SZ, (int)ip->size);
		/* A capacity is a power of two pages: the module wants the same. */
		if (got >= 0 && (uint32_t)got != ip->size)
			child_failf(fd, CKPT_ECORRUPT, "the image's pipe:[%" PRIu64 "] holds %u bytes, which is no pipe's capacity (a pipe asked for it gets %d)",
				    ip->id, ip->size, got);
		if (got >= 0)
			continue;
		err = errno;
		if (err != EPERM)
			child_failf(fd, CKPT_EFAIL, "cannot give the image's pipe:[%" PRIu64 "] its capacity of %u bytes: %s",
				    ip->id, ip->size, strerror(err));
		if (!pipe_max_size(&max))
			child_failf(fd, CKPT_EPERM, "cannot give the image's pipe:[%" PRIu64 "] its capacity of %u bytes: %s (above pipe-max-size, or your pipes are above pipe-user-pages-hard)",
				    ip->id, ip->size, strerror(err));
		if (ip->size > max)
			child_failf(fd, CKPT_EPERM, "the image's pipe:[%" PRIu64 "] holds %u bytes, above this process's pipe-max-size (%lu)",
				    ip->id, ip->size, max);
		child_failf(fd, CKPT_EPERM, "cannot give the image's pipe:[%" PRIu64 "] its capacity of %u bytes: %s (your pipes are above pipe-user-pages-hard)",
			    ip->id, ip->size, strerror(err));
	}
}

/*
 * The descriptors to hand over, out of the way until the end: copies
 * above every descriptor the program is given (@base), so that nothing
 * this child opens meanwhile can take their numbers.
 */
static void child_inherit_hold(struct job *job, int base, int *held)
{
	const struct options *o = job->o;

	for (size_t i = 0; i < o->nr_inherit; i++) {
		held[i] = fcntl(o->inherit[i].from, F_DUPFD_CLOEXEC, base);
		if (held[i] < 0)
			child_failf(job->status[1], CKPT_EFAIL, "--inherit-fd %d:%d: cannot keep descriptor %d: %s",
				    o->inherit[i].to, o->inherit[i].from,
				    o->inherit[i].from, strerror(errno));
	}
}

/* Move descriptor *@fd of this child above @base, if it is not. */
static void child_move_above(struct job *job, int *fd, int base)
{
	int moved;

	if (*fd >= base)
		return;
	moved = fcntl(*fd, F_DUPFD_CLOEXEC, base);
	if (moved < 0)
		child_failf(job->status[1], CKPT_EFAIL, "cannot move descriptor %d above %d for --inherit-fd: %s",
			    *fd, base, strerror(errno));
	close(*fd);
	*fd = moved;
}

/*
 * Last: this child's own descriptors above the ones handed over, and
 * those at their numbers, where the module takes them.
 */
static void child_inherit(struct job *job, int base, const int *held)
{
	const struct options *o = job->o;

	if (!o->nr_inherit)
		return;
	child_move_above(job, &job->data[0], base);
	child_move_above(job, &job->status[1], base);
	child_move_above(job, &job->dev, base);
	for (size_t i = 0; i < job->img->nr_pipes; i++) {
		child_move_above(job, &job->pipes[i].read_fd, base);
		child_move_above(job, &job->pipes[i].write_fd, base);
	}
	for (size_t i = 0; i < o->nr_inherit; i++) {
		if (dup2(held[i], o->inherit[i].to) < 0)
			child_failf(job->status[1], CKPT_EFAIL, "--inherit-fd %d:%d: %s",
				    o->inherit[i].to, o->inherit[i].from,
				    strerror(errno));
		close(held[i]);
	}
}

/* Is @fd one of the copies child_inherit_hold() made? */
static bool is_held(const struct options *o, const int *held, int fd)
{
	for (size_t i = 0; i < o->nr_inherit; i++)
		if (held[i] == fd)
			return true;
	return false;
}

/* In the child: become the image's process, or report why not. */
static void __attribute__((noreturn)) child_restart(struct job *job)
{
	const struct options *o = job->o;
	int tos[CKPT_INHERIT_MAX], held[CKPT_INHERIT_MAX];
	struct ckpt_restart_args args = { .size = sizeof(args) };
	/* Above every descriptor handed over. */
	int base = o->nr_inherit ? o->inherit[o->nr_inherit - 1].to + 1 : 3;
	const char *why;
	int fd;

	/* The image came on standard input: the program gets /dev/null. */
	if (!strcmp(job->o->input, "-")) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			child_fail(job->status[1], "cannot open /dev/null");
		if (fd > 0)
			close(fd);
	}
	child_inherit_hold(job, base < 3 ? 3 : base, held);
	/*
	 * Only what the restart needs stays open: the write end of the data
	 * pipe in particular, or the kernel would never see its end.
	 */
	for (fd = 3; fd < 1024; fd++)
		if (fd != job->data[0] && fd != job->status[1] && fd != job->dev &&
		    !is_held(o, held, fd))
			close(fd);
	child_settings(job);
	child_pipes(job);
	child_inherit(job, base < 3 ? 3 : base, held);

	why = move_specials(job);
	if (why)
		child_fail(job->status[1], why);
	/* The limits last: the image's may leave no room to move [vdso]. */
	child_rlimits(job->status[1], &job->img->task);
	for (size_t i = 0; i < o->nr_inherit; i++)
		tos[i] = o->inherit[i].to;
	args.fd = job->data[0];
	args.status_fd = job->status[1];
	args.pipes = (uintptr_t)job->pipes;
	args.nr_pipes = (uint32_t)job->img->nr_pipes;
	args.inherit = (uintptr_t)tos;
	args.nr_inherit = (uint32_t)o->nr_inherit;
	args.flags = o->changed_files ? CKPT_RESTART_CHANGED_FILES : 0;
	/* A plain syscall: the vDSO has moved. */
	if (syscall(SYS_ioctl, job->dev, CKPT_IOC_RESTART, &args) == 0)
		_exit(CKPT_EFAIL);	/* not reached: the image runs instead */
	/* The module wrote why to the status pipe. */
	_exit(errno_exit(errno));
}

/* ---------------------------------------------------------------- parent */

/*
 * The image's special mappings, once the parser has seen the whole map,
 * and with it every record the child sets up before the restart: the
 * task, fs, signals and pipe records come before the map.
 */
static bool map_known(struct job *job)
{
	const struct ckpt_image *img = image_parser_image(job->parser);
	size_t i;

	if (!img->map_complete)
		return false;
	job->img = img;
	job->nr_specials = 0;
	for (i = 0; i < img->nr_vmas; i++) {
		const struct image_vma *v = &img->vmas[i];
		struct special *sp;

		if (v->kind != CKPT_VMA_SPECIAL)
			continue;
		if (job->nr_specials == MAX_SPECIALS)
			break;
		sp = &job->specials[job->nr_specials++];
		sp->start = v->start;
		sp->end = v->end;
		snprintf(sp->name, sizeof(sp->name), "%s", v->name);
	}
	return true;
}

static int start_child(struct job *job)
{
	int err;

	if (job->direct >= 0)
		job->data[0] = fcntl(job->direct, F_DUPFD_CLOEXEC, 3);
	else if (pipe2(job->data, O_CLOEXEC))
		job->data[0] = -1;
	else	/* Best effort, as checkpoint's: fewer trips to the module. */
		(void)fcntl(job->data[1], F_SETPIPE_SZ, DATA_PIPE_SIZE);
	if (job->data[0] < 0 || pipe2(job->status, O_CLOEXEC))
		return ckpt_fail_errno(CKPT_EFAIL, errno, "restart: pipe");
	/* The child fills it in: its own pipes, for the module. */
	if (job->img->nr_pipes) {
		job->pipes = calloc(job->img->nr_pipes, sizeof(*job->pipes));
		if (!job->pipes)
			return ckpt_fail(CKPT_EFAIL, "out of memory");
	}
	fflush(NULL);
	job->child = fork();
	err = errno;
	if (job->child == 0)
		child_restart(job);
	free(job->pipes);
	job->pipes = NULL;
	if (job->child < 0)
		return ckpt_fail_errno(CKPT_EFAIL, err, "restart: fork");
	close(job->data[0]);
	close(job->status[1]);
	job->data[0] = job->status[1] = -1;
	job->started = true;
	return CKPT_OK;
}

static int feed(struct job *job, const void *buf, size_t len)
{
	if (job->child_gone)
		return CKPT_OK;
	if (ckpt_write_full(job->data[1], buf, len)) {
		if (errno != EPIPE)
			return ckpt_fail_errno(CKPT_EFAIL, errno, "restart: writing the image to the kernel");
		/* The restart failed and stopped reading: the status says why. */
		job->child_gone = true;
	}
	return CKPT_OK;
}

/*
 * A program with a parent-death signal gets it when its parent exits:
 * with --detach, as soon as this command has printed its pid.
 */
static int detach_check(const struct job *job)
{
	uint32_t sig = job->img->task.pdeath_signal;

	if (!job->o->detach || !sig)
		return CKPT_OK;
	return ckpt_fail(CKPT_EUNSUPP, "%s: the program has a parent-death signal (%s) and would get it as soon as restart --detach exits: restart it without --detach",
			 ckpt_in_name(job->o->input), image_signal_name(sig));
}

/*
 * The descriptors of the image, once all are in: each handed over must
 * be one, and each that leads outside, above 2, must be handed over.
 */
static int inherit_check(const struct job *job)
{
	const struct ckpt_image *img = job->img;
	const struct options *o = job->o;
	size_t i, k = 0;

	for (i = 0; i < img->nr_files; i++) {
		const struct image_file *f = &img->files[i];

		/* Both ascending: one passed by is not the image's. */
		if (k < o->nr_inherit && o->inherit[k].to < f->fd)
			break;
		if (k < o->nr_inherit && o->inherit[k].to == f->fd) {
			k++;
			continue;
		}
		if (f->fd > 2 && image_file_outside(img, f))
			return ckpt_fail(CKPT_EUNSUPP, "%s: fd %d is %s, which leads outside the process and cannot be reopened: hand a descriptor over for it with --inherit-fd %d",
					 ckpt_in_name(o->input), f->fd, f->name, f->fd);
	}
	if (k < o->nr_inherit)
		return ckpt_fail(CKPT_EUSAGE, "--inherit-fd %d: %s has no descriptor %d",
				 o->inherit[k].to, ckpt_in_name(o->input),
				 o->inherit[k].to);
	return CKPT_OK;
}

/* The map is known: what this command checks, then the child. */
static int check_and_start(struct job *job)
{
	int ret = detach_check(job);

	if (!ret)
		ret = inherit_check(job);
	if (!ret)
		ret = start_child(job);
	return ret;
}

/*
 * The sink of the pump: keep the image's first bytes until its memory map
 * is known, then start the child and feed it.
 */
static int restart_sink(void *ctx, const void *buf, size_t len)
{
	struct job *job = ctx;
	int ret;

	if (job->started)
		return feed(job, buf, len);
	/*
	 * What comes before the memory map (descriptors, pipe contents) is
	 * small in any real image: a hostile one must not make us hold GiBs.
	 */
	if (job->prefix_len + len > RESTART_PREFIX_MAX)
		return ckpt_fail(CKPT_ECORRUPT, "%s: more than %d MiB before the memory map: not an image restart will hold",
				 ckpt_in_name(job->o->input), RESTART_PREFIX_MAX >> 20);
	if (job->prefix_len + len > job->prefix_cap) {
		size_t cap = (job->prefix_cap ? job->prefix_cap : 65536);
		unsigned char *bigger;

		while (cap < job->prefix_len + len)
			cap *= 2;
		bigger = realloc(job->prefix, cap);
		if (!bigger)
			return ckpt_fail(CKPT_EFAIL, "out of memory");
		job->prefix = bigger;
		job->prefix_cap = cap;
	}
	memcpy(job->prefix + job->prefix_len, buf, len);
	job->prefix_len += len;
	if (!map_known(job))
		return CKPT_OK;
	ret = check_and_start(job);
	if (!ret)
		ret = feed(job, job->prefix, job->prefix_len);
	/* It held process memory. */
	sodium_memzero(job->prefix, job->prefix_cap);
	free(job->prefix);
	job->prefix = NULL;
	job->prefix_len = job->prefix_cap = 0;
	return ret;
}

/*
 * A plaintext image in a regular file goes to the module as it is: the
 * child passes the file itself, which the module reads from its start,
 * so that the pages are copied once, from the file to the process.  This
 * command reads only what comes before them, to start the child.
 */
static int restart_direct(struct job *job, struct source *src)
{
	unsigned char buf[4096];
	int ret;

	while (!map_known(job)) {
		ssize_t n = ckpt_in_read(&src->in, buf, sizeof(buf));

		if (n < 0)
			return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", src->name);
		if (!n)
			return image_finish(job->parser);
		ret = image_feed(job->parser, buf, (size_t)n);
		if (ret)
			return ret;
	}
	if (lseek(src->in.fd, 0, SEEK_SET))
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", src->name);
	job->direct = src->in.fd;
	return check_and_start(job);
}

/* Everything the status pipe says, up to end of file. */
static void read_status(struct job *job, char *msg, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1) {
		n = read(job->status[0], msg + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	while (len && msg[len - 1] == '\n')
		len--;
	msg[len] = '\0';
}

static volatile sig_atomic_t forward_to;

/* While the program runs, the signals this command gets are its. */
static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static void forward_signals(pid_t pid)
{
	static const int sigs[] = {
		SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH,
		SIGCONT, SIGALRM,
	};
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	size_t i;

	forward_to = pid;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Exit as the program did: with its status, or of its signal. */
static int wait_program(pid_t pid)
{
	struct rlimit nocore = { 0, 0 };
	int status;

	forward_signals(pid);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ckpt_fail_errno(CKPT_EFAIL, errno, "restart: waitpid");
	/* The program's status is not an error of ours: no message. */
	if (WIFEXITED(status)) {
		fflush(NULL);
		_exit(WEXITSTATUS(status));
	}
	/* Its core, if any, was dumped; this command's is of no use. */
	setrlimit(RLIMIT_CORE, &nocore);
	signal(WTERMSIG(status), SIG_DFL);
	raise(WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

static int report_failure(struct job *job, const char *msg)
{
	int status, code = CKPT_EFAIL;

	while (waitpid(job->child, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status))
		code = WEXITSTATUS(status);
	else if (strstr(msg, "truncated"))
		code = CKPT_ETRUNC;
	if (WIFSIGNALED(status))
		return ckpt_fail(code, "%s: restart failed after the new process began replacing its memory, which was killed: %s",
				 ckpt_in_name(job->o->input), msg);
	return ckpt_fail(code, "%s: restart failed: %s",
			 ckpt_in_name(job->o->input), msg);
}

/*
 * The stream failed (its error is recorded) after the child started: say
 * whether the child had begun replacing its memory, and so was killed.
 */
static void say_killed(struct job *job)
{
	int status;

	while (waitpid(job->child, &status, 0) < 0)
		if (errno != EINTR)
			return;
	if (WIFSIGNALED(status))
		ckpt_hint("the new process had begun replacing its memory and was killed; nothing else was touched");
}

/* Read all of the input through the parser, to check it. */
static int verify(const struct options *o)
{
	struct image_parser *p;
	struct source src;
	int ret;

	ret = source_open(&src, o->input, &o->keys, SOURCE_ANY);
	if (ret)
		return ret;
	p = image_parser_new(src.name);
	ret = p ? source_scan(&src, p) : ckpt_fail(CKPT_EFAIL, "out of memory");
	image_parser_free(p);
	source_close(&src);
	return ret;
}

static bool is_regular(const char *path)
{
	struct stat st;

	return strcmp(path, "-") && !stat(path, &st) && S_ISREG(st.st_mode);
}

static int do_restart(const struct options *o)
{
	struct job job = {
		.o = o, .dev = -1, .data = { -1, -1 }, .status = { -1, -1 },
		.direct = -1,
	};
	struct source src;
	char msg[1024];
	int ret, i;

	job.dev = open(CKPT_DEVICE, O_RDWR | O_CLOEXEC);
	if (job.dev < 0) {
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s", CKPT_DEVICE);
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			ckpt_hint("ckpt.ko is not loaded");
		return ret;
	}
	if (!o->no_verify && is_regular(o->input)) {
		ret = verify(o);
		if (ret)
			goto out;
	}

	ret = source_open(&src, o->input, &o->keys, SOURCE_ANY);
	if (ret)
		goto out;
	job.parser = image_parser_new(src.name);
	if (!job.parser) {
		ret = ckpt_fail(CKPT_EFAIL, "out of memory");
		goto out_source;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!src.reader && is_regular(o->input))
		ret = restart_direct(&job, &src);
	else
		ret = source_pump(&src, job.parser, restart_sink, &job);
	if (ret && !job.started)
		goto out_source;	/* nothing was started */
	if (!job.started) {
		ret = ckpt_fail(CKPT_ECORRUPT, "%s: the image has no memory map",
				ckpt_in_name(o->input));
		goto out_source;
	}

	/* The end of the data: truncated, if the pump stopped early. */
	if (job.data[1] >= 0)
		close(job.data[1]);
	job.data[1] = -1;
	read_status(&job, msg, sizeof(msg));
	if (msg[0]) {
		/* A damaged stream is the first cause of a failed restart. */
		if (!ret)
			ret = report_failure(&job, msg);
		else
			say_killed(&job);
		goto out_source;
	}
	if (ret) {
		/* The stream failed after the restart completed: cannot be. */
		kill(job.child, SIGKILL);
		goto out_source;
	}

	source_close(&src);
	image_parser_free(job.parser);
	close(job.dev);
	close(job.status[0]);
	if (o->detach) {
		printf("%d\n", (int)job.child);
		return fflush(stdout) ? CKPT_EFAIL : CKPT_OK;
	}
	if (!o->quiet && isatty(2))
		ckpt_note("restarted as pid %d", (int)job.child);
	return wait_program(job.child);

out_source:
	source_close(&src);
	image_parser_free(job.parser);
	free(job.prefix);
out:
	for (i = 0; i < 2; i++) {
		if (job.data[i] >= 0)
			close(job.data[i]);
		if (job.status[i] >= 0)
			close(job.status[i]);
	}
	close(job.dev);
	return ret;
}

/* ---------------------------------------------------------------- options */

enum {
	OPT_DETACH = 0x100,
	OPT_NO_VERIFY,
	OPT_INHERIT_FD,
	OPT_CHANGED_FILES,
};

/* A descriptor number: digits only, 0..INT_MAX; its end in *@end. */
static int parse_fd(const char *s, char **end)
{
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, end, 10);
	return errno || v > INT_MAX ? -1 : (int)v;
}

static int cmp_inherit(const void *a, const void *b)
{
	const struct inherit *x = a, *y = b;

	return (x->to > y->to) - (x->to < y->to);
}

/* --inherit-fd N[:M] */
static int add_inherit(struct options *o, const char *arg)
{
	struct inherit *bigger, *in;
	char *end;
	int to, from;

	to = parse_fd(arg, &end);
	from = to;
	if (to >= 0 && *end == ':')
		from = parse_fd(end + 1, &end);
	if (to < 0 || from < 0 || *end)
		return ckpt_usage(&cmd_restart, "--inherit-fd %s: give N or N:M, descriptor numbers", arg);
	if (fcntl(from, F_GETFD) < 0)
		return ckpt_usage(&cmd_restart, "--inherit-fd %s: descriptor %d of this command is not open",
				  arg, from);
	for (size_t i = 0; i < o->nr_inherit; i++)
		if (o->inherit[i].to == to)
			return ckpt_usage(&cmd_restart, "--inherit-fd %s: descriptor %d of the program is handed over twice",
					  arg, to);
	if (o->nr_inherit == CKPT_INHERIT_MAX)
		return ckpt_usage(&cmd_restart, "--inherit-fd: more than %d descriptors",
				  CKPT_INHERIT_MAX);
	bigger = realloc(o->inherit, (o->nr_inherit + 1) * sizeof(*bigger));
	if (!bigger)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	o->inherit = bigger;
	in = &o->inherit[o->nr_inherit++];
	in->to = to;
	in->from = from;
	qsort(o->inherit, o->nr_inherit, sizeof(*o->inherit), cmp_inherit);
	return CKPT_OK;
}

static int parse_options(struct options *o, int argc, char **argv)
{
	static const struct option options[] = {
		{ "detach", no_argument, NULL, OPT_DETACH },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "inherit-fd", required_argument, NULL, OPT_INHERIT_FD },
		{ "allow-changed-files", no_argument, NULL, OPT_CHANGED_FILES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		KEY_OPTIONS_DECRYPT,
		{ 0 }
	};
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qhi:k:", options, NULL)) != -1) {
		switch (c) {
		case OPT_DETACH:
			o->detach = true;
			break;
		case OPT_NO_VERIFY:
			o->no_verify = true;
			break;
		case OPT_CHANGED_FILES:
			o->changed_files = true;
			break;
		case OPT_INHERIT_FD:
			ret = add_inherit(o, optarg);
			if (ret)
				return ret;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			ckpt_cmd_help(&cmd_restart);
			return -1;
		default:
			ret = ckpt_key_option(&cmd_restart, &o->keys, c, argv);
			if (ret)
				return ret;
		}
	}
	ret = ckpt_one_operand(&cmd_restart, argc,
			       "which image? give FILE, or - for standard input",
			       "one image at a time");
	if (!ret)
		o->input = argv[optind];
	return ret;
}

static int restart(int argc, char **argv)
{
	struct options o = { 0 };
	int ret;

	ret = parse_options(&o, argc, argv);
	if (ret < 0)
		ret = CKPT_OK;	/* --help */
	else if (!ret)
		ret = do_restart(&o);
	key_opts_free(&o.keys);
	free(o.inherit);
	return ret;
}

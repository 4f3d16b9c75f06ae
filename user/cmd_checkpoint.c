// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt checkpoint: save a running process to an image through
 * /dev/checkpoint.
 *
 * The module writes the image to a file descriptor, in one pass, while the
 * target is held still.  Here that descriptor is a pipe: a second thread
 * sits in ioctl(CKPT_IOC_CHECKPOINT) with the write end, and this thread
 * reads the image from the other end, validates it record by record, and
 * writes it, encrypted by default, to the output.  So the plaintext never
 * touches a disk unless asked for (--plaintext), and a module that wrote
 * a malformed image is caught before the image is kept.
 *
 *	ioctl thread			main thread
 *	ioctl(dev, CHECKPOINT, {fd})	read(pipe) -> image_feed -> sink_write
 *	close(write end)		EOF -> join -> ioctl result, image tail
 *
 * The reads and, when encrypting, the writes are each done by a thread of
 * their own (bgio.c), so that on a machine with more than one CPU the
 * module's copy, the encryption and the write of an image overlap.
 *
 * If this side fails first (a full disk, an invalid record, ^C), it closes
 * the read end: the module's next write fails with EPIPE and the target
 * is released.  A thread still waiting for the target to stop is
 * interrupted with SIGUSR1 (the module then returns EINTR).
 *
 * A plaintext image bound for a regular file needs no pipe: the module
 * writes it straight into the temporary file, with one copy of each page,
 * and this thread validates it there, record by record (seeking over the
 * pages), before giving it its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bgio.h"
#include "ckpt.h"
#include "imgio.h"

#define CKPT_DEV	"/dev/checkpoint"
#define ERRBUF_LEN	512
/* A bigger pipe means fewer trips between the module and this thread. */
#define PIPE_SIZE	(1024 * 1024)

static int checkpoint(int argc, char **argv);

const struct ckpt_cmd cmd_checkpoint = {
	.name = "checkpoint",
	.fn = checkpoint,
	.help =
	"save a running process to an image\n"
	"\n"
	"Usage: ckpt checkpoint PID -o FILE|- KEY OPTIONS [OPTIONS]\n"
	"       ckpt checkpoint PID -o FILE|- --plaintext [OPTIONS]\n"
	"\n"
	"Checkpoints process PID through /dev/checkpoint (ckpt.ko) and writes\n"
	"the image to FILE (- for standard output), encrypted unless\n"
	"--plaintext is given.  The process goes on running afterwards unless\n"
	"--kill is given.  The image is validated as it streams; FILE appears\n"
	"only once the image is complete, with mode 0600.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE             where to write the image (required)\n"
	"      --plaintext               write the image unencrypted\n"
	"      --kill                    kill the process once its image is complete\n"
	"      --force                   write to standard output even if it is a terminal\n"
	"  -q, --quiet                   no progress display\n"
	"  -v, --verbose                 say what was saved\n"
	"  -h, --help                    show this help\n"
	"\n"
	"Key options (exactly one kind, unless --plaintext):\n"
	"  -r, --recipient RECIPIENT     encrypt to a recipient, ckpt1... (repeatable)\n"
	"  -R, --recipients-file FILE    encrypt to the recipients in FILE (repeatable)\n"
	"  -k, --key-file FILE           encrypt with a symmetric key file\n"
	"      --passphrase              ask for a passphrase on the terminal (twice)\n"
	"      --passphrase-file FILE    take the passphrase from the first line of FILE\n",
};

struct options {
	int32_t pid;
	const char *output;
	struct key_opts keys;
	int mode;
	bool plaintext;
	bool kill;
	bool force;
	bool quiet;
	bool verbose;
};

/* ---------------------------------------------------------------- ioctl */

/* One checkpoint: the device, the pipe and the thread in the ioctl. */
struct job {
	int32_t pid;
	uint64_t flags;
	int dev;
	int pipe[2];
	int direct;		/* the output file the module writes, or -1 */
	int done;		/* with @direct: an eventfd, told when the ioctl returns */
	pthread_t thread;
	bool running;
	int ret;		/* the ioctl's */
	int err;		/* its errno */
	char errbuf[ERRBUF_LEN];
};

static void *ioctl_thread(void *arg)
{
	struct job *job = arg;
	struct ckpt_checkpoint_args args = {
		.size = sizeof(args),
		.pid = job->pid,
		.fd = job->direct >= 0 ? job->direct : job->pipe[1],
		.flags = job->flags,
		.errbuf = (uintptr_t)job->errbuf,
		.errbuf_len = sizeof(job->errbuf),
	};

	/*
	 * Not restarted after EINTR: part of the image may be out already,
	 * and the reader has seen it.
	 */
	job->ret = ioctl(job->dev, CKPT_IOC_CHECKPOINT, &args);
	job->err = job->ret < 0 ? errno : 0;
	/* End of file for the reader. */
	if (job->pipe[1] >= 0)
		close(job->pipe[1]);
	/* Or the end of wait_direct()'s wait. */
	if (job->done >= 0) {
		const uint64_t one = 1;
		ssize_t n = write(job->done, &one, sizeof(one));

		(void)n;	/* it cannot fail; if it did, the tick ends the wait */
	}
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;	/* only there to interrupt the ioctl */
}

static int open_device(struct job *job)
{
	job->dev = open(CKPT_DEV, O_RDWR | O_CLOEXEC);
	if (job->dev >= 0)
		return CKPT_OK;
	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		ckpt_fail(CKPT_EFAIL, "%s: %s: ckpt.ko is not loaded", CKPT_DEV,
			  strerror(errno));
		ckpt_hint("load the module first (as root: insmod ckpt.ko)");
		return CKPT_EFAIL;
	default:
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", CKPT_DEV);
	}
}

static int start_job(struct job *job)
{
	struct sigaction sa;
	int ret;

	if (job->direct < 0) {
		if (pipe2(job->pipe, O_CLOEXEC))
			return ckpt_fail_errno(CKPT_EFAIL, errno, "pipe");
		/* Best effort: the default 64 KiB works, only more slowly. */
		(void)fcntl(job->pipe[1], F_SETPIPE_SZ, PIPE_SIZE);
	} else {
		job->done = eventfd(0, EFD_CLOEXEC);
		if (job->done < 0)
			return ckpt_fail_errno(CKPT_EFAIL, errno, "eventfd");
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */

	/* The thread inherits the caller's mask: the job signals are blocked. */
	ret = pthread_create(&job->thread, NULL, ioctl_thread, job);
	if (ret) {
		if (job->pipe[0] >= 0) {
			close(job->pipe[0]);
			close(job->pipe[1]);
		}
		job->pipe[0] = job->pipe[1] = -1;
		if (job->done >= 0)
			close(job->done);
		job->done = -1;
		return ckpt_fail_errno(CKPT_EFAIL, ret, "cannot start a thread");
	}
	job->running = true;
	return CKPT_OK;
}

/*
 * Make the ioctl return if it has not: no reader (EPIPE on its next
 * write), and SIGUSR1 for a wait that writes nothing.
 */
static void stop_job(struct job *job)
{
	if (job->pipe[0] >= 0) {
		close(job->pipe[0]);
		job->pipe[0] = -1;
	}
	while (job->running) {
		struct timespec deadline;

		pthread_kill(job->thread, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += 100 * 1000 * 1000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(job->thread, NULL, &deadline) == 0)
			job->running = false;
	}
}

static void finish_job(struct job *job)
{
	if (job->running) {
		pthread_join(job->thread, NULL);
		job->running = false;
	}
	if (job->pipe[0] >= 0)
		close(job->pipe[0]);
	job->pipe[0] = -1;
	if (job->done >= 0)
		close(job->done);
	job->done = -1;
}

/* The module's reason, without the "pid N: " it usually starts with. */
static const char *module_reason(const struct job *job)
{
	char prefix[32];
	size_t len;

	len = snprintf(prefix, sizeof(prefix), "pid %d: ", job->pid);
	if (!strncmp(job->errbuf, prefix, len))
		return job->errbuf + len;
	return job->errbuf;
}

/*
 * The ioctl failed: say why, naming the pid.  The module's own message,
 * when it gave one, is the error; the errno says what to do about it.
 */
static int ioctl_error(const struct job *job)
{
	static const struct {
		int err;
		int code;
		const char *what;	/* when the module said nothing */
		const char *hint;
	} map[] = {
		{ ESRCH, CKPT_EFAIL, "no such process (or it is exiting)", NULL },
		{ EPERM, CKPT_EPERM,
		  "permission denied: the ptrace access check refused (another user's process, a setuid or non-dumpable program, or Yama's ptrace_scope)",
		  "ckpt may checkpoint what a debugger may attach to: the same user's non-setuid processes, and under Yama ptrace_scope 1 (/proc/sys/kernel/yama/ptrace_scope) only descendants, unless run with CAP_SYS_PTRACE" },
		{ EACCES, CKPT_EPERM, "permission denied", NULL },
		{ EDEADLK, CKPT_EUSAGE, "a process cannot checkpoint itself", NULL },
		{ EOPNOTSUPP, CKPT_EUNSUPP,
		  "not supported: the process uses something ckpt.ko cannot save", NULL },
		{ ENXIO, CKPT_EUNSUPP, "is a kernel thread", NULL },
		{ EBUSY, CKPT_EFAIL, "is stopped or being traced",
		  "continue it (kill -CONT PID) or detach its debugger, then try again" },
		{ EAGAIN, CKPT_EFAIL, "is busy in the kernel: try again", NULL },
		{ EINTR, CKPT_EFAIL, "interrupted", NULL },
		{ EINVAL, CKPT_EFAIL, "ckpt.ko refused the request as invalid",
		  "ckpt and ckpt.ko may be from different versions" },
		{ E2BIG, CKPT_EUNSUPP, "ckpt.ko is older than this ckpt and refused the request",
		  "use the ckpt that came with the module" },
		{ ENOTTY, CKPT_EUNSUPP, CKPT_DEV " does not know CKPT_IOC_CHECKPOINT",
		  "is ckpt.ko really the driver behind " CKPT_DEV "?" },
		{ EBADF, CKPT_EFAIL, "ckpt.ko could not write to the image pipe", NULL },
		{ ENOMEM, CKPT_EFAIL, "the kernel ran out of memory", NULL },
	};
	const char *reason = module_reason(job);

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].err != job->err)
			continue;
		ckpt_fail(map[i].code, "pid %d: %s", job->pid,
			  reason[0] ? reason : map[i].what);
		if (map[i].hint)
			ckpt_hint("%s", map[i].hint);
		return map[i].code;
	}
	if (reason[0])
		return ckpt_fail(CKPT_EFAIL, "pid %d: %s (%s)", job->pid, reason,
				 strerror(job->err));
	return ckpt_fail(CKPT_EFAIL, "pid %d: checkpoint failed: %s", job->pid,
			 strerror(job->err));
}

/* ---------------------------------------------------------------- progress */

/* Bytes and MiB/s on a terminal, a few times a second; erased at the end. */
struct progress {
	bool on;
	bool shown;
	int32_t pid;
	double start;
	double last;
};

static void progress_init(struct progress *pr, int32_t pid, bool quiet)
{
	pr->on = !quiet && isatty(STDERR_FILENO);
	pr->shown = false;
	pr->pid = pid;
	pr->start = pr->last = ckpt_now();
}

static void progress_update(struct progress *pr, uint64_t bytes)
{
	double now = ckpt_now();

	if (!pr->on || now - pr->last < 0.25)
		return;
	pr->last = now;
	pr->shown = true;
	fprintf(stderr, "\rckpt: pid %d: %.1f MiB, %.1f MiB/s\033[K", pr->pid,
		bytes / 1048576.0, bytes / 1048576.0 / (now - pr->start));
}

static void progress_end(struct progress *pr)
{
	if (pr->shown)
		fputs("\r\033[K", stderr);
	pr->shown = false;
}

/* ---------------------------------------------------------------- the run */

/*
 * Read the image until the module closes the pipe.  A thread reads the
 * pipe, so that this one spends its time encrypting.  The job signals
 * stay blocked except while this thread waits for the reader, where an
 * interrupt is seen within a tenth of a second.
 */
static int pump(struct job *job, struct image_parser *p, struct sink *sink,
		struct progress *pr, const sigset_t *waitmask)
{
	struct bgio *in;
	int ret;

	ret = bgio_reader(&in, job->pipe[0], "the module's pipe", CKPT_IO_BUF);
	if (ret)
		return ret;
	bgio_wait_mask(in, waitmask);
	for (;;) {
		size_t n;
		unsigned char *buf = bgio_get(in, &n);

		if (!buf) {
			ret = ckpt_cancelled() ?
			      ckpt_fail(CKPT_EFAIL, "pid %d: interrupted", job->pid) :
			      CKPT_EFAIL;
			break;
		}
		if (!n)
			break;
		ret = image_feed(p, buf, n);
		if (!ret)
			ret = sink_write(sink, buf, n);
		bgio_put(in, 0);
		if (ret)
			break;
		progress_update(pr, image_parser_image(p)->length);
	}
	/* Its buffers, which held process memory, are wiped. */
	bgio_free(in);
	return ret;
}

/*
 * The module writes the output file itself: wait for it, showing how far
 * it got, then check what it wrote, from its start.  The ioctl's thread
 * ends the wait through job->done; the tick is for the progress line.
 */
static int wait_direct(struct job *job, struct image_parser *p,
		       struct sink *sink, struct progress *pr,
		       const sigset_t *waitmask)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct pollfd done = { .fd = job->done, .events = POLLIN };
	struct source src = { 0 };
	struct stat st;
	int ret;

	for (;;) {
		if (ckpt_cancelled())
			return ckpt_fail(CKPT_EFAIL, "pid %d: interrupted", job->pid);
		if (!pthread_tryjoin_np(job->thread, NULL))
			break;
		if (!fstat(job->direct, &st))
			progress_update(pr, (uint64_t)st.st_size);
		/* The job signals come in here only. */
		ppoll(&done, 1, &tick, waitmask);
	}
	job->running = false;
	if (job->ret < 0)
		return CKPT_OK;		/* the caller reports the module's error */
	if (lseek(job->direct, 0, SEEK_SET))
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", sink->out.name);
	ckpt_in_init_fd(&src.in, job->direct, sink->out.name);
	src.name = sink->out.name;
	ret = source_scan(&src, p);
	sink->bytes = image_parser_image(p)->length;
	return ret;
}

static void say_done(const struct options *o, const struct ckpt_image *img,
		     double secs)
{
	ckpt_note("pid %d (%s): %zu VMAs, %llu pages saved (%.1f MiB); image of %llu bytes written to %s, %s, in %.2f s",
		  o->pid, img->task.comm, img->nr_vmas,
		  (unsigned long long)img->nr_pages,
		  img->nr_pages * CKPT_IMAGE_PAGE_SIZE / 1048576.0,
		  (unsigned long long)img->length, ckpt_out_name(o->output),
		  o->plaintext ? "plaintext" : ckpt_mode_name(o->mode),
		  secs);
}

/*
 * What restart will not reopen by itself: descriptors above 2 that lead
 * outside the process.  Not an error: restart takes them from its
 * caller, if told which.
 */
static void say_outside(const struct ckpt_image *img)
{
	for (size_t i = 0; i < img->nr_files; i++) {
		const struct image_file *f = &img->files[i];

		if (f->fd <= 2 || !image_file_outside(img, f))
			continue;
		ckpt_note("fd %d is %s, which leads outside the process: restart needs --inherit-fd %d",
			  f->fd, f->name, f->fd);
	}
}

/* Everything from the open device on: the output, the thread, the pump. */
static int run_job(struct job *job, const struct options *o,
		   const struct ckpt_keyring *kr)
{
	static const int job_signals[] = { SIGINT, SIGTERM, SIGHUP };
	char name[64];
	struct image_parser *p;
	struct progress pr;
	struct sink sink;
	sigset_t block, waitmask;
	int ret;

	snprintf(name, sizeof(name), "image of pid %d", o->pid);
	p = image_parser_new(name);
	if (!p)
		return CKPT_EFAIL;
	ret = sink_open(&sink, o->output, o->plaintext ? CKPT_MODE_NONE : o->mode,
			kr, NULL, o->force);
	if (ret) {
		image_parser_free(p);
		return ret;
	}

	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(job_signals); i++)
		sigaddset(&block, job_signals[i]);
	pthread_sigmask(SIG_BLOCK, &block, &waitmask);

	progress_init(&pr, o->pid, o->quiet);
	if (o->plaintext && sink.out.tmp)
		job->direct = sink.out.fd;
	ret = start_job(job);
	if (!ret) {
		if (job->direct >= 0)
			ret = wait_direct(job, p, &sink, &pr, &waitmask);
		else
			ret = pump(job, p, &sink, &pr, &waitmask);
		if (ret)
			stop_job(job);
		finish_job(job);
		/* Our own failure caused the module's: report ours. */
		if (!ret && job->ret < 0)
			ret = ioctl_error(job);
		if (!ret && job->direct < 0)
			ret = image_finish(p);
	}
	progress_end(&pr);
	pthread_sigmask(SIG_SETMASK, &waitmask, NULL);

	if (ret) {
		sink_abort(&sink);
	} else {
		ret = sink_commit(&sink);
		if (!ret && o->verbose && !o->quiet)
			say_done(o, image_parser_image(p), ckpt_now() - pr.start);
		if (!ret && !o->quiet)
			say_outside(image_parser_image(p));
	}
	if (ret == CKPT_ECORRUPT || ret == CKPT_ETRUNC || ret == CKPT_EFORMAT)
		if (!ckpt_errhint()[0])
			ckpt_hint("ckpt.ko wrote an image this ckpt cannot read: are they from the same version?");
	image_parser_free(p);
	return ret;
}

static int do_checkpoint(struct options *o)
{
	struct ckpt_keyring kr = { 0 };
	struct job job = {
		.pid = o->pid,
		.flags = o->kill ? CKPT_CHECKPOINT_KILL : 0,
		.dev = -1,
		.pipe = { -1, -1 },
		.direct = -1,
		.done = -1,
	};
	int ret;

	/* The device first: no passphrase asked for if the module is not there. */
	ret = open_device(&job);
	if (!ret && !o->plaintext)
		ret = keys_load_encrypt(&kr, &o->keys, o->mode);
	if (!ret)
		ret = run_job(&job, o, &kr);
	keyring_free(&kr);
	if (job.dev >= 0)
		close(job.dev);
	return ret;
}

/* ---------------------------------------------------------------- options */

enum {
	OPT_PLAINTEXT = 0x100,
	OPT_KILL,
	OPT_FORCE,
};

static int parse_options(struct options *o, int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "plaintext", no_argument, NULL, OPT_PLAINTEXT },
		{ "kill", no_argument, NULL, OPT_KILL },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		KEY_OPTIONS_ENCRYPT,
		{ 0 }
	};
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qvhr:R:k:", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case OPT_PLAINTEXT:
			o->plaintext = true;
			break;
		case OPT_KILL:
			o->kill = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			ckpt_cmd_help(&cmd_checkpoint);
			return -1;
		default:
			ret = ckpt_key_option(&cmd_checkpoint, &o->keys, c, argv);
			if (ret)
				return ret;
		}
	}
	ret = ckpt_one_operand(&cmd_checkpoint, argc,
			       "which process? give its PID",
			       "one process at a time");
	if (ret)
		return ret;
	if (ckpt_parse_pid(argv[optind], &o->pid))
		return ckpt_usage(&cmd_checkpoint, "'%s' is not a process id",
				  argv[optind]);
	if (!o->output)
		return ckpt_usage(&cmd_checkpoint, "where to? give -o FILE, or -o - for standard output");
	ret = key_opts_encrypt_mode(&o->keys, &o->mode);
	if (ret)
		return ret;
	if (o->plaintext && o->mode != CKPT_MODE_NONE)
		return ckpt_usage(&cmd_checkpoint, "--plaintext and key options exclude each other");
	if (!o->plaintext && o->mode == CKPT_MODE_NONE) {
		ckpt_fail(CKPT_EUSAGE, "checkpoint: no key: images are encrypted, to recipients (-r, -R), with a key file (-k) or a passphrase");
		ckpt_hint("make an identity with 'ckpt keygen -o FILE' and pass its recipient with -r, or use --plaintext");
		return CKPT_EUSAGE;
	}
	return CKPT_OK;
}

static int checkpoint(int argc, char **argv)
{
	struct options o = { 0 };
	int ret;

	ret = parse_options(&o, argc, argv);
	if (ret < 0)
		ret = CKPT_OK;	/* --help */
	else if (!ret)
		ret = do_checkpoint(&o);
	key_opts_free(&o.keys);
	return ret;
}

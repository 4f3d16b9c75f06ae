/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the lsm_* selftests: running a samples/lsm/ loader in the
 * background and reading what it says, a victim process to checkpoint,
 * and small images to restart.  Loading BPF needs root: the tests SKIP
 * as another user.
 */
#ifndef CKPT_LSM_TEST_H
#define CKPT_LSM_TEST_H

#include <poll.h>
#include <sys/syscall.h>

#include "ckpt_test.h"

#define LSM_NEED_ROOT "loading BPF programs needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)"

/* In a TEST(): SKIP unless root, with ckpt.ko loaded. */
#define SKIP_UNLESS_ROOT_AND_CKPT() do {				\
	if (geteuid() != 0)						\
		SKIP(return, LSM_NEED_ROOT);				\
	if (!ckpt_available())						\
		SKIP(return, "ckpt.ko is not loaded");			\
} while (0)

/* How long a loader may take to attach: libbpf parses the kernel's BTF. */
#define LOADER_ATTACH_MS	60000

/* A loader of samples/lsm/ running in the background. */
struct loader {
	pid_t pid;
	int out;		/* its standard output and error */
	int status;		/* its wait status, once it is gone */
	size_t len;
	char log[32768];	/* all it has said */
};

/*
 * Read what @l says for up to @ms milliseconds, or until it closes its
 * output.  Returns the bytes read, -1 at end of output.
 */
static inline int loader_read(struct loader *l, int ms)
{
	struct pollfd p = { .fd = l->out, .events = POLLIN };
	ssize_t n;

	if (l->out < 0)
		return -1;
	if (poll(&p, 1, ms) <= 0)
		return 0;
	/* Full: keep the newer half. */
	if (l->len > sizeof(l->log) - 4096) {
		size_t keep = l->len / 2;

		memmove(l->log, l->log + l->len - keep, keep);
		l->len = keep;
		l->log[l->len] = '\0';
	}
	n = read(l->out, l->log + l->len, sizeof(l->log) - 1 - l->len);
	if (n <= 0) {
		close(l->out);
		l->out = -1;
		return -1;
	}
	l->len += n;
	l->log[l->len] = '\0';
	return n;
}

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to @ms for @needle in what @l said. */
static inline bool loader_wait_for(struct loader *l, const char *needle, int ms)
{
	long end = now_ms() + ms;

	while (!strstr(l->log, needle)) {
		long left = end - now_ms();

		if (left <= 0 || loader_read(l, left) < 0)
			return strstr(l->log, needle) != NULL;
	}
	return true;
}

/*
 * Start the loader @argv (argv[0] from PATH, which in a guest has
 * build/bin, else from $CKPT_REPO/build/bin) and wait until it has
 * attached.  Returns 0, or -1 with @l->log saying why (and the loader
 * reaped).
 */
static inline int loader_start(struct loader *l, char *const argv[])
{
	int p[2];
	pid_t parent = getpid();

	memset(l, 0, sizeof(*l));
	l->out = -1;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	l->pid = fork();
	if (l->pid < 0)
		return -1;
	if (l->pid == 0) {
		char path[4096];
		const char *repo = getenv("CKPT_REPO");

		/* Detach with the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		if (repo) {
			snprintf(path, sizeof(path), "%s/build/bin/%s", repo, argv[0]);
			execv(path, argv);
		}
		dprintf(2, "cannot run %s: %s (make builds build/bin/%s)\n",
			argv[0], strerror(errno), argv[0]);
		_exit(127);
	}
	close(p[1]);
	l->out = p[0];
	if (loader_wait_for(l, ": attached:", LOADER_ATTACH_MS))
		return 0;
	/* It failed, or is stuck: make sure it is gone. */
	kill(l->pid, SIGKILL);
	waitpid(l->pid, &l->status, 0);
	while (loader_read(l, 1000) > 0)
		;
	l->pid = 0;
	return -1;
}

/*
 * SIGTERM @l, collect the rest of its output and its exit.  Returns its
 * exit status, or -1 if it died otherwise.  When this returns, its
 * programs are detached: closing the last link's file detaches it, and
 * the process has exited.
 */
static inline int loader_stop(struct loader *l)
{
	if (l->pid <= 0)
		return -1;
	kill(l->pid, SIGTERM);
	while (loader_read(l, 10000) > 0)
		;
	if (waitpid(l->pid, &l->status, 0) != l->pid)
		return -1;
	l->pid = 0;
	if (l->out >= 0) {
		close(l->out);
		l->out = -1;
	}
	return WIFEXITED(l->status) ? WEXITSTATUS(l->status) : -1;
}

/* For teardown: a loader must never outlive its test. */
static inline void loader_kill(struct loader *l)
{
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
		l->pid = 0;
	}
	if (l->out >= 0) {
		close(l->out);
		l->out = -1;
	}
}

/*
 * A process named @comm that answers every byte on its standard input
 * with the same byte on its standard output: something to checkpoint
 * that can show it is still well afterwards.  Only descriptors 0-2.
 */
struct victim {
	pid_t pid;
	int to, from;		/* our ends of its stdin and stdout */
};

/* What a child does before it serves (image_setup_fn, below). */
typedef void (*image_setup_fn)(void *arg);

/* Start a victim named @comm that first runs @setup(@arg), if given. */
static inline int victim_start_setup(struct victim *v, const char *comm,
				     image_setup_fn setup, void *arg)
{
	int in[2], out[2];

	v->pid = 0;
	v->to = v->from = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	v->pid = fork_child();
	if (v->pid < 0)
		return -1;
	if (v->pid == 0) {
		char c;

		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(1);
		close_fds_above_2();
		prctl(PR_SET_NAME, comm);
		if (setup)
			setup(arg);
		while (read(0, &c, 1) == 1)
			if (write(1, &c, 1) != 1)
				break;
		_exit(0);
	}
	close(in[0]);
	close(out[1]);
	v->to = in[1];
	v->from = out[0];
	/* Ready when it waits in read(). */
	return wait_in_syscall(v->pid, SYS_read, 20000) ? 0 : -1;
}

static inline int victim_start(struct victim *v, const char *comm)
{
	return victim_start_setup(v, comm, NULL, NULL);
}

/*
 * Is it running, not stopped, and does it still answer?  (Nothing here
 * needs ptrace access to it, which a policy may refuse.)
 */
static inline bool victim_is_well(struct victim *v)
{
	struct pollfd p = { .fd = v->from, .events = POLLIN };
	char path[64], buf[512], *s, c = 'x';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", v->pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!s || !(s = strrchr(buf, ')')) || (s[2] != 'S' && s[2] != 'R'))
		return false;
	return write(v->to, &c, 1) == 1 && poll(&p, 1, 10000) == 1 &&
	       read(v->from, &c, 1) == 1 && c == 'x';
}

static inline void victim_stop(struct victim *v)
{
	kill_child(v->pid);
	v->pid = 0;
	if (v->to >= 0)
		close(v->to);
	if (v->from >= 0)
		close(v->from);
	v->to = v->from = -1;
}

/* Checkpoint @pid into a fresh memfd; the fd, or -1 with errno. */
static inline int checkpoint_to_memfd(pid_t pid, char *msg, size_t msglen)
{
	int fd = memfd_create("ckpt-image", MFD_CLOEXEC), saved;

	if (fd < 0)
		return -1;
	if (ckpt_checkpoint_msg(pid, fd, 0, msg, msglen)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* An image_setup_fn: map an area both writable and executable. */
static inline void map_wx(void *arg)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		_exit(1);
	p[0] = (char)0xc3;	/* ret */
}

/*
 * Make an image of a child that ran @setup(@arg) (may be NULL) and then
 * waits in pause(): into @img, also open as the returned fd; -1 on
 * failure.  The child (its pid in *@pidp, if given) is gone afterwards.
 */
static inline int pause_image(struct image *img, image_setup_fn setup,
			      void *arg, pid_t *pidp)
{
	pid_t pid = fork_child();
	int fd;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		close_fds_above_2();
		if (setup)
			setup(arg);
		for (;;)
			pause();
	}
	fd = -1;
	if (pidp)
		*pidp = pid;
	if (wait_in_syscall(pid, SYS_pause, 20000))
		fd = checkpoint_to_memfd(pid, NULL, 0);
	if (fd >= 0 && image_load(img, fd)) {
		close(fd);
		fd = -1;
	}
	kill_child(pid);
	return fd;
}

/*
 * Restart @img and, if the restored program runs, check that it waits in
 * pause() as it did, then end it.  Returns true if it was restored.
 */
static inline bool restart_and_reap(const struct image *img, int fd,
				    struct restart_result *res)
{
	bool ok;

	if (restart_image(img, fd, -1, (uid_t)-1, res))
		return false;
	if (!res->started)
		return false;
	ok = wait_in_syscall(res->pid, SYS_pause, 20000);
	kill_child(res->pid);
	res->pid = 0;
	return ok;
}

/*
 * What a refused restart must leave alone in its caller, the child that
 * called CKPT_IOC_RESTART: taken just before the call (caller_prep())
 * and compared when it returns (caller_check()).  The child first gives
 * itself a comm of its own, an area of known bytes and an open file
 * with known contents and offset, so that anything of the image's that
 * landed in it would show.  Static: nothing here may allocate between
 * the two, or the memory maps would differ for that alone.
 */
#define CALLER_COMM	"ckpt-caller"
#define CALLER_SEED	0x5eed
#define CALLER_LEN	(64 * 1024)
#define CALLER_FDS	1024

struct caller_state {
	char comm[16];
	char cwd[4096];
	sigset_t mask;
	struct stat fds[CALLER_FDS];	/* st_ino 0: not open */
	char maps[65536];
};

static struct caller_state caller_before, caller_after;
static unsigned char *caller_mem;
static int caller_fd = -1;
static const char *caller_prep_failed;

/* The caller's state into @s; -1 if it could not be read. */
static inline int caller_snapshot(struct caller_state *s)
{
	ssize_t n, len = 0;
	int fd;

	memset(s, 0, sizeof(*s));
	if (prctl(PR_GET_NAME, s->comm) || !getcwd(s->cwd, sizeof(s->cwd)) ||
	    sigprocmask(SIG_SETMASK, NULL, &s->mask))
		return -1;
	for (fd = 0; fd < CALLER_FDS; fd++)
		if (fstat(fd, &s->fds[fd]))
			memset(&s->fds[fd], 0, sizeof(s->fds[fd]));
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, s->maps + len, sizeof(s->maps) - 1 - len)) > 0)
		len += n;
	close(fd);
	return n < 0 ? -1 : 0;
}

/* A restart_child_prep: the caller's own state, and a snapshot of it. */
static void caller_prep(void)
{
	char stack[256 * 1024];

	/* Grow the stack now, not between the snapshots. */
	explicit_bzero(stack, sizeof(stack));
	prctl(PR_SET_NAME, CALLER_COMM);
	caller_mem = mmap(NULL, CALLER_LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (caller_mem == MAP_FAILED) {
		caller_prep_failed = "test setup: mmap";
		return;
	}
	fill_pattern(caller_mem, CALLER_LEN, CALLER_SEED);
	caller_fd = memfd_create("ckpt-caller", MFD_CLOEXEC);
	if (caller_fd < 0 ||
	    write(caller_fd, caller_mem, CALLER_LEN / 2) != CALLER_LEN / 2)
		caller_prep_failed = "test setup: its open file";
	else if (caller_snapshot(&caller_before))
		caller_prep_failed = "test setup: cannot read its state";
}

/* A restart_child_after: NULL if the caller is as caller_prep() left it. */
static const char *caller_check(void)
{
	static unsigned char buf[CALLER_LEN / 2];
	int fd;

	if (caller_prep_failed)
		return caller_prep_failed;
	if (check_pattern(caller_mem, CALLER_LEN, CALLER_SEED) != -1)
		return "the bytes of its memory";
	if (lseek(caller_fd, 0, SEEK_CUR) != CALLER_LEN / 2)
		return "the offset of its open file";
	if (pread(caller_fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    check_pattern(buf, sizeof(buf), CALLER_SEED) != -1)
		return "the contents of its open file";
	if (caller_snapshot(&caller_after))
		return "cannot read its state";
	if (strcmp(caller_before.comm, caller_after.comm))
		return "its comm";
	if (strcmp(caller_before.cwd, caller_after.cwd))
		return "its working directory";
	if (memcmp(&caller_before.mask, &caller_after.mask, sizeof(sigset_t)))
		return "its signal mask";
	for (fd = 0; fd < CALLER_FDS; fd++)
		if (caller_before.fds[fd].st_dev != caller_after.fds[fd].st_dev ||
		    caller_before.fds[fd].st_ino != caller_after.fds[fd].st_ino)
			return "its file descriptors";
	if (strcmp(caller_before.maps, caller_after.maps))
		return "its memory map";
	/* And it can still use what it has. */
	if (write(caller_fd, "x", 1) != 1)
		return "writing to its open file";
	return NULL;
}

/*
 * Restart @img where a policy should refuse it; should the restored
 * program run all the same, end it.  Returns restart_image()'s result;
 * how it was refused is in @res, and @res->intact says whether the
 * caller was left as it was (caller_check()).
 */
static inline int restart_refused(const struct image *img, int fd,
				  struct restart_result *res)
{
	int ret;

	restart_child_prep = caller_prep;
	restart_child_after = caller_check;
	ret = restart_image(img, fd, -1, (uid_t)-1, res);
	restart_child_prep = NULL;
	restart_child_after = NULL;
	if (!ret && res->started)
		kill_child(res->pid);
	return ret;
}

/*
 * Is "bpf" among the active LSMs?  1 yes, 0 no, -1 cannot tell.  Mounts
 * securityfs where it belongs if nothing is there (root only).  @list
 * receives the list.
 */
static inline int bpf_lsm_active(char *list, size_t len)
{
	const char *path = "/sys/kernel/security/lsm";
	char buf[512] = "", *tok, *save = NULL;
	int active = 0;
	FILE *f;

	if (access(path, R_OK) && geteuid() == 0) {
		int ret = system("mount -t securityfs securityfs /sys/kernel/security 2>/dev/null");

		(void)ret;
	}
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(list, len, "%s", buf);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			active = 1;
	return active;
}

#endif /* CKPT_LSM_TEST_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Who may checkpoint what, and what a checkpoint does to its target.
 *
 * Every refusal of CKPT_IOC_CHECKPOINT is asserted as -1 with its exact
 * errno, and every target is checked afterwards to be running and
 * unharmed.  Runs as root and as an unprivileged user: tests that need
 * another user's process build one when root and use one the system has
 * (init) otherwise.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/syscall.h>

#include "ckpt_test.h"
#include "ckpt_harness.h"

/* Memory the target touches, so that its image outgrows a pipe buffer. */
#define TARGET_TOUCH	(1 << 20)

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * The target: answers every SIGUSR1 with a byte on its pipe, which shows
 * that it still runs, still has its handler, and still has its memory.
 */
static void target_main(int out)
{
	unsigned char *mem = malloc(TARGET_TOUCH);
	sigset_t usr1, old;
	char c = 'r';

	if (!mem)
		_exit(1);
	fill_pattern(mem, TARGET_TOUCH, 42);
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	if (write(out, &c, 1) != 1)
		_exit(1);
	for (;;) {
		sigsuspend(&old);
		c = check_pattern(mem, TARGET_TOUCH, 42) < 0 ? 'p' : 'x';
		if (write(out, &c, 1) != 1)
			_exit(1);
	}
}

FIXTURE(target) {
	pid_t pid;
	int ctl;
};

FIXTURE_SETUP(target)
{
	sigset_t chld;
	int p[2];
	char c;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");

	/* A stop or a continue of the target would show as SIGCHLD. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &chld, NULL));

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->pid = fork_child();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		/* Its answers go to stdout: a pipe above 2 is not supported. */
		if (dup2(p[1], 1) != 1)
			_exit(1);
		close_fds_above_2();
		target_main(1);
	}
	close(p[1]);
	self->ctl = p[0];
	ASSERT_EQ(1, read(self->ctl, &c, 1));
	ASSERT_EQ('r', c);
}

FIXTURE_TEARDOWN(target)
{
	kill_child(self->pid);
	close(self->ctl);
}

/* The target is alive, not stopped, and its memory is intact. */
static bool target_is_unharmed(struct __test_metadata *_metadata,
			       FIXTURE_DATA(target) *self)
{
	struct pollfd pfd = { .fd = self->ctl, .events = POLLIN };
	sigset_t pending;
	int status;
	char c = 0;

	if (waitpid(self->pid, &status, WNOHANG | WUNTRACED | WCONTINUED)) {
		TH_LOG("the target changed state: status %#x", status);
		return false;
	}
	if (sigpending(&pending) || sigismember(&pending, SIGCHLD)) {
		TH_LOG("the parent got SIGCHLD");
		return false;
	}
	if (kill(self->pid, SIGUSR1))
		return false;
	if (poll(&pfd, 1, 20000) != 1 || read(self->ctl, &c, 1) != 1) {
		TH_LOG("the target does not answer");
		return false;
	}
	if (c != 'p')
		TH_LOG("the target's memory changed");
	return c == 'p';
}

static int memfd(void)
{
	return memfd_create("ckpt-image", MFD_CLOEXEC);
}

TEST_F(target, checkpoints_to_a_file_and_leaves_target_running)
{
	struct image img;
	char msg[256];
	int fd = memfd();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_checkpoint_msg(self->pid, fd, 0, msg, sizeof(msg)))
		TH_LOG("checkpoint: %s: %s", strerror(errno), msg);
	ASSERT_EQ(0, image_load(&img, fd));
	EXPECT_TRUE(image_is_whole(&img));
	/* The target's malloc()ed megabyte is in the image. */
	EXPECT_LT(TARGET_TOUCH, img.len);
	image_free(&img);
	close(fd);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, appends_at_the_file_position)
{
	struct image img;
	int fd = memfd();

	ASSERT_LE(0, fd);
	ASSERT_EQ(7, write(fd, "prefix:", 7));
	ASSERT_EQ(0, ckpt_checkpoint(self->pid, fd, 0));
	ASSERT_EQ(0, image_load(&img, fd));
	ASSERT_EQ(0, memcmp(img.buf, "prefix:", 7));
	memmove(img.buf, img.buf + 7, img.len - 7);
	img.len -= 7;
	EXPECT_TRUE(image_is_whole(&img));
	image_free(&img);
	close(fd);
}

struct drain {
	int fd;
	struct image img;
};

static void *drain_pipe(void *arg)
{
	struct drain *d = arg;
	size_t cap = 1 << 20;
	ssize_t n;

	d->img.buf = malloc(cap);
	d->img.len = 0;
	while (d->img.buf) {
		if (d->img.len == cap) {
			unsigned char *bigger = realloc(d->img.buf, cap *= 2);

			if (!bigger) {
				free(d->img.buf);
				d->img.buf = NULL;
				break;
			}
			d->img.buf = bigger;
		}
		n = read(d->fd, d->img.buf + d->img.len, cap - d->img.len);
		if (n <= 0)
			break;
		d->img.len += n;
	}
	return NULL;
}

TEST_F(target, checkpoints_to_a_pipe_in_one_pass)
{
	struct drain d = {};
	pthread_t reader;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	d.fd = p[0];
	ASSERT_EQ(0, pthread_create(&reader, NULL, drain_pipe, &d));
	EXPECT_EQ(0, ckpt_checkpoint(self->pid, p[1], 0));
	close(p[1]);
	pthread_join(reader, NULL);
	close(p[0]);
	ASSERT_NE(NULL, d.img.buf);
	EXPECT_TRUE(image_is_whole(&d.img));
	image_free(&d.img);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

/* Zero @len bytes of @img's saved memory at @addr, wherever saved. */
static void zero_mem(struct image *img, __u64 addr, size_t len)
{
	const struct ckpt_hdr *h;
	long page = sysconf(_SC_PAGESIZE);
	size_t off = 0;

	while ((h = image_next(img, &off))) {
		const struct ckpt_hdr_pages *p = (const void *)h;
		__u64 start = p->addr, end, lo, hi;

		if (h->type != CKPT_HDR_PAGES)
			continue;
		end = start + (__u64)p->nr_pages * page;
		lo = addr > start ? addr : start;
		hi = addr + len < end ? addr + len : end;
		if (lo < hi)
			memset((char *)(p + 1) + (lo - start), 0, hi - lo);
	}
}

/*
 * A socket is written as a pipe is, in one pass: the image that comes out
 * of the other end is whole, and is the image a file gets of the same
 * state (the target waits in sigsuspend() throughout: a checkpoint
 * leaves it there) but for the time the header was written and the
 * target's rseq area, where the kernel writes the CPU it last ran on.
 */
TEST_F(target, checkpoints_to_a_socket_as_to_a_file)
{
	const struct ckpt_hdr_task *task;
	struct ckpt_hdr_header *hdr;
	struct image file;
	struct drain d = {};
	pthread_t reader;
	char msg[256];
	int fd = memfd(), s[2];
	size_t off;

	ASSERT_LE(0, fd);
	/* Past the write() of its 'r', in sigsuspend() for both images. */
	ASSERT_TRUE(wait_in_syscall(self->pid, SYS_rt_sigsuspend, 20000));
	ASSERT_EQ(0, ckpt_checkpoint(self->pid, fd, 0));
	ASSERT_EQ(0, image_load(&file, fd));
	close(fd);
	ASSERT_TRUE(image_is_whole(&file));

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s));
	d.fd = s[1];
	ASSERT_EQ(0, pthread_create(&reader, NULL, drain_pipe, &d));
	EXPECT_EQ(0, ckpt_checkpoint_msg(self->pid, s[0], 0, msg, sizeof(msg)))
		TH_LOG("checkpoint into a socket: %s: %s", strerror(errno), msg);
	close(s[0]);
	pthread_join(reader, NULL);
	close(s[1]);
	ASSERT_NE(NULL, d.img.buf);
	EXPECT_TRUE(image_is_whole(&d.img));
	/* The target's malloc()ed megabyte went through the socket too. */
	EXPECT_LT(TARGET_TOUCH, d.img.len);
	ASSERT_EQ(file.len, d.img.len);
	hdr = (void *)d.img.buf;
	hdr->time = ((struct ckpt_hdr_header *)file.buf)->time;
	task = image_find(&file, CKPT_HDR_TASK);
	ASSERT_NE(NULL, task);
	zero_mem(&file, task->rseq, task->rseq_len);
	zero_mem(&d.img, task->rseq, task->rseq_len);
	for (off = 0; off < file.len && file.buf[off] == d.img.buf[off]; off++)
		;
	EXPECT_EQ(file.len, off) {
		const struct ckpt_hdr *h;
		size_t at = 0, here = 0;

		while ((h = image_next(&file, &at)) && at <= off)
			here = at;
		TH_LOG("byte %zu differs: record type %u at %zu, its byte %zu (rseq at %llx)",
		       off, h ? h->type : 0, here, off - here,
		       (unsigned long long)task->rseq);
	}
	image_free(&d.img);
	image_free(&file);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, kill_flag_kills_the_target_after_the_image)
{
	struct image img;
	int status, fd = memfd();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_checkpoint(self->pid, fd, CKPT_CHECKPOINT_KILL));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	self->pid = 0;
	ASSERT_EQ(0, image_load(&img, fd));
	EXPECT_TRUE(image_is_whole(&img));
	EXPECT_EQ(CKPT_CHECKPOINT_KILL,
		  ((struct ckpt_hdr_header *)img.buf)->flags);
	image_free(&img);
	close(fd);
}

TEST_F(target, refuses_unknown_flags)
{
	int fd = memfd();

	ASSERT_EQ(-1, ckpt_checkpoint(self->pid, fd, 1ULL << 63));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, refuses_nonzero_reserved_fields_and_short_args)
{
	struct ckpt_checkpoint_args args = {
		.size = sizeof(args), .pid = self->pid, .fd = memfd(),
	};
	int dev = open(CKPT_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, dev);
	args.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(dev, CKPT_IOC_CHECKPOINT, &args));
	EXPECT_EQ(EINVAL, errno);
	args.reserved[1] = 0;
	args.size = 8;
	EXPECT_EQ(-1, ioctl(dev, CKPT_IOC_CHECKPOINT, &args));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(dev, _IO(CKPT_IOC_MAGIC, 99), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(args.fd);
	close(dev);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, refuses_a_fd_not_open_for_writing)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ckpt_checkpoint(self->pid, fd, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ckpt_checkpoint(self->pid, 1000, 0));
	EXPECT_EQ(EBADF, errno);
	close(fd);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, fails_cleanly_on_a_full_disk)
{
	char dir[] = "/tmp/ckpt-full.XXXXXX", path[64], msg[256];
	int fd;

	if (geteuid() != 0)
		SKIP(return, "mounting a small tmpfs needs root");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "size=64k"));
	snprintf(path, sizeof(path), "%s/image", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ckpt_checkpoint_msg(self->pid, fd, 0, msg, sizeof(msg)));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_NE(0, msg[0]);
	close(fd);
	umount(dir);
	rmdir(dir);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, fails_cleanly_at_the_file_size_limit)
{
	struct rlimit rl = { .rlim_cur = 65536, .rlim_max = RLIM_INFINITY };
	int fd = memfd();

	ASSERT_LE(0, fd);
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &rl));
	EXPECT_EQ(-1, ckpt_checkpoint(self->pid, fd, 0));
	EXPECT_EQ(EFBIG, errno);
	rl.rlim_cur = RLIM_INFINITY;
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &rl));
	close(fd);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, fails_cleanly_when_the_reader_goes_away)
{
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	close(p[0]);
	EXPECT_EQ(-1, ckpt_checkpoint(self->pid, p[1], 0));
	EXPECT_EQ(EPIPE, errno);
	close(p[1]);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(target, fails_cleanly_when_the_checkpointer_is_interrupted)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	int p[2];

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	/* Nobody reads: the checkpoint blocks once the pipe is full. */
	alarm(2);
	EXPECT_EQ(-1, ckpt_checkpoint(self->pid, p[1], 0));
	EXPECT_EQ(EINTR, errno);
	alarm(0);
	close(p[0]);
	close(p[1]);
	EXPECT_TRUE(target_is_unharmed(_metadata, self));
}

TEST_F(target, refuses_a_traced_process)
{
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, self->pid, 0, 0));
	EXPECT_EQ(-1, ckpt_checkpoint(self->pid, memfd(), 0));
	EXPECT_EQ(EBUSY, errno);
	/* The teardown's SIGKILL ends the trace too. */
}

TEST_F(target, refuses_a_stopped_process)
{
	int status;

	ASSERT_EQ(0, kill(self->pid, SIGSTOP));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(-1, ckpt_checkpoint(self->pid, memfd(), 0));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, kill(self->pid, SIGCONT));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, WCONTINUED));
}

TEST(refuses_itself)
{
	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	EXPECT_EQ(-1, ckpt_checkpoint(getpid(), memfd(), 0));
	EXPECT_EQ(EDEADLK, errno);
}

TEST(refuses_a_kernel_thread)
{
	char comm[32] = "";
	FILE *f;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	/* pid 2 is kthreadd in the initial pid namespace. */
	f = fopen("/proc/2/comm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(comm, sizeof(comm), f));
	fclose(f);
	ASSERT_STREQ("kthreadd\n", comm);
	EXPECT_EQ(-1, ckpt_checkpoint(2, memfd(), 0));
	EXPECT_EQ(ENXIO, errno);
}

TEST(refuses_a_pid_that_does_not_exist)
{
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(-1, ckpt_checkpoint(pid, memfd(), 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, ckpt_checkpoint(0, memfd(), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ckpt_checkpoint(-1, memfd(), 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST(refuses_an_exiting_process)
{
	siginfo_t si;
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	/* A zombie: exited, not yet reaped. */
	ASSERT_EQ(0, waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	EXPECT_EQ(-1, ckpt_checkpoint(pid, memfd(), 0));
	EXPECT_EQ(ESRCH, errno);
	waitpid(pid, NULL, 0);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

TEST(refuses_a_multithreaded_process)
{
	int p[2];
	pid_t pid;
	char c;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	ASSERT_EQ(0, pipe(p));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, sleeper, NULL))
			_exit(1);
		c = 'r';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		sleeper(NULL);
	}
	ASSERT_EQ(1, read(p[0], &c, 1));
	EXPECT_EQ(-1, ckpt_checkpoint(pid, memfd(), 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	kill_child(pid);
}

/* Children for the refusals seen by an unprivileged user. */
struct victim {
	pid_t pid;
	int expect;	/* errno, or 0 for success */
};

static int try_checkpoint(void *arg)
{
	struct victim *v = arg;
	int fd = memfd_create("ckpt", MFD_CLOEXEC);

	if (ckpt_checkpoint(v->pid, fd, 0))
		return errno == v->expect ? 0 : 100 + errno;
	return v->expect == 0 ? 0 : 99;
}

/* Start a process that pauses as @uid (-1: as we are) after @prep. */
static pid_t start_victim(uid_t uid, int (*prep)(void))
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe(p))
		return -1;
	pid = fork_child();
	if (pid == 0) {
		close(p[0]);
		if (uid != (uid_t)-1 && become_user(uid))
			_exit(1);
		if (prep && prep())
			_exit(1);
		/* Say so on stdout: a pipe above 2 is not supported. */
		if (dup2(p[1], 1) != 1)
			_exit(1);
		close_fds_above_2();
		c = 'r';
		if (write(1, &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && (read(p[0], &c, 1) != 1 || c != 'r')) {
		kill_child(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

TEST(refuses_another_users_process)
{
	struct victim v = { .expect = EPERM };

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	if (geteuid() != 0) {
		/* init belongs to root. */
		v.pid = 1;
		EXPECT_EQ(0, try_checkpoint(&v));
		return;
	}
	v.pid = start_victim(CKPT_TEST_UID2, NULL);
	ASSERT_LT(0, v.pid);
	EXPECT_EQ(0, run_as(CKPT_TEST_UID, try_checkpoint, &v));
	kill_child(v.pid);
}

static int make_nondumpable(void)
{
	return prctl(PR_SET_DUMPABLE, 0);
}

TEST(refuses_a_nondumpable_process)
{
	struct victim v = { .expect = EPERM };
	uid_t uid = geteuid() == 0 ? CKPT_TEST_UID : (uid_t)-1;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	v.pid = start_victim(uid, make_nondumpable);
	ASSERT_LT(0, v.pid);
	EXPECT_EQ(0, run_as(uid, try_checkpoint, &v));
	kill_child(v.pid);
}

TEST(refuses_a_setuid_program)
{
	struct victim v = { .expect = EPERM };
	struct stat st;
	int p[2];
	char c;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	if (geteuid() == 0)
		ASSERT_EQ(0, make_suid_program());
	if (stat(SUID_PROG, &st) || !(st.st_mode & S_ISUID) || st.st_uid != 0)
		SKIP(return, "needs %s, which the root pass creates", SUID_PROG);

	ASSERT_EQ(0, pipe(p));
	v.pid = fork_child();
	ASSERT_LE(0, v.pid);
	if (v.pid == 0) {
		if (geteuid() == 0 && become_user(CKPT_TEST_UID))
			_exit(1);
		close(p[0]);
		/* Tell the parent once exec has succeeded (close-on-exec). */
		fcntl(p[1], F_SETFD, FD_CLOEXEC);
		execl(SUID_PROG, "suid-sleep", "1000", (char *)NULL);
		_exit(1);
	}
	close(p[1]);
	ASSERT_EQ(0, read(p[0], &c, 1));
	close(p[0]);
	EXPECT_EQ(0, run_as(geteuid() == 0 ? CKPT_TEST_UID : (uid_t)-1,
			    try_checkpoint, &v));
	kill_child(v.pid);
}

/* Why checkpoint_in_a_pid_namespace() failed, by its exit status. */
static const char *const pidns_failure[] = {
	[1] = "cannot start a process in the namespace",
	[2] = "the namespace's first child is not pid 2",
	[3] = "the outside process is visible in the namespace",
	[4] = "the image's task is not pid 2, child of pid 1",
	[5] = "checkpoint by in-namespace pid failed",
	[6] = "checkpoint of a pid outside the namespace did not fail",
	[7] = "checkpoint of a pid outside the namespace: not ESRCH",
};

/*
 * As the init of a new pid namespace: checkpoint our child by the pid it
 * has here, 2 (kthreadd's outside), and fail to find @outside, which is
 * a live process's pid outside the namespace only.
 */
static int checkpoint_in_a_pid_namespace(pid_t outside)
{
	const struct ckpt_hdr_task *task;
	struct image img;
	pid_t pid;
	int fd, ret = 0;

	pid = start_victim((uid_t)-1, NULL);
	if (pid < 0)
		return 1;
	if (pid != 2)
		ret = 2;
	else if (kill(outside, 0) == 0 || errno != ESRCH)
		ret = 3;
	if (!ret) {
		fd = checkpoint_image(pid, 0, &img);
		if (fd < 0) {
			ret = 5;
		} else {
			task = image_find(&img, CKPT_HDR_TASK);
			if (!image_is_whole(&img) || !task || task->pid != 2 ||
			    task->ppid != 1)
				ret = 4;
			image_free(&img);
			close(fd);
		}
	}
	if (!ret && !ckpt_checkpoint(outside, memfd(), 0))
		ret = 6;
	else if (!ret && errno != ESRCH)
		ret = 7;
	kill_child(pid);
	return ret;
}

/*
 * The pid is looked up in the caller's pid namespace.  Root makes one;
 * anyone else makes it in a user namespace of their own, if allowed.
 */
TEST(looks_the_pid_up_in_the_callers_pid_namespace)
{
	int ns = CLONE_NEWPID, status, fd;
	pid_t outside, init;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	/* Our own paused child: one we may checkpoint, from out here. */
	outside = start_victim((uid_t)-1, NULL);
	ASSERT_LT(0, outside);
	fd = memfd();
	ASSERT_EQ(0, ckpt_checkpoint(outside, fd, 0));
	close(fd);

	if (geteuid() != 0)
		ns |= CLONE_NEWUSER;
	if (unshare(ns)) {
		kill_child(outside);
		SKIP(return, "unshare(%s): %s",
		     ns & CLONE_NEWUSER ? "CLONE_NEWUSER|CLONE_NEWPID" :
		     "CLONE_NEWPID", strerror(errno));
	}
	init = fork();
	ASSERT_LE(0, init);
	if (init == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		drop_shared_anon();
		_exit(checkpoint_in_a_pid_namespace(outside));
	}
	ASSERT_EQ(init, waitpid(init, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("in a new pid namespace: %s",
		       WEXITSTATUS(status) < ARRAY_SIZE(pidns_failure) ?
		       pidns_failure[WEXITSTATUS(status)] : "?");
	kill_child(outside);
}

/*
 * Yama's ptrace_scope 1: an unprivileged process may only checkpoint its
 * descendants; a sibling is refused.  Root passes with CAP_SYS_PTRACE.
 */
static int checkpoint_sibling_and_child(void *arg)
{
	struct victim *sibling = arg;
	/* Under scope 2 only CAP_SYS_PTRACE may, even on a child. */
	struct victim child = {
		.expect = read_sysctl(YAMA_SCOPE) >= 2 ? EPERM : 0,
	};
	int ret;

	ret = try_checkpoint(sibling);
	if (ret)
		return ret;
	child.pid = start_victim((uid_t)-1, NULL);
	if (child.pid < 0)
		return 98;
	ret = try_checkpoint(&child);
	kill_child(child.pid);
	return ret;
}

TEST(yama_scope_1_refuses_a_non_descendant)
{
	struct victim v = { .expect = EPERM };
	int old = read_sysctl(YAMA_SCOPE);
	uid_t uid = (uid_t)-1;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	if (old < 0)
		SKIP(return, "Yama is not enabled");
	if (geteuid() == 0) {
		if (old == 3)
			SKIP(return, "ptrace_scope is 3 and cannot be lowered");
		ASSERT_EQ(0, write_sysctl(YAMA_SCOPE, 1));
		uid = CKPT_TEST_UID;
	} else if (old != 1) {
		SKIP(return, "ptrace_scope is %d, not 1", old);
	}
	v.pid = start_victim(uid, NULL);
	ASSERT_LT(0, v.pid);
	EXPECT_EQ(0, run_as(uid, checkpoint_sibling_and_child, &v));

	if (geteuid() == 0) {
		/* Root may, with CAP_SYS_PTRACE. */
		v.expect = 0;
		EXPECT_EQ(0, run_as((uid_t)-1, try_checkpoint, &v));
		/* And under scope 0, so may the user. */
		ASSERT_EQ(0, write_sysctl(YAMA_SCOPE, 0));
		EXPECT_EQ(0, run_as(uid, try_checkpoint, &v));
		ASSERT_EQ(0, write_sysctl(YAMA_SCOPE, old));
	}
	kill_child(v.pid);
}

TEST(yama_scope_2_refuses_unprivileged_users)
{
	struct victim v = { .expect = EPERM };
	int old = read_sysctl(YAMA_SCOPE);

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	if (old < 0 || old == 3)
		SKIP(return, "Yama is not enabled or ptrace_scope is 3");
	if (geteuid() != 0)
		SKIP(return, "setting ptrace_scope needs root");
	v.pid = start_victim(CKPT_TEST_UID, NULL);
	ASSERT_LT(0, v.pid);
	ASSERT_EQ(0, write_sysctl(YAMA_SCOPE, 2));
	/* Not a sibling, and not even the user's own child. */
	EXPECT_EQ(0, run_as(CKPT_TEST_UID, checkpoint_sibling_and_child, &v));
	/* Root still may. */
	v.expect = 0;
	EXPECT_EQ(0, try_checkpoint(&v));
	ASSERT_EQ(0, write_sysctl(YAMA_SCOPE, old));
	kill_child(v.pid);
}

static int map_shared_anon(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? -1 : 0;
}

TEST(refuses_shared_anonymous_memory)
{
	char msg[256];
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	pid = start_victim((uid_t)-1, map_shared_anon);
	ASSERT_LT(0, pid);
	EXPECT_EQ(-1, ckpt_checkpoint_msg(pid, memfd(), 0, msg, sizeof(msg)));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_NE(NULL, strstr(msg, "MAP_SHARED|MAP_ANONYMOUS")) TH_LOG("%s", msg);
	kill_child(pid);
}

static int create_posix_timer(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	timer_t t;

	return timer_create(CLOCK_MONOTONIC, &sev, &t);
}

static int sem_with_undo(void)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };
	int id = semget(IPC_PRIVATE, 1, 0600);

	if (id < 0)
		return -1;
	/* The set goes; the undo list stays until exit. */
	if (semop(id, &op, 1))
		return -1;
	return semctl(id, 0, IPC_RMID);
}

static int seccomp_allow_all(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* State not saved yet is refused, named, not lost. */
static void refuses_state(struct __test_metadata *_metadata,
			  int (*prep)(void), const char *what)
{
	char msg[256];

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	EXPECT_TRUE(checkpoint_refused(prep, EOPNOTSUPP, what, msg, sizeof(msg)))
		TH_LOG("%s", msg);
}

static int open_a_socket(void)
{
	int s[2];

	return socketpair(AF_UNIX, SOCK_STREAM, 0, s) || s[0] != 3 ? -1 : 0;
}

TEST(refuses_a_socket_naming_it)
{
	refuses_state(_metadata, open_a_socket, "fd 3: socket:[");
}

TEST(refuses_posix_timers)
{
	refuses_state(_metadata, create_posix_timer, "POSIX timers");
}

TEST(refuses_semaphore_undo_lists)
{
	refuses_state(_metadata, sem_with_undo, "semaphore undo");
}

TEST(refuses_seccomp_filters)
{
	refuses_state(_metadata, seccomp_allow_all, "seccomp");
}

/*
 * Make a pipe and a child that holds it too, until we die; keep its read
 * end only if @read_only, else both.  0 or -1.
 */
static int pipe_shared_with_a_child(bool read_only)
{
	pid_t other;
	int p[2];

	if (pipe(p))
		return -1;
	other = fork();
	if (other == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	if (other < 0)
		return -1;
	return read_only ? close(p[1]) : 0;
}

/* Hold the read end of a pipe whose write end another process holds. */
static int open_a_pipe(void)
{
	return pipe_shared_with_a_child(true);
}

/* Hold both ends of a pipe that a child of ours holds too. */
static int share_a_pipe(void)
{
	return pipe_shared_with_a_child(false);
}

/*
 * A pipe that leads outside is recorded, its data not saved: restart
 * takes a descriptor for it from its caller.  @fds descriptors from 3 on
 * are pipe ends, and the image has no CKPT_HDR_PIPE record.
 */
static void records_outside_pipe(struct __test_metadata *_metadata,
				 int (*prep)(void), int fds)
{
	const struct ckpt_hdr_file *f;
	const struct ckpt_hdr *h;
	struct image img;
	size_t off = 0;
	int imgfd, seen = 0;
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	pid = start_paused(prep);
	ASSERT_LT(0, pid);
	imgfd = checkpoint_image(pid, 0, &img);
	ASSERT_LE(0, imgfd) TH_LOG("checkpoint: %s", strerror(errno));
	kill_child(pid);
	while ((h = image_next(&img, &off))) {
		f = (const void *)h;
		EXPECT_NE(CKPT_HDR_PIPE, h->type);
		if (h->type == CKPT_HDR_FILE && f->fd >= 3) {
			EXPECT_TRUE(S_ISFIFO(f->mode));
			EXPECT_EQ(0, strncmp(f->name, "pipe:[", 6));
			seen++;
		}
	}
	EXPECT_EQ(fds, seen);
	image_free(&img);
	close(imgfd);
}

TEST(records_a_pipe_another_process_holds_too)
{
	records_outside_pipe(_metadata, share_a_pipe, 2);
}

TEST(records_a_pipe_to_another_process)
{
	records_outside_pipe(_metadata, open_a_pipe, 1);
}

TEST_HARNESS_MAIN

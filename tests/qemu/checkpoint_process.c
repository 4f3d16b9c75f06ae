// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of a process: a program sets up open files (a log opened for
 * appending, /dev/null, a data file at a position), signal handlers with
 * their flags and masks, an alternate stack, a blocked mask with signals
 * pending (one standard, two queued real-time ones with a value), its
 * umask, working directory, limits, personality, parent-death signal and
 * no_new_privs.  It is checkpointed, killed and restarted, and checks
 * every item itself: contents and positions, appends landing at the end,
 * handlers called with the right flags, each pending signal delivered
 * once, and its auxv and cmdline as they were.
 *
 * Pipes to another process come back as the descriptors the restart
 * caller hands over in their place; the image's dups of them share them.
 *
 * Files deleted while open come back as unlinked files with the same
 * contents, holes, permissions, flags and positions; a memfd, and one a
 * checkpointer may not read, are refused.
 *
 * Memory comes back with its madvise() hints (MADV_NOHUGEPAGE and
 * MADV_HUGEPAGE, MADV_DONTFORK, MADV_SEQUENTIAL, MADV_RANDOM), and
 * MADV_WIPEONFORK memory comes back empty, as in a child.
 *
 * ITIMER_REAL comes back with the time it had left at checkpoint, the
 * time the process was gone not counted, and keeps its period; a
 * periodic timer whose SIGALRM was pending is rearmed when it is taken.
 * ITIMER_VIRTUAL and ITIMER_PROF come back with the CPU time they had
 * left and their periods; the restart caller's own timers do not stay.
 */
#define _GNU_SOURCE
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "ckpt_test.h"
#include "ckpt_harness.h"

/* What the test and a program it checkpoints share. */
struct run_shared {
	volatile int ready;
	volatile int go;
	int failed;
	long long ckpt_start;		/* before the checkpoint, */
	long long gone;			/* from its end to the restart */
	char dir[64];			/* a directory for its files */
	/* Kept here, outside the image, to compare the restored ones with. */
	unsigned long auxv[3];		/* AT_ENTRY, AT_PHDR, AT_RANDOM */
	char cmdline[256];
};

static void comes_back(struct __test_metadata *_metadata,
		       int (*program)(struct run_shared *sh), const char *dir,
		       __u32 must_have);

static volatile sig_atomic_t usr1_calls, usr2_calls, rt_calls, rt_value_ok;
static volatile sig_atomic_t term_on_altstack;
static char altstack[65536];

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	usr1_calls++;
}

static void on_usr2(int sig)
{
	usr2_calls++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	rt_calls++;
	if (si->si_code == SI_QUEUE && si->si_value.sival_int == 42)
		rt_value_ok++;
}

static void on_term(int sig)
{
	char here;

	term_on_altstack = &here >= altstack && &here < altstack + sizeof(altstack);
}

#define F_FILES		(1 << 0)
#define F_SIGACTION	(1 << 1)
#define F_PENDING	(1 << 2)
#define F_ALTSTACK	(1 << 3)
#define F_FS		(1 << 4)
#define F_LIMITS	(1 << 5)
#define F_PRCTL		(1 << 6)
#define F_AUXV		(1 << 7)
#define F_SETUP		(1 << 8)
#define F_PIPE		(1 << 9)

static const unsigned long auxv_types[3] = { AT_ENTRY, AT_PHDR, AT_RANDOM };

/* @type's value in /proc/self/auxv, the kernel's copy; 0 if none. */
static unsigned long proc_auxv(unsigned long type)
{
	unsigned long pair[2], value = 0;
	int fd = open("/proc/self/auxv", O_RDONLY);

	if (fd < 0)
		return 0;
	while (read(fd, pair, sizeof(pair)) == sizeof(pair) && pair[0] != AT_NULL)
		if (pair[0] == type)
			value = pair[1];
	close(fd);
	return value;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The same disposition as installed? */
static bool has_action(int sig, void *handler, int flags)
{
	struct sigaction sa;

	return !sigaction(sig, NULL, &sa) && (void *)sa.sa_handler == handler &&
	       (sa.sa_flags & flags) == flags;
}

static int program(struct run_shared *sh)
{
	char now[4096], cwd[256], buf[64];
	struct sigaction sa = {};
	struct rlimit rl;
	union sigval v = { .sival_int = 42 };
	sigset_t block, pending;
	stack_t ss;
	int failed = 0, n, pipefd[2];

	close_fds_above_2();
	/* Files: 3 a log for appending, 4 /dev/null, 5 data at 100. */
	if (chdir(sh->dir) || open("log", O_WRONLY | O_APPEND | O_CREAT, 0600) != 3 ||
	    write(3, "before\n", 7) != 7 || open("/dev/null", O_RDWR) != 4 ||
	    open("data", O_RDWR) != 5 || lseek(5, 100, SEEK_SET) != 100)
		goto setup_failed;

	/* A pipe to itself, 6: read end, 7: write end, "hello" unread. */
	if (pipe(pipefd) || pipefd[0] != 6 || pipefd[1] != 7 ||
	    fcntl(7, F_SETPIPE_SZ, 2 * 65536) != 2 * 65536 ||
	    write(7, "hello", 5) != 5)
		goto setup_failed;

	/* Signals */
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	if (sigaction(SIGUSR1, &sa, NULL))
		goto setup_failed;
	sa.sa_handler = on_usr2;
	sa.sa_flags = 0;
	if (sigaction(SIGUSR2, &sa, NULL) || signal(SIGHUP, SIG_IGN) == SIG_ERR)
		goto setup_failed;
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGRTMIN + 1, &sa, NULL))
		goto setup_failed;
	sa.sa_handler = on_term;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	if (sigaction(SIGTERM, &sa, NULL))
		goto setup_failed;
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		goto setup_failed;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGRTMIN + 1);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, NULL) || raise(SIGUSR2) ||
	    sigqueue(getpid(), SIGRTMIN + 1, v) || sigqueue(getpid(), SIGRTMIN + 1, v))
		goto setup_failed;

	/* The task's own settings */
	umask(027);
	rl.rlim_cur = 256;
	rl.rlim_max = 512;
	if (setrlimit(RLIMIT_NOFILE, &rl) || personality(PER_LINUX | UNAME26) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGTERM) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto setup_failed;

	for (n = 0; n < 3; n++)
		sh->auxv[n] = getauxval(auxv_types[n]);
	if (read_file("/proc/self/cmdline", sh->cmdline, sizeof(sh->cmdline)) <= 0)
		goto setup_failed;

	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	/* Files: contents, positions, appends landing at the end */
	if (lseek(3, 0, SEEK_SET) != 0 || write(3, "after\n", 6) != 6 ||
	    read_file("log", buf, sizeof(buf)) != 13 ||
	    strcmp(buf, "before\nafter\n") || lseek(5, 0, SEEK_CUR) != 100 ||
	    write(4, "x", 1) != 1 || (fcntl(3, F_GETFL) & O_APPEND) == 0)
		failed |= F_FILES;
	{
		struct stat st;

		if (fstat(4, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			failed |= F_FILES;
	}

	/* The pipe: its data in order, its capacity, and it still works. */
	if (read(6, buf, 5) != 5 || memcmp(buf, "hello", 5) ||
	    fcntl(6, F_GETPIPE_SZ) != 2 * 65536 || write(7, "again", 5) != 5 ||
	    read(6, buf, 5) != 5 || memcmp(buf, "again", 5))
		failed |= F_PIPE;

	/* Dispositions */
	if (!has_action(SIGUSR1, (void *)on_usr1, SA_SIGINFO | SA_RESTART) ||
	    !has_action(SIGUSR2, (void *)on_usr2, 0) ||
	    !has_action(SIGHUP, (void *)SIG_IGN, 0) ||
	    !has_action(SIGRTMIN + 1, (void *)on_rt, SA_SIGINFO) ||
	    !has_action(SIGTERM, (void *)on_term, SA_ONSTACK | SA_NODEFER))
		failed |= F_SIGACTION;
	if (sigaction(SIGUSR1, NULL, &sa) || !sigismember(&sa.sa_mask, SIGUSR2))
		failed |= F_SIGACTION;
	if (sigaltstack(NULL, &ss) || ss.ss_sp != altstack ||
	    ss.ss_size != sizeof(altstack))
		failed |= F_ALTSTACK;

	/* Pending, blocked: then each delivered once when unblocked. */
	if (sigpending(&pending) || !sigismember(&pending, SIGUSR2) ||
	    !sigismember(&pending, SIGRTMIN + 1) || usr2_calls || rt_calls)
		failed |= F_PENDING;
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	if (usr2_calls != 1 || rt_calls != 2 || rt_value_ok != 2)
		failed |= F_PENDING;
	raise(SIGTERM);
	if (!term_on_altstack)
		failed |= F_ALTSTACK;
	raise(SIGUSR1);
	if (usr1_calls != 1)
		failed |= F_PENDING;

	/* umask, cwd, limits, personality, prctl, auxv, cmdline */
	if (umask(0) != 027 || !getcwd(cwd, sizeof(cwd)) || strcmp(cwd, sh->dir))
		failed |= F_FS;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur != 256 || rl.rlim_max != 512)
		failed |= F_LIMITS;
	if (personality(0xffffffff) != (PER_LINUX | UNAME26) ||
	    prctl(PR_GET_PDEATHSIG, &n) || n != SIGTERM ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		failed |= F_PRCTL;
	/* The C library's view and the kernel's (the module restores it). */
	for (n = 0; n < 3; n++)
		if (!sh->auxv[n] || getauxval(auxv_types[n]) != sh->auxv[n] ||
		    proc_auxv(auxv_types[n]) != sh->auxv[n])
			failed |= F_AUXV;
	if (read_file("/proc/self/cmdline", now, sizeof(sh->cmdline)) <= 0 ||
	    strcmp(now, sh->cmdline))
		failed |= F_AUXV;
	return failed;

setup_failed:
	return F_SETUP;
}

TEST(files_signals_and_settings_come_back)
{
	char dir[] = "/tmp/ckpt-proc.XXXXXX", path[128];
	int fd;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	close(fd);

	comes_back(_metadata, program, dir, 0);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	system(path);
}

static char changed_path[64];

static int open_changed(void)
{
	return open(changed_path, O_RDONLY) == 3 ? 0 : -1;
}

/* A file changed between checkpoint and restart is refused, named. */
TEST(changed_file_is_refused_naming_it_unless_allowed)
{
	char data[] = "/tmp/ckpt-changed.XXXXXX";
	struct restart_result res;
	struct image img;
	int fd;
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	fd = mkstemp(data);
	ASSERT_LE(0, fd);
	close(fd);
	strcpy(changed_path, data);
	pid = start_paused(open_changed);
	ASSERT_LT(0, pid);
	fd = checkpoint_image(pid, CKPT_CHECKPOINT_KILL, &img);
	ASSERT_LE(0, fd);
	waitpid(pid, NULL, 0);

	/* Changed: refused, the caller intact. */
	ASSERT_EQ(0, truncate(data, 10));
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	if (res.started)
		kill_child(res.pid);
	ASSERT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(ESTALE, res.err);
	EXPECT_NE(NULL, strstr(res.msg, data)) TH_LOG("%s", res.msg);

	/* Asked to, restart reopens the same file with other contents. */
	restart_flags = CKPT_RESTART_CHANGED_FILES;
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	EXPECT_TRUE(res.started) TH_LOG("%s", res.msg);
	if (res.started) {
		char link[64], target[128] = "";

		snprintf(link, sizeof(link), "/proc/%d/fd/3", res.pid);
		EXPECT_LT(0, readlink(link, target, sizeof(target) - 1));
		EXPECT_STREQ(data, target);
		kill_child(res.pid);
	}
	/* But not another file at its path. */
	ASSERT_EQ(0, unlink(data));
	ASSERT_EQ(0, close(open(data, O_RDWR | O_CREAT | O_EXCL, 0600)));
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	if (res.started)
		kill_child(res.pid);
	EXPECT_FALSE(res.started);
	EXPECT_EQ(ESTALE, res.err);
	EXPECT_NE(NULL, strstr(res.msg, "it is another file")) TH_LOG("%s", res.msg);
	restart_flags = 0;

	/* Not readable by the caller: EACCES, the caller intact. */
	if (geteuid() != 0) {
		ASSERT_EQ(0, truncate(data, 0));
		ASSERT_EQ(0, chmod(data, 0));
		ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
		if (res.started)
			kill_child(res.pid);
		EXPECT_FALSE(res.started);
		EXPECT_FALSE(res.committed);
		EXPECT_EQ(EACCES, res.err) TH_LOG("%s", res.msg);
	}
	image_free(&img);
	close(fd);
	unlink(data);
}

/* ---------------------------------------------------------- ITIMER_REAL */

#define MS		1000000LL
#define ITIMER_VALUE	(4000 * MS)
#define ITIMER_PERIOD	(250 * MS)
#define PENDING_PERIOD	(100 * MS)

#define T_SETUP		(1 << 0)
#define T_EARLY		(1 << 1)	/* SIGALRM before checkpoint */
#define T_PERIOD	(1 << 2)	/* it_interval not what was set */
#define T_LEFT		(1 << 3)	/* more left than at checkpoint */
#define T_GONE_COUNTED	(1 << 4)	/* the time away was counted */
#define T_FIRED_EARLY	(1 << 5)	/* before the time left ran out */
#define T_NOT_FIRED	(1 << 6)	/* too few SIGALRMs or SIGVTALRMs */
#define T_PENDING	(1 << 7)	/* the pending SIGALRM not as saved */
#define T_PROF_NOT_FIRED (1 << 8)	/* too few SIGPROFs */


static volatile sig_atomic_t alarms, vtalrms, profs;
static long long first_alarm;

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(const struct timeval *tv)
{
	return tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
}

static struct timeval ns_tv(long long ns)
{
	return (struct timeval){ .tv_sec = ns / 1000000000LL,
				 .tv_usec = ns % 1000000000LL / 1000 };
}

static void on_alarm(int sig)
{
	if (!alarms)
		first_alarm = mono_ns();
	alarms++;
}

/* Up to @ms for @n SIGALRMs in all. */
static bool wait_alarms(int n, int ms)
{
	long long end = mono_ns() + ms * MS;

	while (alarms < n && mono_ns() < end)
		usleep(1000);
	return alarms >= n;
}

/*
 * Armed: 4 s left, every 250 ms.  What getitimer() says after restart,
 * plus the time since it was armed, is 4 s plus the time the process
 * was gone: not less (that time counted), and never more than was left
 * when the checkpoint began.  Then the SIGALRMs come, none early.
 */
static int timer_armed(struct run_shared *sh)
{
	struct itimerval it = {
		.it_value = { .tv_sec = ITIMER_VALUE / 1000000000LL },
		.it_interval = { .tv_usec = ITIMER_PERIOD / 1000 },
	};
	long long armed, now, left;
	int failed = 0;

	armed = mono_ns();
	if (setitimer(ITIMER_REAL, &it, NULL))
		return T_SETUP;
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);
	if (alarms)
		return T_EARLY;

	now = mono_ns();
	if (getitimer(ITIMER_REAL, &it))
		return T_SETUP;
	left = tv_ns(&it.it_value);
	if (tv_ns(&it.it_interval) != ITIMER_PERIOD)
		failed |= T_PERIOD;
	if (left <= 0 || left > ITIMER_VALUE - (sh->ckpt_start - armed) + MS)
		failed |= T_LEFT;
	if (left + (now - armed) < ITIMER_VALUE + sh->gone - MS)
		failed |= T_GONE_COUNTED;
	if (!wait_alarms(3, 20000))
		return failed | T_NOT_FIRED;
	if (first_alarm < now + left - MS)
		failed |= T_FIRED_EARLY;
	return failed;
}

/*
 * Expired, SIGALRM blocked and pending, every 100 ms: after restart the
 * signal is still pending and the timer waits for it to be taken, as
 * getitimer() says with a value of 0; taken, it rearms the timer.
 */
static int timer_pending(struct run_shared *sh)
{
	struct itimerval it = {
		.it_value = { .tv_usec = 1000 },
		.it_interval = { .tv_usec = PENDING_PERIOD / 1000 },
	};
	sigset_t alrm, pending;
	int failed = 0, i;

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	if (sigprocmask(SIG_BLOCK, &alrm, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		return T_SETUP;
	for (i = 0; i < 5000; i++) {
		if (!sigpending(&pending) && sigismember(&pending, SIGALRM))
			break;
		usleep(1000);
	}
	if (i == 5000)
		return T_SETUP;
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	if (getitimer(ITIMER_REAL, &it) || sigpending(&pending))
		return T_SETUP;
	if (tv_ns(&it.it_interval) != PENDING_PERIOD)
		failed |= T_PERIOD;
	if (tv_ns(&it.it_value) || !sigismember(&pending, SIGALRM) || alarms)
		failed |= T_PENDING;
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	if (alarms != 1)
		failed |= T_PENDING;
	if (!wait_alarms(3, 20000))
		failed |= T_NOT_FIRED;
	return failed;
}

static void on_vtalrm(int sig)
{
	vtalrms++;
}

static void on_prof(int sig)
{
	profs++;
}

/*
 * Spend user time: reading a clock may be a syscall (CPU-time clocks
 * always are, and the monotonic clock is where the guest's clocksource
 * has no vDSO support), whose time ITIMER_VIRTUAL does not count.
 */
static void spin_user(void)
{
	for (volatile unsigned int i = 0; i < (1U << 20); i++)
		;
}

static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Time left on @which, or -1. */
static long long itimer_left(int which, long long *interval)
{
	struct itimerval it;

	if (getitimer(which, &it))
		return -1;
	*interval = tv_ns(&it.it_interval);
	return tv_ns(&it.it_value);
}

#define VIRT_VALUE	(1500 * MS)
#define VIRT_PERIOD	(250 * MS)
#define PROF_VALUE	(2000 * MS)
#define PROF_PERIOD	(300 * MS)
/* setitimer() adds a tick; the waits for go take a little CPU time. */
#define CPU_SLACK	(10 * MS)

/*
 * ITIMER_VIRTUAL and ITIMER_PROF, armed and then 200 ms of CPU time
 * spent: after restart each has no more left than before the checkpoint
 * (so it was not armed afresh), not much less (what the restored process
 * has spent since, at most), its period, and its signals come as CPU
 * time is spent.
 */
static int timer_cpu(struct run_shared *sh)
{
	struct itimerval virt = {
		.it_value = ns_tv(VIRT_VALUE), .it_interval = ns_tv(VIRT_PERIOD),
	}, prof = {
		.it_value = ns_tv(PROF_VALUE), .it_interval = ns_tv(PROF_PERIOD),
	};
	long long v_before, p_before, v_after, p_after, v_int, p_int, spent;
	long long end;
	int failed = 0;

	if (signal(SIGVTALRM, on_vtalrm) == SIG_ERR ||
	    signal(SIGPROF, on_prof) == SIG_ERR ||
	    setitimer(ITIMER_VIRTUAL, &virt, NULL) ||
	    setitimer(ITIMER_PROF, &prof, NULL))
		return T_SETUP;
	end = cpu_ns() + 200 * MS;
	while (cpu_ns() < end)
		spin_user();
	v_before = itimer_left(ITIMER_VIRTUAL, &v_int);
	p_before = itimer_left(ITIMER_PROF, &p_int);
	if (v_before <= 0 || p_before <= 0 || vtalrms || profs)
		return T_SETUP;
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	v_after = itimer_left(ITIMER_VIRTUAL, &v_int);
	p_after = itimer_left(ITIMER_PROF, &p_int);
	spent = cpu_ns();
	if (v_int != VIRT_PERIOD || p_int != PROF_PERIOD)
		failed |= T_PERIOD;
	if (v_after > v_before + CPU_SLACK || p_after > p_before + CPU_SLACK)
		failed |= T_LEFT;
	if (v_after < v_before - CPU_SLACK - spent ||
	    p_after < p_before - CPU_SLACK - spent)
		failed |= T_GONE_COUNTED;
	/* Spend user time until each has fired twice, 20 s at most. */
	end = mono_ns() + 20000 * MS;
	while ((vtalrms < 2 || profs < 2) && mono_ns() < end)
		spin_user();
	if (vtalrms < 2)
		failed |= T_NOT_FIRED;
	if (profs < 2)
		failed |= T_PROF_NOT_FIRED;
	return failed;
}

/*
 * Run @program in a child, in @dir (or NULL); once it is ready,
 * checkpoint and kill it, check that the image has a record of type
 * @must_have (0: any image), wait a second, restart it and let it check
 * itself: it exits 0 if it found everything as it was.
 */
static void comes_back(struct __test_metadata *_metadata,
		       int (*program)(struct run_shared *sh), const char *dir,
		       __u32 must_have)
{
	char shared[] = "/tmp/ckpt-timer-shared.XXXXXX";
	struct restart_result res;
	struct run_shared *sh;
	struct image img;
	long long ckpt_end;
	int fd, i, status;
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	sh = map_shared_page(shared);
	ASSERT_NE(MAP_FAILED, sh);
	if (dir)
		snprintf(sh->dir, sizeof(sh->dir), "%s", dir);

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close_fds_above_2();
		if (signal(SIGALRM, on_alarm) == SIG_ERR)
			_exit(sh->failed = T_SETUP);
		sh->failed = program(sh);
		_exit(sh->failed ? 1 : 0);
	}
	for (i = 0; i < 3000 && !sh->ready && !sh->failed; i++)
		usleep(10000);
	ASSERT_TRUE(sh->ready) TH_LOG("setup failed: %#x", sh->failed);

	sh->ckpt_start = mono_ns();
	fd = checkpoint_image(pid, CKPT_CHECKPOINT_KILL, &img);
	ASSERT_LE(0, fd) TH_LOG("checkpoint: %s", strerror(errno));
	ckpt_end = mono_ns();
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (must_have)
		ASSERT_NE(NULL, image_find(&img, must_have));

	/* Gone for a second: that time must not count. */
	sleep(1);
	sh->gone = mono_ns() - ckpt_end;
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
	sh->go = 1;
	ASSERT_EQ(res.pid, waitpid(res.pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("died of signal %d", WTERMSIG(status));
	EXPECT_EQ(0, status) TH_LOG("the program found changed: %#x", sh->failed);

	image_free(&img);
	close(fd);
	munmap(sh, 4096);
	unlink(shared);
}

TEST(itimer_real_comes_back_with_its_time_left)
{
	comes_back(_metadata, timer_armed, NULL, CKPT_HDR_ITIMERS);
}

TEST(itimer_real_with_its_sigalrm_pending_rearms_when_taken)
{
	comes_back(_metadata, timer_pending, NULL, CKPT_HDR_ITIMERS);
}

TEST(itimer_virtual_and_prof_come_back_with_their_cpu_time_left)
{
	comes_back(_metadata, timer_cpu, NULL, CKPT_HDR_ITIMERS);
}

/* The restart caller's own timers, one of each. */
static void arm_caller_itimers(void)
{
	struct itimerval it = { .it_value = { .tv_sec = 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
}

/*
 * An image without timers, restarted by a caller that has all three
 * armed: the restored program has none, as a new checkpoint of it shows.
 */
TEST(callers_own_itimers_do_not_survive_restart)
{
	struct restart_result res;
	struct image img, again;
	pid_t pid;
	int fd, fd2;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	pid = start_paused(NULL);
	ASSERT_LT(0, pid);
	fd = checkpoint_image(pid, 0, &img);
	ASSERT_LE(0, fd);
	kill_child(pid);
	ASSERT_EQ(NULL, image_find(&img, CKPT_HDR_ITIMERS));

	restart_child_prep = arm_caller_itimers;
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	restart_child_prep = NULL;
	ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
	ASSERT_TRUE(wait_in_syscall(res.pid, SYS_pause, 20000));
	fd2 = checkpoint_image(res.pid, 0, &again);
	ASSERT_LE(0, fd2) TH_LOG("checkpoint of the restored program: %s",
				 strerror(errno));
	EXPECT_EQ(NULL, image_find(&again, CKPT_HDR_ITIMERS));
	EXPECT_EQ(0, ((const struct ckpt_hdr_task *)
		      image_find(&again, CKPT_HDR_TASK))->task_flags &
		     CKPT_TASK_ITIMERS);
	kill_child(res.pid);
	image_free(&again);
	image_free(&img);
	close(fd2);
	close(fd);
}

/* ---------------------------------------------------------- deleted files */

#define D_STAT		(1 << 1)	/* not unlinked, or not its size or mode */
#define D_DATA		(1 << 2)	/* its contents differ */
#define D_POS		(1 << 3)	/* its position differs */
#define D_SHARED	(1 << 4)	/* 3 and 4 no longer share one file */
#define D_FLAGS		(1 << 5)	/* open flags not as they were */
#define D_DIR		(1 << 6)	/* not in the directory it was in */
#define D_APPEND	(1 << 7)	/* a write to 6 does not append */

#define DEL_FLAGS	(O_ACCMODE | O_APPEND)
#define DEL_HOLE_END	300000		/* "tail" lies here, after a hole */

static const char del_head[] = "the head of a deleted file";

/*
 * 3: "scratch", read-write, mode 0640, the head, a hole and "tail" at
 * DEL_HOLE_END, at position 50; 4: a dup of it; 5: "ro", read-only, at
 * position 5; 6: "log", write-only for appending.  All three deleted.
 */
static int deleted_program(struct run_shared *sh)
{
	static const char zeroes[8];
	char path[128], buf[64], link[256];
	struct stat st;
	int failed = 0;

	if (chdir(sh->dir) ||
	    open("scratch", O_RDWR | O_CREAT | O_EXCL, 0600) != 3 ||
	    fchmod(3, 0640) || write(3, del_head, sizeof(del_head)) != sizeof(del_head) ||
	    pwrite(3, "tail", 4, DEL_HOLE_END) != 4 || lseek(3, 50, SEEK_SET) != 50 ||
	    dup(3) != 4 || open("ro", O_RDWR | O_CREAT | O_EXCL, 0600) != 5 ||
	    write(5, "read-only data", 14) != 14 || close(5) ||
	    open("ro", O_RDONLY) != 5 || lseek(5, 5, SEEK_SET) != 5 ||
	    open("log", O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0600) != 6 ||
	    write(6, "x", 1) != 1 || unlink("scratch") || unlink("ro") ||
	    unlink("log"))
		return T_SETUP;
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	if (fstat(3, &st) || st.st_nlink || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != 0640 || st.st_size != DEL_HOLE_END + 4 ||
	    st.st_uid != geteuid())
		failed |= D_STAT;
	if (pread(3, buf, sizeof(del_head), 0) != sizeof(del_head) ||
	    memcmp(buf, del_head, sizeof(del_head)) ||
	    pread(3, buf, 8, DEL_HOLE_END - 8) != 8 || memcmp(buf, zeroes, 8) ||
	    pread(3, buf, 8, DEL_HOLE_END) != 4 || memcmp(buf, "tail", 4))
		failed |= D_DATA;
	if (lseek(3, 0, SEEK_CUR) != 50 || lseek(4, 0, SEEK_CUR) != 50 ||
	    lseek(5, 0, SEEK_CUR) != 5)
		failed |= D_POS;
	if (write(3, "Z", 1) != 1 || lseek(4, 0, SEEK_CUR) != 51)
		failed |= D_SHARED;
	if ((fcntl(3, F_GETFL) & DEL_FLAGS) != O_RDWR ||
	    (fcntl(5, F_GETFL) & DEL_FLAGS) != O_RDONLY || write(5, "x", 1) != -1 ||
	    (fcntl(6, F_GETFL) & DEL_FLAGS) != (O_WRONLY | O_APPEND) ||
	    read(6, buf, 1) != -1)
		failed |= D_FLAGS;
	if (read(5, buf, 9) != 9 || memcmp(buf, "only data", 9))
		failed |= D_DATA;
	if (lseek(6, 0, SEEK_SET) || write(6, "y", 1) != 1 || fstat(6, &st) ||
	    st.st_size != 2)
		failed |= D_APPEND;
	/* An unlinked file of the same directory: "DIR/#INO (deleted)". */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", 5);
	memset(link, 0, sizeof(link));
	if (readlink(path, link, sizeof(link) - 1) < 0 ||
	    strncmp(link, sh->dir, strlen(sh->dir)) || link[strlen(sh->dir)] != '/' ||
	    !strstr(link, " (deleted)"))
		failed |= D_DIR;
	return failed;
}

/*
 * Files deleted while open come back with their contents, holes, sizes,
 * modes, positions and flags, shared as they were, in their directory.
 */
TEST(deleted_files_come_back_with_their_contents)
{
	char dir[] = "/tmp/ckpt-deleted.XXXXXX", cmd[128];

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	ASSERT_NE(NULL, mkdtemp(dir));
	comes_back(_metadata, deleted_program, dir, CKPT_HDR_FILE_DATA);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
}

#define M_FLAGS		(1 << 1)	/* a VmFlags hint is missing */
#define M_DATA		(1 << 2)	/* kept memory changed */
#define M_WIPED		(1 << 3)	/* MADV_WIPEONFORK memory was not */
#define M_THP		(1 << 4)	/* MADV_NOHUGEPAGE memory got a THP */

#define MB2		(2UL << 20)

/* The smaps block of the area holding @addr, in @buf; NULL if none. */
static const char *smaps_of(const void *addr, char *buf, size_t size)
{
	unsigned long a = (unsigned long)addr, start, end;
	int fd = open("/proc/self/smaps", O_RDONLY);
	ssize_t len = 0, n;
	char *line, *next;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (line = buf; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ') &&
		    a >= start && a < end)
			return line;
	}
	return NULL;
}

/* The area holding @addr has VmFlags @flag ("nh") and @kb of AnonHugePages. */
static bool area_has(const void *addr, const char *flag, long *thp_kb)
{
	static char buf[1 << 20];
	const char *area = smaps_of(addr, buf, sizeof(buf));
	const char *vmf, *thp, *end;
	char want[8];

	if (!area)
		return false;
	end = strstr(area + 1, "VmFlags:");
	if (!end)
		return false;
	vmf = end;
	end = strchr(vmf, '\n');
	thp = strstr(area, "AnonHugePages:");
	if (thp_kb && (!thp || thp > vmf || sscanf(thp, "AnonHugePages: %ld", thp_kb) != 1))
		return false;
	snprintf(want, sizeof(want), " %s", flag);
	for (const char *p = strstr(vmf, want); p && (!end || p < end);
	     p = strstr(p + 1, want))
		if (p[3] == ' ' || p[3] == '\n' || p[3] == '\0')
			return true;
	return false;
}

/*
 * A 2 MiB-aligned area of each THP hint, a page of each other hint; the
 * MADV_WIPEONFORK page holds a secret.
 */
static int madvise_program(struct run_shared *sh)
{
	static const struct {
		int advice;
		const char *flag;
	} hints[] = {
		{ MADV_NOHUGEPAGE, "nh" }, { MADV_HUGEPAGE, "hg" },
		{ MADV_DONTFORK, "dc" }, { MADV_WIPEONFORK, "wf" },
		{ MADV_SEQUENTIAL, "sr" }, { MADV_RANDOM, "rr" },
	};
	char *base, *area[ARRAY_SIZE(hints)];
	int failed = 0;
	unsigned int i;
	long thp;

	base = mmap(NULL, 8 * MB2, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return T_SETUP;
	base = (char *)(((unsigned long)base + MB2 - 1) & ~(MB2 - 1));
	/* Apart, so that no two hints touch: each area is its own VMA. */
	for (i = 0; i < ARRAY_SIZE(hints); i++) {
		area[i] = base + i * MB2;
		if (madvise(area[i], i < 2 ? MB2 : 4096, hints[i].advice))
			return T_SETUP;
		memset(area[i], 'a' + i, 64);
	}
	strcpy(area[3], "a secret");
	for (i = 0; i < ARRAY_SIZE(hints); i++)
		if (!area_has(area[i], hints[i].flag, NULL))
			return T_SETUP;
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	for (i = 0; i < ARRAY_SIZE(hints); i++)
		if (!area_has(area[i], hints[i].flag, NULL))
			failed |= M_FLAGS;
	for (i = 0; i < ARRAY_SIZE(hints); i++)
		if (i != 3 && (area[i][0] != 'a' + (int)i || area[i][63] != 'a' + (int)i))
			failed |= M_DATA;
	for (i = 0; i < 4096; i++)
		if (area[3][i])
			failed |= M_WIPED;
	/* Every page of it touched: still not one huge page. */
	for (i = 0; i < MB2; i += 4096)
		area[0][i] = 1;
	if (!area_has(area[0], "nh", &thp) || thp)
		failed |= M_THP;
	return failed;
}

/* madvise() hints come back; MADV_WIPEONFORK memory comes back empty. */
TEST(madvise_hints_come_back_and_wipeonfork_memory_empty)
{
	comes_back(_metadata, madvise_program, NULL, 0);
}

static int open_memfd(void)
{
	return memfd_create("ckpt-memfd", 0) == 3 ? 0 : -1;
}

/* A memfd was never a file with a path: refused, named for what it is. */
TEST(memfd_is_refused_naming_it)
{
	char msg[256];

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	EXPECT_TRUE(checkpoint_refused(open_memfd, EOPNOTSUPP, "memfd:ckpt-memfd",
				       msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_NE(NULL, strstr(msg, "memory file")) TH_LOG("%s", msg);
}

static char wronly_path[64];

static int open_wronly_deleted(void)
{
	return open(wronly_path, O_WRONLY | O_CREAT | O_EXCL, 0200) == 3 &&
	       !unlink(wronly_path) ? 0 : -1;
}

/*
 * A deleted file open write-only whose mode lets nobody read it: its
 * contents cannot be saved (as root, they can).
 */
TEST(deleted_file_you_may_not_read_is_refused)
{
	char msg[256];

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (geteuid() == 0)
		SKIP(return, "root may read any file");
	snprintf(wronly_path, sizeof(wronly_path), "/tmp/ckpt-wronly.%d", getpid());
	EXPECT_TRUE(checkpoint_refused(open_wronly_deleted, EACCES,
				       "fd 3: a deleted file open for writing only",
				       msg, sizeof(msg))) TH_LOG("%s", msg);
}

/* ------------------------------------------------------ handed over */

#define H_OUT		(1 << 1)	/* 3 is not a pipe's write end */
#define H_IN		(1 << 2)	/* 4 is not a pipe's read end */
#define H_DATA		(1 << 3)	/* what went through them is wrong */
#define H_SHARED	(1 << 4)	/* 5 is not 4's open file */

/*
 * 3: the write end of one pipe, 4: the read end of another, 5 a dup of
 * 4; their other ends in a child of ours (killed with us).  After
 * restart, 3 and 4 are what the test handed over: "out" written to 3
 * reaches it, and what it wrote before the restart, "in", is read from
 * 4; 5 shares 4's open file.
 */
static int outside_program(struct run_shared *sh)
{
	struct stat st, st5;
	int a[2], b[2], failed = 0;
	char buf[8];
	pid_t helper;

	if (pipe(a) || a[0] != 3 || a[1] != 4 || pipe(b) || b[0] != 5 ||
	    b[1] != 6)
		return T_SETUP;
	helper = fork();
	if (helper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	/* 3: a's write end, 4 and 5: b's read end. */
	if (helper < 0 || dup2(4, 3) != 3 || dup2(5, 4) != 4 || close(6))
		return T_SETUP;
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	if (fstat(3, &st) || !S_ISFIFO(st.st_mode) ||
	    (fcntl(3, F_GETFL) & O_ACCMODE) != O_WRONLY)
		failed |= H_OUT;
	if (fstat(4, &st) || !S_ISFIFO(st.st_mode) ||
	    (fcntl(4, F_GETFL) & O_ACCMODE) != O_RDONLY)
		failed |= H_IN;
	if (write(3, "out", 3) != 3 || read(4, buf, sizeof(buf)) != 2 ||
	    memcmp(buf, "in", 2))
		failed |= H_DATA;
	if (fstat(5, &st5) || st5.st_ino != st.st_ino ||
	    fcntl(5, F_SETFL, O_NONBLOCK) || !(fcntl(4, F_GETFL) & O_NONBLOCK))
		failed |= H_SHARED;
	return failed;
}

/*
 * Pipes to another process are recorded, and restart puts in their
 * place what its caller hands over (ckpt restart --inherit-fd).
 */
TEST(handed_over_descriptors_take_the_place_of_pipes_to_the_outside)
{
	int out[2], in[2];
	char buf[8];

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	ASSERT_EQ(0, pipe(out));
	ASSERT_EQ(0, pipe(in));
	ASSERT_EQ(2, write(in[1], "in", 2));
	restart_inherit[0] = (struct restart_inherit){ .to = 3, .from = out[1] };
	restart_inherit[1] = (struct restart_inherit){ .to = 4, .from = in[0] };
	restart_nr_inherit = 2;
	comes_back(_metadata, outside_program, NULL, CKPT_HDR_FILE);
	restart_nr_inherit = 0;
	close(out[1]);
	EXPECT_EQ(3, read(out[0], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "out", 3));
	close(out[0]);
	close(in[0]);
	close(in[1]);
}

/* ---------------------------------------------------------------- FIFOs */

#define P_FLAGS		(1 << 1)	/* open flags not as they were */
#define P_BOTH		(1 << 2)	/* its FIFO does not carry data */
#define P_OUT		(1 << 3)	/* cannot write to the test's FIFO */
#define P_SAME		(1 << 4)	/* not the FIFO at the path */

/* F_GETFL also has O_LARGEFILE, which the kernel sets itself. */
#define FIFO_FLAGS	(O_ACCMODE | O_NONBLOCK | O_APPEND)

/*
 * 3 and 4: the write and the read end of the FIFO "both", 4
 * non-blocking (restart opens 3 first, with no reader yet); 5: the write
 * end of "out", whose reader is the test.  After restart "both" carries
 * data from 3 to 4, and what goes into 5 reaches the test.
 */
static int fifo_program(struct run_shared *sh)
{
	char both[128], out[128], buf[8];
	struct stat st, st3;
	int failed = 0;

	snprintf(both, sizeof(both), "%s/both", sh->dir);
	snprintf(out, sizeof(out), "%s/out", sh->dir);
	if (open(both, O_RDONLY | O_NONBLOCK) != 3 || open(both, O_WRONLY) != 4 ||
	    dup2(3, 5) != 5 || dup2(4, 3) != 3 || dup2(5, 4) != 4 || close(5) ||
	    open(out, O_WRONLY) != 5)
		return T_SETUP;
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	if ((fcntl(3, F_GETFL) & FIFO_FLAGS) != O_WRONLY ||
	    (fcntl(4, F_GETFL) & FIFO_FLAGS) != (O_RDONLY | O_NONBLOCK) ||
	    (fcntl(5, F_GETFL) & FIFO_FLAGS) != O_WRONLY)
		failed |= P_FLAGS;
	if (write(3, "ab", 2) != 2 || read(4, buf, sizeof(buf)) != 2 ||
	    memcmp(buf, "ab", 2))
		failed |= P_BOTH;
	if (stat(both, &st) || fstat(3, &st3) || st.st_ino != st3.st_ino ||
	    st.st_dev != st3.st_dev)
		failed |= P_SAME;
	if (write(5, "hi", 2) != 2)
		failed |= P_OUT;
	return failed;
}

/* FIFOs come back by their path, the other end of one outside. */
TEST(fifos_reopen_by_path)
{
	char dir[] = "/tmp/ckpt-fifo.XXXXXX", path[128], buf[8];
	int out;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/both", dir);
	ASSERT_EQ(0, mkfifo(path, 0600));
	snprintf(path, sizeof(path), "%s/out", dir);
	ASSERT_EQ(0, mkfifo(path, 0600));
	/* The test holds the read end of "out" throughout. */
	out = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, out);

	comes_back(_metadata, fifo_program, dir, CKPT_HDR_FILE);
	EXPECT_EQ(2, read(out, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hi", 2));
	close(out);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	system(path);
}

static char fifo_path[64];

static int fifo_with_data(void)
{
	return open(fifo_path, O_RDWR) == 3 && write(3, "x", 1) == 1 ? 0 : -1;
}

/* What a FIFO holds is not the process's: refused, the FIFO named. */
TEST(fifo_holding_data_is_refused)
{
	char dir[] = "/tmp/ckpt-fifo.XXXXXX", msg[256];

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(fifo_path, sizeof(fifo_path), "%s/full", dir);
	ASSERT_EQ(0, mkfifo(fifo_path, 0600));
	EXPECT_TRUE(checkpoint_refused(fifo_with_data, EBUSY, fifo_path,
				       msg, sizeof(msg))) TH_LOG("%s", msg);
	unlink(fifo_path);
	rmdir(dir);
}

TEST_HARNESS_MAIN

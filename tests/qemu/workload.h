/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workload of the state and restart selftests: it fills its heap,
 * stack, an anonymous mapping, a private file mapping, a PROT_NONE area
 * and its TLS with seeded patterns, keeps known values in r12-r15 and
 * ymm0-ymm15, stops where it is told, and when released checks that all
 * of it is still exactly as it was.  It talks to the test through a
 * MAP_SHARED mapping of a file, which restart maps again by its path.
 */
#ifndef CKPT_WORKLOAD_H
#define CKPT_WORKLOAD_H

#include <cpuid.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "ckpt_test.h"

#define HEAP_LEN	(64 << 10)	/* below M_MMAP_THRESHOLD: from brk */
#define STACK_LEN	(16 << 10)
#define ANON_LEN	(1 << 20)
#define FILE_LEN	(64 << 10)
#define COW_LEN		(32 << 10)	/* the part of the file written */
#define GUARD_LEN	(64 << 10)	/* filled, then made PROT_NONE */
#define HOLE_LEN	(1 << 20)	/* mapped, never touched */
#define TLS_LEN		256

enum seed { S_HEAP = 1, S_STACK, S_ANON, S_FILE, S_COW, S_GUARD, S_TLS, S_YMM };

/* r12-r15 while the workload spins */
static const uint64_t gp_values[4] = {
	0x1212121234343434ULL, 0x5656565678787878ULL,
	0x9a9a9a9abcbcbcbcULL, 0xdededede0f0f0f0fULL,
};

enum mode { MODE_RUNNING, MODE_READ, MODE_NANOSLEEP, MODE_PAUSE };

/*
 * A test may set these before workload_start(): how long MODE_NANOSLEEP
 * sleeps, and whether the workload installs a SIGUSR1 handler (with or
 * without SA_RESTART) before it blocks in its syscall, for the test to
 * make that signal pending while a checkpoint holds it.
 */
static long long workload_nap_ns = 1500000000LL;
enum handler { NO_HANDLER, HANDLER, HANDLER_SA_RESTART };
static enum handler workload_handler = NO_HANDLER;

/* Shared with the workload through a MAP_SHARED mapping of a file. */
struct shared {
	volatile int ready;
	volatile int go;
	/*
	 * Added to every pattern's seed: one per workload, and kept here,
	 * outside the image, so that a workload that got another's pages
	 * or lost its own cannot find them as it expects.
	 */
	uint64_t seed;
	uint64_t heap, stack, anon, file, guard, hole, tls, tp;
	int failed;		/* bits: what the workload found changed */
	char file_path[64];
	volatile int handled;	/* SIGUSR1 handler runs */
	int sys_ret, sys_errno;	/* what the syscall it stopped in returned */
	int64_t t0, t1;		/* CLOCK_MONOTONIC ns around nanosleep() */
};

static __thread unsigned char tls_buf[TLS_LEN];

static bool have_avx(void)
{
	return __builtin_cpu_supports("avx");
}

/*
 * Load ymm0-15 and r12-15, say so, spin until told to go, then store
 * what the registers hold.
 */
static void spin_with_registers(struct shared *sh, unsigned char in[16][32],
				unsigned char out[16][32], uint64_t gp[4])
{
	asm volatile(
		"vmovdqu 0(%[in]), %%ymm0\n\t"
		"vmovdqu 32(%[in]), %%ymm1\n\t"
		"vmovdqu 64(%[in]), %%ymm2\n\t"
		"vmovdqu 96(%[in]), %%ymm3\n\t"
		"vmovdqu 128(%[in]), %%ymm4\n\t"
		"vmovdqu 160(%[in]), %%ymm5\n\t"
		"vmovdqu 192(%[in]), %%ymm6\n\t"
		"vmovdqu 224(%[in]), %%ymm7\n\t"
		"vmovdqu 256(%[in]), %%ymm8\n\t"
		"vmovdqu 288(%[in]), %%ymm9\n\t"
		"vmovdqu 320(%[in]), %%ymm10\n\t"
		"vmovdqu 352(%[in]), %%ymm11\n\t"
		"vmovdqu 384(%[in]), %%ymm12\n\t"
		"vmovdqu 416(%[in]), %%ymm13\n\t"
		"vmovdqu 448(%[in]), %%ymm14\n\t"
		"vmovdqu 480(%[in]), %%ymm15\n\t"
		"movabs $0x1212121234343434, %%r12\n\t"
		"movabs $0x5656565678787878, %%r13\n\t"
		"movabs $0x9a9a9a9abcbcbcbc, %%r14\n\t"
		"movabs $0xdededede0f0f0f0f, %%r15\n\t"
		"movl $1, (%[ready])\n\t"
		"1: pause\n\t"
		"cmpl $0, (%[go])\n\t"
		"je 1b\n\t"
		"vmovdqu %%ymm0, 0(%[out])\n\t"
		"vmovdqu %%ymm1, 32(%[out])\n\t"
		"vmovdqu %%ymm2, 64(%[out])\n\t"
		"vmovdqu %%ymm3, 96(%[out])\n\t"
		"vmovdqu %%ymm4, 128(%[out])\n\t"
		"vmovdqu %%ymm5, 160(%[out])\n\t"
		"vmovdqu %%ymm6, 192(%[out])\n\t"
		"vmovdqu %%ymm7, 224(%[out])\n\t"
		"vmovdqu %%ymm8, 256(%[out])\n\t"
		"vmovdqu %%ymm9, 288(%[out])\n\t"
		"vmovdqu %%ymm10, 320(%[out])\n\t"
		"vmovdqu %%ymm11, 352(%[out])\n\t"
		"vmovdqu %%ymm12, 384(%[out])\n\t"
		"vmovdqu %%ymm13, 416(%[out])\n\t"
		"vmovdqu %%ymm14, 448(%[out])\n\t"
		"vmovdqu %%ymm15, 480(%[out])\n\t"
		"mov %%r12, 0(%[gp])\n\t"
		"mov %%r13, 8(%[gp])\n\t"
		"mov %%r14, 16(%[gp])\n\t"
		"mov %%r15, 24(%[gp])\n\t"
		"vzeroupper\n\t"
		:
		: [in] "r"(in), [out] "r"(out), [gp] "r"(gp),
		  [ready] "r"(&sh->ready), [go] "r"(&sh->go)
		: "memory", "r12", "r13", "r14", "r15",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		  "xmm14", "xmm15");
}

#define FAIL_HEAP	(1 << 0)
#define FAIL_STACK	(1 << 1)
#define FAIL_ANON	(1 << 2)
#define FAIL_FILE	(1 << 3)
#define FAIL_GUARD	(1 << 4)
#define FAIL_TLS	(1 << 5)
#define FAIL_REGS	(1 << 6)
#define FAIL_SYSCALL	(1 << 7)
#define FAIL_SETUP	(1 << 8)
#define FAIL_VDSO	(1 << 9)

static void on_wake(int sig)
{
	(void)sig;
}

static struct shared *workload_shared;

static void on_usr1_count(int sig)
{
	(void)sig;
	workload_shared->handled++;
}

static int64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * With workload_handler: a SIGUSR1 handler, then the syscall, which must
 * return what the kernel's signal delivery decides once the handler has
 * run, exactly once: read() restarted with SA_RESTART (and reading the
 * 'x' the test writes), else -1 and EINTR, as pause() and nanosleep()
 * always do.
 */
static int handled_syscall(struct shared *sh, enum mode mode)
{
	struct timespec nap = {
		workload_nap_ns / 1000000000LL, workload_nap_ns % 1000000000LL
	}, rem = { 0, 0 };
	struct sigaction sa = { .sa_handler = on_usr1_count };
	bool restarts = workload_handler == HANDLER_SA_RESTART;
	int ret = 0;
	char c = 0;

	workload_shared = sh;
	sa.sa_flags = restarts ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return FAIL_SETUP;
	sh->ready = 1;
	errno = 0;
	switch (mode) {
	case MODE_READ:
		ret = read(0, &c, 1);
		break;
	case MODE_PAUSE:
		ret = pause();
		break;
	case MODE_NANOSLEEP:
		ret = nanosleep(&nap, &rem);
		break;
	default:
		return FAIL_SETUP;
	}
	sh->sys_ret = ret;
	sh->sys_errno = errno;
	if (sh->handled != 1)
		return FAIL_SYSCALL;
	if (restarts)
		return ret == 1 && c == 'x' ? 0 : FAIL_SYSCALL;
	if (ret != -1 || errno != EINTR)
		return FAIL_SYSCALL;
	/* An interrupted sleep says how much of it was left. */
	if (mode == MODE_NANOSLEEP &&
	    (rem.tv_sec < 0 || (!rem.tv_sec && !rem.tv_nsec) ||
	     rem.tv_sec * 1000000000LL + rem.tv_nsec > workload_nap_ns))
		return FAIL_SYSCALL;
	return 0;
}

/*
 * The workload: sets up its memory and registers, stops where @mode says
 * (reading from its standard input, for MODE_READ), waits for sh->go and
 * checks everything; its exit status and sh->failed say what changed.
 */
static void workload(struct shared *sh, enum mode mode)
{
	unsigned char stack[STACK_LEN], in[16][32], out[16][32];
	unsigned char *heap, *anon, *file, *guard, *hole, *expect;
	struct timespec nap = {
		workload_nap_ns / 1000000000LL, workload_nap_ns % 1000000000LL
	};
	uint64_t gp[4];
	int fd, failed = 0;
	char c;

	close_fds_above_2();
	heap = malloc(HEAP_LEN);
	expect = malloc(FILE_LEN);
	anon = mmap(NULL, ANON_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	guard = mmap(NULL, GUARD_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, HOLE_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open(sh->file_path, O_RDWR);
	file = fd < 0 ? MAP_FAILED :
	       mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!heap || !expect || anon == MAP_FAILED || guard == MAP_FAILED ||
	    hole == MAP_FAILED || file == MAP_FAILED) {
		sh->failed = FAIL_SETUP;
		_exit(1);
	}
	close(fd);
	/* Transparent huge pages would make untouched pages exist. */
	madvise(hole, HOLE_LEN, MADV_NOHUGEPAGE);

	fill_pattern(heap, HEAP_LEN, sh->seed + S_HEAP);
	fill_pattern(stack, STACK_LEN, sh->seed + S_STACK);
	fill_pattern(anon, ANON_LEN, sh->seed + S_ANON);
	fill_pattern(file, COW_LEN, sh->seed + S_COW);
	fill_pattern(guard, GUARD_LEN, sh->seed + S_GUARD);
	mprotect(guard, GUARD_LEN, PROT_NONE);
	fill_pattern(tls_buf, TLS_LEN, sh->seed + S_TLS);
	fill_pattern(in, sizeof(in), sh->seed + S_YMM);

	sh->heap = (uintptr_t)heap;
	sh->stack = (uintptr_t)stack;
	sh->anon = (uintptr_t)anon;
	sh->file = (uintptr_t)file;
	sh->guard = (uintptr_t)guard;
	sh->hole = (uintptr_t)hole;
	sh->tls = (uintptr_t)tls_buf;
	sh->tp = (uintptr_t)pthread_self();

	if (workload_handler != NO_HANDLER && mode != MODE_RUNNING) {
		failed |= handled_syscall(sh, mode);
		goto stopped;
	}
	switch (mode) {
	case MODE_RUNNING:
		spin_with_registers(sh, in, out, gp);
		/* Against the pattern itself: in[] is restored memory too. */
		if (check_pattern(out, sizeof(out), sh->seed + S_YMM) >= 0 ||
		    memcmp(gp, gp_values, sizeof(gp)))
			failed |= FAIL_REGS;
		break;
	case MODE_READ:
		sh->ready = 1;
		if (read(0, &c, 1) != 1 || c != 'x')
			failed |= FAIL_SYSCALL;
		break;
	case MODE_PAUSE:
		signal(SIGUSR1, on_wake);
		sh->ready = 1;
		/* Only a signal with a handler ends pause(). */
		if (pause() != -1 || errno != EINTR)
			failed |= FAIL_SYSCALL;
		break;
	case MODE_NANOSLEEP:
		sh->t0 = mono_now_ns();
		sh->ready = 1;
		if (nanosleep(&nap, NULL))
			failed |= FAIL_SYSCALL;
		sh->t1 = mono_now_ns();
		/*
		 * The whole sleep, no less: interrupted and resumed.  (How
		 * much more is for the test, which knows how long the
		 * workload was gone.)
		 */
		if (sh->t1 - sh->t0 < workload_nap_ns)
			failed |= FAIL_SYSCALL;
		break;
	}
stopped:
	while (!sh->go)
		usleep(1000);

	if (check_pattern(heap, HEAP_LEN, sh->seed + S_HEAP) >= 0)
		failed |= FAIL_HEAP;
	if (check_pattern(stack, STACK_LEN, sh->seed + S_STACK) >= 0)
		failed |= FAIL_STACK;
	if (check_pattern(anon, ANON_LEN, sh->seed + S_ANON) >= 0)
		failed |= FAIL_ANON;
	/* Written part: the pattern; the rest: still the file's bytes. */
	fill_pattern(expect, FILE_LEN, sh->seed + S_FILE);
	if (check_pattern(file, COW_LEN, sh->seed + S_COW) >= 0 ||
	    memcmp(file + COW_LEN, expect + COW_LEN, FILE_LEN - COW_LEN))
		failed |= FAIL_FILE;
	mprotect(guard, GUARD_LEN, PROT_READ);
	if (check_pattern(guard, GUARD_LEN, sh->seed + S_GUARD) >= 0)
		failed |= FAIL_GUARD;
	if (check_pattern(tls_buf, TLS_LEN, sh->seed + S_TLS) >= 0 ||
	    sh->tp != (uintptr_t)pthread_self())
		failed |= FAIL_TLS;
	/* glibc calls these through the vDSO, which must be where it was. */
	{
		struct timespec ts = {};
		struct timeval tv = {};
		unsigned int cpu = ~0U;

		if (clock_gettime(CLOCK_MONOTONIC, &ts) || !ts.tv_sec ||
		    gettimeofday(&tv, NULL) || !tv.tv_sec ||
		    getcpu(&cpu, NULL) || cpu > 4096)
			failed |= FAIL_VDSO;
	}
	sh->failed = failed;
	_exit(failed ? 1 : 0);
}

static int make_file(char *path, size_t pathlen, const char *tmpl, size_t len,
		     uint64_t seed)
{
	void *buf = malloc(len);
	int fd;

	snprintf(path, pathlen, "%s", tmpl);
	fd = mkstemp(path);
	if (fd < 0 || !buf) {
		free(buf);
		return -1;
	}
	/* Readable and writable by the other test users, for restart. */
	if (fchmod(fd, 0666)) {
		close(fd);
		free(buf);
		return -1;
	}
	if (seed)
		fill_pattern(buf, len, seed);
	else
		memset(buf, 0, len);
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		fd = -1;
	}
	free(buf);
	return fd;
}

/*
 * Start the workload as @uid (-1: as we are), with the read end of @in
 * (a pipe the caller made) as its standard input, and wait until it
 * stops where @mode says.  Its shared page goes to *@shp, the page's
 * file name to @shared_path.  Returns its pid, or -1 with *@why set.
 */
static inline pid_t workload_start(enum mode mode, uid_t uid, const int in[2],
				   struct shared **shp, char *shared_path,
				   size_t len, const char **why)
{
	static const long syscalls[] = {
		[MODE_READ] = SYS_read,
		[MODE_NANOSLEEP] = SYS_clock_nanosleep,
		[MODE_PAUSE] = SYS_pause,
	};
	char file_path[64];
	struct shared *sh;
	pid_t pid;
	int fd, i;

	*why = "making its files";
	fd = make_file(shared_path, len, "/tmp/ckpt-shared.XXXXXX", 4096, 0);
	if (fd < 0)
		return -1;
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (sh == MAP_FAILED)
		return -1;
	*shp = sh;
	sh->seed = (uint64_t)getpid() << 32;
	fd = make_file(file_path, sizeof(file_path), "/tmp/ckpt-file.XXXXXX",
		       FILE_LEN, sh->seed + S_FILE);
	if (fd < 0)
		return -1;
	close(fd);
	strcpy(sh->file_path, file_path);

	pid = fork_child();
	if (pid == 0) {
		if (uid != (uid_t)-1 && become_user(uid))
			_exit(1);
		/* Somewhere any user restarting it may enter. */
		if (uid != (uid_t)-1 && chdir("/tmp"))
			_exit(1);
		if (dup2(in[0], 0) < 0)
			_exit(1);
		workload(sh, mode);
	}
	*why = "starting it";
	if (pid < 0)
		return -1;
	for (i = 0; i < 3000 && !sh->ready; i++)
		usleep(10000);
	*why = "waiting for it to stop where asked";
	if (!sh->ready || (mode != MODE_RUNNING &&
			   !wait_in_syscall(pid, syscalls[mode], 20000))) {
		kill_child(pid);
		return -1;
	}
	return pid;
}

/*
 * The verdict on a workload that exited non-zero: what it found, or its
 * status if sh->failed says nothing.  The exit status decides, not
 * sh->failed alone: two restored copies of one workload share sh, and
 * the one that passed may have cleared it since.
 */
static inline int workload_failed(const struct shared *sh, int status)
{
	return sh->failed ? sh->failed : 0x1000 | WEXITSTATUS(status);
}

/* Remove what workload_start() made. */
static inline void workload_cleanup(struct shared *sh, const char *shared_path)
{
	if (sh) {
		unlink(sh->file_path);
		munmap(sh, 4096);
	}
	if (shared_path[0])
		unlink(shared_path);
}

#endif /* CKPT_WORKLOAD_H */

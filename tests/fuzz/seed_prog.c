// SPDX-License-Identifier: GPL-2.0
/*
 * seed_prog - a small static program for the fuzzer's seed images.
 *
 * The selftests' programs make images of a few MiB, and restarting one
 * under the debug kernel takes seconds; the fuzzer explores faster from
 * small images that still hold every kind of record.  With no argument
 * this program sets up some of everything restart restores (signal
 * handlers, a blocked pending signal and a queued real-time one, an
 * alternate stack, a pipe holding data, /dev/null and a file at a
 * position, a umask, a lowered limit, an interval timer, anonymous
 * memory with written pages, a PROT_NONE guard and madvise hints, /tmp as
 * its working directory), prints "ready" and waits; with "min" it only
 * waits.  Statically linked: no shared library mappings.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

static int setup(void)
{
	static char altstack[16384];
	struct sigaction sa = { .sa_sigaction = on_signal,
				.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct itimerval it = { { 3600, 0 }, { 3600, 0 } };
	struct rlimit rl = { 0, RLIM_INFINITY };
	union sigval v = { .sival_int = 42 };
	char tmpl[] = "/tmp/ckpt-seed.XXXXXX";
	char *mem;
	sigset_t block;
	int p[2], fd;

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL) ||
	    sigaction(SIGRTMIN + 1, &sa, NULL))
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGRTMIN + 1);
	if (sigprocmask(SIG_BLOCK, &block, NULL) || raise(SIGUSR2) ||
	    sigqueue(getpid(), SIGRTMIN + 1, v))
		return -1;

	if (pipe(p) || write(p[1], "in the pipe", 11) != 11)
		return -1;
	if (open("/dev/null", O_RDWR) < 0)
		return -1;
	fd = mkstemp(tmpl);
	if (fd < 0 || write(fd, "some data", 9) != 9 || lseek(fd, 4, SEEK_SET) != 4)
		return -1;

	umask(027);
	if (setrlimit(RLIMIT_CORE, &rl) || chdir("/tmp") ||
	    setitimer(ITIMER_REAL, &it, NULL))
		return -1;

	mem = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	memset(mem, 0x5a, 3 * 4096);
	memset(mem + 8 * 4096, 0xa5, 4096);
	if (mprotect(mem + 12 * 4096, 4096, PROT_NONE) ||
	    madvise(mem + 14 * 4096, 2 * 4096, MADV_DONTFORK))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "min")) {
		if (setup()) {
			perror("seed_prog");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * bench/rusage.c - run a command, report its time and peak RSS.
 *
 * Usage: rusage OUTFILE COMMAND [ARG]...
 *
 * Runs COMMAND with this program's standard input, output and error,
 * waits for it, and writes one line to OUTFILE:
 *
 *	START_NS SECONDS MAXRSS_KIB
 *
 * START_NS is CLOCK_MONOTONIC just before the fork, SECONDS the time from
 * there to the command's end, MAXRSS_KIB its ru_maxrss from wait4().
 * Exits with the command's status, or 128 + the signal that killed it.
 *
 * Why not wait4() from the benchmark driver itself: a process's ru_maxrss
 * includes the memory it had before execve() (exec_mmap() records the old
 * mm's high-water mark), and a child forked by python3 starts with the
 * interpreter's 10 MiB or more.  Forked from this small program, the
 * command starts with this program's few hundred KiB.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	uint64_t t0, t1;
	FILE *out;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUTFILE COMMAND [ARG]...\n");
		return 2;
	}
	out = fopen(argv[1], "we");
	if (!out) {
		fprintf(stderr, "rusage: %s: %s\n", argv[1], strerror(errno));
		return 126;
	}

	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "rusage: fork: %s\n", strerror(errno));
		return 126;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rusage: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "rusage: wait4: %s\n", strerror(errno));
			return 126;
		}
	}
	t1 = now_ns();

	fprintf(out, "%llu %.6f %ld\n", (unsigned long long)t0,
		(t1 - t0) / 1e9, ru.ru_maxrss);
	if (fclose(out)) {
		fprintf(stderr, "rusage: %s: %s\n", argv[1], strerror(errno));
		return 126;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

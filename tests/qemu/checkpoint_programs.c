// SPDX-License-Identifier: GPL-2.0
/*
 * Real programs nobody here wrote, dynamically linked, with many
 * mappings: each is checkpointed mid-run, killed and restarted, and its
 * whole output must equal that of a run nobody interrupted.  The image of
 * each must list its mappings exactly as /proc/PID/maps did.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "ckpt_test.h"
#include "ckpt_harness.h"

struct program {
	const char *name;
	const char *const argv[8];
	const char *log;	/* a file it writes in its working directory */
};

/* Each prints "start" at once, then computes for a few seconds. */
static const struct program python3 = {
	.name = "python3", .argv = { "python3", "-c",
		"import sys\n"
		"print('start', flush=True)\n"
		"s = 0\n"
		"for i in range(1, 400000):\n"
		"    s = (s * 31 + i * i) % 1000000007\n"
		"    if i % 100000 == 0:\n"
		"        print(i, s)\n"
		"print('done', s)\n", NULL },
};

static const struct program perl = {
	.name = "perl", .argv = { "perl", "-e",
		"$| = 0; print \"start\\n\"; STDOUT->flush();"
		"my $s = 0; for my $i (1 .. 600000) {"
		"  $s = ($s * 31 + $i * $i) % 1000000007;"
		"  print \"$i $s\\n\" if $i % 100000 == 0; }"
		"print \"done $s\\n\";", NULL },
};

static const struct program awk = {
	.name = "awk", .argv = { "awk", "BEGIN {"
		" print \"start\"; fflush();"
		" s = 0; for (i = 1; i <= 6000000; i++) {"
		"  s = (s * 31 + i * i) % 1000003;"
		"  if (i % 1000000 == 0) print i, s }"
		" print \"done\", s }", NULL },
};

/* Logs to a file as it computes, and holds /dev/null open. */
static const struct program python3_logging = {
	.name = "python3", .argv = { "python3", "-c",
		"import logging\n"
		"logging.basicConfig(filename='compute.log', format='%(levelname)s %(message)s', level=logging.INFO)\n"
		"null = open('/dev/null', 'w')\n"
		"print('start', flush=True)\n"
		"s = 0\n"
		"for i in range(1, 400000):\n"
		"    s = (s * 31 + i * i) % 1000000007\n"
		"    if i % 20000 == 0:\n"
		"        logging.info('step %d: %d', i, s)\n"
		"        null.write('x')\n"
		"logging.info('done %d', s)\n"
		"print('done', s)\n", NULL },
	.log = "compute.log",
};

static bool have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* Start @p with its stdout on a pipe; returns the pid. */
static pid_t start(const struct program *p, int *out)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork_child();
	if (pid == 0) {
		dup2(fds[1], 1);
		close_fds_above_2();
		execvp(p->argv[0], (char *const *)p->argv);
		_exit(127);
	}
	close(fds[1]);
	*out = fds[0];
	return pid;
}

/* Read what @fd gives until EOF, appending to @buf. */
static void slurp(int fd, char *buf, size_t size)
{
	size_t len = strlen(buf);
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
}

static char *slurp_file(const char *path)
{
	char *buf = calloc(1, 1 << 16);
	int fd = open(path, O_RDONLY);

	if (fd >= 0 && buf)
		slurp(fd, buf, 1 << 16);
	if (fd >= 0)
		close(fd);
	return buf;
}

static bool read_line(int fd, char *line, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;

	while (len < size - 1) {
		if (poll(&pfd, 1, 60000) != 1 || read(fd, line + len, 1) != 1)
			return false;
		if (line[len++] == '\n')
			break;
	}
	line[len] = '\0';
	return true;
}

static void run(struct __test_metadata *_metadata, const struct program *p)
{
	char expected[4096] = "", got[4096] = "", line[64];
	char dir1[32], dir2[32], path[96];
	struct restart_result res;
	struct image img;
	int out, fd, status, st[2], saved;
	char *maps, *imaps;
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (!have(p->name))
		SKIP(return, "%s is not installed", p->name);

	/* A run nobody interrupts, in a directory of its own. */
	ASSERT_NE(NULL, mkdtemp(strcpy(dir1, "/tmp/ckpt-prog.XXXXXX")));
	ASSERT_NE(NULL, mkdtemp(strcpy(dir2, "/tmp/ckpt-prog.XXXXXX")));
	ASSERT_EQ(0, chdir(dir1));
	pid = start(p, &out);
	ASSERT_LT(0, pid);
	slurp(out, expected, sizeof(expected));
	close(out);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);

	/* The same, checkpointed once it computes, killed and restarted. */
	ASSERT_EQ(0, chdir(dir2));
	pid = start(p, &out);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(read_line(out, line, sizeof(line)));
	ASSERT_STREQ("start\n", line);
	strcpy(got, line);
	usleep(300000);

	maps = read_maps(pid);
	ASSERT_NE(NULL, maps);
	fd = memfd_create("ckpt-image", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ckpt_checkpoint(pid, fd, CKPT_CHECKPOINT_KILL))
		TH_LOG("checkpoint %s: %s", p->name, strerror(errno));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	slurp(out, got, sizeof(got));
	close(out);
	ASSERT_EQ(0, image_load(&img, fd));

	/* The image lists the mappings /proc/PID/maps showed. */
	imaps = image_maps(&img);
	ASSERT_NE(NULL, imaps);
	EXPECT_STREQ(maps, imaps);
	free(imaps);
	free(maps);

	/* The restored program writes the rest to a new stdout. */
	ASSERT_EQ(0, pipe2(st, O_CLOEXEC));
	saved = dup(1);
	ASSERT_LE(0, saved);
	ASSERT_EQ(1, dup2(st[1], 1));
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	dup2(saved, 1);
	close(saved);
	close(st[1]);
	ASSERT_TRUE(res.started) TH_LOG("restart %s: %s", p->name, res.msg);
	slurp(st[0], got, sizeof(got));
	close(st[0]);
	ASSERT_EQ(res.pid, waitpid(res.pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_STREQ(expected, got);
	if (p->log) {
		char *log1, *log2;

		snprintf(path, sizeof(path), "%s/%s", dir1, p->log);
		log1 = slurp_file(path);
		snprintf(path, sizeof(path), "%s/%s", dir2, p->log);
		log2 = slurp_file(path);
		ASSERT_NE(NULL, log1);
		ASSERT_NE(NULL, log2);
		EXPECT_LT(100, strlen(log1));
		EXPECT_STREQ(log1, log2);
		free(log1);
		free(log2);
	}
	image_free(&img);
	close(fd);
	snprintf(path, sizeof(path), "rm -rf %s %s", dir1, dir2);
	system(path);
}

/*
 * Each test runs its program twice, once checkpointed: under TCG on a
 * busy host that takes more than the harness's default 30 s.
 */
FIXTURE(programs) {};
FIXTURE_SETUP(programs) {}
FIXTURE_TEARDOWN(programs) {}

TEST_F_TIMEOUT(programs, python3_output_equals_an_uninterrupted_run, 120)
{
	run(_metadata, &python3);
}

TEST_F_TIMEOUT(programs, python3_logging_to_a_file_equals_an_uninterrupted_run, 120)
{
	run(_metadata, &python3_logging);
}

TEST_F_TIMEOUT(programs, perl_output_equals_an_uninterrupted_run, 120)
{
	run(_metadata, &perl);
}

TEST_F_TIMEOUT(programs, awk_output_equals_an_uninterrupted_run, 120)
{
	run(_metadata, &awk);
}

TEST_HARNESS_MAIN

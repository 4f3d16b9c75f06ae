// SPDX-License-Identifier: GPL-2.0
/*
 * The ckpt command end to end, in the guest: keys, an encrypted
 * checkpoint of python3 whose `ckpt info` lists its mappings exactly as
 * /proc/PID/maps does (as text and as JSON), restart that waits and exits
 * as the program did or dies of its signal, --detach, the `restart` name,
 * and the refusals a user sees: another user's process, a wrong key, a
 * tampered or truncated image, --detach of a program that would die of
 * its parent-death signal, none of which starts anything; a damaged
 * image found only once the restored process began replacing its memory,
 * which kills that process alone, and says so; --no-verify; and a pipe to
 * the outside handed over with --inherit-fd.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdarg.h>

#include "ckpt_test.h"
#include "ckpt_harness.h"

/* Run @cmd with sh -c; returns its wait status. */
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The whole of a small file, NUL-terminated, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/*
 * Start a python3 program, with @pdeath as its parent-death signal; wait
 * until it printed its first line.
 */
static pid_t start_python_pdeath(const char *prog, const char *out, int pdeath)
{
	pid_t pid, test = getpid();
	char line[64] = "";
	int i;

	pid = fork_child();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		/*
		 * Under Yama's ptrace_scope 1, ckpt (run by this test through
		 * sh) may checkpoint only its descendants, or a process that
		 * names one of its ancestors as its ptracer.
		 */
		prctl(PR_SET_PTRACER, test, 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, pdeath, 0, 0, 0);
		close_fds_above_2();
		execlp("python3", "python3", "-c", prog, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 6000; i++) {
		FILE *f = fopen(out, "r");

		if (f) {
			if (fgets(line, sizeof(line), f) && strchr(line, '\n')) {
				fclose(f);
				return pid;
			}
			fclose(f);
		}
		usleep(10000);
	}
	kill_child(pid);
	return -1;
}

/* The same, dying with this test (fork_child()'s SIGKILL). */
static pid_t start_python(const char *prog, const char *out)
{
	return start_python_pdeath(prog, out, SIGKILL);
}

/* Running or sleeping: not gone, and not a zombie waiting to be reaped. */
static bool running(pid_t pid)
{
	char path[64], stat[512], *p;
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(stat, sizeof(stat), f) != NULL;
	fclose(f);
	p = ok ? strrchr(stat, ')') : NULL;
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

FIXTURE(cli) {
	char dir[64];
	char recipient[128];
};

FIXTURE_SETUP(cli)
{
	char *r;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (sh("command -v ckpt >/dev/null && command -v python3 >/dev/null"))
		SKIP(return, "needs ckpt and python3 on PATH");
	strcpy(self->dir, "/tmp/ckpt-cli.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, chdir(self->dir));
	ASSERT_EQ(0, sh("ckpt keygen -o id.key > recipient && ckpt keygen -o other.key >/dev/null"));
	r = slurp("recipient");
	ASSERT_NE(NULL, r);
	r[strcspn(r, "\n")] = '\0';
	ASSERT_EQ(0, strncmp(r, "ckpt1", 5));
	snprintf(self->recipient, sizeof(self->recipient), "%s", r);
	free(r);
}

FIXTURE_TEARDOWN(cli)
{
	if (self->dir[0])
		sh("rm -rf %s", self->dir);
}

TEST_F_TIMEOUT(cli, info_lists_python3s_mappings_as_proc_maps_does, 120)
{
	char *maps, *info;
	pid_t pid;

	pid = start_python("print('start', flush=True)\nwhile True: pass\n",
			   "out");
	ASSERT_LT(0, pid);
	maps = read_maps(pid);
	ASSERT_NE(NULL, maps);
	ASSERT_EQ(0, sh("ckpt checkpoint %d -r %s -o py.ckpt", pid,
			self->recipient));
	/* It is left running. */
	EXPECT_EQ(0, kill(pid, 0));
	ASSERT_EQ(0, sh("ckpt info -i id.key --maps py.ckpt > maps"));
	info = slurp("maps");
	ASSERT_NE(NULL, info);
	EXPECT_STREQ(maps, info);

	/* The JSON says the same, read by a JSON parser. */
	ASSERT_EQ(0, sh("ckpt info -i id.key --json py.ckpt > info.json && "
			"python3 -c 'import json, sys\n"
			"v = json.load(open(\"info.json\"))[\"vmas\"]\n"
			"for m in v: print(hex(m[\"start\"]), hex(m[\"end\"]), m[\"perms\"], m[\"name\"])\n"
			"' > json-maps && awk '{ split($1, r, \"-\"); "
			"print \"0x\" r[1], \"0x\" r[2], $2, $6 }' maps > text-maps"));
	EXPECT_EQ(0, sh("python3 -c 'import sys\n"
			"a = [l.split() for l in open(\"json-maps\")]\n"
			"b = [l.split() for l in open(\"text-maps\")]\n"
			"n = lambda x: [int(x[0], 16), int(x[1], 16), x[2], x[3] if len(x) > 3 else \"\"]\n"
			"sys.exit(0 if [n(x) for x in a] == [n(x) for x in b] else 1)'"));
	free(maps);
	free(info);
	kill_child(pid);
}

/* Long enough to be checkpointed before it exits, on a busy host too. */
static const char exits_7[] =
	"import time\nprint('start', flush=True)\ntime.sleep(8)\n"
	"print('after', flush=True)\nraise SystemExit(7)\n";

TEST_F_TIMEOUT(cli, restart_exits_as_the_program_does, 120)
{
	char *out;
	pid_t pid;
	int status;

	pid = start_python(exits_7, "out");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt", pid,
			self->recipient));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	/*
	 * Its standard output was a file: reopened, at its position, the
	 * rest lands after what it wrote before.
	 */
	status = sh("restart -i id.key p.ckpt > out2");
	EXPECT_EQ(7, exit_code(status));
	out = slurp("out");
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("start\nafter\n", out);
	free(out);
	out = slurp("out2");
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("", out);
	free(out);
}

TEST_F_TIMEOUT(cli, restart_dies_of_the_programs_signal, 120)
{
	pid_t pid;
	int status;

	pid = start_python("import os, signal, time\nprint('start', flush=True)\n"
			   "time.sleep(8)\nos.kill(os.getpid(), signal.SIGTERM)\n",
			   "out");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt", pid,
			self->recipient));
	waitpid(pid, NULL, 0);
	status = sh("ckpt restart -i id.key p.ckpt; echo $? > rc");
	EXPECT_EQ(0, exit_code(status));
	EXPECT_EQ(0, sh("grep -qx 143 rc"));
}

TEST_F_TIMEOUT(cli, detach_prints_the_pid_and_leaves_it_running, 120)
{
	char *out;
	pid_t pid, restored;

	/*
	 * Long enough to be running still when restart --detach returns;
	 * with no parent-death signal, or restart's exit would kill it.
	 */
	pid = start_python_pdeath("import time\nprint('start', flush=True)\n"
				  "time.sleep(100)\n", "out", 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt", pid,
			self->recipient));
	waitpid(pid, NULL, 0);
	ASSERT_EQ(0, sh("ckpt restart --detach -i id.key p.ckpt > pid < /dev/null"));
	out = slurp("pid");
	ASSERT_NE(NULL, out);
	restored = atoi(out);
	free(out);
	ASSERT_LT(1, restored);
	/* An orphan now: a zombie would be reaped by init at any moment. */
	EXPECT_TRUE(running(restored));
	kill(restored, SIGKILL);
}

TEST_F_TIMEOUT(cli, detach_refuses_a_program_with_a_parent_death_signal, 120)
{
	char *out;
	pid_t pid;

	/* fork_child()'s SIGKILL: it would die as soon as restart exits. */
	pid = start_python("import time\nprint('start', flush=True)\n"
			   "time.sleep(100)\n", "out");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt", pid,
			self->recipient));
	waitpid(pid, NULL, 0);
	EXPECT_EQ(8, exit_code(sh("ckpt restart --detach -i id.key p.ckpt > pid 2>err < /dev/null")));
	EXPECT_EQ(0, sh("grep -q 'parent-death signal (SIGKILL)' err"));
	out = slurp("pid");
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("", out);
	free(out);
}

/*
 * A pipe to another process (a child that dies with it) leads outside:
 * checkpoint says so, restart refuses it unless given a descriptor in its
 * place, and the program writes to that one.
 */
TEST_F_TIMEOUT(cli, inherit_fd_hands_descriptors_over, 120)
{
	char *out;
	pid_t pid;

	pid = start_python("import ctypes, os, time\n"
			   "r, w = os.pipe()\n"
			   "if os.fork() == 0:\n"
			   "    ctypes.CDLL(None).prctl(1, 9)\n"	/* PR_SET_PDEATHSIG */
			   "    time.sleep(100)\n"
			   "    os._exit(0)\n"
			   "os.close(r)\n"
			   "print('start' if w == 4 else 'fds', flush=True)\n"
			   "time.sleep(8)\n"
			   "os.write(4, b'to-w')\n", "out");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("grep -qx start out"));
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt 2>note", pid,
			self->recipient));
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, sh("grep -q 'fd 4 is pipe:\\[.*restart needs --inherit-fd 4' note"));
	EXPECT_EQ(8, exit_code(sh("ckpt restart -i id.key p.ckpt 2>err")));
	EXPECT_EQ(0, sh("grep -q 'hand a descriptor over for it with --inherit-fd 4' err"));
	EXPECT_EQ(0, exit_code(sh("ckpt restart -i id.key --inherit-fd 4:7 p.ckpt 7>w")));
	out = slurp("w");
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("to-w", out);
	free(out);
}

TEST_F_TIMEOUT(cli, damaged_images_start_nothing, 120)
{
	pid_t pid;

	pid = start_python(exits_7, "out");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt", pid,
			self->recipient));
	waitpid(pid, NULL, 0);
	/* The wrong identity: exit 3. */
	EXPECT_EQ(3, exit_code(sh("ckpt restart -i other.key p.ckpt 2>err")));
	EXPECT_EQ(0, sh("grep -q 'ckpt: error' err"));
	/* A flipped bit in the middle: exit 4, found before anything ran. */
	ASSERT_EQ(0, sh("cp p.ckpt bad.ckpt && size=$(stat -c %%s bad.ckpt) && "
			"printf '\\377' | dd of=bad.ckpt bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null"));
	EXPECT_EQ(4, exit_code(sh("ckpt restart -i id.key bad.ckpt > out3 2>err")));
	EXPECT_EQ(0, sh("! grep -q after out3"));
	/* Cut short: exit 5. */
	ASSERT_EQ(0, sh("head -c $(($(stat -c %%s p.ckpt) - 100)) p.ckpt > short.ckpt"));
	EXPECT_EQ(5, exit_code(sh("ckpt restart -i id.key short.ckpt > out4 2>err")));
	EXPECT_EQ(0, sh("! grep -q after out4"));
	/* The same, read once from a pipe: still refused, still exit 5. */
	EXPECT_EQ(5, exit_code(sh("cat short.ckpt | ckpt restart -i id.key - > out5 2>err")));
	EXPECT_EQ(0, sh("! grep -q after out5"));
}

/* Flip every bit of the byte @back bytes before the end of @path. */
static int flip_byte(const char *path, off_t back)
{
	int fd = open(path, O_RDWR);
	struct stat st;
	unsigned char c;
	int ret = -1;

	if (fd < 0)
		return -1;
	if (!fstat(fd, &st) && st.st_size >= back &&
	    pread(fd, &c, 1, st.st_size - back) == 1) {
		c = ~c;
		if (pwrite(fd, &c, 1, st.st_size - back) == 1)
			ret = 0;
	}
	close(fd);
	return ret;
}

/*
 * Read once, an image whose end is damaged is found to be only after the
 * restored process has replaced its memory with most of the image's: it
 * is killed, and nothing else.  The restart command lives to say so and
 * exits with the status of the damage; the program never runs on.
 */
TEST_F_TIMEOUT(cli, damage_past_the_point_of_no_return_kills_only_the_restored_process, 120)
{
	char *out;
	pid_t pid;

	pid = start_python(exits_7, "out");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt", pid,
			self->recipient));
	waitpid(pid, NULL, 0);

	/*
	 * A plaintext image file with --no-verify goes to the module as it
	 * is: cut inside its last pages, the module finds the end missing,
	 * and the command reports the restored process killed, and why.
	 */
	ASSERT_EQ(0, sh("ckpt decrypt -i id.key -o plain.ckpt p.ckpt && "
			"head -c $(($(stat -c %%s plain.ckpt) - 100)) plain.ckpt > short.ckpt"));
	EXPECT_EQ(5, exit_code(sh("ckpt restart --no-verify short.ckpt 2>err")));
	EXPECT_EQ(0, sh("grep -q '^ckpt: error: short.ckpt: restart failed after %s' err",
			"the new process began replacing its memory, which was killed: .*truncated"))
		TH_LOG("%s", slurp("err"));
	/* Verified first, the same file starts nothing, with the same status. */
	EXPECT_EQ(5, exit_code(sh("ckpt restart short.ckpt 2>err")));
	EXPECT_EQ(0, sh("! grep -q 'which was killed' err"));

	/*
	 * Encrypted, on standard input or with --no-verify: the last chunk
	 * fails authentication when the restored process has begun; the
	 * command stops feeding it, the module kills it, and the command
	 * exits 4 with the reason, and says that the process was killed.
	 */
	ASSERT_EQ(0, sh("cp p.ckpt bad.ckpt"));
	ASSERT_EQ(0, flip_byte("bad.ckpt", 5));
	EXPECT_EQ(4, exit_code(sh("ckpt restart -i id.key - < bad.ckpt 2>err")));
	EXPECT_EQ(0, sh("grep -q '^ckpt: error: standard input: chunk [0-9]* .* failed authentication' err"))
		TH_LOG("%s", slurp("err"));
	EXPECT_EQ(0, sh("grep -q '^ckpt: hint: the new process had begun replacing its memory and was killed' err"))
		TH_LOG("%s", slurp("err"));
	EXPECT_EQ(4, exit_code(sh("ckpt restart --no-verify -i id.key bad.ckpt 2>err")));
	EXPECT_EQ(0, sh("grep -q '^ckpt: error: bad.ckpt: chunk [0-9]* .* failed authentication' err"))
		TH_LOG("%s", slurp("err"));
	EXPECT_EQ(0, sh("grep -q '^ckpt: hint: the new process had begun replacing its memory and was killed' err"))
		TH_LOG("%s", slurp("err"));

	/* No restored process went on: it would have written "after". */
	out = slurp("out");
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("start\n", out);
	free(out);
}

/* --no-verify: a good image is read once, and restarts and runs. */
TEST_F_TIMEOUT(cli, no_verify_restarts_a_good_image, 120)
{
	char *out;
	pid_t pid;

	pid = start_python(exits_7, "out");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sh("ckpt checkpoint %d --kill -r %s -o p.ckpt", pid,
			self->recipient));
	waitpid(pid, NULL, 0);
	EXPECT_EQ(7, exit_code(sh("ckpt restart --no-verify -i id.key p.ckpt")));
	out = slurp("out");
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("start\nafter\n", out);
	free(out);
}

TEST_F(cli, checkpoint_of_another_users_process_is_refused)
{
	int status;

	if (geteuid() == 0)
		SKIP(return, "root may checkpoint anyone's process");
	status = sh("ckpt checkpoint 1 -r %s -o init.ckpt 2>err", self->recipient);
	EXPECT_EQ(7, exit_code(status));
	EXPECT_EQ(0, sh("grep -q 'pid 1' err && test ! -e init.ckpt"));
}

TEST_HARNESS_MAIN

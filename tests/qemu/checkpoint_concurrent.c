// SPDX-License-Identifier: GPL-2.0
/*
 * Many checkpoints and restarts at once, by different users.
 *
 * CKPT_CONCURRENT (default 50) runners each start the workload (workload.h,
 * blocked in read()), and all of them checkpoint their own workload at
 * the same moment, then all restart their image at the same moment.  Each
 * restored workload checks its memory, registers and descriptors itself.
 * As root, runner i is uid and gid 20000 + i, a user with no other
 * process; as user ckpt, every runner is that user.  What this looks for
 * is what one process at a time cannot show: a lock taken in the wrong
 * order, state shared between two checkpoints or two restarts, an image
 * that gets another's pages; the guest's dmesg is checked for reports.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "ckpt_harness.h"

#define RUNNERS_DEFAULT	50
#define RUNNERS_MAX	200
#define RUNNER_UID0	20000

/* A runner's exit status: the stage that failed. */
enum stage {
	ST_OK, ST_USER, ST_START, ST_SYNC, ST_CHECKPOINT, ST_KILLED, ST_LOAD,
	ST_RESTART, ST_STARTED, ST_OWNER, ST_VERDICT, ST_MAX
};

static const char *const stage_name[ST_MAX] = {
	[ST_OK] = "ok",
	[ST_USER] = "becoming its user",
	[ST_START] = "starting its workload",
	[ST_SYNC] = "waiting for the others",
	[ST_CHECKPOINT] = "checkpointing its workload",
	[ST_KILLED] = "the checkpoint's kill",
	[ST_LOAD] = "reading its image back",
	[ST_RESTART] = "calling restart",
	[ST_STARTED] = "restart refused the image",
	[ST_OWNER] = "the restored workload's owner",
	[ST_VERDICT] = "the restored workload's own checks",
};

/* Blocks until the other end of @fd is closed by the test. */
static bool wait_for_go(int fd)
{
	char c;
	ssize_t n;

	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n == 0;
}

static bool owned_by(pid_t pid, uid_t uid)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return !stat(path, &st) && st.st_uid == uid && st.st_gid == getgid();
}

/*
 * Each runner writes one letter to the test when it is ready to
 * checkpoint ('c', or 'C' having failed before) and one when it is ready
 * to restart ('r', or 'R'), so that the test knows when all have arrived
 * even if some failed.
 */
static enum stage runner(uid_t uid, int go_ckpt, int done, int go_restart)
{
	struct shared *sh = NULL;
	char shared_path[64] = "";
	struct restart_result res;
	struct image img = { 0 };
	enum stage st = ST_OK;
	int in[2], fd, status;
	const char *why;
	pid_t pid;

	if (uid != (uid_t)-1 && (become_user(uid) || chdir("/tmp"))) {
		st = ST_USER;
		goto early;
	}
	if (pipe2(in, O_CLOEXEC)) {
		st = ST_START;
		goto early;
	}
	pid = workload_start(MODE_READ, (uid_t)-1, in, &sh, shared_path,
			     sizeof(shared_path), &why);
	if (pid < 0) {
		fprintf(stderr, "# runner %d: workload: %s\n", getpid(), why);
		st = ST_START;
		goto early;
	}
	if (write(done, "c", 1) != 1 || !wait_for_go(go_ckpt)) {
		kill_child(pid);
		st = ST_SYNC;
		goto out;
	}
	fd = memfd_create("ckpt-image", MFD_CLOEXEC);
	if (fd < 0 || ckpt_checkpoint(pid, fd, CKPT_CHECKPOINT_KILL)) {
		fprintf(stderr, "# runner %d: checkpoint of %d: %s\n", getpid(),
			pid, strerror(errno));
		kill_child(pid);
		st = ST_CHECKPOINT;
		goto late;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status)) {
		st = ST_KILLED;
		goto late;
	}
	if (image_load(&img, fd)) {
		st = ST_LOAD;
		goto late;
	}
	if (write(done, "r", 1) != 1 || !wait_for_go(go_restart)) {
		st = ST_SYNC;
		goto out;
	}
	if (restart_image(&img, fd, in[0], (uid_t)-1, &res)) {
		st = ST_RESTART;
		goto out;
	}
	if (!res.started) {
		fprintf(stderr, "# runner %d: restart: %s\n", getpid(), res.msg);
		st = ST_STARTED;
		goto out;
	}
	if (!owned_by(res.pid, getuid())) {
		kill_child(res.pid);
		st = ST_OWNER;
		goto out;
	}
	sh->go = 1;
	if (write(in[1], "x", 1) != 1 || waitpid(res.pid, &status, 0) != res.pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# runner %d: the restored workload found %#x (status %#x)\n",
			getpid(), sh->failed, status);
		kill_child(res.pid);
		st = ST_VERDICT;
	}
	goto out;
early:
	if (write(done, "C", 1) != 1)
		st = ST_SYNC;
late:
	if (write(done, "R", 1) != 1)
		st = ST_SYNC;
out:
	image_free(&img);
	workload_cleanup(sh, shared_path);
	return st;
}

static int nr_runners(void)
{
	const char *s = getenv("CKPT_CONCURRENT");
	int n = s ? atoi(s) : RUNNERS_DEFAULT;

	return n < 1 ? 1 : n > RUNNERS_MAX ? RUNNERS_MAX : n;
}

/*
 * Reads the runners' letters from @fd into @seen until @want of them have
 * written @c or its capital (failed on the way): all arrived there.
 */
static int wait_runners(int fd, int seen[128], int want, char c)
{
	char up = c - 'a' + 'A', buf[64];
	ssize_t n, i;

	while (seen[(int)c] + seen[(int)up] < want &&
	       (n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			seen[buf[i] & 127]++;
	return seen[(int)c] + seen[(int)up];
}

FIXTURE(many) {
	pid_t pid[RUNNERS_MAX];
	int n;
};

FIXTURE_SETUP(many)
{
	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (!have_avx())
		SKIP(return, "the CPU has no AVX (QEMU needs -cpu max)");
	self->n = nr_runners();
}

FIXTURE_TEARDOWN(many)
{
	int i;

	for (i = 0; i < self->n; i++)
		kill_child(self->pid[i]);
}

TEST_F_TIMEOUT(many, checkpoints_and_restarts_at_once_by_different_users, 300)
{
	int go_ckpt[2], go_restart[2], done[2], failed[ST_MAX] = { 0 };
	int seen[128] = { 0 };
	bool root = !getuid();
	int i, status, nr_failed = 0;

	ASSERT_EQ(0, pipe2(go_ckpt, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go_restart, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(done, O_CLOEXEC));
	for (i = 0; i < self->n; i++) {
		self->pid[i] = fork_child();
		ASSERT_LE(0, self->pid[i]);
		if (!self->pid[i]) {
			close(go_ckpt[1]);
			close(go_restart[1]);
			close(done[0]);
			_exit(runner(root ? RUNNER_UID0 + i : (uid_t)-1,
				     go_ckpt[0], done[1], go_restart[0]));
		}
	}
	close(go_ckpt[0]);
	close(go_restart[0]);
	close(done[1]);

	/* All started, then all checkpoint; all checkpointed, then all restart. */
	TH_LOG("%d runners%s", self->n, root ? ", each its own user" : "");
	EXPECT_EQ(self->n, wait_runners(done[0], seen, self->n, 'c'));
	close(go_ckpt[1]);
	EXPECT_EQ(self->n, wait_runners(done[0], seen, self->n, 'r'));
	close(go_restart[1]);
	close(done[0]);

	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(self->pid[i], waitpid(self->pid[i], &status, 0));
		self->pid[i] = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) < ST_MAX) {
			failed[WEXITSTATUS(status)]++;
			nr_failed += WEXITSTATUS(status) != ST_OK;
		} else {
			TH_LOG("runner %d ended with status %#x", i, status);
			nr_failed++;
		}
	}
	for (i = 1; i < ST_MAX; i++)
		if (failed[i])
			TH_LOG("%d runner(s) failed at %s", failed[i], stage_name[i]);
	EXPECT_EQ(0, nr_failed);
}

TEST_HARNESS_MAIN

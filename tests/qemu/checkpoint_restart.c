// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint, kill, restart: the workload of workload.h is checkpointed
 * (running, blocked in read(), in nanosleep(), in pause()) with
 * CKPT_CHECKPOINT_KILL, restarted from its image, and then checks for
 * itself that its memory, registers, TLS and file mapping are exactly as
 * they were and that its syscall resumed as the kernel would have resumed
 * it.  The same image restarted twice gives two independent processes;
 * an image restarted by another user runs as that user.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "kselftest_harness.h"

#include <sys/resource.h>

FIXTURE(restart) {
	struct shared *sh;
	char shared_path[64];
	pid_t pid;
	int in[2];		/* the workload's standard input */
	int img;
	struct image image;
	char *maps;
	enum mode mode;
};

FIXTURE_VARIANT(restart) {
	enum mode mode;
};

FIXTURE_VARIANT_ADD(restart, running) { .mode = MODE_RUNNING };
FIXTURE_VARIANT_ADD(restart, blocked_in_read) { .mode = MODE_READ };
FIXTURE_VARIANT_ADD(restart, in_nanosleep) { .mode = MODE_NANOSLEEP };
FIXTURE_VARIANT_ADD(restart, in_pause) { .mode = MODE_PAUSE };

/* Start the workload as @uid and checkpoint it, killing it. */
static void start_and_checkpoint(struct __test_metadata *_metadata,
				 FIXTURE_DATA(restart) *self, uid_t uid)
{
	const char *why;
	int status;

	ASSERT_EQ(0, pipe2(self->in, O_CLOEXEC));
	self->pid = workload_start(self->mode, uid, self->in, &self->sh,
				   self->shared_path, sizeof(self->shared_path),
				   &why);
	ASSERT_LT(0, self->pid) TH_LOG("workload: %s", why);

	self->maps = read_maps(self->pid);
	ASSERT_NE(NULL, self->maps);
	self->img = memfd_create("ckpt-image", MFD_CLOEXEC);
	ASSERT_LE(0, self->img);
	ASSERT_EQ(0, ckpt_checkpoint(self->pid, self->img, CKPT_CHECKPOINT_KILL))
		TH_LOG("checkpoint: %s", strerror(errno));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	self->pid = 0;
	ASSERT_EQ(0, image_load(&self->image, self->img));
}

FIXTURE_SETUP(restart)
{
	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (!have_avx())
		SKIP(return, "the CPU has no AVX (QEMU needs -cpu max)");
	self->mode = variant->mode;
	self->in[0] = self->in[1] = -1;
}

FIXTURE_TEARDOWN(restart)
{
	kill_child(self->pid);
	workload_cleanup(self->sh, self->shared_path);
	image_free(&self->image);
	free(self->maps);
}

/* Let the restored workload go on, and collect its own verdict. */
static int finish(struct __test_metadata *_metadata,
		  FIXTURE_DATA(restart) *self, pid_t pid)
{
	int status;

	if (self->mode == MODE_READ && write(self->in[1], "x", 1) != 1)
		return -1;
	if (self->mode == MODE_PAUSE) {
		/*
		 * Handlers come back with signals (not yet): show that it
		 * still waits in pause(), then end it.
		 */
		if (!wait_in_syscall(pid, SYS_pause, 5000))
			return -2;
		usleep(200000);
		if (!wait_in_syscall(pid, SYS_pause, 100))
			return -3;
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return 0;
	}
	self->sh->go = 1;
	if (waitpid(pid, &status, 0) != pid)
		return -4;
	if (!WIFEXITED(status)) {
		TH_LOG("the restored workload died of signal %d",
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		return -5;
	}
	return WEXITSTATUS(status) ? self->sh->failed : 0;
}

TEST_F(restart, workload_goes_on_with_its_state_intact)
{
	struct restart_result res;
	char *maps;

	start_and_checkpoint(_metadata, self, (uid_t)-1);
	ASSERT_EQ(0, restart_image(&self->image, self->img, self->in[0],
				   (uid_t)-1, &res));
	ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
	self->pid = res.pid;

	/* The memory map is the image's, but for VMAs mmap() merged. */
	maps = read_maps(res.pid);
	ASSERT_NE(NULL, maps);
	EXPECT_STREQ(maps_merged(self->maps), maps_merged(maps));
	free(maps);

	EXPECT_EQ(0, finish(_metadata, self, res.pid));
	self->pid = 0;
}

TEST_F(restart, same_image_restarts_twice)
{
	struct restart_result a, b;

	if (self->mode != MODE_RUNNING)
		SKIP(return, "once is enough");
	start_and_checkpoint(_metadata, self, (uid_t)-1);
	ASSERT_EQ(0, restart_image(&self->image, self->img, -1, (uid_t)-1, &a));
	ASSERT_TRUE(a.started) TH_LOG("restart failed: %s", a.msg);
	ASSERT_EQ(0, restart_image(&self->image, self->img, -1, (uid_t)-1, &b));
	ASSERT_TRUE(b.started) TH_LOG("restart failed: %s", b.msg);
	EXPECT_NE(a.pid, b.pid);
	/* One flag releases both; each checks its own state. */
	self->pid = a.pid;
	EXPECT_EQ(0, finish(_metadata, self, b.pid));
	EXPECT_EQ(0, finish(_metadata, self, a.pid));
	self->pid = 0;
}

/* The uids of a process: real, effective, saved, filesystem. */
static int proc_uids(pid_t pid, unsigned int uids[4])
{
	char path[64], line[256];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %u %u %u %u", &uids[0], &uids[1],
			   &uids[2], &uids[3]) == 4)
			found = 1;
	fclose(f);
	return found ? 0 : -1;
}

TEST_F(restart, another_users_image_runs_as_the_caller)
{
	struct restart_result res;
	unsigned int uids[4];

	if (self->mode != MODE_RUNNING)
		SKIP(return, "once is enough");
	if (geteuid() != 0)
		SKIP(return, "needs root to make another user's process");
	start_and_checkpoint(_metadata, self, CKPT_TEST_UID2);
	EXPECT_EQ(CKPT_TEST_UID2,
		  ((struct ckpt_hdr_task *)image_find(&self->image,
						      CKPT_HDR_TASK))->uid);
	ASSERT_EQ(0, restart_image(&self->image, self->img, -1, CKPT_TEST_UID,
				   &res));
	ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
	self->pid = res.pid;
	ASSERT_EQ(0, proc_uids(res.pid, uids));
	EXPECT_EQ(CKPT_TEST_UID, uids[0]);
	EXPECT_EQ(CKPT_TEST_UID, uids[1]);
	EXPECT_EQ(CKPT_TEST_UID, uids[2]);
	EXPECT_EQ(0, finish(_metadata, self, res.pid));
	self->pid = 0;
}

/* The image of a setuid-root program run by user 1000, taken by root. */
static int suid_image(struct __test_metadata *_metadata, struct image *img,
		      pid_t *victim)
{
	int fd, p[2];
	char c;

	if (make_suid_program())
		return -1;
	if (pipe2(p, 0))
		return -1;
	*victim = fork_child();
	if (*victim == 0) {
		if (become_user(CKPT_TEST_UID) || chdir("/tmp"))
			_exit(1);
		close(p[0]);
		if (dup2(p[1], 3) != 3)
			_exit(1);
		close_fds_above_2();
		fcntl(3, F_SETFD, FD_CLOEXEC);
		execl(SUID_PROG, "suid-sleep", "1000", (char *)NULL);
		_exit(1);
	}
	close(p[1]);
	/* Closed by the exec: the program runs with euid 0. */
	if (read(p[0], &c, 1) != 0)
		return -1;
	close(p[0]);
	if (!wait_in_syscall(*victim, SYS_clock_nanosleep, 20000))
		return -1;
	fd = memfd_create("ckpt-image", MFD_CLOEXEC);
	if (fd < 0 || ckpt_checkpoint(*victim, fd, 0) || image_load(img, fd))
		return -1;
	return fd;
}

TEST(setuid_programs_image_restarts_without_privilege)
{
	struct restart_result res;
	struct ckpt_hdr_task *t;
	unsigned int uids[4];
	struct image img;
	pid_t victim;
	int fd;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	if (geteuid() != 0)
		SKIP(return, "needs root to run and checkpoint a setuid program");
	fd = suid_image(_metadata, &img, &victim);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, proc_uids(victim, uids));
	ASSERT_EQ(0, uids[1]);	/* it did run privileged */
	kill_child(victim);

	/* Even an image that claims uid 0 gives nothing. */
	t = (void *)image_find(&img, CKPT_HDR_TASK);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, t->euid);
	t->uid = t->gid = t->egid = 0;
	ASSERT_EQ(0, ftruncate(fd, 0));
	ASSERT_EQ((ssize_t)img.len, pwrite(fd, img.buf, img.len, 0));

	ASSERT_EQ(0, restart_image(&img, fd, -1, CKPT_TEST_UID, &res));
	ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
	ASSERT_EQ(0, proc_uids(res.pid, uids));
	EXPECT_EQ(CKPT_TEST_UID, uids[0]);
	EXPECT_EQ(CKPT_TEST_UID, uids[1]);
	EXPECT_EQ(CKPT_TEST_UID, uids[2]);
	EXPECT_EQ(CKPT_TEST_UID, uids[3]);
	/* And it goes on sleeping. */
	EXPECT_TRUE(wait_in_syscall(res.pid, SYS_restart_syscall, 20000) ||
		    wait_in_syscall(res.pid, SYS_clock_nanosleep, 100));
	kill_child(res.pid);
	image_free(&img);
	close(fd);
}

/* Some image: a process waiting in pause(). */
static int simple_image(struct image *img)
{
	pid_t pid = start_paused(NULL);
	int fd;

	if (pid < 0)
		return -1;
	fd = checkpoint_image(pid, 0, img);
	kill_child(pid);
	return fd;
}

TEST(image_larger_than_rlimit_as_fails_with_enomem)
{
	struct restart_result res;
	struct ckpt_hdr_task *t;
	struct image img;
	int fd;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	fd = simple_image(&img);
	ASSERT_LE(0, fd);
	/*
	 * The image maps a few megabytes but says its RLIMIT_AS is one:
	 * the caller sets that limit on itself, and the mappings exceed it.
	 */
	t = (void *)image_find(&img, CKPT_HDR_TASK);
	ASSERT_NE(NULL, t);
	t->rlim[RLIMIT_AS][0] = t->rlim[RLIMIT_AS][1] = 1 << 20;
	ASSERT_EQ(0, ftruncate(fd, 0));
	ASSERT_EQ((ssize_t)img.len, pwrite(fd, img.buf, img.len, 0));
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	if (res.started)
		kill_child(res.pid);
	ASSERT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(ENOMEM, res.err);
	EXPECT_NE(NULL, strstr(res.msg, "RLIMIT_AS")) TH_LOG("%s", res.msg);
	image_free(&img);
	close(fd);
}

static char data_path[64];

/*
 * 3: /dev/null, 5: the same open file as 3, 7: a directory, 4: a file
 * written and seeked, opened O_APPEND.
 */
static int open_some_files(void)
{
	if (open("/dev/null", O_RDONLY) != 3 || dup2(3, 5) != 5 ||
	    open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC) != 4 ||
	    dup2(4, 7) != 7 || close(4) ||
	    open(data_path, O_RDWR | O_APPEND) != 4 ||
	    lseek(4, 1234, SEEK_SET) != 1234)
		return -1;
	return 0;
}

TEST(open_devices_and_files_come_back_at_their_descriptors)
{
	char path[64], link[256];
	struct restart_result res;
	char data[] = "/tmp/ckpt-fd-data.XXXXXX", info[512];
	struct image img;
	pid_t pid;
	ssize_t n;
	int fd;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	fd = mkstemp(data);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	close(fd);
	strcpy(data_path, data);
	pid = start_paused(open_some_files);
	ASSERT_LT(0, pid);
	fd = checkpoint_image(pid, 0, &img);
	ASSERT_LE(0, fd);
	kill_child(pid);

	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
	snprintf(path, sizeof(path), "/proc/%d/fd/3", res.pid);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	EXPECT_STREQ("/dev/null", link);
	snprintf(path, sizeof(path), "/proc/%d/fd/7", res.pid);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	EXPECT_STREQ("/tmp", link);
	/* 3 and 5 are one open file again (kcmp(KCMP_FILE) says 0). */
	EXPECT_EQ(0, syscall(SYS_kcmp, res.pid, res.pid, 0, 3, 5));
	EXPECT_NE(0, syscall(SYS_kcmp, res.pid, res.pid, 0, 3, 7));
	/* 4: its position and flags. */
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/4", res.pid);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, info, sizeof(info) - 1);
	close(fd);
	ASSERT_LT(0, n);
	info[n] = '\0';
	EXPECT_NE(NULL, strstr(info, "pos:\t1234\n")) TH_LOG("%s", info);
	EXPECT_NE(NULL, strstr(info, "flags:\t0102002\n")) TH_LOG("%s", info);
	kill_child(res.pid);
	image_free(&img);
	unlink(data);
}

TEST_HARNESS_MAIN

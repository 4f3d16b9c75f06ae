// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint, kill, restart: the workload of workload.h is checkpointed
 * (running, blocked in read(), in nanosleep(), in pause()) with
 * CKPT_CHECKPOINT_KILL, restarted from its image, and then checks for
 * itself that its memory, registers, TLS and file mapping are exactly as
 * they were and that its syscall resumed as the kernel would have resumed
 * it, also when a signal it handles was pending at checkpoint, with or
 * without SA_RESTART.  The same image restarted twice gives two
 * independent processes; an image restarted by another user runs as
 * that user.  The root pass leaves another user's image and a setuid
 * program's for the user pass, which restarts them with no capability.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "ckpt_harness.h"

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
	enum handler handler;
	int64_t ckpt_ns;	/* the image's nanosleep_now */
	int64_t restarted_ns;	/* when restart_image() returned */
	bool keep_files;	/* the workload's files, for the user pass */
};

FIXTURE_VARIANT(restart) {
	enum mode mode;
	enum handler handler;
};

FIXTURE_VARIANT_ADD(restart, running) { .mode = MODE_RUNNING };
FIXTURE_VARIANT_ADD(restart, blocked_in_read) { .mode = MODE_READ };
FIXTURE_VARIANT_ADD(restart, in_nanosleep) { .mode = MODE_NANOSLEEP };
FIXTURE_VARIANT_ADD(restart, in_pause) { .mode = MODE_PAUSE };
/* With SIGUSR1 pending, and a handler for it: restore_cpu_syscall(). */
FIXTURE_VARIANT_ADD(restart, in_read_signal_pending_sa_restart) {
	.mode = MODE_READ, .handler = HANDLER_SA_RESTART,
};

FIXTURE_VARIANT_ADD(restart, in_read_signal_pending_no_sa_restart) {
	.mode = MODE_READ, .handler = HANDLER,
};

FIXTURE_VARIANT_ADD(restart, in_pause_signal_pending) {
	.mode = MODE_PAUSE, .handler = HANDLER,
};

FIXTURE_VARIANT_ADD(restart, in_nanosleep_signal_pending) {
	.mode = MODE_NANOSLEEP, .handler = HANDLER,
};

/*
 * MODE_NANOSLEEP without a handler sleeps this long and is checkpointed
 * this far into its sleep; it must wake within NAP_SLACK_NS of the end
 * of the sleep plus the time it was gone.  A restart that slept the
 * whole sleep again would be NAP_BEFORE_NS late.
 */
#define NAP_NS		4500000000LL
#define NAP_BEFORE_NS	2500000000LL
#define NAP_SLACK_NS	1500000000LL

struct checkpoint_call {
	pid_t pid;
	int fd;
	__u64 flags;
	int ret, err;
	char msg[256];
};

static void *checkpoint_thread(void *arg)
{
	struct checkpoint_call *c = arg;

	c->ret = ckpt_checkpoint_msg(c->pid, c->fd, c->flags, c->msg,
				     sizeof(c->msg));
	c->err = errno;
	close(c->fd);
	return NULL;
}

/* The state letter of /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], stat[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(stat, sizeof(stat), f) ? strrchr(stat, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Checkpoint @pid into @out with @sig made pending on it while it is
 * parked: after it left its syscall with its -ERESTART* code, before the
 * checkpoint reads its signals.  The image goes through a pipe of one
 * page that is full before the checkpoint starts, so that the first
 * record the module writes, the header, waits until the test has sent
 * the signal; the target waits in its park (state D, TASK_KILLABLE,
 * which @sig does not wake).  Returns 0, or -1 with *@why set.
 */
static int checkpoint_signal_pending(pid_t pid, int sig, __u64 flags,
				     int out, const char **why)
{
	struct checkpoint_call c = { .pid = pid, .flags = flags };
	static char buf[1 << 16];
	pthread_t thread;
	int p[2], i, ret = 0;
	ssize_t n;

	*why = "making a pipe of one page, full";
	if (pipe2(p, O_CLOEXEC))
		return -1;
	memset(buf, 0, 4096);
	if (fcntl(p[1], F_SETPIPE_SZ, 4096) != 4096 ||
	    write(p[1], buf, 4096) != 4096) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	c.fd = p[1];
	if (pthread_create(&thread, NULL, checkpoint_thread, &c)) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	*why = "waiting for the target to park";
	for (i = 0; i < 2000 && proc_state(pid) != 'D'; i++)
		usleep(10000);
	if (proc_state(pid) != 'D')
		ret = -1;
	*why = "sending the signal";
	if (!ret && syscall(SYS_tgkill, pid, pid, sig))
		ret = -1;
	/* The filler, then the image, up to the end the thread makes. */
	if (read(p[0], buf, 4096) != 4096 && !ret) {
		*why = "reading the filler back";
		ret = -1;
	}
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n && !ret) {
			*why = "copying the image";
			ret = -1;
		}
	close(p[0]);
	pthread_join(thread, NULL);
	if (!ret && c.ret) {
		*why = c.msg[0] ? c.msg : strerror(c.err);
		ret = -1;
	}
	return ret;
}

/* Start the workload as @uid and checkpoint it, killing it. */
static void start_and_checkpoint(struct __test_metadata *_metadata,
				 FIXTURE_DATA(restart) *self, uid_t uid)
{
	const struct ckpt_hdr_signals *sg;
	const struct ckpt_hdr_task *t;
	const char *why;
	int status;

	ASSERT_EQ(0, pipe2(self->in, O_CLOEXEC));
	workload_handler = self->handler;
	workload_nap_ns = NAP_NS;
	self->pid = workload_start(self->mode, uid, self->in, &self->sh,
				   self->shared_path, sizeof(self->shared_path),
				   &why);
	ASSERT_LT(0, self->pid) TH_LOG("workload: %s", why);
	if (self->mode == MODE_NANOSLEEP && self->handler == NO_HANDLER)
		while (mono_now_ns() - self->sh->t0 < NAP_BEFORE_NS)
			usleep(10000);

	self->maps = read_maps(self->pid);
	ASSERT_NE(NULL, self->maps);
	self->img = memfd_create("ckpt-image", MFD_CLOEXEC);
	ASSERT_LE(0, self->img);
	if (self->handler == NO_HANDLER) {
		ASSERT_EQ(0, ckpt_checkpoint(self->pid, self->img,
					     CKPT_CHECKPOINT_KILL))
			TH_LOG("checkpoint: %s", strerror(errno));
	} else {
		ASSERT_EQ(0, checkpoint_signal_pending(self->pid, SIGUSR1,
						       CKPT_CHECKPOINT_KILL,
						       self->img, &why))
			TH_LOG("checkpoint with SIGUSR1 pending: %s", why);
	}
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	self->pid = 0;
	ASSERT_EQ(0, image_load(&self->image, self->img));
	t = image_find(&self->image, CKPT_HDR_TASK);
	sg = image_find(&self->image, CKPT_HDR_SIGNALS);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, sg);
	self->ckpt_ns = t->nanosleep_now;
	/* Checkpointed in the sleep, with time left: the state under test. */
	if (self->mode == MODE_NANOSLEEP) {
		ASSERT_EQ(CKPT_RESTART_BLOCK, t->restart);
		ASSERT_LT(t->nanosleep_now, t->nanosleep_expires);
	}
	/* The state the test is about: in the syscall, the signal pending. */
	if (self->handler != NO_HANDLER) {
		static const __u32 kind[] = {
			[MODE_READ] = CKPT_RESTART_SYS,
			[MODE_PAUSE] = CKPT_RESTART_NOHAND,
			[MODE_NANOSLEEP] = CKPT_RESTART_BLOCK,
		};

		ASSERT_EQ(kind[self->mode], t->restart);
		ASSERT_EQ(1, sg->nr_pending);
		ASSERT_EQ(0, sg->blocked & (1ULL << (SIGUSR1 - 1)));
		ASSERT_EQ(self->handler == HANDLER_SA_RESTART ? SA_RESTART : 0,
			  sg->action[SIGUSR1 - 1].flags & SA_RESTART);
	}
}

FIXTURE_SETUP(restart)
{
	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (!have_avx())
		SKIP(return, "the CPU has no AVX (QEMU needs -cpu max)");
	self->mode = variant->mode;
	self->handler = variant->handler;
	self->in[0] = self->in[1] = -1;
}

FIXTURE_TEARDOWN(restart)
{
	kill_child(self->pid);
	if (self->keep_files && self->sh)
		munmap(self->sh, 4096);
	else
		workload_cleanup(self->sh, self->shared_path);
	image_free(&self->image);
	free(self->maps);
}

/* Let the restored workload go on, and collect its own verdict. */
static int finish(struct __test_metadata *_metadata,
		  FIXTURE_DATA(restart) *self, pid_t pid)
{
	int64_t elapsed, gone;
	int status;

	if (self->mode == MODE_READ && write(self->in[1], "x", 1) != 1)
		return -1;
	if (self->mode == MODE_PAUSE && self->handler == NO_HANDLER) {
		/*
		 * It still waits in pause(), and stays there; then its
		 * SIGUSR1 handler (the workload's own) ends the wait, and it
		 * checks itself as the other modes do.
		 */
		if (!wait_in_syscall(pid, SYS_pause, 5000))
			return -2;
		usleep(200000);
		if (!wait_in_syscall(pid, SYS_pause, 100) || kill(pid, SIGUSR1))
			return -3;
	}
	self->sh->go = 1;
	if (waitpid(pid, &status, 0) != pid)
		return -4;
	if (!WIFEXITED(status)) {
		TH_LOG("the restored workload died of signal %d",
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		return -5;
	}
	if (WEXITSTATUS(status)) {
		TH_LOG("the workload found %#x; its syscall returned %d (errno %d), its handler ran %d times",
		       self->sh->failed, self->sh->sys_ret, self->sh->sys_errno,
		       self->sh->handled);
		return workload_failed(self->sh, status);
	}
	if (self->mode != MODE_NANOSLEEP || self->handler != NO_HANDLER)
		return 0;
	/* Not the whole sleep again: what was left of it, once it was back. */
	elapsed = self->sh->t1 - self->sh->t0;
	gone = self->restarted_ns - self->ckpt_ns;
	/* Nor less than the whole sleep, from NAP_NS, not from the image. */
	if (self->ckpt_ns - self->sh->t0 < NAP_BEFORE_NS ||
	    elapsed < NAP_NS || elapsed > NAP_NS + gone + NAP_SLACK_NS) {
		TH_LOG("slept %lld ms of %lld, checkpointed after %lld ms, gone %lld ms",
		       (long long)elapsed / 1000000, NAP_NS / 1000000,
		       (long long)(self->ckpt_ns - self->sh->t0) / 1000000,
		       (long long)gone / 1000000);
		return -6;
	}
	return 0;
}

TEST_F(restart, workload_goes_on_with_its_state_intact)
{
	struct restart_result res;
	char *maps;

	start_and_checkpoint(_metadata, self, (uid_t)-1);
	ASSERT_EQ(0, restart_image(&self->image, self->img, self->in[0],
				   (uid_t)-1, &res));
	self->restarted_ns = mono_now_ns();
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

/*
 * Images the root pass leaves for the user pass: tests/qemu/run-selftests
 * runs every binary as root, then as user ckpt, in one guest, whose /tmp
 * both passes share.  Made by root, readable by all.
 */
#define PASS_DIR	"/tmp/ckpt-selftest-restart"

/* Save @img as PASS_DIR/@name.img, and @note (if any) as @name.note. */
static int save_for_user_pass(const char *name, const struct image *img,
			      const char *note)
{
	char path[128], tmp[160];
	int fd, ret;

	if (mkdir(PASS_DIR, 0755) && errno != EEXIST)
		return -1;
	if (chmod(PASS_DIR, 0755))
		return -1;
	snprintf(path, sizeof(path), PASS_DIR "/%s.note", name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ret = note && write(fd, note, strlen(note)) != (ssize_t)strlen(note);
	ret |= close(fd);
	/* The image last, whole: the user pass looks for it. */
	snprintf(path, sizeof(path), PASS_DIR "/%s.img", name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ret |= write(fd, img->buf, img->len) != (ssize_t)img->len;
	ret |= close(fd);
	if (ret || rename(tmp, path))
		return -1;
	return 0;
}

/* The image the root pass saved as @name, open, and its note; or -1. */
static int load_from_root_pass(const char *name, struct image *img,
			       char *note, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PASS_DIR "/%s.note", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, note, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	note[n] = '\0';
	snprintf(path, sizeof(path), PASS_DIR "/%s.img", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (image_load(img, fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The root pass: an image of user 1001's workload for the user pass, with
 * the files it maps kept, and untouched since the checkpoint: a shared
 * mapping's file that changed would be refused.  Made while this test
 * maps no other workload's shared page, which the workload would inherit.
 */
static int other_users_image_for_user_pass(struct __test_metadata *_metadata)
{
	char shared_path[64];
	struct shared *sh = NULL;
	struct image img;
	const char *why;
	int in[2], fd, status, ret = -1;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return -1;
	pid = workload_start(MODE_RUNNING, CKPT_TEST_UID2, in, &sh, shared_path,
			     sizeof(shared_path), &why);
	if (pid < 0) {
		TH_LOG("workload: %s", why);
		goto out;
	}
	fd = checkpoint_image(pid, CKPT_CHECKPOINT_KILL, &img);
	if (waitpid(pid, &status, 0) != pid || fd < 0)
		goto out;
	ret = save_for_user_pass("other-user", &img, shared_path);
	image_free(&img);
	close(fd);
out:
	if (sh)
		munmap(sh, 4096);
	close(in[0]);
	close(in[1]);
	return ret;
}

/*
 * The user pass: the image of user 1001's workload, checkpointed by root
 * in the root pass, restarted by this unprivileged user, runs as this
 * user and goes on intact.
 */
static void restart_root_pass_image(struct __test_metadata *_metadata,
				    FIXTURE_DATA(restart) *self)
{
	const struct ckpt_hdr_task *t;
	struct restart_result res;
	unsigned int uids[4];
	int fd;

	/* The root pass kept the files; the user pass only uses them. */
	self->keep_files = true;
	self->img = load_from_root_pass("other-user", &self->image,
					self->shared_path,
					sizeof(self->shared_path));
	if (self->img < 0)
		SKIP(return, "no image from the root pass (run-selftests runs it first)");
	t = image_find(&self->image, CKPT_HDR_TASK);
	ASSERT_NE(NULL, t);
	ASSERT_EQ(CKPT_TEST_UID2, t->uid);
	ASSERT_NE(CKPT_TEST_UID2, getuid());
	fd = open(self->shared_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", self->shared_path, strerror(errno));
	self->sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, self->sh);
	/*
	 * Not written before the restart: a write fault on a shared mapping
	 * updates the file's modification time, and restart would refuse
	 * the file as changed.  Nobody has let it go yet.
	 */
	ASSERT_EQ(0, self->sh->go);

	ASSERT_EQ(0, restart_image(&self->image, self->img, -1, (uid_t)-1,
				   &res));
	ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
	self->pid = res.pid;
	ASSERT_EQ(0, proc_uids(res.pid, uids));
	EXPECT_EQ(getuid(), uids[0]);
	EXPECT_EQ(getuid(), uids[1]);
	EXPECT_EQ(getuid(), uids[2]);
	EXPECT_EQ(getuid(), uids[3]);
	EXPECT_EQ(0, finish(_metadata, self, res.pid));
	self->pid = 0;
}

TEST_F(restart, another_users_image_runs_as_the_caller)
{
	struct restart_result res;
	unsigned int uids[4];

	if (self->mode != MODE_RUNNING)
		SKIP(return, "once is enough");
	if (geteuid() != 0) {
		restart_root_pass_image(_metadata, self);
		return;
	}
	/* First: the workload would inherit the shared mappings of this test. */
	ASSERT_EQ(0, other_users_image_for_user_pass(_metadata));
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

/* The inode of the file the image maps from @path, or 0. */
static __u64 image_mapped_ino(const struct image *img, const char *path)
{
	const struct ckpt_hdr *h;
	size_t off = 0;

	while ((h = image_next(img, &off))) {
		const struct ckpt_hdr_vma *v = (const void *)h;

		if (h->type == CKPT_HDR_VMA && v->kind == CKPT_VMA_FILE &&
		    v->name_len > 1 && !strncmp(v->name, path, v->name_len))
			return v->ino;
	}
	return 0;
}

/* The restored setuid program runs as this user only, and sleeps on. */
static void check_unprivileged(struct __test_metadata *_metadata,
			       struct image *img, int fd, uid_t uid)
{
	struct restart_result res;
	unsigned int uids[4];

	ASSERT_EQ(0, restart_image(img, fd, -1, uid, &res));
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
}

/*
 * The user pass: the image root made in the root pass, restarted by user
 * ckpt itself, with no capability at all.
 */
static void restart_root_pass_suid_image(struct __test_metadata *_metadata)
{
	const struct ckpt_hdr_task *t;
	struct image img;
	struct stat st;
	char note[8];
	int fd;

	if (getuid() != CKPT_TEST_UID)
		SKIP(return, "the user pass runs as uid %d", CKPT_TEST_UID);
	fd = load_from_root_pass("suid", &img, note, sizeof(note));
	if (fd < 0)
		SKIP(return, "no image from the root pass (run-selftests runs it first)");
	if (stat(SUID_PROG, &st) || image_mapped_ino(&img, SUID_PROG) != st.st_ino)
		SKIP(return, "%s was made again since the root pass", SUID_PROG);
	t = image_find(&img, CKPT_HDR_TASK);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, t->euid);
	EXPECT_EQ(0, t->uid);
	check_unprivileged(_metadata, &img, fd, (uid_t)-1);
	image_free(&img);
	close(fd);
}

TEST(setuid_programs_image_restarts_without_privilege)
{
	struct ckpt_hdr_task *t;
	unsigned int uids[4];
	struct image img;
	pid_t victim;
	int fd;

	if (!ckpt_available())
		SKIP(return, "ckpt.ko is not loaded");
	if (geteuid() != 0) {
		restart_root_pass_suid_image(_metadata);
		return;
	}
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

	check_unprivileged(_metadata, &img, fd, CKPT_TEST_UID);
	/* The user pass restarts it as that user itself. */
	ASSERT_EQ(0, save_for_user_pass("suid", &img, NULL));
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

// SPDX-License-Identifier: GPL-2.0
/*
 * The sample policies of samples/lsm/ on ckpt.ko's own hooks (fmod_ret
 * programs on security_ckpt_*): each is loaded with its loader, refuses
 * what it targets with its errno while everything else still works, and
 * once unloaded the same operation succeeds.  A refused checkpoint leaves
 * its target running unharmed; a refused restart leaves its caller
 * intact: it returns from the ioctl, before the point of no return, with
 * its memory, open files, memory map, signal mask and comm as they were
 * (restart_refused() and caller_check() in lsm_test.h).
 *
 *   ckpt-deny-checkpoint	by comm, and by cgroup (and below)
 *   ckpt-wx			an image with a writable+executable area
 *   ckpt-allow-exec		an image that maps executable a file not on
 *				the allow-list; anonymous executable memory
 *   ckpt-no-mlocked		a process with mlock()ed memory (the policy
 *				Documentation/lsm-hooks.rst builds)
 *
 * fmod_ret programs need no BPF LSM: these pass in a guest booted without
 * "bpf" in lsm= too.  They need root, and SKIP otherwise.
 */
#define _GNU_SOURCE
#include "lsm_test.h"
#include "ckpt_harness.h"

#define VICTIM_COMM	"ckpt-lsm-vict"
#define OTHER_COMM	"ckpt-lsm-other"
#define PATH_LEN	256

/* Checkpoint @v: 0 and a whole image, or -1 with errno and @msg. */
static int checkpoint_victim(struct victim *v, char *msg, size_t len)
{
	struct image img = {};
	int fd = checkpoint_to_memfd(v->pid, msg, len);
	bool whole;

	if (fd < 0)
		return -1;
	whole = !image_load(&img, fd) && image_is_whole(&img);
	image_free(&img);
	close(fd);
	if (!whole) {
		snprintf(msg, len, "the image is not whole");
		errno = EIO;
		return -1;
	}
	return 0;
}

TEST(deny_checkpoint_by_comm)
{
	char *argv[] = { "ckpt-deny-checkpoint", VICTIM_COMM, NULL };
	struct victim v, other;
	struct loader l;
	char msg[512], want[128];

	SKIP_UNLESS_ROOT_AND_CKPT();
	ASSERT_EQ(0, victim_start(&v, VICTIM_COMM));
	ASSERT_EQ(0, victim_start(&other, OTHER_COMM));

	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);
	/* Refused, with the policy's errno, the target untouched. */
	EXPECT_EQ(-1, checkpoint_victim(&v, msg, sizeof(msg)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_NE(NULL, strstr(msg, "refused by security_ckpt_checkpoint"))
		TH_LOG("%s", msg);
	EXPECT_TRUE(victim_is_well(&v));
	/* Everything else still works. */
	EXPECT_EQ(0, checkpoint_victim(&other, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_TRUE(victim_is_well(&other));
	/* The loader said what it refused. */
	snprintf(want, sizeof(want), "refused (security_ckpt_checkpoint) checkpoint of pid %d (%s)",
		 v.pid, VICTIM_COMM);
	EXPECT_TRUE(loader_wait_for(&l, want, 5000)) TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (1 refused)")) TH_LOG("%s", l.log);

	/* Unloaded: the same checkpoint succeeds. */
	EXPECT_EQ(0, checkpoint_victim(&v, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_TRUE(victim_is_well(&v));
	victim_stop(&v);
	victim_stop(&other);
}

/* Move @pid into cgroup directory @dir. */
static int cgroup_enter(const char *dir, pid_t pid)
{
	char path[256];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%d\n", pid) < 0;
	ret |= fclose(f) != 0;
	return ret ? -1 : 0;
}

TEST(deny_checkpoint_by_cgroup_and_below)
{
	char top[128], inner[160], msg[512];
	char *argv[] = { "ckpt-deny-checkpoint", "-c", top, NULL };
	struct victim v, other;
	struct loader l;

	SKIP_UNLESS_ROOT_AND_CKPT();
	if (access("/sys/fs/cgroup/cgroup.procs", W_OK))
		SKIP(return, "no cgroup2 at /sys/fs/cgroup");
	snprintf(top, sizeof(top), "/sys/fs/cgroup/ckpt-lsm-test.%d", getpid());
	snprintf(inner, sizeof(inner), "%s/inner", top);
	ASSERT_EQ(0, mkdir(top, 0755));
	ASSERT_EQ(0, mkdir(inner, 0755));
	ASSERT_EQ(0, victim_start(&v, VICTIM_COMM));
	ASSERT_EQ(0, victim_start(&other, VICTIM_COMM));
	/* v below the refused cgroup, other where the test runs. */
	ASSERT_EQ(0, cgroup_enter(inner, v.pid));

	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);
	EXPECT_EQ(-1, checkpoint_victim(&v, msg, sizeof(msg)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_TRUE(victim_is_well(&v));
	EXPECT_EQ(0, checkpoint_victim(&other, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (1 refused)")) TH_LOG("%s", l.log);

	EXPECT_EQ(0, checkpoint_victim(&v, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_TRUE(victim_is_well(&v));
	victim_stop(&v);
	victim_stop(&other);
	EXPECT_EQ(0, rmdir(inner));
	EXPECT_EQ(0, rmdir(top));
}

/* Image setups: what the child maps before it pauses. */
static void map_anon_exec(void *arg)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		_exit(1);
	p[0] = (char)0xc3;
	if (mprotect(p, 8192, PROT_READ | PROT_EXEC))
		_exit(1);
}

/* How many of @img's areas have all of @flags (and a file, if @file). */
static int count_vmas(const struct image *img, __u32 flags, bool file)
{
	const struct ckpt_hdr *h;
	size_t off = 0;
	int n = 0;

	while ((h = image_next(img, &off))) {
		const struct ckpt_hdr_vma *v = (const void *)h;

		if (h->type == CKPT_HDR_VMA && (v->flags & flags) == flags &&
		    (!file || v->kind == CKPT_VMA_FILE))
			n++;
	}
	return n;
}

TEST(wx_refuses_writable_executable_image)
{
	char *argv[] = { "ckpt-wx", NULL };
	struct image wx = {}, plain = {};
	struct restart_result res;
	struct loader l;
	int wxfd, plainfd;

	SKIP_UNLESS_ROOT_AND_CKPT();
	wxfd = pause_image(&wx, map_wx, NULL, NULL);
	ASSERT_LE(0, wxfd);
	ASSERT_EQ(1, count_vmas(&wx, CKPT_VMA_WRITE | CKPT_VMA_EXEC, false));
	plainfd = pause_image(&plain, NULL, NULL, NULL);
	ASSERT_LE(0, plainfd);
	ASSERT_EQ(0, count_vmas(&plain, CKPT_VMA_WRITE | CKPT_VMA_EXEC, false));

	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);
	/* Refused before the point of no return: the caller returns. */
	ASSERT_EQ(0, restart_refused(&wx, wxfd, &res));
	EXPECT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(EACCES, res.err) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, "refused by security_ckpt_restore_vma"))
		TH_LOG("%s", res.msg);
	EXPECT_TRUE(res.intact) TH_LOG("%s", res.msg);
	/* An image without such an area restarts. */
	EXPECT_TRUE(restart_and_reap(&plain, plainfd, &res)) TH_LOG("%s", res.msg);
	EXPECT_TRUE(loader_wait_for(&l, "refused (security_ckpt_restore_vma) restart by", 5000))
		TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, " rwxp ")) TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (1 refused)")) TH_LOG("%s", l.log);

	/* Unloaded: the same image restarts. */
	EXPECT_TRUE(restart_and_reap(&wx, wxfd, &res)) TH_LOG("%s", res.msg);
	image_free(&wx);
	image_free(&plain);
	close(wxfd);
	close(plainfd);
}

/*
 * The paths of @img's executable file mappings, one each, into @paths
 * (at most @max); how many.
 */
static int exec_files(const struct image *img, char paths[][PATH_LEN],
		      int max)
{
	const struct ckpt_hdr *h;
	size_t off = 0;
	int n = 0, i;

	while ((h = image_next(img, &off))) {
		const struct ckpt_hdr_vma *v = (const void *)h;

		if (h->type != CKPT_HDR_VMA || v->kind != CKPT_VMA_FILE ||
		    !(v->flags & CKPT_VMA_EXEC))
			continue;
		for (i = 0; i < n; i++)
			if (!strcmp(paths[i], v->name))
				break;
		if (i == n && n < max)
			snprintf(paths[n++], PATH_LEN, "%s", v->name);
	}
	return n;
}

/* An image setup: map the file @arg executable, code from elsewhere. */
static void map_file_exec(void *arg)
{
	int fd = open(arg, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd,
			   0) == MAP_FAILED)
		_exit(1);
	close(fd);
}

/* Code in a file that the list below leaves out. */
#define OTHER_CODE	"/usr/bin/true"

TEST(allow_exec_refuses_code_not_on_the_list)
{
	char paths[16][PATH_LEN], more[16][PATH_LEN], msg[512];
	char *argv[20] = { "ckpt-allow-exec" };
	struct image img = {}, other = {};
	struct restart_result res;
	const char *extra = NULL;
	struct victim v;
	struct loader l;
	int fd, otherfd, n, i, j;

	SKIP_UNLESS_ROOT_AND_CKPT();
	/* The list: this program, ld.so, libc at least. */
	fd = pause_image(&img, NULL, NULL, NULL);
	ASSERT_LE(0, fd);
	n = exec_files(&img, paths, 16);
	ASSERT_LE(3, n);
	for (i = 0; i < n; i++)
		argv[1 + i] = paths[i];
	argv[1 + n] = NULL;
	/* An image with the same code, and more. */
	otherfd = pause_image(&other, map_file_exec, OTHER_CODE, NULL);
	ASSERT_LE(0, otherfd);
	ASSERT_EQ(n + 1, exec_files(&other, more, 16));
	for (i = 0; i < n + 1 && !extra; i++) {
		for (j = 0; j < n && strcmp(more[i], paths[j]); j++)
			;
		if (j == n)
			extra = more[i];
	}
	ASSERT_NE(NULL, extra);
	ASSERT_EQ(0, victim_start(&v, VICTIM_COMM));

	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);
	/* Refused, naming the file, the caller intact. */
	ASSERT_EQ(0, restart_refused(&other, otherfd, &res));
	EXPECT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(EPERM, res.err) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, extra)) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, "refused by security_ckpt_restore_vma"))
		TH_LOG("%s", res.msg);
	EXPECT_TRUE(res.intact) TH_LOG("%s", res.msg);
	/* Meanwhile everything else works: code on the list, a checkpoint. */
	EXPECT_TRUE(restart_and_reap(&img, fd, &res)) TH_LOG("%s", res.msg);
	EXPECT_EQ(0, checkpoint_victim(&v, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_TRUE(victim_is_well(&v));
	EXPECT_TRUE(loader_wait_for(&l, "refused (security_ckpt_restore_vma) restart by", 5000))
		TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (1 refused)")) TH_LOG("%s", l.log);

	/* Unloaded: it restarts. */
	EXPECT_TRUE(restart_and_reap(&other, otherfd, &res)) TH_LOG("%s", res.msg);
	victim_stop(&v);
	image_free(&img);
	image_free(&other);
	close(fd);
	close(otherfd);
}

TEST(allow_exec_deny_anon_exec)
{
	char paths[16][PATH_LEN];
	char *argv[21] = { "ckpt-allow-exec", "--deny-anon-exec" };
	struct restart_result res;
	struct image img = {};
	struct loader l;
	int fd, n, i;

	SKIP_UNLESS_ROOT_AND_CKPT();
	fd = pause_image(&img, map_anon_exec, NULL, NULL);
	ASSERT_LE(0, fd);
	/* Executable, no file: the mapping above and [vdso]. */
	ASSERT_EQ(2, count_vmas(&img, CKPT_VMA_EXEC, false) -
		     count_vmas(&img, CKPT_VMA_EXEC, true));
	n = exec_files(&img, paths, 16);
	for (i = 0; i < n; i++)
		argv[2 + i] = paths[i];
	argv[2 + n] = NULL;

	/* Every file allowed, but the code in anonymous memory is not. */
	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);
	ASSERT_EQ(0, restart_refused(&img, fd, &res));
	EXPECT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(EPERM, res.err) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, "(anonymous)")) TH_LOG("%s", res.msg);
	EXPECT_TRUE(res.intact) TH_LOG("%s", res.msg);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (1 refused)")) TH_LOG("%s", l.log);

	/* Without --deny-anon-exec ([vdso] was never refused) it restarts. */
	argv[1] = paths[0];
	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);
	EXPECT_TRUE(restart_and_reap(&img, fd, &res)) TH_LOG("%s", res.msg);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (0 refused)")) TH_LOG("%s", l.log);

	/* Unloaded: it restarts. */
	EXPECT_TRUE(restart_and_reap(&img, fd, &res)) TH_LOG("%s", res.msg);
	image_free(&img);
	close(fd);
}

static void lock_a_key(void *arg)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		_exit(1);
	if (mlock(p, 8192))
		_exit(1);
	memset(p, 'k', 8192);	/* a key, say */
}

TEST(no_mlocked_refuses_checkpoint_of_locked_memory)
{
	char *argv[] = { "ckpt-no-mlocked", NULL };
	struct victim v, other;
	struct loader l;
	char msg[512];

	SKIP_UNLESS_ROOT_AND_CKPT();
	ASSERT_EQ(0, victim_start_setup(&v, VICTIM_COMM, lock_a_key, NULL));
	ASSERT_EQ(0, victim_start(&other, OTHER_COMM));

	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);
	EXPECT_EQ(-1, checkpoint_victim(&v, msg, sizeof(msg)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_NE(NULL, strstr(msg, "refused by security_ckpt_checkpoint_vma"))
		TH_LOG("%s", msg);
	EXPECT_TRUE(victim_is_well(&v));
	EXPECT_EQ(0, checkpoint_victim(&other, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_TRUE(loader_wait_for(&l, "refused (security_ckpt_checkpoint_vma) checkpoint of pid", 5000))
		TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (1 refused)")) TH_LOG("%s", l.log);

	EXPECT_EQ(0, checkpoint_victim(&v, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_TRUE(victim_is_well(&v));
	victim_stop(&v);
	victim_stop(&other);
}

TEST_HARNESS_MAIN

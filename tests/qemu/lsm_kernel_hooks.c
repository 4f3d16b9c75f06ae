// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own LSM hooks apply to ckpt: BPF LSM programs of
 * samples/lsm/kernel_lsm.bpf.c (ckpt-kernel-lsm), on hooks every LSM has,
 * refuse checkpoint and restart.
 *
 *   lsm/ptrace_access_check	checkpoint's ptrace_may_access() gate:
 *				EPERM, the target unharmed
 *   lsm/file_open		restart reopens each mapped file before its
 *				point of no return: EACCES, the caller intact
 *   lsm/mmap_file		restart maps them again after it: the
 *				restarting process is killed, its parent
 *				told why on the status pipe
 *
 * Each needs "bpf" among the active LSMs and SKIPs, saying so, without
 * it.  The last test is for a guest booted without it
 * (tests/qemu/vm --append 'lsm=lockdown,capability,landlock,yama,apparmor'):
 * lsm/ programs attach but never run (the loader refuses to pretend),
 * while fmod_ret programs on ckpt.ko's hooks still refuse.  Needs root.
 */
#define _GNU_SOURCE
#include "lsm_test.h"
#include "ckpt_harness.h"

#define VICTIM_COMM	"ckpt-lsm-ptrace"
#define OTHER_COMM	"ckpt-lsm-other"

/* SKIP unless root, ckpt.ko and (if @want_bpf) BPF LSM are there. */
#define NEED(want_bpf) do {						\
	char lsms[512] = "";						\
	int active;							\
									\
	SKIP_UNLESS_ROOT_AND_CKPT();					\
	active = bpf_lsm_active(lsms, sizeof(lsms));			\
	if (active < 0)							\
		SKIP(return, "cannot read /sys/kernel/security/lsm");	\
	if ((want_bpf) && !active)					\
		SKIP(return, "BPF LSM is not active (lsm=%s): lsm/* programs cannot run", lsms); \
	if (!(want_bpf) && active)					\
		SKIP(return, "BPF LSM is active (lsm=%s): this test is for a boot without it", lsms); \
} while (0)

TEST(ptrace_access_check_refuses_checkpoint)
{
	char *argv[] = { "ckpt-kernel-lsm", "--ptrace", VICTIM_COMM, NULL };
	struct victim v, other;
	struct loader l;
	char msg[512], *maps;
	int fd;

	NEED(true);
	ASSERT_EQ(0, victim_start(&v, VICTIM_COMM));
	ASSERT_EQ(0, victim_start(&other, OTHER_COMM));
	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);

	EXPECT_GT(0, checkpoint_to_memfd(v.pid, msg, sizeof(msg)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_TRUE(victim_is_well(&v));
	/* Only attach is refused: its map still reads. */
	maps = read_maps(v.pid);
	EXPECT_NE(NULL, maps);
	free(maps);
	fd = checkpoint_to_memfd(other.pid, msg, sizeof(msg));
	EXPECT_LE(0, fd) TH_LOG("%s", msg);
	if (fd >= 0)
		close(fd);
	EXPECT_TRUE(loader_wait_for(&l, "refused (lsm/ptrace_access_check) attach to pid", 5000))
		TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);

	fd = checkpoint_to_memfd(v.pid, msg, sizeof(msg));
	EXPECT_LE(0, fd) TH_LOG("%s", msg);
	if (fd >= 0)
		close(fd);
	EXPECT_TRUE(victim_is_well(&v));
	victim_stop(&v);
	victim_stop(&other);
}

/* A data file that the image's process maps, and the image. */
struct mapped {
	char path[64];
	struct image img, plain;
	int fd, plainfd;
};

static void map_data(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY);
	volatile char *p;

	if (fd < 0)
		_exit(1);
	p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		_exit(1);
	close(fd);
	(void)p[0];
}

static int mapped_setup(struct mapped *m)
{
	char buf[8192];
	int fd;

	memset(m, 0, sizeof(*m));
	m->fd = m->plainfd = -1;
	snprintf(m->path, sizeof(m->path), "/tmp/ckpt-lsm-data.XXXXXX");
	fd = mkstemp(m->path);
	memset(buf, 'd', sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		return -1;
	close(fd);
	m->fd = pause_image(&m->img, map_data, m->path, NULL);
	m->plainfd = pause_image(&m->plain, NULL, NULL, NULL);
	return m->fd >= 0 && m->plainfd >= 0 ? 0 : -1;
}

static void mapped_free(struct mapped *m)
{
	image_free(&m->img);
	image_free(&m->plain);
	if (m->fd >= 0)
		close(m->fd);
	if (m->plainfd >= 0)
		close(m->plainfd);
	unlink(m->path);
}

TEST(file_open_refuses_restart_before_point_of_no_return)
{
	struct restart_result res;
	struct mapped m;
	struct loader l;
	char *argv[] = { "ckpt-kernel-lsm", "--file-open", m.path, NULL };

	NEED(true);
	ASSERT_EQ(0, mapped_setup(&m));
	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);

	ASSERT_EQ(0, restart_refused(&m.img, m.fd, &res));
	EXPECT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(EACCES, res.err) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, "cannot open")) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, m.path)) TH_LOG("%s", res.msg);
	/* An image without the file restarts. */
	EXPECT_TRUE(restart_and_reap(&m.plain, m.plainfd, &res)) TH_LOG("%s", res.msg);
	EXPECT_TRUE(loader_wait_for(&l, "refused (lsm/file_open) open of", 5000))
		TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);

	EXPECT_TRUE(restart_and_reap(&m.img, m.fd, &res)) TH_LOG("%s", res.msg);
	mapped_free(&m);
}

TEST(mmap_file_refuses_restart_past_point_of_no_return)
{
	struct restart_result res;
	struct mapped m;
	struct loader l;
	char *argv[] = { "ckpt-kernel-lsm", "--mmap-file", m.path, NULL };

	NEED(true);
	ASSERT_EQ(0, mapped_setup(&m));
	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);

	/* Too late for a clean refusal: the restarting process is killed. */
	ASSERT_EQ(0, restart_refused(&m.img, m.fd, &res));
	EXPECT_FALSE(res.started);
	EXPECT_TRUE(res.committed) TH_LOG("err %d: %s", res.err, res.msg);
	EXPECT_NE(NULL, strstr(res.msg, "failed (-13)")) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, m.path)) TH_LOG("%s", res.msg);
	EXPECT_TRUE(restart_and_reap(&m.plain, m.plainfd, &res)) TH_LOG("%s", res.msg);
	EXPECT_TRUE(loader_wait_for(&l, "refused (lsm/mmap_file) mmap of", 5000))
		TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);

	EXPECT_TRUE(restart_and_reap(&m.img, m.fd, &res)) TH_LOG("%s", res.msg);
	mapped_free(&m);
}

TEST(without_bpf_lsm_only_fmod_ret_policies_refuse)
{
	char *plain[] = { "ckpt-kernel-lsm", "--ptrace", VICTIM_COMM, NULL };
	char *forced[] = { "ckpt-kernel-lsm", "--force", "--ptrace", VICTIM_COMM, NULL };
	char *fmod_ret[] = { "ckpt-deny-checkpoint", VICTIM_COMM, NULL };
	struct victim v;
	struct loader l;
	char msg[512];
	int fd;

	NEED(false);
	ASSERT_EQ(0, victim_start(&v, VICTIM_COMM));

	/* The loader will not pretend. */
	EXPECT_EQ(-1, loader_start(&l, plain));
	EXPECT_NE(NULL, strstr(l.log, "BPF LSM is not active")) TH_LOG("%s", l.log);
	EXPECT_TRUE(WIFEXITED(l.status) && WEXITSTATUS(l.status) == 1);

	/* Forced: the kernel lets the program attach, and never runs it. */
	if (loader_start(&l, forced) == 0) {
		fd = checkpoint_to_memfd(v.pid, msg, sizeof(msg));
		EXPECT_LE(0, fd) TH_LOG("the lsm/ program refused: %s", msg);
		if (fd >= 0)
			close(fd);
		EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
		EXPECT_NE(NULL, strstr(l.log, "detached (0 refused)")) TH_LOG("%s", l.log);
		ksft_print_msg("without BPF LSM, lsm/ptrace_access_check attached and never ran\n");
	} else {
		ksft_print_msg("without BPF LSM, lsm/ptrace_access_check did not load: %s\n",
			       l.log);
	}

	/* fmod_ret on ckpt.ko's hooks needs no LSM: it still refuses. */
	ASSERT_EQ(0, loader_start(&l, fmod_ret)) TH_LOG("%s", l.log);
	EXPECT_GT(0, checkpoint_to_memfd(v.pid, msg, sizeof(msg)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_TRUE(victim_is_well(&v));
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	victim_stop(&v);
}

TEST_HARNESS_MAIN

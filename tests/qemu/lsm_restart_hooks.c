// SPDX-License-Identifier: GPL-2.0
/*
 * The two restart hooks no sample policy uses, security_ckpt_restart and
 * security_ckpt_restart_commit, refused by a test-only fmod_ret program
 * (tests/qemu/bpf/test_veto.bpf.c, loader ckpt-test-veto): the restart
 * fails with the errno the hook returned, before the point of no return,
 * with nothing of the image in its caller, which goes on as it was; once
 * the program is unloaded, the same image restarts.  And what the module
 * makes of a hook's value that is not an errno (ckpt_policy()): anything
 * positive or below -4095 refuses with EPERM, -4095..-1 as they are.
 *
 * fmod_ret programs need no BPF LSM: these pass in a guest booted without
 * "bpf" in lsm= too.  They need root, and SKIP otherwise.
 */
#define _GNU_SOURCE
#include <limits.h>

#include "lsm_test.h"
#include "ckpt_harness.h"

#define IMAGE_COMM	"ckpt-veto-img"

/* What the image's process has of its own: a name, and blocked signals. */
static void image_setup(void *arg)
{
	sigset_t set;

	(void)arg;
	prctl(PR_SET_NAME, IMAGE_COMM);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/*
 * With ckpt-test-veto refusing at @hook (security_ckpt_restart_commit
 * if @commit) with -@err: the restart of an image fails cleanly with
 * @err, the caller intact; unloaded, it restarts.
 */
static void refused_at(struct __test_metadata *_metadata, const char *hook,
		       bool commit, int err)
{
	char value[16], want[128];
	char *argv[5] = { "ckpt-test-veto" };
	struct restart_result res;
	struct image img = {};
	struct loader l;
	int fd, n = 1;

	snprintf(value, sizeof(value), "%d", -err);
	if (commit)
		argv[n++] = "--commit";
	argv[n++] = "--";
	argv[n++] = value;
	argv[n] = NULL;
	fd = pause_image(&img, image_setup, NULL, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);

	ASSERT_EQ(0, restart_refused(&img, fd, &res));
	EXPECT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(err, res.err) TH_LOG("%s", res.msg);
	snprintf(want, sizeof(want), "refused by %s (%d)", hook, -err);
	EXPECT_NE(NULL, strstr(res.msg, want)) TH_LOG("%s", res.msg);
	EXPECT_TRUE(res.intact) TH_LOG("%s", res.msg);
	snprintf(want, sizeof(want), "refused (%s) restart by pid %d (%s): returned %d",
		 hook, res.caller, CALLER_COMM, -err);
	EXPECT_TRUE(loader_wait_for(&l, want, 5000)) TH_LOG("%s", l.log);
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	EXPECT_NE(NULL, strstr(l.log, "detached (1 refused)")) TH_LOG("%s", l.log);

	/* Unloaded: the same image restarts. */
	EXPECT_TRUE(restart_and_reap(&img, fd, &res)) TH_LOG("%s", res.msg);
	image_free(&img);
	close(fd);
}

TEST(restart_hook_refuses_before_anything_is_restored)
{
	SKIP_UNLESS_ROOT_AND_CKPT();
	refused_at(_metadata, "security_ckpt_restart", false, EDOM);
}

TEST(restart_commit_hook_refuses_at_the_last_moment)
{
	SKIP_UNLESS_ROOT_AND_CKPT();
	refused_at(_metadata, "security_ckpt_restart_commit", true, EXDEV);
}

/*
 * ckpt_policy(): a hook's value that is no errno refuses with EPERM; the
 * errnos, -4095..-1, pass as they are.  One loader, one value per
 * restart, on each hook.
 */
static void policy_values(struct __test_metadata *_metadata, bool commit)
{
	static const struct {
		const char *value;
		int err;		/* what the caller sees */
		int msg;		/* what the module says it was refused with */
	} cases[] = {
		{ "1", EPERM, -EPERM },
		{ "2147483647", EPERM, -EPERM },
		{ "-4096", EPERM, -EPERM },
		{ "-2147483648", EPERM, -EPERM },
		{ "-133", 133, -133 },		/* EHWPOISON, the last errno */
		/* Not an errno of the C library, but in range: it stays. */
		{ "-4095", -1, -4095 },
	};
	const char *hook = commit ? "security_ckpt_restart_commit" : "security_ckpt_restart";
	char *argv[10] = { "ckpt-test-veto" };
	struct restart_result res;
	struct image img = {};
	struct loader l;
	char want[128];
	int fd, i, n = 1;

	if (commit)
		argv[n++] = "--commit";
	argv[n++] = "--";
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		argv[n++] = (char *)cases[i].value;
	argv[n] = NULL;
	fd = pause_image(&img, NULL, NULL, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, loader_start(&l, argv)) TH_LOG("%s", l.log);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, restart_refused(&img, fd, &res));
		EXPECT_FALSE(res.started) TH_LOG("%s returned", cases[i].value);
		EXPECT_FALSE(res.committed) TH_LOG("%s returned: %s", cases[i].value, res.msg);
		/* The exit status says errno + 100, modulo 256: not 4095. */
		if (cases[i].err > 0)
			EXPECT_EQ(cases[i].err, res.err)
				TH_LOG("%s returned: %s", cases[i].value, res.msg);
		snprintf(want, sizeof(want), "refused by %s (%d)", hook, cases[i].msg);
		EXPECT_NE(NULL, strstr(res.msg, want))
			TH_LOG("%s returned: %s", cases[i].value, res.msg);
		EXPECT_TRUE(res.intact) TH_LOG("%s returned: %s", cases[i].value, res.msg);
		snprintf(want, sizeof(want), "refused (%s) restart by pid %d (%s): returned %s",
			 hook, res.caller, CALLER_COMM, cases[i].value);
		EXPECT_TRUE(loader_wait_for(&l, want, 5000)) TH_LOG("%s", l.log);
	}
	EXPECT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	snprintf(want, sizeof(want), "detached (%zu refused)", ARRAY_SIZE(cases));
	EXPECT_NE(NULL, strstr(l.log, want)) TH_LOG("%s", l.log);
	image_free(&img);
	close(fd);
}

TEST(restart_hook_value_that_is_no_errno_refuses_with_eperm)
{
	SKIP_UNLESS_ROOT_AND_CKPT();
	policy_values(_metadata, false);
}

TEST(restart_commit_hook_value_that_is_no_errno_refuses_with_eperm)
{
	SKIP_UNLESS_ROOT_AND_CKPT();
	policy_values(_metadata, true);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Yama's ptrace_scope 3 forbids every attach, to root as to anyone, and
 * cannot be lowered again until reboot: so this test runs last in a guest
 * (tests/qemu/run-selftests runs *yama3* binaries after everything else,
 * as root and then as the unprivileged user, with CKPT_YAMA3=1).
 */
#define _GNU_SOURCE
#include "ckpt_test.h"
#include "ckpt_harness.h"

/*
 * Scope 3, set here by root.  Anyone else finds it set, or skips; under
 * run-selftests (CKPT_YAMA3=1) not finding it set is a failure.  False
 * if the test cannot go on, having failed or skipped.
 */
static bool scope_3(struct __test_metadata *_metadata)
{
	int scope = read_sysctl(YAMA_SCOPE);

	if (scope < 0)
		SKIP(return false, "Yama is not enabled");
	if (scope != 3 && geteuid() == 0) {
		EXPECT_EQ(0, write_sysctl(YAMA_SCOPE, 3));
		scope = read_sysctl(YAMA_SCOPE);
	} else if (scope != 3 && !getenv("CKPT_YAMA3")) {
		SKIP(return false, "setting ptrace_scope needs root");
	}
	EXPECT_EQ(3, scope) TH_LOG("run-selftests sets ptrace_scope to 3 first");
	return scope == 3;
}

/*
 * Checkpoint a child of our own: 0 if refused with EPERM by the ptrace
 * access check, else what went wrong.
 */
static int checkpoint_own_child(void *arg)
{
	char msg[256];
	int fd, ret = 0;
	pid_t pid;

	(void)arg;
	pid = fork_child();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		for (;;)
			pause();
	}
	fd = memfd_create("ckpt", MFD_CLOEXEC);
	if (fd < 0)
		ret = 2;
	else if (!ckpt_checkpoint_msg(pid, fd, 0, msg, sizeof(msg)))
		ret = 3;
	else if (errno != EPERM)
		ret = 100 + errno;
	else if (!strstr(msg, "ptrace access check"))
		ret = 4;
	kill_child(pid);
	if (fd >= 0)
		close(fd);
	return ret;
}

TEST(yama_scope_3_refuses_even_root)
{
	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (geteuid() != 0)
		SKIP(return, "root's case; the user's is the next test");
	if (!scope_3(_metadata))
		return;
	/* Even the caller's own child, even with CAP_SYS_PTRACE. */
	EXPECT_EQ(0, checkpoint_own_child(NULL));
	/* And it cannot be lowered. */
	EXPECT_NE(0, write_sysctl(YAMA_SCOPE, 1));
	EXPECT_EQ(3, read_sysctl(YAMA_SCOPE));
}

/*
 * An unprivileged user's own child, which scope 1 allows (see
 * checkpoint_gate's yama_scope_1_refuses_a_non_descendant), is refused:
 * run as the user, or by root as uid CKPT_TEST_UID.
 */
TEST(yama_scope_3_refuses_a_users_own_child)
{
	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (!scope_3(_metadata))
		return;
	EXPECT_EQ(0, run_as(geteuid() == 0 ? CKPT_TEST_UID : (uid_t)-1,
			    checkpoint_own_child, NULL));
	EXPECT_NE(0, write_sysctl(YAMA_SCOPE, 1));
	EXPECT_EQ(3, read_sysctl(YAMA_SCOPE));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Yama's ptrace_scope 3 forbids every attach, to root as to anyone, and
 * cannot be lowered again until reboot: so this test runs last in a guest
 * (tests/qemu/run-selftests runs *yama3* binaries after everything else).
 */
#define _GNU_SOURCE
#include "ckpt_test.h"
#include "kselftest_harness.h"

TEST(yama_scope_3_refuses_even_root)
{
	int fd, scope = read_sysctl(YAMA_SCOPE);
	pid_t pid;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (scope < 0)
		SKIP(return, "Yama is not enabled");
	if (scope != 3 && geteuid() != 0)
		SKIP(return, "setting ptrace_scope needs root");
	if (scope != 3)
		ASSERT_EQ(0, write_sysctl(YAMA_SCOPE, 3));

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;;)
			pause();
	}
	fd = memfd_create("ckpt", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	/* Even the caller's own child, even with CAP_SYS_PTRACE. */
	EXPECT_EQ(-1, ckpt_checkpoint(pid, fd, 0));
	EXPECT_EQ(EPERM, errno);
	/* And it cannot be lowered. */
	EXPECT_NE(0, write_sysctl(YAMA_SCOPE, 1));
	kill_child(pid);
	close(fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The audit sample, ckpt-audit (samples/lsm/audit.bpf.c): with it loaded,
 * a known sequence of checkpoints and restarts - allowed, failed, refused
 * by another policy's fmod_ret program, refused before and after their
 * hooks - is logged exactly, one line per operation, in order, with the
 * caller, the target (or the image's task) and the verdict the caller
 * saw.  fentry/fexit need no BPF LSM.  Needs root; SKIPs otherwise.
 */
#define _GNU_SOURCE
#include "lsm_test.h"
#include "ckpt_harness.h"

#define VICTIM_COMM	"ckpt-lsm-audit"

/* A pid that is nobody's: a child's, once reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/* The audit lines of @log, "ckpt-audit: #N ...", into @lines. */
static int audit_lines(char *log, char **lines, int max)
{
	char *s, *save = NULL;
	int n = 0;

	for (s = strtok_r(log, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
		if (!strncmp(s, "ckpt-audit: #", 13) && n < max)
			lines[n++] = s;
	return n;
}

/* Does @line have every space-separated field of @want? */
static bool has_fields(const char *line, const char *want)
{
	char buf[512], *f, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", want);
	for (f = strtok_r(buf, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
		const char *p = line;
		size_t len = strlen(f);
		bool found = false;

		/* A whole field: preceded by a space, followed by one or the end. */
		while ((p = strstr(p, f))) {
			if (p > line && p[-1] == ' ' && (p[len] == ' ' || !p[len])) {
				found = true;
				break;
			}
			p += len;
		}
		if (!found)
			return false;
	}
	return true;
}

TEST(audit_logs_every_operation_in_order)
{
	char *audit_argv[] = { "ckpt-audit", NULL };
	char *deny_argv[] = { "ckpt-deny-checkpoint", VICTIM_COMM, NULL };
	char *wx_argv[] = { "ckpt-wx", NULL };
	char msg[512], comm[16] = "", want[8][256], *lines[32], *log;
	struct image plain = {}, wx = {}, part = {};
	struct restart_result res;
	struct loader audit, l;
	struct victim v;
	pid_t gone, p1, p2, restored;
	int plainfd, wxfd, partfd, fd, n, i;
	const struct ckpt_hdr *h;
	size_t off = 0;

	SKIP_UNLESS_ROOT_AND_CKPT();
	ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
	ASSERT_EQ(0, victim_start(&v, VICTIM_COMM));
	ASSERT_EQ(0, loader_start(&audit, audit_argv)) TH_LOG("%s", audit.log);

	/* 1: a checkpoint */
	fd = checkpoint_to_memfd(v.pid, msg, sizeof(msg));
	ASSERT_LE(0, fd) TH_LOG("%s", msg);
	close(fd);
	snprintf(want[0], sizeof(want[0]),
		 "checkpoint caller=%d uid=0 comm=%s target=%d target_comm=%s flags=0x0 result=ok",
		 getpid(), comm, v.pid, VICTIM_COMM);
	/* 2: of nobody */
	gone = dead_pid();
	ASSERT_LT(0, gone);
	ASSERT_GT(0, checkpoint_to_memfd(gone, msg, sizeof(msg)));
	ASSERT_EQ(ESRCH, errno);
	snprintf(want[1], sizeof(want[1]),
		 "checkpoint caller=%d target=%d target_comm=- result=ESRCH",
		 getpid(), gone);
	/* 3: refused by another policy, at its hook */
	ASSERT_EQ(0, loader_start(&l, deny_argv)) TH_LOG("%s", l.log);
	ASSERT_GT(0, checkpoint_to_memfd(v.pid, msg, sizeof(msg)));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	snprintf(want[2], sizeof(want[2]),
		 "checkpoint caller=%d target=%d target_comm=%s result=EPERM hook=security_ckpt_checkpoint hook_ret=EPERM",
		 getpid(), v.pid, VICTIM_COMM);
	/* 4, 5: two images */
	plainfd = pause_image(&plain, NULL, NULL, &p1);
	ASSERT_LE(0, plainfd);
	snprintf(want[3], sizeof(want[3]), "checkpoint caller=%d target=%d target_comm=%s result=ok",
		 getpid(), p1, comm);
	wxfd = pause_image(&wx, map_wx, NULL, &p2);
	ASSERT_LE(0, wxfd);
	snprintf(want[4], sizeof(want[4]), "checkpoint caller=%d target=%d target_comm=%s result=ok",
		 getpid(), p2, comm);
	/* 6: a restart */
	ASSERT_EQ(0, restart_image(&plain, plainfd, -1, (uid_t)-1, &res));
	ASSERT_TRUE(res.started) TH_LOG("%s", res.msg);
	restored = res.pid;
	EXPECT_TRUE(wait_in_syscall(restored, SYS_pause, 20000));
	kill_child(restored);
	snprintf(want[5], sizeof(want[5]),
		 "restart caller=%d uid=0 comm=%s image_pid=%d image_comm=%s committed=yes result=ok",
		 restored, comm, p1, comm);
	/* 7: refused by another policy, before the point of no return */
	ASSERT_EQ(0, loader_start(&l, wx_argv)) TH_LOG("%s", l.log);
	ASSERT_EQ(0, restart_image(&wx, wxfd, -1, (uid_t)-1, &res));
	ASSERT_FALSE(res.started);
	ASSERT_EQ(EACCES, res.err) TH_LOG("%s", res.msg);
	ASSERT_EQ(0, loader_stop(&l)) TH_LOG("%s", l.log);
	snprintf(want[6], sizeof(want[6]),
		 "restart caller=%d uid=0 comm=%s image_pid=%d committed=no result=EACCES hook=security_ckpt_restore_vma hook_ret=EACCES",
		 res.caller, comm, p2);
	/* 8: an image cut after its task record: fails after security_ckpt_restart */
	h = image_next(&plain, &off);
	ASSERT_NE(NULL, h);
	h = image_next(&plain, &off);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(CKPT_HDR_TASK, h->type);
	partfd = memfd_create("ckpt-part", MFD_CLOEXEC);
	ASSERT_LE(0, partfd);
	ASSERT_EQ((ssize_t)off, write(partfd, plain.buf, off));
	part = plain;	/* its map, for the [vdso] moves */
	ASSERT_EQ(0, restart_image(&part, partfd, -1, (uid_t)-1, &res));
	ASSERT_FALSE(res.started);
	ASSERT_FALSE(res.committed);
	ASSERT_NE(0, res.err);
	snprintf(want[7], sizeof(want[7]),
		 "restart caller=%d uid=0 comm=%s image_pid=%d image_comm=%s committed=no result=%s",
		 res.caller, comm, p1, comm, strerrorname_np(res.err));

	ASSERT_EQ(0, loader_stop(&audit)) TH_LOG("%s", audit.log);
	EXPECT_NE(NULL, strstr(audit.log, "detached (8 logged, 0 lost)")) TH_LOG("%s", audit.log);
	log = strdup(audit.log);
	ASSERT_NE(NULL, log);
	n = audit_lines(log, lines, 32);
	ASSERT_EQ(8, n) TH_LOG("%s", audit.log);
	for (i = 0; i < n; i++) {
		char num[16];

		snprintf(num, sizeof(num), "#%d", i + 1);
		EXPECT_TRUE(has_fields(lines[i], num) && has_fields(lines[i], want[i]))
			TH_LOG("line %d is\n%s\nexpected the fields\n%s", i + 1, lines[i], want[i]);
	}
	/* Only a refusal at a hook names one. */
	EXPECT_EQ(NULL, strstr(lines[0], "hook="));
	EXPECT_EQ(NULL, strstr(lines[7], "hook="));

	free(log);
	victim_stop(&v);
	image_free(&plain);
	image_free(&wx);
	close(plainfd);
	close(wxfd);
	close(partfd);
}

TEST_HARNESS_MAIN

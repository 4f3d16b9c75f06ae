// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-audit - log every checkpoint and restart: caller, target, verdict.
 * The programs are audit.bpf.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include <linux/checkpoint.h>

#include "loader.h"
#include "audit.skel.h"

const char *prog = "ckpt-audit";

static const char usage[] =
	"Usage: ckpt-audit [OPTIONS]\n"
	"\n"
	"Print one line for every checkpoint and every restart asked of ckpt.ko,\n"
	"in the order they end:\n"
	"\n"
	"  ckpt-audit: #N checkpoint caller=PID uid=UID comm=COMM target=PID\n"
	"      target_comm=COMM flags=0xF result=ok|ERRNO [hook=HOOK] [msg=\"...\"]\n"
	"  ckpt-audit: #N restart caller=PID uid=UID comm=COMM image_pid=PID\n"
	"      image_comm=COMM release=REL vmas=N committed=yes|no result=ok|ERRNO\n"
	"      [hook=HOOK] [area=START-END PROT path=\"...\"] [msg=\"...\"]\n"
	"\n"
	"(one line each).  result is what the caller's ioctl returned; hook is\n"
	"the first security_ckpt_* hook that refused, whatever refused there (a\n"
	"policy's fmod_ret program included); committed=yes means the restart\n"
	"had passed its point of no return; msg is the module's message, when\n"
	"the caller asked for one.  Only observes: it never changes a verdict.\n"
	"Runs until SIGINT or SIGTERM (or -t), then detaches.\n"
	"\n"
	"Attaches fentry+fexit/ckpt_ioctl and fexit/security_ckpt_* (ckpt.ko,\n"
	"with BTF).\n"
	"\n"
	LSM_COMMON_USAGE;

static unsigned long long seq;

static int on_audit(void *ctx, void *data, size_t len)
{
	const struct ckpt_lsm_event *e = data;
	char comm[CKPT_LSM_COMM_LEN + 1], tcomm[CKPT_LSM_COMM_LEN + 1];
	char rel[CKPT_LSM_RELEASE_LEN + 1], path[CKPT_LSM_PATH_LEN + 1];
	char msg[CKPT_LSM_MSG_LEN + 1], prot[5];

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	lsm_clean(comm, sizeof(comm), e->comm, sizeof(e->comm));
	lsm_clean(tcomm, sizeof(tcomm), e->target_comm, sizeof(e->target_comm));
	printf("%s: #%llu", prog, ++seq);
	if (e->op == CKPT_LSM_OP_CHECKPOINT)
		printf(" checkpoint caller=%u uid=%u comm=%s target=%d target_comm=%s flags=0x%" PRIx64,
		       e->pid, e->uid, comm, e->target_pid,
		       tcomm[0] ? tcomm : "-", (uint64_t)e->flags);
	else
		printf(" restart caller=%u uid=%u comm=%s image_pid=%d image_comm=%s release=%s vmas=%u committed=%s",
		       e->pid, e->uid, comm, e->target_pid,
		       tcomm[0] ? tcomm : "-",
		       e->release[0] ? lsm_clean(rel, sizeof(rel), e->release,
						 sizeof(e->release)) : "-",
		       e->nr_vmas, e->committed ? "yes" : "no");
	printf(" result=%s", lsm_errname(e->verdict));
	if (e->hook) {
		printf(" hook=%s hook_ret=%s", lsm_hook_name(e->hook),
		       lsm_errname(e->hook_ret));
		if (e->hook == CKPT_LSM_HOOK_RESTORE_VMA ||
		    e->hook == CKPT_LSM_HOOK_CHECKPOINT_VMA)
			printf(" area=%" PRIx64 "-%" PRIx64 " %s path=\"%s\"",
			       (uint64_t)e->start, (uint64_t)e->end,
			       lsm_prot(prot, e->flags),
			       lsm_clean(path, sizeof(path), e->path, sizeof(e->path)));
	}
	if (e->verdict && e->msg[0]) {
		size_t i, n = strnlen(e->msg, sizeof(e->msg));

		/* Spaces kept: it is quoted; quotes and controls are not. */
		for (i = 0; i < n; i++)
			msg[i] = (e->msg[i] >= ' ' && e->msg[i] < 127 &&
				  e->msg[i] != '"') ? e->msg[i] : '?';
		msg[n] = '\0';
		printf(" msg=\"%s\"", msg);
	}
	putchar('\n');
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		LSM_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lsm_common c = {};
	struct audit_bpf *skel = NULL;
	int err, status = LSM_EXIT_FAIL;
	unsigned long long lost = 0;

	/* It has only the common options: lsm_getopt() handles them all. */
	lsm_getopt(&c, argc, argv, LSM_COMMON_SHORTOPTS, longopts, usage);
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n%s", prog,
			argv[optind], usage);
		return LSM_EXIT_USAGE;
	}

	lsm_setup(&c);
	if (lsm_check_target(true, false))
		return LSM_EXIT_FAIL;
	skel = audit_bpf__open_and_load();
	if (!skel) {
		lsm_explain("loading the BPF programs", -errno);
		return LSM_EXIT_FAIL;
	}
	err = audit_bpf__attach(skel);
	if (err) {
		lsm_explain("attaching to ckpt_ioctl and security_ckpt_*", err);
		goto out;
	}
	if (lsm_run(&c, skel->maps.events, on_audit,
		    "logging every checkpoint and restart"))
		goto out;
	lost = skel->bss->nr_lost;
	status = LSM_EXIT_OK;
out:
	audit_bpf__destroy(skel);
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu logged, %llu lost)\n", prog, seq, lost);
	return status;
}

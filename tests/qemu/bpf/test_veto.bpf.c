// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only (tests/qemu/lsm_restart_hooks.c): refuse every restart at
 * security_ckpt_restart, or at security_ckpt_restart_commit, returning
 * values the test chose, in turn - errnos, and values that are not one,
 * which the module must turn into EPERM (ckpt_policy()).
 *
 * fmod_ret may return any int: the trampoline skips the hook's body and
 * returns it whenever it is not 0.
 */
#include "ckpt_lsm.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_VERDICTS	8

/* Set by the loader: the hook that refuses, and what it returns. */
const volatile __u32 hook = CKPT_LSM_HOOK_RESTART;
const volatile int verdicts[MAX_VERDICTS] = { -EPERM };
const volatile __u32 nr_verdicts = 1;

__u64 nr_refused;

/* The next verdict in turn; its hook's call is counted as refused. */
static __always_inline int refuse(__u32 at)
{
	struct ckpt_lsm_event *e;
	__u64 n;
	int ret;

	if (at != hook || !nr_verdicts)
		return 0;
	n = __sync_fetch_and_add(&nr_refused, 1);
	ret = verdicts[(n % nr_verdicts) & (MAX_VERDICTS - 1)];
	e = event_new(CKPT_LSM_OP_REFUSED, at);
	if (e) {
		e->verdict = ret;
		e->hook_ret = ret;
		bpf_ringbuf_submit(e, 0);
	}
	return ret;
}

SEC("fmod_ret/security_ckpt_restart")
int BPF_PROG(veto_restart, const struct ckpt_hdr_header *hdr,
	     const struct ckpt_hdr_task *task, int ret)
{
	return refuse(CKPT_LSM_HOOK_RESTART);
}

SEC("fmod_ret/security_ckpt_restart_commit")
int BPF_PROG(veto_commit, const struct ckpt_hdr_header *hdr,
	     const struct ckpt_hdr_task *task, unsigned int nr_vmas, int ret)
{
	return refuse(CKPT_LSM_HOOK_RESTART_COMMIT);
}

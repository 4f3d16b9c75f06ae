// SPDX-License-Identifier: GPL-2.0
/*
 * Policy (f), the one Documentation/lsm-hooks.rst builds step by step:
 * memory a program has locked with mlock() - kept out of swap, as
 * gpg-agent, libsodium's sodium_malloc() and OpenSSL's secure heap do for
 * keys - is kept out of checkpoint images too: the checkpoint of a
 * process with such an area is refused, and the process goes on running.
 *
 * fmod_ret on security_ckpt_checkpoint_vma(), which ckpt.ko calls for
 * every area of the target's memory map before it writes any of the map.
 */
#include "ckpt_lsm.bpf.h"

/* fmod_ret programs must be GPL: they call GPL-only helpers. */
char LICENSE[] SEC("license") = "GPL";

/* What refuses: minus an errno, set by the loader (-e). */
const volatile int deny_ret = -EPERM;

/* How many checkpoints were refused, for the loader's last line. */
__u64 nr_refused;

SEC("fmod_ret/security_ckpt_checkpoint_vma")
int BPF_PROG(no_mlocked, struct task_struct *task, unsigned long start,
	     unsigned long end, u32 flags, struct file *file, int ret)
{
	struct ckpt_lsm_event *e;

	if (!(flags & CKPT_VMA_LOCKED))
		return 0;		/* not our business: allow */

	__sync_fetch_and_add(&nr_refused, 1);
	/* Tell the loader, which prints it; a full ring buffer drops it. */
	e = event_new(CKPT_LSM_OP_REFUSED, CKPT_LSM_HOOK_CHECKPOINT_VMA);
	if (e) {
		e->verdict = e->hook_ret = deny_ret;
		e->target_pid = BPF_CORE_READ(task, tgid);
		BPF_CORE_READ_STR_INTO(&e->target_comm, task, comm);
		e->start = start;
		e->end = end;
		e->flags = flags;
		bpf_ringbuf_submit(e, 0);
	}
	return deny_ret;		/* refuse the whole checkpoint */
}

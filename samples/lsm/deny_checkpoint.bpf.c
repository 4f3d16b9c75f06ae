// SPDX-License-Identifier: GPL-2.0
/*
 * Policy (a): no checkpoint of tasks with a given comm, or in a given
 * cgroup (v2) or below it - e.g. to keep ssh-agent's keys from ever
 * being written to an image.
 *
 * fmod_ret on security_ckpt_checkpoint(), which ckpt.ko calls once per
 * checkpoint after ptrace_may_access() has allowed it and before the
 * target is touched: returning an errno refuses the checkpoint, and the
 * target goes on running as if nothing had happened.
 */
#include "ckpt_lsm.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* What refuses: minus an errno, set by the loader before loading (-e). */
const volatile int deny_ret = -EPERM;

/* Comms refused (NUL-padded to 16 bytes), filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[CKPT_LSM_COMM_LEN]);
	__type(value, __u8);
} denied_comms SEC(".maps");

/* cgroup v2 ids (the cgroup directory's inode number) refused, with all below them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} denied_cgroups SEC(".maps");

__u64 nr_refused;

/* Deep enough for any sane hierarchy; deeper ancestors are not looked at. */
#define MAX_CGROUP_DEPTH 16

static __always_inline bool in_denied_cgroup(struct task_struct *task)
{
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	int i;

	/* The kernfs tree of cgroup2 is the cgroup tree. */
	for (i = 0; i < MAX_CGROUP_DEPTH && kn; i++) {
		__u64 id = BPF_CORE_READ(kn, id);

		if (bpf_map_lookup_elem(&denied_cgroups, &id))
			return true;
		kn = BPF_CORE_READ(kn, parent);
	}
	return false;
}

SEC("fmod_ret/security_ckpt_checkpoint")
int BPF_PROG(deny_checkpoint, struct task_struct *task, struct file *file,
	     u64 flags, int ret)
{
	char comm[CKPT_LSM_COMM_LEN] = {};
	struct ckpt_lsm_event *e;

	BPF_CORE_READ_STR_INTO(&comm, task, comm);
	if (!bpf_map_lookup_elem(&denied_comms, comm) && !in_denied_cgroup(task))
		return 0;

	__sync_fetch_and_add(&nr_refused, 1);
	e = event_new(CKPT_LSM_OP_REFUSED, CKPT_LSM_HOOK_CHECKPOINT);
	if (e) {
		e->verdict = e->hook_ret = deny_ret;
		e->target_pid = BPF_CORE_READ(task, tgid);
		__builtin_memcpy(e->target_comm, comm, sizeof(comm));
		e->flags = flags;
		bpf_ringbuf_submit(e, 0);
	}
	return deny_ret;
}

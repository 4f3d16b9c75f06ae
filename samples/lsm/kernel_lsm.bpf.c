// SPDX-License-Identifier: GPL-2.0
/*
 * Sample (e): the kernel's own LSM hooks already apply to ckpt.  These
 * are BPF LSM programs (BPF_PROG_TYPE_LSM, "lsm/..."): they need "bpf" in
 * the kernel's active LSM list (CONFIG_LSM, or lsm= on the command line),
 * unlike the fmod_ret programs on ckpt.ko's own security_ckpt_* hooks.
 *
 *   lsm/ptrace_access_check	checkpoint asks ptrace_may_access(target,
 *				PTRACE_MODE_ATTACH_REALCREDS): refusing it
 *				refuses the checkpoint (EPERM), the target
 *				untouched.  Also refuses ptrace attach, and
 *				only attach: /proc/PID/maps still reads.
 *   lsm/file_open		restart opens each mapped file by its path
 *				(filp_open) before the point of no return:
 *				refusing it is a clean refusal, the caller
 *				intact.
 *   lsm/mmap_file		restart maps the files again with vm_mmap()
 *				after the point of no return: refusing it
 *				fails the restart too late, and the caller is
 *				killed (its parent reads why on the status
 *				pipe).  Shown for contrast: prefer file_open,
 *				or ckpt's security_ckpt_restore_vma.
 *
 * Which program runs is the loader's choice (autoload); all three share
 * the maps.
 */
#include "ckpt_lsm.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * What refuses: minus an errno, set by the loader (-e).  A constant the
 * verifier sees: 6.12 checks that an LSM program returns 0 or -4095..-1.
 */
const volatile int ptrace_ret = -EPERM;
const volatile int file_ret = -EACCES;

/* Comms of tasks that may not be attached to (ptrace, checkpoint). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[CKPT_LSM_COMM_LEN]);
	__type(value, __u8);
} protected_comms SEC(".maps");

/* Files that may not be opened (file_open) or mapped (mmap_file). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct ckpt_lsm_ident);
	__type(value, __u8);
} denied_files SEC(".maps");

__u64 nr_refused;

SEC("lsm/ptrace_access_check")
int BPF_PROG(ptrace_access_check, struct task_struct *child, unsigned int mode,
	     int ret)
{
	char comm[CKPT_LSM_COMM_LEN] = {};
	struct ckpt_lsm_event *e;

	if (!(mode & PTRACE_MODE_ATTACH))
		return 0;
	BPF_CORE_READ_STR_INTO(&comm, child, comm);
	if (!bpf_map_lookup_elem(&protected_comms, comm))
		return 0;

	__sync_fetch_and_add(&nr_refused, 1);
	e = event_new(CKPT_LSM_OP_REFUSED, CKPT_LSM_HOOK_PTRACE_ACCESS_CHECK);
	if (e) {
		e->verdict = e->hook_ret = ptrace_ret;
		e->target_pid = BPF_CORE_READ(child, tgid);
		__builtin_memcpy(e->target_comm, comm, sizeof(comm));
		e->flags = mode;
		bpf_ringbuf_submit(e, 0);
	}
	return ptrace_ret;
}

static __always_inline int deny_file(struct file *file, __u32 hook)
{
	struct ckpt_lsm_ident id = {};
	struct ckpt_lsm_event *e;

	if (!file)
		return 0;
	file_ident(file, &id);
	if (!bpf_map_lookup_elem(&denied_files, &id))
		return 0;

	__sync_fetch_and_add(&nr_refused, 1);
	e = event_new(CKPT_LSM_OP_REFUSED, hook);
	if (e) {
		e->verdict = e->hook_ret = file_ret;
		e->ident = id;
		bpf_ringbuf_submit(e, 0);
	}
	return file_ret;
}

SEC("lsm/file_open")
int BPF_PROG(file_open, struct file *file, int ret)
{
	return deny_file(file, CKPT_LSM_HOOK_FILE_OPEN);
}

SEC("lsm/mmap_file")
int BPF_PROG(mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	return deny_file(file, CKPT_LSM_HOOK_MMAP_FILE);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Sample (d): an audit log of every checkpoint and restart - who asked
 * (pid, uid, comm), what for (the target, or the image's task), and the
 * verdict, with the hook that refused if one did - sent to a ring buffer
 * that the loader prints, one line per operation, in order.
 *
 * Observes only (fentry/fexit never change a verdict):
 *   fentry/fexit ckpt_ioctl	one operation starts and ends; its return
 *				value is the verdict the caller saw.  This is
 *				the module's ioctl handler, an internal
 *				function: it is where every request comes in,
 *				even one refused before any hook
 *   fexit security_ckpt_*	what each hook saw and returned, with the
 *				return value of fmod_ret programs (other
 *				policies) included
 * An operation in progress is kept in a hash map by thread id.
 */
#include "ckpt_lsm.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ckpt_lsm_event);
} inflight SEC(".maps");

/* Where the caller wants its error message: read back at the end. */
struct errbuf {
	__u64 addr;
	__u32 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct errbuf);
} errbufs SEC(".maps");

/* An event is too large for the BPF stack: start from this zeroed one. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ckpt_lsm_event);
} zero SEC(".maps");

static __always_inline struct ckpt_lsm_event *current_op(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(&inflight, &tid);
}

/* The first hook to refuse is the one that decided. */
static __always_inline void note_refusal(struct ckpt_lsm_event *op, __u32 hook,
					 int ret)
{
	if (ret && !op->hook) {
		op->hook = hook;
		op->hook_ret = ret;
	}
}

SEC("fentry/ckpt_ioctl")
int BPF_PROG(ioctl_enter, struct file *file, unsigned int cmd,
	     unsigned long arg)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, key = 0;
	struct ckpt_lsm_event *op;
	struct errbuf eb = {};

	if (cmd != CKPT_IOC_CHECKPOINT && cmd != CKPT_IOC_RESTART)
		return 0;
	op = bpf_map_lookup_elem(&zero, &key);
	if (!op)
		return 0;
	/* A copy: the per-CPU one stays zero. */
	if (bpf_map_update_elem(&inflight, &tid, op, BPF_ANY))
		return 0;
	op = bpf_map_lookup_elem(&inflight, &tid);
	if (!op)
		return 0;
	op->time_ns = bpf_ktime_get_ns();
	op->pid = id >> 32;
	op->tid = tid;
	op->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(op->comm, sizeof(op->comm));
	op->target_pid = -1;
	if (cmd == CKPT_IOC_CHECKPOINT) {
		struct ckpt_checkpoint_args a = {};

		op->op = CKPT_LSM_OP_CHECKPOINT;
		if (!bpf_probe_read_user(&a, sizeof(a), (void *)arg)) {
			op->target_pid = a.pid;
			op->flags = a.flags;
			eb.addr = a.errbuf;
			eb.len = a.errbuf_len;
		}
	} else {
		struct ckpt_restart_args a = {};

		op->op = CKPT_LSM_OP_RESTART;
		if (!bpf_probe_read_user(&a, sizeof(a), (void *)arg)) {
			eb.addr = a.errbuf;
			eb.len = a.errbuf_len;
		}
	}
	bpf_map_update_elem(&errbufs, &tid, &eb, BPF_ANY);
	return 0;
}

SEC("fexit/security_ckpt_checkpoint")
int BPF_PROG(checkpoint_exit, struct task_struct *task, struct file *file,
	     u64 flags, int ret)
{
	struct ckpt_lsm_event *op = current_op();

	if (!op)
		return 0;
	op->target_pid = BPF_CORE_READ(task, tgid);
	BPF_CORE_READ_STR_INTO(&op->target_comm, task, comm);
	note_refusal(op, CKPT_LSM_HOOK_CHECKPOINT, ret);
	return 0;
}

SEC("fexit/security_ckpt_checkpoint_vma")
int BPF_PROG(checkpoint_vma_exit, struct task_struct *task,
	     unsigned long start, unsigned long end, u32 flags,
	     struct file *file, int ret)
{
	struct ckpt_lsm_event *op = current_op();

	if (!op)
		return 0;
	op->nr_vmas++;
	if (ret && !op->hook) {
		op->start = start;
		op->end = end;
		op->flags = flags;
	}
	note_refusal(op, CKPT_LSM_HOOK_CHECKPOINT_VMA, ret);
	return 0;
}

SEC("fexit/security_ckpt_restart")
int BPF_PROG(restart_exit, const struct ckpt_hdr_header *hdr,
	     const struct ckpt_hdr_task *task, int ret)
{
	struct ckpt_lsm_event *op = current_op();

	if (!op)
		return 0;
	op->target_pid = task->pid;
	bpf_probe_read_kernel_str(op->target_comm, sizeof(op->target_comm),
				  task->comm);
	bpf_probe_read_kernel_str(op->release, sizeof(op->release),
				  hdr->release);
	note_refusal(op, CKPT_LSM_HOOK_RESTART, ret);
	return 0;
}

SEC("fexit/security_ckpt_restore_vma")
int BPF_PROG(restore_vma_exit, unsigned long start, unsigned long end,
	     u32 flags, struct file *file, const char *path, int ret)
{
	struct ckpt_lsm_event *op = current_op();

	if (!op)
		return 0;
	op->nr_vmas++;
	if (ret && !op->hook) {
		op->start = start;
		op->end = end;
		op->flags = flags;
		if (file)
			file_ident(file, &op->ident);
		bpf_probe_read_kernel_str(op->path, sizeof(op->path), path);
	}
	note_refusal(op, CKPT_LSM_HOOK_RESTORE_VMA, ret);
	return 0;
}

SEC("fexit/security_ckpt_restart_commit")
int BPF_PROG(restart_commit_exit, const struct ckpt_hdr_header *hdr,
	     const struct ckpt_hdr_task *task, unsigned int nr_vmas, int ret)
{
	struct ckpt_lsm_event *op = current_op();

	if (!op)
		return 0;
	op->nr_vmas = nr_vmas;
	/* Past this, a failure kills the caller. */
	op->committed = !ret;
	note_refusal(op, CKPT_LSM_HOOK_RESTART_COMMIT, ret);
	return 0;
}

SEC("fexit/ckpt_ioctl")
int BPF_PROG(ioctl_exit, struct file *file, unsigned int cmd,
	     unsigned long arg, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ckpt_lsm_event *op, *e;
	struct errbuf *eb;

	op = bpf_map_lookup_elem(&inflight, &tid);
	if (!op)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&nr_lost, 1);
		goto out;
	}
	__builtin_memcpy(e, op, sizeof(*e));
	e->verdict = ret;
	eb = bpf_map_lookup_elem(&errbufs, &tid);
	if (ret && eb && eb->addr) {
		__u32 len = eb->len;

		if (len > sizeof(e->msg))
			len = sizeof(e->msg);
		/* Resident: the module has just written it. */
		if (len && bpf_probe_read_user_str(e->msg, len,
						   (void *)eb->addr) < 0)
			e->msg[0] = '\0';
	}
	bpf_ringbuf_submit(e, 0);
out:
	bpf_map_delete_elem(&inflight, &tid);
	bpf_map_delete_elem(&errbufs, &tid);
	return 0;
}

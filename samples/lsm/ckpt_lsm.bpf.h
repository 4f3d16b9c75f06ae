/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every sample BPF program of samples/lsm/ includes: the kernel's
 * types (vmlinux.h, made from the kernel's BTF by bpftool; CO-RE
 * relocations let one object run on 6.1 and 6.12), libbpf's helpers,
 * ckpt's image format (uapi/linux/checkpoint.h: the layout of the records
 * the restart hooks see, and the CKPT_VMA_* flags), and a ring buffer of
 * struct ckpt_lsm_event that the loader prints.
 */
#ifndef CKPT_LSM_BPF_H
#define CKPT_LSM_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * checkpoint.h wants <linux/types.h> and <linux/ioctl.h>: vmlinux.h has
 * the types already (including them again would redefine structures),
 * and the _IOW() of the ioctl numbers needs only asm-generic/ioctl.h.
 */
#include <asm-generic/ioctl.h>
#define _LINUX_TYPES_H
#define _LINUX_IOCTL_H
#include <linux/checkpoint.h>

#include "ckpt_lsm.h"

/* errno values: vmlinux.h has no macros */
#define EPERM		1
#define ESRCH		3
#define EACCES		13

/* include/linux/ptrace.h */
#define PTRACE_MODE_READ	0x01
#define PTRACE_MODE_ATTACH	0x02

/*
 * The last argument of an fmod_ret or lsm/ program, ret, is what the
 * programs before it on the same hook returned: always 0, because the
 * trampoline stops at the first one that returns non-zero.  The programs
 * here do not return it: 6.12's verifier wants an LSM program's return
 * value to be a known 0 or -4095..-1.
 */

/* What the loader reads: refusals, or audit records. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Events lost because the ring buffer was full (the loader says so). */
__u64 nr_lost;

/* A zeroed event with the caller filled in, or NULL (counted). */
static __always_inline struct ckpt_lsm_event *event_new(__u32 op, __u32 hook)
{
	struct ckpt_lsm_event *e;
	__u64 id;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&nr_lost, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	id = bpf_get_current_pid_tgid();
	e->time_ns = bpf_ktime_get_ns();
	e->op = op;
	e->hook = hook;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* The identity of @file's inode, as struct ckpt_lsm_ident has it. */
static __always_inline void file_ident(struct file *file,
				       struct ckpt_lsm_ident *id)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	id->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	id->ino = BPF_CORE_READ(inode, i_ino);
}

#endif /* CKPT_LSM_BPF_H */

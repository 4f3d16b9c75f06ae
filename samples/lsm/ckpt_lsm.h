/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sample BPF policies of samples/lsm/ and their loaders share:
 * the events they send through their ring buffer and the keys of their
 * maps.  Included by the BPF programs (after vmlinux.h) and by the loaders
 * (after <linux/types.h>): it uses only __u32-style types.
 */
#ifndef CKPT_LSM_H
#define CKPT_LSM_H

#define CKPT_LSM_COMM_LEN	16	/* TASK_COMM_LEN */
#define CKPT_LSM_PATH_LEN	128
#define CKPT_LSM_MSG_LEN	256	/* the module's CKPT_ERRMSG_LEN */
#define CKPT_LSM_RELEASE_LEN	65	/* CKPT_RELEASE_LEN */

/* Where a verdict came from: the module's hooks, then the kernel's. */
enum ckpt_lsm_hook {
	CKPT_LSM_HOOK_NONE = 0,
	CKPT_LSM_HOOK_CHECKPOINT,		/* security_ckpt_checkpoint */
	CKPT_LSM_HOOK_CHECKPOINT_VMA,		/* security_ckpt_checkpoint_vma */
	CKPT_LSM_HOOK_RESTART,			/* security_ckpt_restart */
	CKPT_LSM_HOOK_RESTORE_VMA,		/* security_ckpt_restore_vma */
	CKPT_LSM_HOOK_RESTART_COMMIT,		/* security_ckpt_restart_commit */
	CKPT_LSM_HOOK_PTRACE_ACCESS_CHECK,	/* lsm/ptrace_access_check */
	CKPT_LSM_HOOK_FILE_OPEN,		/* lsm/file_open */
	CKPT_LSM_HOOK_MMAP_FILE,		/* lsm/mmap_file */
	CKPT_LSM_HOOK_MAX
};

/* struct ckpt_lsm_event::op */
enum ckpt_lsm_op {
	CKPT_LSM_OP_REFUSED = 1,	/* a policy refused, at @hook */
	CKPT_LSM_OP_CHECKPOINT,		/* ckpt-audit: one CKPT_IOC_CHECKPOINT */
	CKPT_LSM_OP_RESTART,		/* ckpt-audit: one CKPT_IOC_RESTART */
};

/*
 * A file's identity as the kernel holds it: inode->i_sb->s_dev (a kernel
 * dev_t, MAJOR << 20 | MINOR: not the st_dev of stat(2)) and i_ino.
 */
struct ckpt_lsm_ident {
	__u64 dev;
	__u64 ino;
};

/* The kernel's dev_t from stat(2)'s st_dev (include/linux/kdev_t.h). */
#define CKPT_LSM_KDEV(maj, min)	(((__u64)(maj) << 20) | (__u64)(min))

/**
 * struct ckpt_lsm_event - one record of a policy's ring buffer
 * @time_ns:	bpf_ktime_get_ns() (CLOCK_MONOTONIC) when it was made
 * @op:		CKPT_LSM_OP_*
 * @hook:	the hook that refused, or CKPT_LSM_HOOK_NONE
 * @verdict:	0, or the negative errno the operation failed with
 * @hook_ret:	what @hook returned
 * @pid:	the caller's process id (tgid)
 * @tid:	the caller's thread id
 * @uid:	the caller's real uid
 * @committed:	restart: it passed the point of no return
 * @comm:	the caller's comm (for a restart: before it became the image's)
 * @target_pid:	checkpoint: the pid asked for; restart: the image's pid;
 *		lsm/ptrace_access_check: the task asked about
 * @nr_vmas:	restart: the image's number of memory areas
 * @target_comm: checkpoint: the target's comm; restart: the image's
 * @flags:	CKPT_CHECKPOINT_* flags, or the area's CKPT_VMA_* flags
 * @start:	the memory area at stake, if any
 * @end:	its end
 * @ident:	the file at stake, if any
 * @release:	restart: the kernel release the image was taken on
 * @path:	the file or area name at stake, if any
 * @msg:	ckpt-audit: the module's message for a failure, if the
 *		caller gave an errbuf
 */
struct ckpt_lsm_event {
	__u64 time_ns;
	__u32 op;
	__u32 hook;
	__s32 verdict;
	__s32 hook_ret;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 committed;
	char comm[CKPT_LSM_COMM_LEN];
	__s32 target_pid;
	__u32 nr_vmas;
	char target_comm[CKPT_LSM_COMM_LEN];
	__u64 flags;
	__u64 start;
	__u64 end;
	struct ckpt_lsm_ident ident;
	char release[CKPT_LSM_RELEASE_LEN];
	char path[CKPT_LSM_PATH_LEN];
	char msg[CKPT_LSM_MSG_LEN];
};

#endif /* CKPT_LSM_H */

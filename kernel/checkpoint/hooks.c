// SPDX-License-Identifier: GPL-2.0
/*
 * Hook points for security policy on checkpoint/restart.
 *
 * In 2008 the reviewers of sys_checkpoint expected that LSMs would want
 * to approve or refuse the operation.  Stock kernels have no such hooks,
 * so ckpt provides its own: each function below is called at one
 * decision point with the objects a policy needs, and what it returns
 * decides: 0 lets the operation go on, a negative errno aborts it
 * cleanly (a checkpoint target is left running unharmed; a restart
 * restores nothing and returns the errno to its caller).
 *
 * They do nothing themselves.  They are named security_*, are never
 * inlined, cloned or analysed across calls (__noipa), and the module
 * carries BTF, so that a BPF program of type fmod_ret can return an errno
 * from them (kernel/bpf/verifier.c allows fmod_ret on functions named
 * security_*) and fentry/fexit programs can watch them.  Their names,
 * arguments and call points are an interface, versioned with the module:
 * Documentation/lsm-hooks.rst.  Policies are in samples/lsm/.
 */
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/sched.h>

#include "ckpt.h"

/**
 * ckpt_policy() - a hook's verdict as an errno
 * @verdict:	what a security_ckpt_* hook returned
 *
 * A BPF fmod_ret program may return any int: anything but 0 that is not
 * a negative errno refuses with -EPERM, so that no verdict reaches user
 * space as an ioctl's success.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_policy(int verdict)
{
	if (verdict && (verdict > 0 || verdict < -MAX_ERRNO))
		return -EPERM;
	return verdict;
}

/**
 * security_ckpt_checkpoint() - may @task be checkpointed?
 * @task:	the target; ptrace_may_access() has allowed it
 * @file:	where the image goes
 * @flags:	the CKPT_CHECKPOINT_* flags asked for
 *
 * Called once, before the target is touched.
 *
 * Return: 0, or the negative errno the checkpoint fails with.
 */
__used __noipa int security_ckpt_checkpoint(struct task_struct *task,
					    struct file *file, u64 flags)
{
	return 0;
}

/**
 * security_ckpt_checkpoint_vma() - may this memory area be saved?
 * @task:	the target, stopped
 * @start:	the area's first address
 * @end:	the first address after it
 * @flags:	its CKPT_VMA_* flags (protection, sharing, kind of area)
 * @file:	the file it maps, or NULL
 *
 * Called for each area of the target's memory map before any of the map
 * is written to the image.
 *
 * Return: 0, or the negative errno the checkpoint fails with.
 */
__used __noipa int security_ckpt_checkpoint_vma(struct task_struct *task,
						unsigned long start,
						unsigned long end, u32 flags,
						struct file *file)
{
	return 0;
}

/**
 * security_ckpt_restart() - may this image be restarted?
 * @hdr:	the image's header: architecture, kernel release, flags
 * @task:	its task record: comm, and informational ids
 *
 * Called in the task that restarts, once both records are read and
 * checked, before the rest of the image is read.
 *
 * Return: 0, or the negative errno the restart fails with.
 */
__used __noipa int security_ckpt_restart(const struct ckpt_hdr_header *hdr,
					 const struct ckpt_hdr_task *task)
{
	return 0;
}

/**
 * security_ckpt_restore_vma() - may this memory area be restored?
 * @start:	the area's first address
 * @end:	the first address after it
 * @flags:	its CKPT_VMA_* flags (protection, sharing, kind of area)
 * @file:	for a file mapping, the file restart opened by @path and
 *		checked to be the one checkpointed; else NULL
 * @path:	the path the image gives, or the area's name ("[heap]")
 *
 * Called for each area of the image's memory map, before the point of
 * no return.
 *
 * Return: 0, or the negative errno the restart fails with.
 */
__used __noipa int security_ckpt_restore_vma(unsigned long start,
					     unsigned long end, u32 flags,
					     struct file *file,
					     const char *path)
{
	return 0;
}

/**
 * security_ckpt_restart_commit() - may the restart pass its point of no return?
 * @hdr:	the image's header
 * @task:	its task record
 * @nr_vmas:	the number of areas of its memory map
 *
 * Called once everything the image says before its page contents has been
 * checked, just before the caller's memory is replaced.
 *
 * Return: 0, or the negative errno the restart fails with.
 */
__used __noipa int security_ckpt_restart_commit(const struct ckpt_hdr_header *hdr,
						const struct ckpt_hdr_task *task,
						unsigned int nr_vmas)
{
	return 0;
}

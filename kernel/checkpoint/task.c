// SPDX-License-Identifier: GPL-2.0
/*
 * The task record: who the task was (for information only: restart
 * never takes credentials from an image) and where it stood in a syscall.
 *
 * A task parked while blocked in a syscall has orig_ax = the syscall and
 * ax = one of the -ERESTART* codes, exactly as ptrace would see it; what
 * the kernel would have done next (restart the syscall, or return -EINTR
 * had a handler run) follows from that code, and for
 * -ERESTART_RESTARTBLOCK from the task's restart_block, which is saved
 * here for the one kind a restart can resume: a sleep in nanosleep().
 */
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/kallsyms.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "ckpt.h"

static u32 ckpt_restart_kind(const struct ckpt_cpu_state *cpu)
{
	if ((long)cpu->regs.orig_ax < 0)
		return CKPT_RESTART_NONE;
	switch ((long)cpu->regs.ax) {
	case -ERESTARTSYS:
		return CKPT_RESTART_SYS;
	case -ERESTARTNOINTR:
		return CKPT_RESTART_NOINTR;
	case -ERESTARTNOHAND:
		return CKPT_RESTART_NOHAND;
	case -ERESTART_RESTARTBLOCK:
		return CKPT_RESTART_BLOCK;
	default:
		return CKPT_RESTART_RETURN;
	}
}

static s64 ckpt_clock_now(clockid_t clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		return ktime_get_real_ns();
	case CLOCK_MONOTONIC:
		return ktime_get_ns();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime_ns();
	case CLOCK_TAI:
		return ktime_get_clocktai_ns();
	default:
		return -1;
	}
}

/*
 * restart_block.fn is not exported, so it is recognised by name.  Only
 * the name is looked at; the function is never called from here.
 */
static void checkpoint_restart_block(struct ckpt_hdr_task *h,
				     struct task_struct *task)
{
	struct restart_block *rb = &task->restart_block;
	char sym[KSYM_SYMBOL_LEN];
	s64 now;

	sprint_symbol_no_offset(sym, (unsigned long)rb->fn);
	now = ckpt_clock_now(rb->nanosleep.clockid);
	if (strcmp(sym, "hrtimer_nanosleep_restart") || now < 0) {
		h->restart_block_kind = CKPT_RESTART_BLOCK_OTHER;
		return;
	}
	h->restart_block_kind = CKPT_RESTART_BLOCK_NANOSLEEP;
	h->nanosleep_clockid = rb->nanosleep.clockid;
	h->nanosleep_type = rb->nanosleep.type;
	h->nanosleep_rmtp = (unsigned long)rb->nanosleep.rmtp;
	h->nanosleep_expires = rb->nanosleep.expires;
	h->nanosleep_now = now;
}

/**
 * checkpoint_task() - write the CKPT_HDR_TASK record
 * @ctx:	the operation, its target parked
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_task(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->task;
	const struct ckpt_cpu_state *cpu = &ctx->park->cpu;
	struct user_namespace *ns = current_user_ns();
	struct ckpt_hdr_task *h;
	const struct cred *cred;
	int ret;

	h = ckpt_hdr_alloc(sizeof(*h), CKPT_HDR_TASK);
	if (!h)
		return -ENOMEM;

	rcu_read_lock();
	h->pid = task_pid_vnr(task);
	h->ppid = task_tgid_vnr(rcu_dereference(task->real_parent));
	cred = __task_cred(task);
	h->uid = from_kuid_munged(ns, cred->uid);
	h->euid = from_kuid_munged(ns, cred->euid);
	h->gid = from_kgid_munged(ns, cred->gid);
	h->egid = from_kgid_munged(ns, cred->egid);
	rcu_read_unlock();

	h->personality = task->personality;
	h->restart = ckpt_restart_kind(cpu);
	if (h->restart != CKPT_RESTART_NONE) {
		h->syscall_nr = cpu->regs.orig_ax;
		h->syscall_ret = cpu->regs.ax;
	} else {
		h->syscall_nr = -1;
	}
	if (h->restart == CKPT_RESTART_BLOCK)
		checkpoint_restart_block(h, task);

	__get_task_comm(h->comm, sizeof(h->comm), task);

	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
}

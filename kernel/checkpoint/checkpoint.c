// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint: the order of the records, the header and the tail, and how
 * the target is held still while it is read.
 *
 * Holding the target: the checkpointer queues a task_work on the target
 * with TWA_SIGNAL.  Like a signal, it interrupts the target wherever it
 * is, in user mode or blocked in a syscall, and the target runs the work
 * in get_signal() on its way back to user mode, before any syscall
 * restart is decided.  There, in its own context, the target saves its
 * registers and xstate through the regsets (so that the values are those
 * ptrace and core dumps see, the syscall restart state included), says
 * it has arrived, and waits until the checkpointer has read its memory.
 * Then it returns to user mode and the kernel restarts an interrupted
 * syscall as it would after any signal that has no handler: nothing is
 * delivered and nothing stops, so the parent sees no SIGCHLD and no
 * change in wait status.
 *
 * The checkpointer does all the writing, in its own context and with its
 * own credentials: the image is its output.  A failure of the write (full
 * disk, closed pipe, a signal to the checkpointer) releases the target,
 * which goes on as if nothing had happened.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/timekeeping.h>

#include "ckpt.h"

/* struct ckpt_park::state */
enum {
	CKPT_PARK_QUEUED,	/* the work waits for the target */
	CKPT_PARK_ARRIVED,	/* the target is parked, or gone */
	CKPT_PARK_ABANDONED,	/* the checkpointer gave up first */
	CKPT_PARK_LEFT,		/* the target was killed out of its park */
};

static void ckpt_park_put(struct ckpt_park *park)
{
	if (refcount_dec_and_test(&park->users)) {
		ckpt_cpu_release(&park->cpu);
		kfree(park);
	}
}

/*
 * Runs in the target, from get_signal() (or from do_exit() if the target
 * dies first).  The module reference taken when the work was queued is
 * dropped last: ckpt_wait_for_parked() waits for the few instructions that
 * follow it before the module's text can go away.
 */
static void ckpt_park_fn(struct callback_head *work)
{
	struct ckpt_park *park = container_of(work, struct ckpt_park, work);
	int err;

	/*
	 * Task work runs here, in get_signal() on the way back to user mode,
	 * with the syscall over and its restart not yet decided; or in
	 * do_exit().  (io_uring and ptrace stops run task work elsewhere:
	 * their users are refused by ckpt_may_checkpoint().)
	 */
	if (current->flags & PF_EXITING)
		err = -ESRCH;
	else
		err = ckpt_cpu_capture(&park->cpu);
	park->err = err;

	if (atomic_cmpxchg(&park->state, CKPT_PARK_QUEUED,
			   CKPT_PARK_ARRIVED) == CKPT_PARK_QUEUED) {
		complete(&park->arrived);
		/*
		 * Killable, not uninterruptible: SIGKILL still works on a
		 * parked task, and the checkpointer holds its own references
		 * to what it reads.
		 */
		if (!err && wait_for_completion_killable(&park->release))
			atomic_set(&park->state, CKPT_PARK_LEFT);
	}
	ckpt_park_put(park);
	module_put(THIS_MODULE);
}

/**
 * ckpt_wait_for_parked() - wait until no task runs ckpt's task work
 *
 * Called at module exit, when the module's reference count is zero, so
 * every ckpt_park_fn() and ckpt_set_ax_fn() has at least reached its
 * module_put().  An RCU
 * Tasks grace period ends only once every task has been through a
 * voluntary context switch or user mode, that is, out of the callback.
 */
void ckpt_wait_for_parked(void)
{
	synchronize_rcu_tasks();
}

/*
 * Ask the target to park and wait until it has.  The checkpointer may be
 * interrupted while it waits: then the work is abandoned, and the target
 * runs it later without stopping.
 */
static int ckpt_park_target(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->task;
	struct ckpt_park *park;
	int ret;

	park = kzalloc(sizeof(*park), GFP_KERNEL_ACCOUNT);
	if (!park)
		return -ENOMEM;
	refcount_set(&park->users, 2);
	atomic_set(&park->state, CKPT_PARK_QUEUED);
	init_completion(&park->arrived);
	init_completion(&park->release);
	init_task_work(&park->work, ckpt_park_fn);

	ret = ckpt_cpu_prepare(ctx, &park->cpu);
	if (ret) {
		kfree(park);
		return ret;
	}

	__module_get(THIS_MODULE);
	ret = task_work_add(task, &park->work, TWA_SIGNAL);
	if (ret) {
		module_put(THIS_MODULE);
		ckpt_cpu_release(&park->cpu);
		kfree(park);
		ckpt_err(ctx, "pid %d: the process is exiting", task_pid_vnr(task));
		return -ESRCH;
	}
	ctx->park = park;

	if (wait_for_completion_interruptible(&park->arrived)) {
		if (atomic_cmpxchg(&park->state, CKPT_PARK_QUEUED,
				   CKPT_PARK_ABANDONED) == CKPT_PARK_QUEUED) {
			ckpt_err(ctx, "interrupted while waiting for pid %d to stop",
				 task_pid_vnr(task));
			return -EINTR;
		}
		/* The target arrived just as we were interrupted. */
		wait_for_completion(&park->arrived);
	}
	if (park->err == -ESRCH)
		ckpt_err(ctx, "pid %d: the process exited", task_pid_vnr(task));
	else if (park->err)
		ckpt_err(ctx, "pid %d: saving its registers failed (%d)",
			 task_pid_vnr(task), park->err);
	return park->err;
}

static void ckpt_unpark_target(struct ckpt_ctx *ctx)
{
	if (!ctx->park)
		return;
	complete(&ctx->park->release);
	ckpt_park_put(ctx->park);
	ctx->park = NULL;
}

static int checkpoint_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	int ret;

	h = ckpt_hdr_alloc(sizeof(*h), CKPT_HDR_HEADER);
	if (!h)
		return -ENOMEM;

	memcpy(h->magic, CKPT_MAGIC, CKPT_MAGIC_LEN);
	h->version = CKPT_VERSION;
	h->arch = CKPT_ARCH_X86_64;
	h->flags = ctx->flags;
	h->time = ktime_get_real_seconds();
	strscpy(h->release, init_utsname()->release, sizeof(h->release));

	h->constants.page_size = PAGE_SIZE;
	h->constants.task_comm_len = TASK_COMM_LEN;
	h->constants.xstate_size = ctx->park->cpu.xstate_size;
	h->constants.xfeatures = ckpt_cpu_xfeatures(&ctx->park->cpu);
	h->constants.task_size = TASK_SIZE_MAX;

	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
}

static int checkpoint_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail *h;
	int ret;

	h = ckpt_hdr_alloc(sizeof(*h), CKPT_HDR_TAIL);
	if (!h)
		return -ENOMEM;

	h->nr_records = ctx->nr_records;
	h->nr_vmas = ctx->nr_vmas;
	h->nr_pages = ctx->nr_pages;
	h->image_len = ctx->pos;
	memcpy(h->magic, CKPT_MAGIC, CKPT_MAGIC_LEN);

	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
}

/* The records, in the order Documentation/image-format.rst gives. */
static int checkpoint_records(struct ckpt_ctx *ctx)
{
	int ret;

	ret = checkpoint_header(ctx);
	if (!ret)
		ret = checkpoint_task(ctx);
	if (!ret)
		ret = checkpoint_fs(ctx);
	if (!ret)
		ret = checkpoint_cpu(ctx);
	if (!ret)
		ret = checkpoint_signals(ctx);
	if (!ret)
		ret = checkpoint_files(ctx);
	if (!ret)
		ret = checkpoint_mm(ctx);
	/* Killed while it was read: what was read may be half torn down. */
	if (!ret && atomic_read(&ctx->park->state) == CKPT_PARK_LEFT) {
		ckpt_err(ctx, "pid %d: the process was killed during the checkpoint",
			 task_pid_vnr(ctx->task));
		ret = -ESRCH;
	}
	if (!ret)
		ret = checkpoint_tail(ctx);
	return ret;
}

/**
 * do_checkpoint() - checkpoint a process into ctx->file
 * @ctx:	the operation: file and flags set
 * @pid:	the target, in the caller's pid namespace
 *
 * Return: 0, or a negative errno with ctx->errmsg saying why.
 */
int do_checkpoint(struct ckpt_ctx *ctx, pid_t pid)
{
	struct task_struct *task;
	struct rw_semaphore *exec_lock;
	int ret;

	task = ckpt_get_target(ctx, pid);
	if (IS_ERR(task))
		return PTR_ERR(task);
	ctx->task = task;
	exec_lock = &task->signal->exec_update_lock;

	/*
	 * Check before touching the target at all: even a task_work that
	 * only interrupts a syscall is an action on the target.
	 */
	ret = down_read_killable(exec_lock);
	if (ret)
		goto out_put_task;
	ret = ckpt_may_checkpoint(ctx, task);
	up_read(exec_lock);
	if (ret)
		goto out_put_task;
	/* Policy has its say before the target is touched, too. */
	ret = ckpt_policy(security_ckpt_checkpoint(task, ctx->file, ctx->flags));
	if (ret) {
		ckpt_err(ctx, "pid %d: refused by security_ckpt_checkpoint (%d)",
			 task_pid_vnr(task), ret);
		goto out_put_task;
	}

	/*
	 * The lock is not held while the target makes its way to the park:
	 * a target inside execve() needs it for writing before it can get
	 * there.
	 */
	ret = ckpt_park_target(ctx);
	if (ret)
		goto out_unpark;

	/*
	 * The target is parked and cannot execve(), but it may have done
	 * so before it parked: check again, and hold the lock to the end.
	 */
	ret = down_read_killable(exec_lock);
	if (ret)
		goto out_unpark;
	ret = ckpt_may_checkpoint(ctx, task);
	if (ret)
		goto out_unlock;

	ret = checkpoint_records(ctx);

	/*
	 * With CKPT_CHECKPOINT_KILL the target dies without running again:
	 * killed as the caller could kill it, LSMs asked.
	 */
	if (!ret && (ctx->flags & CKPT_CHECKPOINT_KILL)) {
		ret = kill_pid(task_pid(task), SIGKILL, 0);
		if (ret)
			ckpt_err(ctx, "pid %d: the image is complete, but killing it was refused (%d)",
				 task_pid_vnr(task), ret);
	}
out_unlock:
	up_read(exec_lock);
out_unpark:
	ckpt_unpark_target(ctx);
out_put_task:
	put_task_struct(task);
	ctx->task = NULL;
	return ret;
}

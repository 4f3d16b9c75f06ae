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
#include <linux/fs_struct.h>
#include <linux/path.h>
#include <linux/mutex.h>
#include <linux/errno.h>
#include <linux/futex.h>
#include <linux/hrtimer.h>
#include <linux/seccomp.h>
#include <linux/sem.h>
#include <linux/rseq.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "ckpt.h"
#include "compat.h"

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

/* Only a nanosleep() can be resumed after restart: see restore_task(). */
static void checkpoint_restart_block(struct ckpt_hdr_task *h,
				     struct task_struct *task)
{
	struct restart_block *rb = &task->restart_block;
	s64 now;

	now = ckpt_clock_now(rb->nanosleep.clockid);
	if ((unsigned long)rb->fn != ckpt_nanosleep_restart_fn() || now < 0) {
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

static_assert(CKPT_RLIM_NLIMITS == RLIM_NLIMITS);

static void checkpoint_rlimits(struct ckpt_hdr_task *h, struct task_struct *task)
{
	unsigned int i;

	task_lock(task->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		h->rlim[i][0] = task->signal->rlim[i].rlim_cur;
		h->rlim[i][1] = task->signal->rlim[i].rlim_max;
	}
	task_unlock(task->group_leader);
}

/*
 * State that is not saved yet must not be lost silently: refuse the
 * checkpoint, naming it.
 */
static int checkpoint_task_unsupported(struct ckpt_ctx *ctx,
				       struct task_struct *task)
{
	struct signal_struct *sig = task->signal;
	const char *what = NULL;

	if (ckpt_has_posix_timers(sig))
		what = "POSIX timers (timer_create)";
#ifdef CONFIG_SYSVIPC
	else if (task->sysvsem.undo_list)
		what = "System V semaphore undo lists";
#endif
#ifdef CONFIG_SECCOMP
	else if (task->seccomp.mode != SECCOMP_MODE_DISABLED)
		what = "seccomp filters";
#endif
	if (!what)
		return 0;
	ckpt_err(ctx, "pid %d uses %s, which checkpoint does not support yet",
		 task_pid_vnr(task), what);
	return -EOPNOTSUPP;
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

	ret = checkpoint_task_unsupported(ctx, task);
	if (ret)
		return ret;
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
	/* An image restart would refuse is refused now. */
	if (h->restart_block_kind == CKPT_RESTART_BLOCK_OTHER) {
		ckpt_err(ctx, "pid %d: blocked in syscall %lld, whose restart ckpt cannot recreate yet (poll, select or a futex wait with a timeout)",
			 h->pid, h->syscall_nr);
		kfree(h);
		return -EOPNOTSUPP;
	}

#ifdef CONFIG_RSEQ
	h->rseq = (unsigned long)task->rseq;
	h->rseq_len = ckpt_rseq_len(task);
	h->rseq_sig = task->rseq_sig;
#endif
#ifdef CONFIG_FUTEX
	h->robust_list = (unsigned long)task->robust_list;
	if (task->robust_list)
		h->robust_list_len = sizeof(struct robust_list_head);
#endif
	h->clear_child_tid = (unsigned long)task->clear_child_tid;
	h->pdeath_signal = task->pdeath_signal;
	if (task_no_new_privs(task))
		h->task_flags |= CKPT_TASK_NO_NEW_PRIVS;
	ctx->itimers = ckpt_itimers_armed(task->signal);
	if (ctx->itimers)
		h->task_flags |= CKPT_TASK_ITIMERS;
	checkpoint_rlimits(h, task);

	__get_task_comm(h->comm, sizeof(h->comm), task);

	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
}

/*
 * Restart half.  Nothing here comes from the image's idea of who the task
 * was: pid, parent and ids are informational.  The task keeps the
 * caller's credentials, and takes only what a task may set for itself:
 * its name, its rseq, robust-futex and clear_child_tid registrations,
 * and the way back into an interrupted nanosleep().
 */

/* Each restart kind and the syscall state it needs */
static bool restore_task_syscall_ok(const struct ckpt_hdr_task *h)
{
	if (h->restart > CKPT_RESTART_BLOCK)
		return false;
	if (h->restart == CKPT_RESTART_NONE)
		return h->syscall_nr == -1;
	/* Any syscall number the kernel could have been running */
	return h->syscall_nr >= 0 && h->syscall_nr < 4096;
}

static int restore_task_check(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	if (h->reserved) {
		ckpt_err(ctx, "field reserved: not zero");
		return -EINVAL;
	}
	if (!restore_task_syscall_ok(h)) {
		ckpt_err(ctx, "fields restart/syscall_nr: %u/%lld are not a syscall state",
			 h->restart, h->syscall_nr);
		return -EINVAL;
	}
	if (h->restart == CKPT_RESTART_BLOCK &&
	    h->restart_block_kind != CKPT_RESTART_BLOCK_NANOSLEEP) {
		ckpt_err(ctx, "the task was stopped in syscall %lld, whose restart function ckpt cannot recreate",
			 h->syscall_nr);
		return -EOPNOTSUPP;
	}
	if (h->restart != CKPT_RESTART_BLOCK &&
	    h->restart_block_kind != CKPT_RESTART_BLOCK_NONE) {
		ckpt_err(ctx, "field restart_block_kind: %u without a restart block",
			 h->restart_block_kind);
		return -EINVAL;
	}
	if (h->restart_block_kind == CKPT_RESTART_BLOCK_NANOSLEEP) {
		if (ckpt_clock_now(h->nanosleep_clockid) < 0 ||
		    h->nanosleep_type > TT_NATIVE ||
		    h->nanosleep_rmtp >= TASK_SIZE_MAX) {
			ckpt_err(ctx, "fields nanosleep_*: clock %d, type %u, rmtp %#llx cannot be resumed",
				 h->nanosleep_clockid, h->nanosleep_type,
				 h->nanosleep_rmtp);
			return -EINVAL;
		}
	}
	if (h->rseq && (h->rseq >= TASK_SIZE_MAX - h->rseq_len ||
			!IS_ALIGNED(h->rseq, 32) ||
			h->rseq_len < sizeof(struct rseq) ||
			h->rseq_len > PAGE_SIZE)) {
		ckpt_err(ctx, "fields rseq/rseq_len: %#llx/%u are not an rseq area",
			 h->rseq, h->rseq_len);
		return -EINVAL;
	}
	if (!h->rseq && (h->rseq_len || h->rseq_sig)) {
		ckpt_err(ctx, "fields rseq_len/rseq_sig: set without an rseq area");
		return -EINVAL;
	}
#ifdef CONFIG_FUTEX
	if (h->robust_list >= TASK_SIZE_MAX ||
	    h->robust_list_len != (h->robust_list ?
				   sizeof(struct robust_list_head) : 0)) {
		ckpt_err(ctx, "fields robust_list/robust_list_len: %#llx/%llu are not a robust list head",
			 h->robust_list, h->robust_list_len);
		return -EINVAL;
	}
#endif
	if (h->clear_child_tid >= TASK_SIZE_MAX) {
		ckpt_err(ctx, "field clear_child_tid: %#llx is not a user address",
			 h->clear_child_tid);
		return -EINVAL;
	}
	if (h->pdeath_signal > _NSIG ||
	    h->task_flags & ~(CKPT_TASK_NO_NEW_PRIVS | CKPT_TASK_ITIMERS)) {
		ckpt_err(ctx, "fields pdeath_signal/task_flags: %u/%#x are not a signal and task flags",
			 h->pdeath_signal, h->task_flags);
		return -EINVAL;
	}
	/* The name is shown by the kernel: it must end within its field. */
	h->comm[sizeof(h->comm) - 1] = '\0';
	return 0;
}

static const char * const ckpt_rlimit_names[RLIM_NLIMITS] = {
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
	"RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
	"RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
	"RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

/*
 * What a task sets for itself, its caller set before restart with the
 * syscalls made for it (which refuse a limit above its own hard limit):
 * here it is only checked, so that nothing is restored half.
 */
static int restore_task_settings_check(struct ckpt_ctx *ctx,
				       const struct ckpt_hdr_task *h)
{
	unsigned int i;

	if (current->personality != h->personality) {
		ckpt_err(ctx, "the personality is %#x, not the image's %#x (the caller sets it first)",
			 current->personality, h->personality);
		return -EINVAL;
	}
	if (current->pdeath_signal != h->pdeath_signal) {
		ckpt_err(ctx, "the parent-death signal is %d, not the image's %u (the caller sets it first)",
			 current->pdeath_signal, h->pdeath_signal);
		return -EINVAL;
	}
	if (!!task_no_new_privs(current) !=
	    !!(h->task_flags & CKPT_TASK_NO_NEW_PRIVS)) {
		ckpt_err(ctx, "no_new_privs is %d, not the image's (the caller sets it first; it is never cleared)",
			 task_no_new_privs(current));
		return -EPERM;
	}
	for (i = 0; i < RLIM_NLIMITS; i++) {
		unsigned long cur = READ_ONCE(current->signal->rlim[i].rlim_cur);
		unsigned long max = READ_ONCE(current->signal->rlim[i].rlim_max);

		if (cur != h->rlim[i][0] || max != h->rlim[i][1]) {
			ckpt_err(ctx, "%s is %lu/%lu, not the image's %llu/%llu (the caller sets its limits first)",
				 ckpt_rlimit_names[i], cur, max, h->rlim[i][0],
				 h->rlim[i][1]);
			return -EPERM;
		}
	}
	return 0;
}

/**
 * restore_task() - read and check the CKPT_HDR_TASK record
 * @ctx:	the restart
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the field.
 */
int restore_task(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task *h;
	int ret;

	h = ckpt_read_hdr(ctx, CKPT_HDR_TASK, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = restore_task_check(ctx, h);
	if (!ret)
		ret = restore_task_settings_check(ctx, h);
	if (ret) {
		kfree(h);
		return ret;
	}
	ctx->rtask = h;
	return 0;
}

/*
 * The sleep goes on for the time it had left: a monotonic or boot-time
 * deadline is moved to this boot's clock, a wall-clock one stays.
 */
static void restore_nanosleep(const struct ckpt_hdr_task *h)
{
	struct restart_block *rb = &current->restart_block;
	s64 expires = h->nanosleep_expires;

	if (h->nanosleep_clockid == CLOCK_MONOTONIC ||
	    h->nanosleep_clockid == CLOCK_BOOTTIME)
		expires = ckpt_clock_now(h->nanosleep_clockid) +
			  max_t(s64, h->nanosleep_expires - h->nanosleep_now, 0);

	rb->fn = (long (*)(struct restart_block *))ckpt_nanosleep_restart_fn();
	rb->nanosleep.clockid = h->nanosleep_clockid;
	rb->nanosleep.type = h->nanosleep_type;
	rb->nanosleep.rmtp = u64_to_user_ptr(h->nanosleep_rmtp);
	rb->nanosleep.expires = expires;
}

/**
 * restore_task_commit() - give current what the task record holds
 * @ctx:	the restart, past the point of no return
 */
void restore_task_commit(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_task *h = ctx->rtask;

	task_lock(current);
	strscpy_pad(current->comm, h->comm, sizeof(current->comm));
	task_unlock(current);

#ifdef CONFIG_RSEQ
	current->rseq = u64_to_user_ptr(h->rseq);
	ckpt_set_rseq_len(current, h->rseq_len);
	current->rseq_sig = h->rseq_sig;
	rseq_set_notify_resume(current);
#endif
#ifdef CONFIG_FUTEX
	current->robust_list = u64_to_user_ptr(h->robust_list);
#endif
	current->clear_child_tid = u64_to_user_ptr(h->clear_child_tid);

	/* Unless a handler runs first and the sleep ends with -EINTR. */
	if (ctx->restart_block)
		restore_nanosleep(h);
}

/*
 * The filesystem context: umask and working directory.  A task whose
 * root is not the checkpointer's would see other paths than the ones
 * recorded: refused.
 */
static int ckpt_task_fs(struct ckpt_ctx *ctx, struct path *pwd, u32 *umask)
{
	struct path root, mine;
	bool same_root;

	task_lock(ctx->task);
	if (!ctx->task->fs) {
		task_unlock(ctx->task);
		ckpt_err(ctx, "pid %d: the process is exiting",
			 task_pid_vnr(ctx->task));
		return -ESRCH;
	}
	get_fs_root(ctx->task->fs, &root);
	get_fs_pwd(ctx->task->fs, pwd);
	*umask = ctx->task->fs->umask;
	task_unlock(ctx->task);

	get_fs_root(current->fs, &mine);
	same_root = path_equal(&root, &mine);
	path_put(&mine);
	path_put(&root);
	if (!same_root) {
		path_put(pwd);
		ckpt_err(ctx, "pid %d: its root directory is not the checkpointer's (chroot)",
			 task_pid_vnr(ctx->task));
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * checkpoint_fs() - write the CKPT_HDR_FS record
 * @ctx:	the operation, its target parked
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_fs *h;
	struct path pwd;
	char *buf, *cwd;
	size_t len;
	u32 umask;
	int ret;

	ret = ckpt_task_fs(ctx, &pwd, &umask);
	if (ret)
		return ret;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf) {
		path_put(&pwd);
		return -ENOMEM;
	}
	cwd = d_path(&pwd, buf, PATH_MAX);
	path_put(&pwd);
	if (IS_ERR(cwd)) {
		ckpt_err(ctx, "pid %d: cannot name its working directory (%ld)",
			 task_pid_vnr(ctx->task), PTR_ERR(cwd));
		kfree(buf);
		return PTR_ERR(cwd);
	}
	len = strlen(cwd) + 1;
	h = ckpt_hdr_alloc(ALIGN(sizeof(*h) + len, 8), CKPT_HDR_FS);
	if (h) {
		h->umask = umask;
		h->cwd_len = len;
		memcpy(h->cwd, cwd, len);
		ret = ckpt_write_obj(ctx, &h->h);
		kfree(h);
	} else {
		ret = -ENOMEM;
	}
	kfree(buf);
	return ret;
}

/**
 * restore_fs() - read and check the CKPT_HDR_FS record
 * @ctx:	the restart
 *
 * The caller entered the working directory and set the umask itself,
 * with chdir(2) and umask(2); they are checked here.
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the field.
 */
int restore_fs(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_fs *h;
	struct path pwd;
	char *buf, *cwd;
	int ret;

	h = ckpt_read_hdr(ctx, CKPT_HDR_FS, sizeof(*h) + 8,
			  ALIGN(sizeof(*h) + PATH_MAX, 8));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_check_name(ctx, &h->h, sizeof(*h), h->cwd, h->cwd_len);
	if (ret)
		goto out;
	if (h->umask & ~0777 || h->cwd[0] != '/') {
		ckpt_err(ctx, "fields umask/cwd: %#o/%s are not a umask and an absolute path",
			 h->umask, h->cwd);
		ret = -EINVAL;
		goto out;
	}
	if (current_umask() != h->umask) {
		ckpt_err(ctx, "the umask is %#o, not the image's %#o (the caller sets it first)",
			 current_umask(), h->umask);
		ret = -EINVAL;
		goto out;
	}

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	get_fs_pwd(current->fs, &pwd);
	cwd = d_path(&pwd, buf, PATH_MAX);
	path_put(&pwd);
	if (IS_ERR(cwd) || strcmp(cwd, h->cwd)) {
		ckpt_err(ctx, "the working directory is %s, not the image's %s (the caller enters it first)",
			 IS_ERR(cwd) ? "unnamed" : cwd, h->cwd);
		ret = -EINVAL;
	}
	kfree(buf);
out:
	kfree(h);
	return ret;
}

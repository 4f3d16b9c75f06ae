// SPDX-License-Identifier: GPL-2.0
/*
 * Who may checkpoint whom.
 *
 * Checkpointing a task reads everything it has: its memory, its
 * registers, its files.  That is what a debugger attaching to it can do,
 * so ckpt asks exactly what ptrace(PTRACE_ATTACH) asks:
 * ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS).  Through it the
 * dumpable flag (setuid programs), the uid and capability checks and every
 * LSM's ptrace_access_check hook (Yama, SELinux, AppArmor, BPF LSM) have
 * their say, for root as for anyone.
 *
 * ptrace_may_access() is not exported to modules, and no exported
 * function performs the same check.  It is resolved once, when the module
 * loads, through a kprobe on its name, with the four other functions
 * that ckpt needs and cannot reach otherwise; Documentation/design.rst
 * says why for each.
 */
#include <linux/fdtable.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/pagewalk.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <asm/cpufeature.h>
#include <asm/ibt.h>

#include "ckpt.h"

typedef bool (*ptrace_may_access_t)(struct task_struct *task, unsigned int mode);
typedef unsigned long (*wait_task_inactive_t)(struct task_struct *task,
					      unsigned int match_state);
typedef void (*set_process_cpu_timer_t)(struct task_struct *task,
					unsigned int clock_idx, u64 *newval,
					u64 *oldval);
typedef int (*walk_page_range_t)(struct mm_struct *mm, unsigned long start,
				 unsigned long end,
				 const struct mm_walk_ops *ops, void *private);

static ptrace_may_access_t ckpt_ptrace_may_access;
static wait_task_inactive_t ckpt_wait_task_inactive_fn;
static unsigned long ckpt_nanosleep_restart;
static set_process_cpu_timer_t ckpt_set_process_cpu_timer_fn;
static walk_page_range_t ckpt_walk_page_range_fn;

/**
 * ckpt_resolve() - find the address of an unexported kernel function
 * @name:	the function's name
 *
 * A kprobe lands past the function's ENDBR where the kernel has them:
 * step back to the symbol's first byte, which is where the kernel itself
 * points when it takes the function's address.
 *
 * Return: its address, or 0 if it cannot be found.
 */
static unsigned long ckpt_resolve(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	char sym[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);
	unsigned long addr;
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("ckpt: cannot resolve %s: register_kprobe() failed (%d)\n",
		       name, ret);
		return 0;
	}
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

	sprint_symbol(sym, addr);
	if (strncmp(sym, name, len) || sym[len] != '+') {
		pr_err("ckpt: cannot resolve %s: the kprobe is at %s\n", name, sym);
		return 0;
	}
	if (strncmp(sym + len, "+0x0/", 5)) {
		sprint_symbol(sym, addr - ENDBR_INSN_SIZE);
		if (strncmp(sym, name, len) || strncmp(sym + len, "+0x0/", 5)) {
			pr_err("ckpt: cannot resolve %s: the kprobe is at %s\n",
			       name, sym);
			return 0;
		}
		addr -= ENDBR_INSN_SIZE;
	}
	return addr;
}

/**
 * ckpt_security_init() - resolve what the access gate needs
 *
 * A kprobe's address is past the function's ENDBR when the kernel is
 * built with CONFIG_X86_KERNEL_IBT, and objtool seals the ENDBR of
 * functions that are never called indirectly.  Where the CPU enforces
 * kernel IBT, an indirect call to that address raises #CP: refuse to load
 * rather than oops on the first checkpoint.
 *
 * Return: 0, -EOPNOTSUPP under enforced IBT, or -ENOENT.
 */
int ckpt_security_init(void)
{
	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT) &&
	    cpu_feature_enabled(X86_FEATURE_IBT)) {
		pr_err("ckpt: kernel IBT is enforced: an indirect call to ptrace_may_access (not exported) would trap; boot with ibt=off to use ckpt\n");
		return -EOPNOTSUPP;
	}

	/* The access check: see the comment at the top of this file. */
	ckpt_ptrace_may_access = (ptrace_may_access_t)ckpt_resolve("ptrace_may_access");
	/* What ptrace uses to know a stopped task is off its CPU. */
	ckpt_wait_task_inactive_fn =
		(wait_task_inactive_t)ckpt_resolve("wait_task_inactive");
	/* What restart_syscall() runs to finish an interrupted nanosleep(). */
	ckpt_nanosleep_restart = ckpt_resolve("hrtimer_nanosleep_restart");
	/* What setitimer(ITIMER_VIRTUAL or ITIMER_PROF) arms them with. */
	ckpt_set_process_cpu_timer_fn =
		(set_process_cpu_timer_t)ckpt_resolve("set_process_cpu_timer");
	/* What mincore() and /proc/PID/pagemap read page tables with. */
	ckpt_walk_page_range_fn =
		(walk_page_range_t)ckpt_resolve("walk_page_range");

	if (!ckpt_ptrace_may_access || !ckpt_wait_task_inactive_fn ||
	    !ckpt_nanosleep_restart || !ckpt_set_process_cpu_timer_fn ||
	    !ckpt_walk_page_range_fn) {
		pr_err("ckpt: a kernel function ckpt needs was not found: not loading\n");
		return -ENOENT;
	}
	return 0;
}

/**
 * ckpt_wait_task_inactive() - wait until a sleeping task is off its CPU
 * @task:	a task that is about to sleep, or sleeps, in @state
 * @state:	the state it sleeps in
 *
 * What ptrace does before it touches a stopped tracee's registers: the
 * regset setters write the task's saved state, which only holds once the
 * task has been switched out.
 *
 * Return: the task's context switch count once it is asleep off its CPU
 * (the same count later means it has not run meanwhile), or 0 if it was
 * killed.
 */
unsigned long ckpt_wait_task_inactive(struct task_struct *task,
				      unsigned int state)
{
	unsigned long ncsw;

	while (!(ncsw = ckpt_wait_task_inactive_fn(task, state))) {
		if (fatal_signal_pending(task) || (task->flags & PF_EXITING))
			return 0;
		/* Not asleep yet: it is on its way. */
		schedule_timeout_uninterruptible(1);
	}
	return ncsw;
}

/**
 * ckpt_nanosleep_restart_fn() - the address of hrtimer_nanosleep_restart()
 *
 * Return: the value restart_block.fn holds while a nanosleep() is to be
 * resumed by restart_syscall().
 */
unsigned long ckpt_nanosleep_restart_fn(void)
{
	return ckpt_nanosleep_restart;
}

/**
 * ckpt_set_process_cpu_timer() - set_process_cpu_timer(), not exported
 * @task:	the task whose process's timer it is, siglock held
 * @clkid:	CPUCLOCK_PROF or CPUCLOCK_VIRT
 * @newval:	the time to expiry, made absolute on return; 0 arms nothing
 * @oldval:	NULL, or the old absolute expiry, made relative on return
 *
 * What set_cpu_itimer() calls for setitimer(2): it also starts the
 * process's CPU time accounting and the tick that checks its timers.
 */
void ckpt_set_process_cpu_timer(struct task_struct *task, unsigned int clkid,
				u64 *newval, u64 *oldval)
{
	ckpt_set_process_cpu_timer_fn(task, clkid, newval, oldval);
}

/**
 * ckpt_walk_page_range() - walk_page_range(), not exported
 * @mm:		the mm whose page tables to walk, its mmap lock held
 * @start:	the first address
 * @end:	the address after the last
 * @ops:	what to call at each level
 * @private:	for @ops, as walk->private
 *
 * Return: 0 once the range is walked, what an @ops callback returned if
 * not 0 (which stops the walk), or a negative errno.
 */
int ckpt_walk_page_range(struct mm_struct *mm, unsigned long start,
			 unsigned long end, const struct mm_walk_ops *ops,
			 void *private)
{
	return ckpt_walk_page_range_fn(mm, start, end, ops, private);
}

/**
 * ckpt_get_target() - look up a checkpoint target
 * @ctx:	the operation, for the error message
 * @pid:	its pid in the caller's pid namespace
 *
 * Return: a reference to the task, or an ERR_PTR.
 */
struct task_struct *ckpt_get_target(struct ckpt_ctx *ctx, pid_t pid)
{
	struct task_struct *task;

	rcu_read_lock();
	task = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();

	if (!task) {
		ckpt_err(ctx, "pid %d: no such process", pid);
		return ERR_PTR(-ESRCH);
	}
	/* A kernel thread has no user state to save: nothing to attach to. */
	if (task->flags & PF_KTHREAD) {
		ckpt_err(ctx, "pid %d: is a kernel thread", pid);
		put_task_struct(task);
		return ERR_PTR(-ENXIO);
	}
	/* The target is quiesced while the caller waits: not itself. */
	if (same_thread_group(task, current)) {
		ckpt_err(ctx, "pid %d: a process cannot checkpoint itself", pid);
		put_task_struct(task);
		return ERR_PTR(-EDEADLK);
	}
	return task;
}

/**
 * ckpt_may_checkpoint() - the access gate
 * @ctx:	the operation, for the error message
 * @task:	the target
 *
 * Called with @task->signal->exec_update_lock held, so that the target
 * cannot execve() a setuid program between this check and the end of
 * the checkpoint; it is called once before the target is asked to park
 * and once more after, while the lock is held to the end.
 *
 * Return: 0 if the caller may checkpoint @task, else a negative errno.
 */
int ckpt_may_checkpoint(struct ckpt_ctx *ctx, struct task_struct *task)
{
	pid_t pid = task_pid_vnr(task);
	bool shared_mm, shared_files;

	lockdep_assert_held(&task->signal->exec_update_lock);

	/* What a debugger may not attach to, ckpt may not read. */
	if (!ckpt_ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS)) {
		ckpt_err(ctx, "pid %d: permission denied by the ptrace access check",
			 pid);
		return -EPERM;
	}
	/* Past exit_mm() there is nothing left to save. */
	if ((task->flags & PF_EXITING) || task->exit_state || !task->mm) {
		ckpt_err(ctx, "pid %d: the process is exiting", pid);
		return -ESRCH;
	}
	/*
	 * Memory or a file table shared with another process (CLONE_VM,
	 * CLONE_FILES) changes under us.  task_lock() keeps both alive.
	 */
	task_lock(task);
	shared_mm = task->mm && test_bit(MMF_MULTIPROCESS, &task->mm->flags);
	shared_files = task->files && atomic_read(&task->files->count) > 1;
	task_unlock(task);
	if (shared_mm || shared_files) {
		ckpt_err(ctx, "pid %d: shares its %s with another process (%s)",
			 pid, shared_mm ? "memory" : "file table",
			 shared_mm ? "CLONE_VM" : "CLONE_FILES");
		return -EOPNOTSUPP;
	}
	/* Threads need a coordinated stop and per-thread state: not yet. */
	if (get_nr_threads(task) != 1) {
		ckpt_err(ctx, "pid %d: multi-threaded processes are not supported yet",
			 pid);
		return -EOPNOTSUPP;
	}
#ifdef CONFIG_IO_URING
	/* io_uring runs task work inside a syscall and keeps state of its own. */
	if (task->io_uring) {
		ckpt_err(ctx, "pid %d: processes that use io_uring are not supported",
			 pid);
		return -EOPNOTSUPP;
	}
#endif
	/*
	 * A traced task belongs to its debugger and a stopped one would park
	 * only once continued; both would leave the caller waiting.
	 */
	if (task->ptrace || task_is_stopped_or_traced(task)) {
		ckpt_err(ctx, "pid %d: the process is stopped or being traced",
			 pid);
		return -EBUSY;
	}
	return 0;
}

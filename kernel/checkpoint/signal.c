// SPDX-License-Identifier: GPL-2.0
/*
 * Signals: dispositions, the blocked mask, the alternate stack, the
 * signals pending with their siginfo, and the interval timer that sends
 * SIGALRM.
 *
 * On restart the caller installs the dispositions and the alternate stack
 * itself, with sigaction(2) and sigaltstack(2), every signal blocked; the
 * module checks that they are the image's.  It sets the blocked mask and
 * queues the pending signals itself, once the memory that handlers and
 * siginfo refer to is back: a signal pending at checkpoint is delivered
 * after restart, once.  A single-threaded process has one thread to
 * deliver to, so shared signals are queued as private ones, which is
 * where send_sig_info() puts them; only a signal the kernel sent with no
 * sender (SEND_SIG_PRIV), as ITIMER_REAL sends SIGALRM, goes back to the
 * shared queue, kill_pid() putting it there as it was.
 *
 * The interval timers are saved with the time they had left, read with
 * the pending signals under the siglock their signals are queued under,
 * so that the two agree: a SIGALRM either is pending or is still to
 * come.  Restart arms them again with that time, ITIMER_REAL in wall
 * time, ITIMER_VIRTUAL and ITIMER_PROF in the process's CPU time, and
 * disarms those the caller had.
 */
#include <linux/hrtimer.h>
#include <linux/posix-timers.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "ckpt.h"

/* The SA_* flags x86-64 user space may set */
#define CKPT_SA_KNOWN	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | \
			 SA_UNSUPPORTED | SA_EXPOSE_TAGBITS | SA_RESTORER | \
			 SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND)

/* The signals dequeue_signal() takes first (SYNCHRONOUS_MASK). */
#define CKPT_SYNCHRONOUS_MASK	(sigmask(SIGSEGV) | sigmask(SIGBUS) | \
				 sigmask(SIGILL) | sigmask(SIGTRAP) | \
				 sigmask(SIGFPE) | sigmask(SIGSYS))

/* At most this many pending signals are saved or restored. */
#define CKPT_SIGPENDING_MAX	65536

static_assert(CKPT_NSIG == _NSIG);
static_assert(sizeof(kernel_siginfo_t) <=
	      sizeof(((struct ckpt_hdr_sigpending *)0)->info));

/*
 * The sighand of current, which cannot exec or exit meanwhile.
 */
static struct sighand_struct *ckpt_sighand(struct task_struct *task)
{
	return rcu_dereference_protected(task->sighand, task == current);
}

struct ckpt_sigpending {
	int signo;
	u32 queue;
	kernel_siginfo_t info;
};

/* Copy up to @max pending signals of @task; returns how many there are. */
static unsigned int ckpt_collect_pending(struct task_struct *task,
					 struct ckpt_sigpending *out,
					 unsigned int max)
{
	struct sigpending *queues[] = {
		&task->pending, &task->signal->shared_pending,
	};
	unsigned int n = 0, q;
	struct sigqueue *sq;
	int sig;

	for (q = 0; q < ARRAY_SIZE(queues); q++) {
		sigset_t listed;

		sigemptyset(&listed);
		list_for_each_entry(sq, &queues[q]->list, list) {
			if (n < max) {
				out[n].signo = sq->info.si_signo;
				out[n].queue = q;
				copy_siginfo(&out[n].info, &sq->info);
			}
			sigaddset(&listed, sq->info.si_signo);
			n++;
		}
		/* Pending without a queue entry: kernel-sent, no siginfo. */
		for (sig = 1; sig <= _NSIG; sig++) {
			if (!sigismember(&queues[q]->signal, sig) ||
			    sigismember(&listed, sig))
				continue;
			if (n < max) {
				out[n].signo = sig;
				out[n].queue = q;
				clear_siginfo(&out[n].info);
				out[n].info.si_signo = sig;
				out[n].info.si_code = SI_KERNEL;
			}
			n++;
		}
	}
	return n;
}

/* ckpt_hdr_itimers::timer[] index of each CPU-time itimer */
static const unsigned int ckpt_cpu_itimers[][2] = {
	{ CKPT_ITIMER_VIRTUAL, CPUCLOCK_VIRT },
	{ CKPT_ITIMER_PROF, CPUCLOCK_PROF },
};

/**
 * ckpt_itimers_armed() - does the target need a CKPT_HDR_ITIMERS?
 * @sig:	the target's signal_struct
 *
 * Only an expiry can change it while the target is parked: a timer
 * armed now may be disarmed when it is saved, never the reverse.
 */
bool ckpt_itimers_armed(struct signal_struct *sig)
{
	return hrtimer_active(&sig->real_timer) || READ_ONCE(sig->it_real_incr) ||
	       READ_ONCE(sig->it[CPUCLOCK_VIRT].expires) ||
	       READ_ONCE(sig->it[CPUCLOCK_PROF].expires);
}

/*
 * ITIMER_VIRTUAL or ITIMER_PROF as getitimer(2) reads it, siglock held:
 * its absolute expiry in the process's CPU time, less that time as the
 * armed timer's accounting (thread_group_sample_cputime()) has it.
 */
static int ckpt_collect_itimer_cpu(struct signal_struct *sig, unsigned int clk,
				   struct ckpt_itimer *t)
{
	const struct task_cputime_atomic *ct = &sig->cputimer.cputime_atomic;
	u64 expires = sig->it[clk].expires, now;

	t->interval_ns = sig->it[clk].incr;
	t->value_ns = 0;
	if (!expires)
		return 0;
	/* Armed, a timer keeps the accounting running: else it is stale. */
	if (!READ_ONCE(sig->posix_cputimers.timers_active))
		return -EBUSY;
	now = atomic64_read(&ct->utime);
	if (clk == CPUCLOCK_PROF)
		now += atomic64_read(&ct->stime);
	/* About to fire, as get_cpu_itimer() says. */
	t->value_ns = expires > now ? expires - now : TICK_NSEC;
	return 0;
}

/*
 * ITIMER_REAL as getitimer(2) reads it, siglock held.  A periodic timer
 * that expired and is not queued again has its SIGALRM pending, and
 * dequeueing it rearms the timer: a value of 0 with a period says so.
 */
static void ckpt_collect_itimer_real(struct signal_struct *sig,
				     struct ckpt_itimer *t)
{
	ktime_t rem = 0;

	if (hrtimer_active(&sig->real_timer)) {
		rem = hrtimer_expires_remaining(&sig->real_timer);
		/* Expiring now: its SIGALRM is still to be sent. */
		if (rem <= 0)
			rem = 1;
	}
	t->value_ns = rem;
	t->interval_ns = sig->it_real_incr;
}

/* The three timers, siglock held: 0, or -EBUSY as above. */
static int ckpt_collect_itimers(struct signal_struct *sig,
				struct ckpt_hdr_itimers *it)
{
	unsigned int i;
	int ret = 0;

	ckpt_collect_itimer_real(sig, &it->timer[CKPT_ITIMER_REAL]);
	for (i = 0; i < ARRAY_SIZE(ckpt_cpu_itimers) && !ret; i++)
		ret = ckpt_collect_itimer_cpu(sig, ckpt_cpu_itimers[i][1],
					      &it->timer[ckpt_cpu_itimers[i][0]]);
	return ret;
}

/**
 * checkpoint_signals() - write CKPT_HDR_SIGNALS, its CKPT_HDR_SIGPENDING
 * and CKPT_HDR_ITIMERS
 * @ctx:	the operation, its target parked
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_signals(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->task;
	struct ckpt_sigpending *pending = NULL;
	struct ckpt_hdr_sigpending *p = NULL;
	struct ckpt_hdr_itimers *it;
	struct ckpt_hdr_signals *h;
	unsigned int nr, max = 0, i;
	int ret = 0, cpu_ret = 0;

	h = ckpt_hdr_alloc(sizeof(*h), CKPT_HDR_SIGNALS);
	it = ckpt_hdr_alloc(sizeof(*it), CKPT_HDR_ITIMERS);
	if (!h || !it) {
		ret = -ENOMEM;
		goto out;
	}

	/*
	 * Count, allocate, copy: the queues change only by new signals.  The
	 * target may have been killed out of its park and reaped, taking its
	 * sighand; exec cannot replace it (exec_update_lock is held), and
	 * under RCU the memory stays a sighand (SLAB_TYPESAFE_BY_RCU): lock
	 * it, then check it is still the task's, as lock_task_sighand() does.
	 */
	for (;;) {
		struct sighand_struct *sighand;
		bool gone;

		rcu_read_lock();
		sighand = rcu_dereference(task->sighand);
		if (!sighand) {
			rcu_read_unlock();
			ret = -ESRCH;
			break;
		}
		spin_lock_irq(&sighand->siglock);
		gone = sighand != rcu_access_pointer(task->sighand);
		if (!gone)
			nr = ckpt_collect_pending(task, pending, max);
		if (!gone && nr <= max) {
			for (i = 0; i < _NSIG; i++) {
				const struct sigaction *sa = &sighand->action[i].sa;

				h->action[i].handler = (unsigned long)sa->sa_handler;
				h->action[i].flags = sa->sa_flags;
				h->action[i].restorer = (unsigned long)sa->sa_restorer;
				h->action[i].mask = sa->sa_mask.sig[0];
			}
			/*
			 * In sigsuspend(), ppoll(), pselect6() and the like,
			 * blocked is the syscall's mask for its duration: the
			 * task's own is the saved one.
			 */
			h->blocked = test_tsk_restore_sigmask(task) ?
				     task->saved_sigmask.sig[0] :
				     task->blocked.sig[0];
			cpu_ret = ckpt_collect_itimers(task->signal, it);
		}
		spin_unlock_irq(&sighand->siglock);
		rcu_read_unlock();
		if (gone) {
			ret = -ESRCH;
			break;
		}
		if (nr <= max)
			break;
		if (nr > CKPT_SIGPENDING_MAX) {
			ckpt_err(ctx, "pid %d: %u signals pending, more than %d",
				 task_pid_vnr(task), nr, CKPT_SIGPENDING_MAX);
			ret = -E2BIG;
			goto out;
		}
		kvfree(pending);
		max = nr + 8;
		pending = kvcalloc(max, sizeof(*pending), GFP_KERNEL_ACCOUNT);
		if (!pending) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (ret) {
		ckpt_err(ctx, "pid %d: the process exited", task_pid_vnr(task));
		goto out;
	}
	if (cpu_ret) {
		ckpt_err(ctx, "pid %d: its CPU time is not accounted while an ITIMER_VIRTUAL or ITIMER_PROF is armed",
			 task_pid_vnr(task));
		ret = cpu_ret;
		goto out;
	}

	h->ss_sp = task->sas_ss_sp;
	h->ss_size = task->sas_ss_size;
	h->ss_flags = task->sas_ss_flags;
	h->nr_pending = nr;
	for (i = 0; i < nr; i++) {
		/* A stop or a kill not yet acted on cannot be restored as such. */
		if (pending[i].signo == SIGKILL || pending[i].signo == SIGSTOP) {
			ckpt_err(ctx, "pid %d: signal %d is pending", task_pid_vnr(task),
				 pending[i].signo);
			ret = -EBUSY;
			goto out;
		}
	}
	ret = ckpt_write_obj(ctx, &h->h);
	if (ret || !nr)
		goto out;

	p = ckpt_hdr_alloc(sizeof(*p), CKPT_HDR_SIGPENDING);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr && !ret; i++) {
		memset(p->info, 0, sizeof(p->info));
		p->signo = pending[i].signo;
		p->queue = pending[i].queue;
		memcpy(p->info, &pending[i].info, sizeof(pending[i].info));
		ret = ckpt_write_obj(ctx, &p->h);
	}
out:
	/* A timer that expired since the task record: saved disarmed. */
	if (!ret && ctx->itimers)
		ret = ckpt_write_obj(ctx, &it->h);
	kfree(it);
	kfree(p);
	kvfree(pending);
	kfree(h);
	return ret;
}

static bool ckpt_user_ptr_ok(u64 v)
{
	return v <= 1 || v < TASK_SIZE_MAX;
}

static int restore_action_check(struct ckpt_ctx *ctx, int sig,
				const struct ckpt_sigaction *a)
{
	const struct sigaction *now = &ckpt_sighand(current)->action[sig - 1].sa;

	if (!ckpt_user_ptr_ok(a->handler) || !ckpt_user_ptr_ok(a->restorer) ||
	    (a->flags & ~(u64)CKPT_SA_KNOWN) ||
	    (sig_kernel_only(sig) && a->handler != (unsigned long)SIG_DFL)) {
		ckpt_err(ctx, "signal %d: handler %#llx, flags %#llx, restorer %#llx are not a disposition a task may have",
			 sig, a->handler, a->flags, a->restorer);
		return -EINVAL;
	}
	if (sig_kernel_only(sig))
		return 0;
	/* sigaction(2) drops SIGKILL and SIGSTOP from masks. */
	if ((unsigned long)now->sa_handler != a->handler ||
	    now->sa_flags != a->flags ||
	    (unsigned long)now->sa_restorer != a->restorer ||
	    now->sa_mask.sig[0] != (a->mask & ~(sigmask(SIGKILL) | sigmask(SIGSTOP)))) {
		ckpt_err(ctx, "signal %d: its disposition is not the image's (the caller installs it first)",
			 sig);
		return -EINVAL;
	}
	return 0;
}

static int restore_signals_check(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr_signals *h)
{
	int sig, ret = 0;

	if (h->nr_pending > CKPT_SIGPENDING_MAX) {
		ckpt_err(ctx, "field nr_pending: %u is more than %d", h->nr_pending,
			 CKPT_SIGPENDING_MAX);
		return -EINVAL;
	}
	if (h->ss_flags & ~(SS_AUTODISARM | SS_DISABLE) ||
	    !ckpt_user_ptr_ok(h->ss_sp) || h->ss_size > TASK_SIZE_MAX) {
		ckpt_err(ctx, "fields ss_*: %#llx/%llu/%#x are not an alternate stack",
			 h->ss_sp, h->ss_size, h->ss_flags);
		return -EINVAL;
	}

	spin_lock_irq(&ckpt_sighand(current)->siglock);
	for (sig = 1; sig <= _NSIG && !ret; sig++)
		ret = restore_action_check(ctx, sig, &h->action[sig - 1]);
	spin_unlock_irq(&ckpt_sighand(current)->siglock);
	if (ret)
		return ret;

	if (current->sas_ss_sp != h->ss_sp || current->sas_ss_size != h->ss_size ||
	    current->sas_ss_flags != h->ss_flags) {
		ckpt_err(ctx, "the alternate signal stack is not the image's (the caller sets it first)");
		return -EINVAL;
	}
	return 0;
}

static int restore_itimers(struct ckpt_ctx *ctx)
{
	static const char * const names[CKPT_NR_ITIMERS] = {
		"ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF",
	};
	struct ckpt_hdr_itimers *h;
	unsigned int i;

	h = ckpt_read_hdr(ctx, CKPT_HDR_ITIMERS, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->ritimers = h;
	for (i = 0; i < CKPT_NR_ITIMERS; i++) {
		const struct ckpt_itimer *t = &h->timer[i];

		if (t->value_ns > KTIME_MAX || t->interval_ns > KTIME_MAX) {
			ckpt_err(ctx, "field timer[%u]: %s value %llu ns, interval %llu ns: more than KTIME_MAX",
				 i, names[i], t->value_ns, t->interval_ns);
			return -EINVAL;
		}
	}
	return 0;
}

static int restore_sigpending(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_signals *h)
{
	unsigned int i;

	ctx->rpending = kvcalloc(h->nr_pending, sizeof(*ctx->rpending),
				 GFP_KERNEL_ACCOUNT);
	if (!ctx->rpending)
		return -ENOMEM;
	for (i = 0; i < h->nr_pending; i++) {
		struct ckpt_hdr_sigpending *p;
		int signo;

		p = ckpt_read_hdr(ctx, CKPT_HDR_SIGPENDING, sizeof(*p),
				  sizeof(*p));
		if (IS_ERR(p))
			return PTR_ERR(p);
		memcpy(&signo, p->info, sizeof(signo));
		if (!valid_signal(p->signo) || !p->signo ||
		    sig_kernel_only(p->signo) || signo != p->signo ||
		    p->queue > CKPT_SIGQUEUE_SHARED) {
			ckpt_err(ctx, "fields signo/queue/info: %u/%u/%d are not a pending signal",
				 p->signo, p->queue, signo);
			kfree(p);
			return -EINVAL;
		}
		ctx->rpending[i] = p;
	}
	return 0;
}

/**
 * restore_signals() - read and check CKPT_HDR_SIGNALS, _SIGPENDING, _ITIMERS
 * @ctx:	the restart, before the point of no return
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the field.
 */
int restore_signals(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_signals *h;
	int ret;

	h = ckpt_read_hdr(ctx, CKPT_HDR_SIGNALS, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->rsig = h;
	ret = restore_signals_check(ctx, h);
	if (ret)
		return ret;
	if (h->nr_pending) {
		ret = restore_sigpending(ctx, h);
		if (ret)
			return ret;
	}
	if (ctx->rtask->task_flags & CKPT_TASK_ITIMERS)
		return restore_itimers(ctx);
	return 0;
}

/**
 * ckpt_first_handled_signal() - the signal the task will handle first
 * @ctx:	the restart, signals read
 *
 * What get_signal() would dequeue first once the task runs: the lowest
 * unblocked synchronous signal pending (SIGSEGV, SIGBUS, ...), else the
 * lowest unblocked one.
 *
 * Return: its sigaction flags if it has a handler, or -1.
 */
long ckpt_first_handled_signal(const struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_signals *h = ctx->rsig;
	int best = 0;
	unsigned int i;

	for (i = 0; i < h->nr_pending; i++) {
		int sig = ctx->rpending[i]->signo;
		bool sync = sigmask(sig) & CKPT_SYNCHRONOUS_MASK;
		bool best_sync = best && (sigmask(best) & CKPT_SYNCHRONOUS_MASK);

		if (h->blocked & sigmask(sig))
			continue;
		/* dequeue_signal() takes synchronous signals first. */
		if (!best || (sync && !best_sync) ||
		    (sync == best_sync && sig < best))
			best = sig;
	}
	if (!best || h->action[best - 1].handler <= 1)
		return -1;
	return h->action[best - 1].flags;
}

/*
 * Arm ITIMER_REAL as @t says, or disarm it if @t is NULL, as
 * do_setitimer() does.  current is alone and in restart: nothing else
 * arms its timer between the cancel and the siglock.
 */
static void restore_itimer_real(const struct ckpt_itimer *t)
{
	struct signal_struct *sig = current->signal;
	struct hrtimer *timer = &sig->real_timer;

	hrtimer_cancel(timer);
	spin_lock_irq(&ckpt_sighand(current)->siglock);
	sig->it_real_incr = t ? ns_to_ktime(t->interval_ns) : 0;
	if (t && t->value_ns)
		hrtimer_start(timer, ns_to_ktime(t->value_ns), HRTIMER_MODE_REL);
	else if (t && t->interval_ns)
		/* Its SIGALRM is pending: dequeued, it rearms from now. */
		hrtimer_set_expires(timer, hrtimer_cb_get_time(timer));
	spin_unlock_irq(&ckpt_sighand(current)->siglock);
}

/*
 * Is @info what the kernel sends with SEND_SIG_PRIV, as ITIMER_REAL sends
 * SIGALRM?  Such a signal, shared, goes back to the shared queue, where
 * dequeue_signal() rearms a periodic ITIMER_REAL when it takes SIGALRM;
 * others go to the task's own, the one queue that send_sig_info() can
 * give a siginfo to.
 */
static bool ckpt_siginfo_is_kernel(const kernel_siginfo_t *info, int sig)
{
	kernel_siginfo_t priv;

	clear_siginfo(&priv);
	priv.si_signo = sig;
	priv.si_code = SI_KERNEL;
	return !memcmp(info, &priv, sizeof(priv));
}

/*
 * Arm ITIMER_VIRTUAL or ITIMER_PROF (@clk) as @t says, or disarm it if
 * @t is NULL, as set_cpu_itimer() does: the time left runs from now, in
 * the process's CPU time.
 */
static void restore_itimer_cpu(unsigned int clk, const struct ckpt_itimer *t)
{
	struct cpu_itimer *it = &current->signal->it[clk];
	u64 nval = t ? t->value_ns : 0, oval;

	spin_lock_irq(&ckpt_sighand(current)->siglock);
	oval = it->expires;
	if (oval || nval) {
		/* setitimer(2) does so: at least a tick, never less. */
		if (nval)
			nval += TICK_NSEC;
		ckpt_set_process_cpu_timer(current, clk, &nval, &oval);
	}
	it->expires = nval;
	it->incr = t ? t->interval_ns : 0;
	spin_unlock_irq(&ckpt_sighand(current)->siglock);
}

/**
 * restore_signals_commit() - set the blocked mask and the interval timers,
 * queue pending signals
 * @ctx:	the restart, its memory back
 *
 * Return: 0 or a negative errno.
 */
int restore_signals_commit(struct ckpt_ctx *ctx)
{
	const struct ckpt_itimer *t = ctx->ritimers ? ctx->ritimers->timer : NULL;
	sigset_t blocked = { .sig = { ctx->rsig->blocked } };
	unsigned int i;
	int ret;

	restore_itimer_real(t ? &t[CKPT_ITIMER_REAL] : NULL);
	for (i = 0; i < ARRAY_SIZE(ckpt_cpu_itimers); i++)
		restore_itimer_cpu(ckpt_cpu_itimers[i][1],
				   t ? &t[ckpt_cpu_itimers[i][0]] : NULL);
	for (i = 0; i < ctx->rsig->nr_pending; i++) {
		const struct ckpt_hdr_sigpending *p = ctx->rpending[i];
		kernel_siginfo_t info;

		clear_siginfo(&info);
		memcpy(&info, p->info, sizeof(info));
		if (p->queue == CKPT_SIGQUEUE_SHARED &&
		    ckpt_siginfo_is_kernel(&info, p->signo))
			ret = kill_pid(task_tgid(current), p->signo, 1);
		else
			ret = send_sig_info(p->signo, &info, current);
		if (ret) {
			ckpt_err(ctx, "queueing signal %u failed (%d)", p->signo,
				 ret);
			return ret;
		}
	}
	sigdelsetmask(&blocked, sigmask(SIGKILL) | sigmask(SIGSTOP));
	return sigprocmask(SIG_SETMASK, &blocked, NULL);
}

void restore_signals_release(struct ckpt_ctx *ctx)
{
	unsigned int i;

	if (ctx->rpending) {
		for (i = 0; i < ctx->rsig->nr_pending; i++)
			kfree(ctx->rpending[i]);
		kvfree(ctx->rpending);
	}
	kfree(ctx->ritimers);
	kfree(ctx->rsig);
}

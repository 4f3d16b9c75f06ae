// SPDX-License-Identifier: GPL-2.0
/*
 * Restart: the order of the records, and how the task takes their state.
 *
 * The task that calls CKPT_IOC_RESTART becomes the checkpointed one.  It
 * reads the image in one pass and checks the header, the task, the
 * registers and the whole memory map, opening the mapped files, before it
 * touches anything of its own: any error up to there returns to the
 * caller, intact.  Then it replaces its memory with the image's and reads
 * the pages into it; from there on an error kills it, and the reason goes
 * to the status file its parent reads.
 *
 * Registers are loaded as ptrace loads a tracee's: by another task,
 * through the regset setters and their validation, while the restored
 * task sleeps off its CPU.  That other task is a kernel worker here; the
 * regset code is written for a target other than current, whose saved
 * state it may overwrite (see Documentation/design.rst).
 *
 * Credentials are never taken from the image: the task keeps the ones it
 * had when it called.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/compat.h>
#include <linux/task_work.h>
#include <linux/workqueue.h>

#include "ckpt.h"

static int restore_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	const struct ckpt_const *c;

	h = ckpt_read_hdr(ctx, CKPT_HDR_HEADER, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->hdr = h;
	c = &h->constants;

	if (memcmp(h->magic, CKPT_MAGIC, CKPT_MAGIC_LEN)) {
		ckpt_err(ctx, "field magic: this is not a ckpt image");
		return -EINVAL;
	}
	if (h->version != CKPT_VERSION) {
		ckpt_err(ctx, "field version: image format %u, this module reads %u",
			 h->version, CKPT_VERSION);
		return -EINVAL;
	}
	if (h->arch != CKPT_ARCH_X86_64) {
		ckpt_err(ctx, "field arch: %u is not x86-64", h->arch);
		return -EINVAL;
	}
	if (h->flags & ~CKPT_CHECKPOINT_FLAGS ||
	    memchr_inv(h->reserved, 0, sizeof(h->reserved)) || c->reserved) {
		ckpt_err(ctx, "fields flags/reserved: unknown flags or reserved bytes set");
		return -EINVAL;
	}
	if (c->page_size != PAGE_SIZE) {
		ckpt_err(ctx, "constant page_size: %u, this kernel's is %lu",
			 c->page_size, PAGE_SIZE);
		return -EINVAL;
	}
	if (c->task_comm_len != TASK_COMM_LEN) {
		ckpt_err(ctx, "constant task_comm_len: %u, this kernel's is %d",
			 c->task_comm_len, TASK_COMM_LEN);
		return -EINVAL;
	}
	if (c->task_size > TASK_SIZE_MAX) {
		ckpt_err(ctx, "constant task_size: %#llx, above this kernel's %#lx",
			 c->task_size, TASK_SIZE_MAX);
		return -EINVAL;
	}
	/* xstate_size and xfeatures are checked with the xstate itself. */
	return 0;
}

static int restore_tail(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_tail t;
	u32 records = ctx->nr_records;
	loff_t len = ctx->rec_pos;
	int ret;

	if (hdr->len != sizeof(t)) {
		ckpt_err(ctx, "field len: %u is not %zu", hdr->len, sizeof(t));
		return -EINVAL;
	}
	t.h = *hdr;
	ret = ckpt_read(ctx, &t.h + 1, sizeof(t) - sizeof(t.h));
	if (ret)
		return ret;
	if (t.nr_records != records || t.nr_vmas != ctx->nr_vmas ||
	    t.nr_pages != ctx->nr_pages || t.image_len != len ||
	    memcmp(t.magic, CKPT_MAGIC, CKPT_MAGIC_LEN)) {
		ckpt_err(ctx, "the tail counts %u records, %u VMAs, %llu pages and %llu bytes; the image had %u, %u, %llu and %lld",
			 t.nr_records, t.nr_vmas, t.nr_pages, t.image_len,
			 records, ctx->nr_vmas, ctx->nr_pages, len);
		return -EINVAL;
	}
	return 0;
}

/* Pages until the tail: nothing else may come after the memory map. */
static int restore_contents(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr h;
	int ret;

	for (;;) {
		ret = ckpt_read_hdr_any(ctx, &h);
		if (ret)
			return ret;
		if (h.type == CKPT_HDR_TAIL)
			return restore_tail(ctx, &h);
		if (h.type != CKPT_HDR_PAGES) {
			ckpt_err(ctx, "only pages or the tail may follow the memory map");
			return -EINVAL;
		}
		ret = restore_mm_pages(ctx, &h);
		if (ret)
			return ret;
		cond_resched();
	}
}

/* The kernel worker that loads the registers: see the top of this file. */
struct ckpt_loader {
	struct work_struct work;
	struct task_struct *task;
	const struct ckpt_cpu_state *cpu;
	int err;
};

static void ckpt_loader_fn(struct work_struct *work)
{
	struct ckpt_loader *ld = container_of(work, struct ckpt_loader, work);
	unsigned long ncsw;

	/*
	 * The task sleeps in flush_work() until this function returns; a
	 * spurious wakeup could run it while its registers are written, and
	 * its next switch-out would save its old fs base over the new one.
	 * As ptrace does: the same switch count before and after means it
	 * did not run; else load again.
	 */
	do {
		ncsw = ckpt_wait_task_inactive(ld->task, TASK_UNINTERRUPTIBLE);
		if (!ncsw) {
			ld->err = -EINTR;
			return;
		}
		ld->err = ckpt_cpu_load(ld->task, ld->cpu);
	} while (!ld->err &&
		 ckpt_wait_task_inactive(ld->task, TASK_UNINTERRUPTIBLE) != ncsw);
}

static int restore_load_registers(struct ckpt_ctx *ctx)
{
	struct ckpt_loader ld = {
		.task = current,
		.cpu = &ctx->cpu,
	};

	INIT_WORK_ONSTACK(&ld.work, ckpt_loader_fn);
	queue_work(system_unbound_wq, &ld.work);
	flush_work(&ld.work);
	destroy_work_on_stack(&ld.work);
	if (ld.err)
		ckpt_err(ctx, "loading the registers failed (%d)", ld.err);
	return ld.err;
}

/*
 * The ioctl's own return value lands in ax on the way out of the syscall,
 * and an ioctl returns an int: the restored ax is put back afterwards,
 * by task work that runs between the syscall's end and user mode.  The
 * module reference it holds is dropped last: see ckpt_wait_for_parked().
 */
struct ckpt_set_ax {
	struct callback_head work;
	unsigned long ax;
};

static void ckpt_set_ax_fn(struct callback_head *work)
{
	struct ckpt_set_ax *s = container_of(work, struct ckpt_set_ax, work);

	task_pt_regs(current)->ax = s->ax;
	kfree(s);
	module_put(THIS_MODULE);
}

static int restore_set_ax(struct ckpt_ctx *ctx, struct ckpt_set_ax *s)
{
	int ret;

	s->ax = task_pt_regs(current)->ax;
	init_task_work(&s->work, ckpt_set_ax_fn);
	__module_get(THIS_MODULE);
	ret = task_work_add(current, &s->work, TWA_RESUME);
	if (ret) {
		module_put(THIS_MODULE);
		ckpt_err(ctx, "the task is exiting");
	}
	return ret;
}

/* The restored program starts with no file open but 0, 1 and 2. */
static void restore_close_files(void)
{
	struct files_struct *files = current->files;
	unsigned int fd = 3;

	for (;;) {
		struct fdtable *fdt;

		spin_lock(&files->file_lock);
		fdt = files_fdtable(files);
		fd = find_next_bit(fdt->open_fds, fdt->max_fds, fd);
		if (fd >= fdt->max_fds) {
			spin_unlock(&files->file_lock);
			break;
		}
		spin_unlock(&files->file_lock);
		close_fd(fd++);
	}
}

/* Who may be replaced: a task that is alone in its memory. */
static int restore_may_replace(struct ckpt_ctx *ctx)
{
	if (in_compat_syscall()) {
		ckpt_err(ctx, "the calling process is not a 64-bit process");
		return -EINVAL;
	}
	if (get_nr_threads(current) != 1) {
		ckpt_err(ctx, "the calling process has other threads");
		return -EOPNOTSUPP;
	}
	if (test_bit(MMF_MULTIPROCESS, &current->mm->flags)) {
		ckpt_err(ctx, "the calling process shares its memory with another process");
		return -EINVAL;
	}
	if (atomic_read(&current->files->count) > 1) {
		ckpt_err(ctx, "the calling process shares its file table with another process");
		return -EINVAL;
	}
	if (current->vfork_done) {
		ckpt_err(ctx, "the calling process shares its memory with its vfork() parent");
		return -EINVAL;
	}
	if (current->ptrace) {
		ckpt_err(ctx, "the calling process is being traced");
		return -EBUSY;
	}
#ifdef CONFIG_IO_URING
	if (current->io_uring) {
		ckpt_err(ctx, "the calling process uses io_uring");
		return -EOPNOTSUPP;
	}
#endif
	return 0;
}

/* A hook's verdict, with the hook named in the message. */
static int restore_policy(struct ckpt_ctx *ctx, int verdict, const char *hook)
{
	verdict = ckpt_policy(verdict);
	if (verdict)
		ckpt_err(ctx, "refused by %s (%d)", hook, verdict);
	return verdict;
}

static void restore_release(struct ckpt_ctx *ctx)
{
	restore_files_release(ctx);
	restore_signals_release(ctx);
	restore_mm_release(ctx);
	ckpt_cpu_release(&ctx->cpu);
	ckpt_pages_free(ctx);
	kfree(ctx->rtask);
	kfree(ctx->hdr);
}

/**
 * do_restart() - make current the task of the image in ctx->file
 * @ctx:	the restart: file and status set
 *
 * Return: 0, or a negative errno with ctx->errmsg saying why and
 * ctx->committed telling whether the caller is still intact.
 */
int do_restart(struct ckpt_ctx *ctx)
{
	struct ckpt_set_ax *set_ax;
	int ret;

	/* Allocated now: nothing may fail for want of memory at the end. */
	set_ax = kzalloc(sizeof(*set_ax), GFP_KERNEL_ACCOUNT);
	if (!set_ax)
		return -ENOMEM;

	ret = restore_may_replace(ctx);
	if (!ret)
		ret = restore_header(ctx);
	if (!ret)
		ret = restore_task(ctx);
	if (!ret)
		ret = restore_policy(ctx, security_ckpt_restart(ctx->hdr, ctx->rtask),
				     "security_ckpt_restart");
	if (!ret)
		ret = restore_fs(ctx);
	if (!ret)
		ret = restore_cpu(ctx);
	if (!ret)
		ret = restore_signals(ctx);
	if (!ret)
		ret = restore_files(ctx);
	if (!ret)
		ret = restore_pipes(ctx);
	if (!ret)
		ret = restore_mm_map(ctx);
	if (!ret)
		ret = restore_auxv(ctx);
	if (ret)
		goto out;
	restore_cpu_syscall(ctx);

	/* Nothing may fail for want of memory past the point of no return. */
	ret = ckpt_pages_alloc(ctx, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto out;
	ret = restore_policy(ctx, security_ckpt_restart_commit(ctx->hdr, ctx->rtask,
							       ctx->rmm->nr_vmas),
			     "security_ckpt_restart_commit");
	if (ret)
		goto out;

	/* The point of no return: the caller's memory goes. */
	ctx->committed = true;
	ret = restore_mm_commit(ctx);
	if (!ret)
		ret = restore_contents(ctx);
	if (ret)
		goto out;
	restore_task_commit(ctx);
	restore_auxv_commit(ctx);
	ret = restore_load_registers(ctx);
	if (!ret)
		ret = restore_set_ax(ctx, set_ax);
	if (ret)
		goto out;
	set_ax = NULL;
	restore_close_files();
	ret = restore_files_commit(ctx);
	if (!ret)
		ret = restore_signals_commit(ctx);
out:
	kfree(set_ax);
	restore_release(ctx);
	return ret;
}

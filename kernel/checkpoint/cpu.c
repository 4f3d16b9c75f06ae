// SPDX-License-Identifier: GPL-2.0
/*
 * Registers: the general purpose registers, fs/gs base and the xstate
 * (x87, SSE, AVX and whatever else XCR0 enables for user space).
 *
 * Both are read through the regsets of the task's user_regset_view, the
 * interface PTRACE_GETREGSET and core dumps use: NT_PRSTATUS and
 * NT_X86_XSTATE.  The target reads its own regsets while it is parked
 * (see checkpoint.c): for current, the regset code syncs the live FPU
 * registers into memory and reads fs and gs base from the CPU, so the
 * values are exact without waiting for the target to be switched out.
 */
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/fpu/types.h>
#include <asm/segment.h>
#include <asm/unistd.h>

#include "ckpt.h"

/* A register added to NT_PRSTATUS needs a field in the image too. */
static_assert(sizeof(struct ckpt_hdr_cpu) - sizeof(struct ckpt_hdr) ==
	      sizeof(struct user_regs_struct));

/* The XSAVE header follows the 512-byte legacy area. */
#define CKPT_XSAVE_HDR_OFFSET	512

static const struct user_regset *ckpt_regset(unsigned int note_type)
{
	const struct user_regset_view *view = task_user_regset_view(current);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note_type)
			return &view->regsets[i];
	return NULL;
}

/**
 * ckpt_cpu_prepare() - allocate what the target saves its registers into
 * @ctx:	the operation, for the error message
 * @cpu:	to be filled by ckpt_cpu_capture()
 *
 * Allocated by the checkpointer beforehand, so that the target does not
 * allocate while it parks.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_cpu_prepare(struct ckpt_ctx *ctx, struct ckpt_cpu_state *cpu)
{
	const struct user_regset *rs = ckpt_regset(NT_X86_XSTATE);

	/* Without XSAVE the regset is empty: such CPUs are not supported. */
	if (!rs || rs->n * rs->size < CKPT_XSAVE_HDR_OFFSET + sizeof(u64)) {
		ckpt_err(ctx, "this CPU or kernel has no XSAVE state (NT_X86_XSTATE)");
		return -EOPNOTSUPP;
	}
	cpu->xstate_size = rs->n * rs->size;
	cpu->xstate = kzalloc(cpu->xstate_size, GFP_KERNEL_ACCOUNT);
	if (!cpu->xstate)
		return -ENOMEM;
	return 0;
}

void ckpt_cpu_release(struct ckpt_cpu_state *cpu)
{
	kfree(cpu->xstate);
	cpu->xstate = NULL;
}

/**
 * ckpt_cpu_capture() - save current's user registers
 * @cpu:	prepared by ckpt_cpu_prepare()
 *
 * Runs in the target, in task work on its way back to user mode.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_cpu_capture(struct ckpt_cpu_state *cpu)
{
	const struct user_regset *gp = ckpt_regset(NT_PRSTATUS);
	const struct user_regset *xs = ckpt_regset(NT_X86_XSTATE);
	int ret;

	if (!gp || !xs || xs->n * xs->size != cpu->xstate_size)
		return -EOPNOTSUPP;

	ret = regset_get(current, gp, sizeof(cpu->regs), &cpu->regs);
	if (ret < 0)
		return ret;
	if (ret != sizeof(cpu->regs))
		return -EIO;

	ret = regset_get(current, xs, cpu->xstate_size, cpu->xstate);
	if (ret < 0)
		return ret;
	if (ret != cpu->xstate_size)
		return -EIO;
	return 0;
}

/**
 * ckpt_cpu_xfeatures() - the user xfeatures of this kernel
 * @cpu:	captured state
 *
 * The NT_X86_XSTATE regset carries, in the software-reserved bytes of its
 * legacy area, the XCR0 bits the kernel exposes (struct user_xstateregs).
 *
 * Return: the mask.
 */
u64 ckpt_cpu_xfeatures(const struct ckpt_cpu_state *cpu)
{
	const struct user_xstateregs *xs = cpu->xstate;

	return xs->i387.xstate_fx_sw[USER_XSTATE_XCR0_WORD];
}

static int checkpoint_regs(struct ckpt_ctx *ctx)
{
	const struct user_regs_struct *r = &ctx->park->cpu.regs;
	struct ckpt_hdr_cpu *h;
	int ret;

	h = ckpt_hdr_alloc(sizeof(*h), CKPT_HDR_CPU);
	if (!h)
		return -ENOMEM;
	h->r15 = r->r15;
	h->r14 = r->r14;
	h->r13 = r->r13;
	h->r12 = r->r12;
	h->bp = r->bp;
	h->bx = r->bx;
	h->r11 = r->r11;
	h->r10 = r->r10;
	h->r9 = r->r9;
	h->r8 = r->r8;
	h->ax = r->ax;
	h->cx = r->cx;
	h->dx = r->dx;
	h->si = r->si;
	h->di = r->di;
	h->orig_ax = r->orig_ax;
	h->ip = r->ip;
	h->cs = r->cs;
	h->flags = r->flags;
	h->sp = r->sp;
	h->ss = r->ss;
	h->fs_base = r->fs_base;
	h->gs_base = r->gs_base;
	h->ds = r->ds;
	h->es = r->es;
	h->fs = r->fs;
	h->gs = r->gs;
	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
}

static int checkpoint_xstate(struct ckpt_ctx *ctx)
{
	const struct ckpt_cpu_state *cpu = &ctx->park->cpu;
	struct ckpt_hdr_xstate *h;
	int ret;

	h = ckpt_hdr_alloc(sizeof(*h) + cpu->xstate_size, CKPT_HDR_XSTATE);
	if (!h)
		return -ENOMEM;
	h->size = cpu->xstate_size;
	memcpy(h->data, cpu->xstate, cpu->xstate_size);
	h->xfeatures = *(u64 *)(h->data + CKPT_XSAVE_HDR_OFFSET);
	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
}

/**
 * checkpoint_cpu() - write the CKPT_HDR_CPU and CKPT_HDR_XSTATE records
 * @ctx:	the operation, its target parked
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_cpu(struct ckpt_ctx *ctx)
{
	int ret;

	ret = checkpoint_regs(ctx);
	if (!ret)
		ret = checkpoint_xstate(ctx);
	return ret;
}

/*
 * Restart half.  The registers of an image are validated here, before
 * the caller's memory is touched, so that a hostile image is refused with
 * a message naming the field; the regset setters that load them into the
 * task validate them once more, as they do for PTRACE_SETREGSET.
 */

/* EFLAGS bits a user-mode context may hold; IOPL, VM and VIF may not. */
#define CKPT_EFLAGS_USER	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
				 X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
				 X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_AC | \
				 X86_EFLAGS_ID | X86_EFLAGS_FIXED)

/* Offsets in a standard-format XSAVE area */
#define CKPT_XSAVE_MXCSR	24
#define CKPT_XSAVE_MXCSR_MASK	28
#define CKPT_XSAVE_XCOMP_BV	(CKPT_XSAVE_HDR_OFFSET + 8)
#define CKPT_XSAVE_HDR_END	(CKPT_XSAVE_HDR_OFFSET + 64)
#define CKPT_XSTATE_MAX		(64 << 10)

/* The dynamically enabled AMX tile data needs arch_prctl() permission. */
#define CKPT_XFEATURE_XTILE_DATA	18

static const char * const ckpt_xfeature_names[] = {
	"x87", "SSE", "AVX", "MPX bounds", "MPX CSR", "AVX-512 opmask",
	"AVX-512 ZMM_Hi256", "AVX-512 Hi16_ZMM", "PT", "PKRU", "PASID",
	"CET user", "CET supervisor", "HDC", "UINTR", "LBR", "HWP",
	"AMX TILECFG", "AMX TILEDATA", "APX",
};

static const char *ckpt_xfeature_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(ckpt_xfeature_names) ?
	       ckpt_xfeature_names[bit] : "unknown";
}

static bool ckpt_user_addr(u64 addr)
{
	return addr < TASK_SIZE_MAX;
}

static bool ckpt_data_selector(u64 sel)
{
	return sel == 0 || sel == __USER_DS;
}

/* Is the CPU record a user-mode state this task could have been in? */
static int restore_regs_check(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_cpu *h)
{
	const struct ckpt_hdr_task *t = ctx->rtask;
	static const s64 restart_ax[] = {
		[CKPT_RESTART_SYS] = -ERESTARTSYS,
		[CKPT_RESTART_NOINTR] = -ERESTARTNOINTR,
		[CKPT_RESTART_NOHAND] = -ERESTARTNOHAND,
		[CKPT_RESTART_BLOCK] = -ERESTART_RESTARTBLOCK,
	};

	if (h->cs != __USER_CS) {
		ckpt_err(ctx, "field cs: %#llx is not the 64-bit user code selector",
			 h->cs);
		return -EINVAL;
	}
	if (h->ss != __USER_DS) {
		ckpt_err(ctx, "field ss: %#llx is not the user stack selector",
			 h->ss);
		return -EINVAL;
	}
	if (!ckpt_data_selector(h->ds) || !ckpt_data_selector(h->es) ||
	    !ckpt_data_selector(h->fs) || !ckpt_data_selector(h->gs)) {
		ckpt_err(ctx, "fields ds/es/fs/gs: %#llx/%#llx/%#llx/%#llx are not user data selectors",
			 h->ds, h->es, h->fs, h->gs);
		return -EINVAL;
	}
	if ((h->flags & ~CKPT_EFLAGS_USER) || !(h->flags & X86_EFLAGS_IF)) {
		ckpt_err(ctx, "field flags: %#llx is not a user-mode EFLAGS (IOPL, VM or reserved bits, or IF clear)",
			 h->flags);
		return -EINVAL;
	}
	if (!ckpt_user_addr(h->ip) || h->ip < 2) {
		ckpt_err(ctx, "field ip: %#llx is not a user address", h->ip);
		return -EINVAL;
	}
	if (!ckpt_user_addr(h->sp)) {
		ckpt_err(ctx, "field sp: %#llx is not a user address", h->sp);
		return -EINVAL;
	}
	if (!ckpt_user_addr(h->fs_base) || !ckpt_user_addr(h->gs_base)) {
		ckpt_err(ctx, "fields fs_base/gs_base: %#llx/%#llx are not user addresses",
			 h->fs_base, h->gs_base);
		return -EINVAL;
	}

	/* The task record says where the task stood; the registers agree. */
	if (t->restart == CKPT_RESTART_NONE ? (s64)h->orig_ax != -1 :
	    h->orig_ax != (u64)t->syscall_nr) {
		ckpt_err(ctx, "field orig_ax: %#llx disagrees with the task record",
			 h->orig_ax);
		return -EINVAL;
	}
	if (t->restart >= CKPT_RESTART_SYS &&
	    (s64)h->ax != restart_ax[t->restart]) {
		ckpt_err(ctx, "field ax: %lld disagrees with the syscall restart state",
			 (s64)h->ax);
		return -EINVAL;
	}
	return 0;
}

/**
 * restore_cpu_syscall() - resume an interrupted syscall as the kernel would
 * @ctx:	the restart, its registers and signals read
 *
 * What arch_do_signal_or_restart() and handle_signal() do on the way out
 * of an interrupted syscall: if a handler is about to run, -ERESTARTNOHAND
 * and -ERESTART_RESTARTBLOCK become -EINTR, and so does -ERESTARTSYS
 * unless the handler has SA_RESTART; otherwise the syscall is restarted,
 * through restart_syscall() for -ERESTART_RESTARTBLOCK.  orig_ax = -1
 * then keeps the kernel from doing it a second time on the way out, as
 * rt_sigreturn() does.
 */
void restore_cpu_syscall(struct ckpt_ctx *ctx)
{
	struct user_regs_struct *r = &ctx->cpu.regs;
	long sa_flags = ckpt_first_handled_signal(ctx);
	bool handler = sa_flags >= 0;

	switch (ctx->rtask->restart) {
	case CKPT_RESTART_SYS:
		if (handler && !(sa_flags & SA_RESTART)) {
			r->ax = -EINTR;
			break;
		}
		fallthrough;
	case CKPT_RESTART_NOINTR:
		r->ax = r->orig_ax;
		r->ip -= 2;
		break;
	case CKPT_RESTART_NOHAND:
	case CKPT_RESTART_BLOCK:
		if (handler) {
			r->ax = -EINTR;
			break;
		}
		if (ctx->rtask->restart == CKPT_RESTART_NOHAND) {
			r->ax = r->orig_ax;
		} else {
			r->ax = __NR_restart_syscall;
			ctx->restart_block = true;
		}
		r->ip -= 2;
		break;
	}
	r->orig_ax = -1;
}

static int restore_regs(struct ckpt_ctx *ctx)
{
	struct user_regs_struct *r = &ctx->cpu.regs;
	struct ckpt_hdr_cpu *h;
	int ret;

	h = ckpt_read_hdr(ctx, CKPT_HDR_CPU, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = restore_regs_check(ctx, h);
	if (!ret) {
		r->r15 = h->r15;
		r->r14 = h->r14;
		r->r13 = h->r13;
		r->r12 = h->r12;
		r->bp = h->bp;
		r->bx = h->bx;
		r->r11 = h->r11;
		r->r10 = h->r10;
		r->r9 = h->r9;
		r->r8 = h->r8;
		r->ax = h->ax;
		r->cx = h->cx;
		r->dx = h->dx;
		r->si = h->si;
		r->di = h->di;
		r->orig_ax = h->orig_ax;
		r->ip = h->ip;
		r->cs = h->cs;
		r->flags = h->flags;
		r->sp = h->sp;
		r->ss = h->ss;
		r->fs_base = h->fs_base;
		r->gs_base = h->gs_base;
		r->ds = h->ds;
		r->es = h->es;
		r->fs = h->fs;
		r->gs = h->gs;
	}
	kfree(h);
	return ret;
}

/*
 * The xstate of the image, checked against what this CPU and kernel give
 * user space, and copied into a buffer of this kernel's size: the
 * standard format places each component at a fixed offset.
 */
static int restore_xstate_check(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_xstate *h,
				const struct ckpt_cpu_state *mine)
{
	u64 bv = *(const u64 *)(h->data + CKPT_XSAVE_HDR_OFFSET);
	u64 ours = ckpt_cpu_xfeatures(mine);
	u32 mxcsr = *(const u32 *)(h->data + CKPT_XSAVE_MXCSR);
	u32 mask = *(const u32 *)((const u8 *)mine->xstate + CKPT_XSAVE_MXCSR_MASK);
	unsigned int i;

	if (bv != h->xfeatures) {
		ckpt_err(ctx, "field xfeatures: %#llx is not the XSTATE_BV of the data, %#llx",
			 h->xfeatures, bv);
		return -EINVAL;
	}
	if (bv & ~ours) {
		i = __ffs64(bv & ~ours);
		ckpt_err(ctx, "the image uses xfeature %u (%s), which this CPU or kernel does not support",
			 i, ckpt_xfeature_name(i));
		return -EOPNOTSUPP;
	}
	if (bv & BIT_ULL(CKPT_XFEATURE_XTILE_DATA)) {
		ckpt_err(ctx, "the image uses AMX tile data, which restart does not support yet");
		return -EOPNOTSUPP;
	}
	/* The kernel gives and takes the standard, not compacted, format. */
	if (memchr_inv(h->data + CKPT_XSAVE_XCOMP_BV, 0,
		       CKPT_XSAVE_HDR_END - CKPT_XSAVE_XCOMP_BV)) {
		ckpt_err(ctx, "the XSAVE header has XCOMP_BV or reserved bytes set");
		return -EINVAL;
	}
	if (!mask)
		mask = 0xffbf;	/* what FXSAVE leaves when it gives no mask */
	if (mxcsr & ~mask) {
		ckpt_err(ctx, "MXCSR %#x has bits this CPU reserves (mask %#x)",
			 mxcsr, mask);
		return -EINVAL;
	}
	return 0;
}

static int restore_xstate(struct ckpt_ctx *ctx)
{
	struct ckpt_cpu_state mine = {};
	struct ckpt_hdr_xstate *h;
	u32 size = ctx->hdr->constants.xstate_size;
	int ret;

	if (size < CKPT_XSAVE_HDR_END || size > CKPT_XSTATE_MAX) {
		ckpt_err(ctx, "header field xstate_size: %u is not a possible XSAVE size",
			 size);
		return -EINVAL;
	}
	h = ckpt_read_hdr(ctx, CKPT_HDR_XSTATE, sizeof(*h) + size,
			  sizeof(*h) + size);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->size != size || h->reserved) {
		ckpt_err(ctx, "field size: %u is not the header's xstate_size %u, or reserved is set",
			 h->size, size);
		ret = -EINVAL;
		goto out;
	}

	/* This task's own state tells what this CPU and kernel support. */
	ret = ckpt_cpu_prepare(ctx, &mine);
	if (ret)
		goto out;
	ret = ckpt_cpu_capture(&mine);
	if (ret)
		goto out_mine;
	ret = restore_xstate_check(ctx, h, &mine);
	if (ret)
		goto out_mine;

	ret = ckpt_cpu_prepare(ctx, &ctx->cpu);
	if (ret)
		goto out_mine;
	memcpy(ctx->cpu.xstate, h->data, min(size, ctx->cpu.xstate_size));
out_mine:
	ckpt_cpu_release(&mine);
out:
	kfree(h);
	return ret;
}

/**
 * restore_cpu() - read and check the CKPT_HDR_CPU and _XSTATE records
 * @ctx:	the restart, its task record read
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the field.
 */
int restore_cpu(struct ckpt_ctx *ctx)
{
	int ret;

	ret = restore_regs(ctx);
	if (!ret)
		ret = restore_xstate(ctx);
	return ret;
}

/**
 * ckpt_cpu_load() - load registers into a task, as PTRACE_SETREGSET does
 * @task:	a task other than current, asleep off its CPU
 * @cpu:	the registers, checked by restore_cpu()
 *
 * Return: 0 or the regset setter's negative errno.
 */
int ckpt_cpu_load(struct task_struct *task, const struct ckpt_cpu_state *cpu)
{
	const struct user_regset_view *view = task_user_regset_view(task);
	const struct user_regset *gp = NULL, *xs = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < view->n; i++) {
		if (view->regsets[i].core_note_type == NT_PRSTATUS)
			gp = &view->regsets[i];
		if (view->regsets[i].core_note_type == NT_X86_XSTATE)
			xs = &view->regsets[i];
	}
	if (!gp || !xs || !gp->set || !xs->set ||
	    xs->n * xs->size != cpu->xstate_size)
		return -EOPNOTSUPP;

	ret = xs->set(task, xs, 0, cpu->xstate_size, cpu->xstate, NULL);
	if (!ret)
		ret = gp->set(task, gp, 0, sizeof(cpu->regs), &cpu->regs, NULL);
	return ret;
}

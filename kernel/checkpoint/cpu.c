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
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/fpu/types.h>

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
 * The kernel writes its user xfeatures mask into the software-reserved
 * bytes of the legacy area of every xstate it gives to user space (see
 * struct _fpx_sw_bytes).
 *
 * Return: the mask.
 */
u64 ckpt_cpu_xfeatures(const struct ckpt_cpu_state *cpu)
{
	const struct fxregs_state *fx = cpu->xstate;
	const struct _fpx_sw_bytes *sw = (const void *)fx->sw_reserved;

	return sw->xfeatures;
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

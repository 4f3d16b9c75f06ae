// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt: process checkpoint/restart for unmodified kernels.
 *
 * The module is the kernel half of sys_checkpoint() from the 2008-2010
 * checkpoint/restart patchset, reached through a misc device instead of
 * a syscall.  User space uses it like this:
 *
 *	int dev = open("/dev/checkpoint", O_RDWR);
 *	struct ckpt_checkpoint_args args = {
 *		.size = sizeof(args),
 *		.pid = pid,		// the process to save
 *		.fd = out,		// file, pipe or socket, open for writing
 *		.flags = 0,		// or CKPT_CHECKPOINT_KILL
 *	};
 *	if (ioctl(dev, CKPT_IOC_CHECKPOINT, &args) < 0)
 *		err(1, "checkpoint %d", pid);
 *
 * The image is streamed to @fd in one pass.  Restart is the other way
 * round: the task that is to become the checkpointed one (a child of the
 * ckpt command) calls
 *
 *	struct ckpt_restart_args args = {
 *		.size = sizeof(args),
 *		.fd = in,		// the image
 *		.status_fd = status,	// a pipe to its parent
 *	};
 *	ioctl(dev, CKPT_IOC_RESTART, &args);
 *	// Only on failure: on success the restored program runs instead.
 *
 * Anyone may open the device: what a caller may checkpoint is decided per
 * target, by the ptrace access check (security.c), and a restart only
 * ever gives the caller's own credentials to what it restores.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ckpt.h"

/* The size of the first version of struct ckpt_checkpoint_args. */
#define CKPT_CHECKPOINT_ARGS_SIZE_VER0	48

static_assert(sizeof(struct ckpt_checkpoint_args) ==
	      CKPT_CHECKPOINT_ARGS_SIZE_VER0);

/* The sizes of the versions of struct ckpt_restart_args: VER1 has inherit. */
#define CKPT_RESTART_ARGS_SIZE_VER0	48
#define CKPT_RESTART_ARGS_SIZE_VER1	64

static_assert(sizeof(struct ckpt_restart_args) == CKPT_RESTART_ARGS_SIZE_VER1);

/* Tell the caller why, if it gave a buffer for it. */
static void ckpt_copy_errmsg(struct ckpt_ctx *ctx, u64 ubuf, u32 ulen)
{
	char __user *dst = u64_to_user_ptr(ubuf);
	size_t len;

	if (!ubuf || !ulen)
		return;
	len = min_t(size_t, strlen(ctx->errmsg), ulen - 1);
	if (copy_to_user(dst, ctx->errmsg, len) || put_user('\0', dst + len))
		return;	/* The errno still says what happened. */
}

/* A file the module reads or writes with kernel_read()/kernel_write() */
static struct file *ckpt_fget(int fd, fmode_t mode)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);
	if (!(file->f_mode & mode)) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	if (mode == FMODE_READ ? !file->f_op->read_iter : !file->f_op->write_iter) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	return file;
}

static long ckpt_ioctl_checkpoint(struct ckpt_checkpoint_args __user *uargs)
{
	struct ckpt_checkpoint_args args;
	struct ckpt_ctx *ctx;
	struct file *file;
	u32 usize;
	long ret;

	if (get_user(usize, &uargs->size))
		return -EFAULT;
	if (usize < CKPT_CHECKPOINT_ARGS_SIZE_VER0)
		return -EINVAL;
	ret = copy_struct_from_user(&args, sizeof(args), uargs, usize);
	if (ret)
		return ret;	/* -E2BIG: the caller knows fields we do not. */

	if (args.flags & ~CKPT_CHECKPOINT_FLAGS)
		return -EINVAL;
	if (args.reserved[0] || args.reserved[1])
		return -EINVAL;
	if (args.pid <= 0)
		return -EINVAL;

	file = ckpt_fget(args.fd, FMODE_WRITE);
	if (IS_ERR(file))
		return PTR_ERR(file);

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx) {
		ret = -ENOMEM;
		goto out_fput;
	}
	ctx->file = file;
	ctx->flags = args.flags;

	ret = do_checkpoint(ctx, args.pid);
	/*
	 * Part of the image may be out already: the caller must start again
	 * rather than have the ioctl restarted after a signal.
	 */
	if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	    ret == -ERESTARTNOHAND)
		ret = -EINTR;
	if (ret)
		ckpt_copy_errmsg(ctx, args.errbuf, args.errbuf_len);
	kfree(ctx);
out_fput:
	fput(file);
	return ret;
}

/* Tell the parent why, in one line, through the status file. */
static void ckpt_report_status(struct ckpt_ctx *ctx)
{
	size_t len = strlen(ctx->errmsg);
	loff_t *ppos;

	if (!ctx->status)
		return;
	ppos = (ctx->status->f_mode & FMODE_STREAM) ? NULL : &ctx->status->f_pos;
	if (len < sizeof(ctx->errmsg) - 1)
		ctx->errmsg[len++] = '\n';
	kernel_write(ctx->status, ctx->errmsg, len, ppos);
}

static long ckpt_ioctl_restart(struct ckpt_restart_args __user *uargs)
{
	struct ckpt_restart_args args;
	struct ckpt_ctx *ctx;
	u32 usize;
	long ret;

	if (get_user(usize, &uargs->size))
		return -EFAULT;
	if (usize < CKPT_RESTART_ARGS_SIZE_VER0)
		return -EINVAL;
	ret = copy_struct_from_user(&args, sizeof(args), uargs, usize);
	if (ret)
		return ret;
	if (args.flags & ~CKPT_RESTART_FLAGS || args.reserved || args.reserved2)
		return -EINVAL;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->flags = args.flags;
	ctx->file = ckpt_fget(args.fd, FMODE_READ);
	if (IS_ERR(ctx->file)) {
		ret = PTR_ERR(ctx->file);
		goto out_free;
	}
	if (args.status_fd != -1) {
		ctx->status = ckpt_fget(args.status_fd, FMODE_WRITE);
		if (IS_ERR(ctx->status)) {
			ret = PTR_ERR(ctx->status);
			goto out_fput;
		}
	}

	ret = restore_pipes_get(ctx, args.pipes, args.nr_pipes);
	if (!ret)
		ret = restore_inherit_get(ctx, &args);
	if (!ret)
		ret = do_restart(ctx);
	restore_pipes_release(ctx);
	kfree(ctx->inherit);
	if (!ret)
		goto out_fput_status;

	if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	    ret == -ERESTARTNOHAND)
		ret = -EINTR;
	ckpt_report_status(ctx);
	if (!ctx->committed) {
		ckpt_copy_errmsg(ctx, args.errbuf, args.errbuf_len);
	} else {
		/* Half replaced: the task must not run again. */
		pr_warn_ratelimited("ckpt: restart of pid %d failed: %s\n",
				    task_pid_nr(current), ctx->errmsg);
		force_sig(SIGKILL);
	}
out_fput_status:
	if (ctx->status)
		fput(ctx->status);
out_fput:
	fput(ctx->file);
out_free:
	kfree(ctx);
	return ret;
}

/*
 * The argument structures grow at their end, and say their size in
 * their first field: the size an ioctl number encodes is not looked at,
 * so that a caller built against an older header is still understood.
 */
#define CKPT_IOC(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long ckpt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (CKPT_IOC(cmd)) {
	case CKPT_IOC(CKPT_IOC_CHECKPOINT):
		return ckpt_ioctl_checkpoint((void __user *)arg);
	case CKPT_IOC(CKPT_IOC_RESTART):
		return ckpt_ioctl_restart((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ckpt_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= ckpt_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice ckpt_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "checkpoint",
	.fops	= &ckpt_fops,
	.mode	= 0666,
};

static int __init ckpt_init(void)
{
	int ret;

	ret = ckpt_security_init();
	if (ret)
		return ret;
	return misc_register(&ckpt_misc);
}

static void __exit ckpt_exit(void)
{
	misc_deregister(&ckpt_misc);
	ckpt_wait_for_parked();
}

module_init(ckpt_init);
module_exit(ckpt_exit);

MODULE_DESCRIPTION("Process checkpoint/restart through /dev/checkpoint");
MODULE_AUTHOR("The ckpt developers");
MODULE_LICENSE("GPL");

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
 * The image is streamed to @fd in one pass.  Anyone may open the device:
 * what a caller may checkpoint is decided per target, by the ptrace
 * access check (security.c).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ckpt.h"

/* The size of the first version of struct ckpt_checkpoint_args. */
#define CKPT_CHECKPOINT_ARGS_SIZE_VER0	48

static_assert(sizeof(struct ckpt_checkpoint_args) ==
	      CKPT_CHECKPOINT_ARGS_SIZE_VER0);

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

	file = fget(args.fd);
	if (!file)
		return -EBADF;
	/* As write(2) would say. */
	if (!(file->f_mode & FMODE_WRITE)) {
		ret = -EBADF;
		goto out_fput;
	}
	/* kernel_write() needs ->write_iter; a few character devices lack it. */
	if (!file->f_op->write_iter) {
		ret = -EINVAL;
		goto out_fput;
	}

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

static long ckpt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case CKPT_IOC_CHECKPOINT:
		return ckpt_ioctl_checkpoint((void __user *)arg);
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

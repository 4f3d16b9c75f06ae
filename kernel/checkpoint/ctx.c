// SPDX-License-Identifier: GPL-2.0
/*
 * The image stream of one checkpoint operation.
 *
 * Every byte of an image goes through ckpt_write(): the stream is written
 * once, in order, from the file's position, and never seeked, so that the
 * same code serves a regular file, a pipe and a socket.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "ckpt.h"

/**
 * ckpt_write() - append bytes to the image
 * @ctx:	the operation
 * @buf:	kernel memory to write
 * @len:	bytes in @buf
 *
 * Loops on short writes, as a pipe or a socket may take part of a buffer,
 * and gives up when the checkpointer is killed.
 *
 * Return: 0, or a negative errno; -EIO if the file takes nothing.
 */
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	struct file *file = ctx->file;
	loff_t *ppos = (file->f_mode & FMODE_STREAM) ? NULL : &file->f_pos;

	while (len) {
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		n = kernel_write(file, buf, len, ppos);
		if (n < 0) {
			ckpt_err(ctx, "writing the image at offset %lld failed (%zd)",
				 ctx->pos, n);
			return n;
		}
		if (n == 0) {
			ckpt_err(ctx, "the image file took no data at offset %lld",
				 ctx->pos);
			return -EIO;
		}
		buf += n;
		len -= n;
		ctx->pos += n;
	}
	return 0;
}

/**
 * ckpt_hdr_alloc() - allocate a zeroed record
 * @len:	length of the whole record, header included
 * @type:	CKPT_HDR_* type of the record
 *
 * Records are zeroed when allocated so that padding and reserved fields,
 * and anything not filled in on purpose, never carry kernel memory into
 * an image.
 *
 * Return: the record with its header filled in, or NULL.
 */
void *ckpt_hdr_alloc(size_t len, u32 type)
{
	struct ckpt_hdr *h;

	if (WARN_ON_ONCE(len < sizeof(*h) || len > U32_MAX))
		return NULL;
	h = kzalloc(len, GFP_KERNEL_ACCOUNT);
	if (h) {
		h->type = type;
		h->len = len;
	}
	return h;
}

/**
 * ckpt_write_obj() - write a whole record
 * @ctx:	the operation
 * @h:		the record, as filled in by ckpt_hdr_alloc() and its caller
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	int ret;

	ret = ckpt_write(ctx, h, h->len);
	if (!ret)
		ctx->nr_records++;
	return ret;
}

/**
 * ckpt_err() - say why the operation failed
 * @ctx:	the operation
 * @fmt:	printf-style message naming the object and what is wrong
 *
 * Only the first message is kept: what goes wrong after it is usually a
 * consequence.  The message reaches the caller through the errbuf of the
 * ioctl, not the kernel log, which unprivileged callers could flood.
 */
void ckpt_err(struct ckpt_ctx *ctx, const char *fmt, ...)
{
	va_list args;

	if (ctx->errmsg[0])
		return;
	va_start(args, fmt);
	vscnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, args);
	va_end(args);
}

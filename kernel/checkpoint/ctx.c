// SPDX-License-Identifier: GPL-2.0
/*
 * The image stream of one checkpoint or restart operation.
 *
 * Every byte of an image goes through ckpt_io(), records by way of
 * ckpt_write() and ckpt_read(), a process's pages straight from or into
 * the pages themselves: the stream is written or read once, in order,
 * from the file's position, and never seeked, so that the same code
 * serves a regular file, a pipe and a socket.  On restart, every record
 * comes through ckpt_read_hdr(), which checks its type and length before
 * anything else looks at it.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "ckpt.h"
#include "compat.h"

/**
 * ckpt_io() - write @iter to the image, or fill it from the image
 * @ctx:	the operation
 * @iter:	kernel memory (ITER_KVEC) or a run of pages (ITER_BVEC), its
 *		direction saying which way the bytes go
 *
 * The one loop through which every byte of an image passes, either way:
 * a pipe or a socket may take or give part of it at a time, and the task
 * gives up when it is killed.  Pages go to the file's write_iter or come
 * from its read_iter as a splice's would, copied once, without being
 * mapped anywhere first.
 *
 * Return: 0, or a negative errno; -EIO if the file takes nothing or the
 * stream ends first.
 */
int ckpt_io(struct ckpt_ctx *ctx, const struct iov_iter *iter)
{
	struct file *file = ctx->file;
	loff_t *ppos = (file->f_mode & FMODE_STREAM) ? NULL : &file->f_pos;
	bool write = iov_iter_rw(iter) == WRITE;
	size_t len = iov_iter_count(iter), done = 0;

	while (done < len) {
		struct iov_iter rest = *iter;
		ssize_t n;

		if (fatal_signal_pending(current))
			return -EINTR;
		/*
		 * A fresh copy each time: a file need not leave the iterator
		 * where its write or read stopped (generic_write_checks()
		 * truncates it to RLIMIT_FSIZE, for one).
		 */
		iov_iter_advance(&rest, done);
		n = write ? ckpt_iter_write(file, &rest, ppos) :
			    vfs_iter_read(file, &rest, ppos, 0);
		if (n < 0) {
			ckpt_err(ctx, "%s the image at offset %lld failed (%zd)",
				 write ? "writing" : "reading", ctx->pos, n);
			return n;
		}
		if (n == 0) {
			ckpt_err(ctx, write ?
				 "the image file took no data at offset %lld" :
				 "the image ends at offset %lld: truncated",
				 ctx->pos);
			return -EIO;
		}
		done += n;
		ctx->pos += n;
	}
	return 0;
}

static int ckpt_io_kvec(struct ckpt_ctx *ctx, void *buf, size_t len,
			unsigned int direction)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, direction, &kv, 1, len);
	return ckpt_io(ctx, &iter);
}

/**
 * ckpt_write() - append bytes to the image
 * @ctx:	the operation
 * @buf:	kernel memory to write
 * @len:	bytes in @buf
 *
 * Return: 0, or a negative errno; -EIO if the file takes nothing.
 */
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	return ckpt_io_kvec(ctx, (void *)buf, len, ITER_SOURCE);
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
	int n = 0;

	if (ctx->errmsg[0])
		return;
	/* On restart, name the record at fault and where it starts. */
	if (ctx->rec_type)
		n = scnprintf(ctx->errmsg, sizeof(ctx->errmsg),
			      "record %u (%s) at offset %lld: ", ctx->rec_index,
			      ckpt_hdr_name(ctx->rec_type), ctx->rec_pos);
	va_start(args, fmt);
	vscnprintf(ctx->errmsg + n, sizeof(ctx->errmsg) - n, fmt, args);
	va_end(args);
}

/**
 * ckpt_hdr_name() - the name of a record type, for messages
 * @type:	CKPT_HDR_*
 *
 * Return: a static string.
 */
const char *ckpt_hdr_name(u32 type)
{
	switch (type) {
	case CKPT_HDR_HEADER:
		return "header";
	case CKPT_HDR_TASK:
		return "task";
	case CKPT_HDR_FS:
		return "fs";
	case CKPT_HDR_CPU:
		return "cpu";
	case CKPT_HDR_XSTATE:
		return "xstate";
	case CKPT_HDR_MM:
		return "mm";
	case CKPT_HDR_VMA:
		return "vma";
	case CKPT_HDR_PAGES:
		return "pages";
	case CKPT_HDR_AUXV:
		return "auxv";
	case CKPT_HDR_SIGNALS:
		return "signals";
	case CKPT_HDR_SIGPENDING:
		return "sigpending";
	case CKPT_HDR_ITIMERS:
		return "itimers";
	case CKPT_HDR_FILE:
		return "file";
	case CKPT_HDR_FILE_DATA:
		return "file data";
	case CKPT_HDR_PIPE:
		return "pipe";
	case CKPT_HDR_TAIL:
		return "tail";
	default:
		return "unknown";
	}
}

/**
 * ckpt_read() - read bytes of the image
 * @ctx:	the operation
 * @buf:	where to put them
 * @len:	how many
 *
 * Return: 0, or a negative errno; -EIO if the stream ends first.
 */
int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	return ckpt_io_kvec(ctx, buf, len, ITER_DEST);
}

/**
 * ckpt_read_hdr_any() - read the header of the next record
 * @ctx:	the operation
 * @h:		receives the header
 *
 * The record's length is checked to cover at least its header; the caller
 * checks it against what the type needs.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_read_hdr_any(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	int ret;

	if (ctx->has_pushback) {
		*h = ctx->pushback;
		ctx->has_pushback = false;
		return 0;
	}
	ctx->rec_index = ctx->nr_records;
	ctx->rec_pos = ctx->pos;
	ctx->rec_type = CKPT_HDR_HEADER;	/* until we know better */
	ret = ckpt_read(ctx, h, sizeof(*h));
	if (ret)
		return ret;
	ctx->rec_type = h->type;
	if (h->len < sizeof(*h)) {
		ckpt_err(ctx, "field len: %u is shorter than a record header",
			 h->len);
		return -EINVAL;
	}
	return 0;
}

/**
 * ckpt_unread_hdr() - give back a record header read ahead
 * @ctx:	the operation
 * @h:		the header ckpt_read_hdr_any() just returned
 *
 * Where a record may be followed by optional ones, the next header is
 * read to see, and given back for the reader of that record.
 */
void ckpt_unread_hdr(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	ctx->pushback = *h;
	ctx->has_pushback = true;
}

/**
 * ckpt_check_name() - check the name that ends a record
 * @ctx:	the operation
 * @h:		the record
 * @fixed:	the size of its fixed part, which the name follows
 * @name:	the name
 * @name_len:	its length as the record gives it, NUL included
 *
 * Return: 0 if @name is a NUL-terminated string of @name_len bytes and
 * the record ends with it and zero padding to 8 bytes, else -EINVAL.
 */
int ckpt_check_name(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		    size_t fixed, const char *name, u32 name_len)
{
	size_t end = fixed + name_len;

	if (!name_len || end > h->len || ALIGN(end, 8) != h->len) {
		ckpt_err(ctx, "field name_len: %u does not fit the record's length %u",
			 name_len, h->len);
		return -EINVAL;
	}
	if (strnlen(name, name_len) != name_len - 1 ||
	    memchr_inv((const char *)h + end, 0, h->len - end)) {
		ckpt_err(ctx, "field name: not a NUL-terminated string, zero-padded");
		return -EINVAL;
	}
	return 0;
}

/**
 * ckpt_read_hdr() - read a whole record of a given type
 * @ctx:	the operation
 * @type:	the CKPT_HDR_* type the image must have here
 * @min:	the least length the record may have
 * @max:	the most; this bounds the allocation
 *
 * Return: the record in kmalloc()ed memory, or an ERR_PTR.
 */
void *ckpt_read_hdr(struct ckpt_ctx *ctx, u32 type, size_t min, size_t max)
{
	struct ckpt_hdr h, *rec;
	int ret;

	ret = ckpt_read_hdr_any(ctx, &h);
	if (ret)
		return ERR_PTR(ret);
	if (h.type != type) {
		ckpt_err(ctx, "a %s record was expected here", ckpt_hdr_name(type));
		return ERR_PTR(-EINVAL);
	}
	if (h.len < min || h.len > max) {
		ckpt_err(ctx, "field len: %u is not in [%zu, %zu]", h.len, min,
			 max);
		return ERR_PTR(-EINVAL);
	}
	rec = kmalloc(h.len, GFP_KERNEL_ACCOUNT);
	if (!rec)
		return ERR_PTR(-ENOMEM);
	*rec = h;
	ret = ckpt_read(ctx, rec + 1, h.len - sizeof(h));
	if (ret) {
		kfree(rec);
		return ERR_PTR(ret);
	}
	ctx->nr_records++;
	return rec;
}

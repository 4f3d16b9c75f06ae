// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes whose two ends the process holds: their capacity and the data
 * written to them and not yet read, saved without being consumed.
 *
 * A module cannot make a pipe (create_pipe_files() is not exported), so
 * the caller of restart makes one per CKPT_HDR_PIPE record, sized as the
 * record says, and passes its two ends in ckpt_restart_args::pipes.
 * Restart checks that each is an empty pipe of the image's capacity,
 * writes the saved data into it, and gives its ends to the descriptors
 * that held them.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ckpt.h"

/* At most this many pipes in one image. */
#define CKPT_PIPES_MAX		4096

/**
 * ckpt_anon_pipe() - the pipe of an anonymous pipe's end, or NULL
 * @file:	an open file
 *
 * FIFOs have a pipe too, but also a path: only pipefs ends qualify.
 */
struct pipe_inode_info *ckpt_anon_pipe(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (!S_ISFIFO(inode->i_mode) || inode->i_sb->s_magic != PIPEFS_MAGIC)
		return NULL;
	return inode->i_pipe;
}

/*
 * Copy what @pipe holds into @buf, of @cap bytes, without consuming it.
 * Returns the number of bytes, or a negative errno.
 */
static long ckpt_peek_pipe(struct pipe_inode_info *pipe, void *buf, size_t cap)
{
	unsigned int tail, mask;
	size_t n = 0;
	long ret = 0;

	/* Another holder of the pipe may hold its lock for long: killable. */
	if (mutex_lock_killable(&pipe->mutex))
		return -EINTR;
	mask = pipe->ring_size - 1;
	for (tail = pipe->tail; tail != pipe->head; tail++) {
		struct pipe_buffer *b = &pipe->bufs[tail & mask];

		if (b->len > cap - n) {
			ret = -EOVERFLOW;
			break;
		}
		ret = pipe_buf_confirm(pipe, b);
		if (ret)
			break;
		memcpy_from_page(buf + n, b->page, b->offset, b->len);
		n += b->len;
	}
	mutex_unlock(&pipe->mutex);
	return ret ? ret : n;
}

/**
 * checkpoint_pipe() - write the CKPT_HDR_PIPE record of one pipe
 * @ctx:	the operation, its target parked
 * @file:	one of the pipe's ends
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_pipe(struct ckpt_ctx *ctx, struct file *file)
{
	struct pipe_inode_info *pipe = ckpt_anon_pipe(file);
	struct ckpt_hdr_pipe *h;
	size_t cap;
	long n;
	int ret;

	if (WARN_ON_ONCE(!pipe))
		return -EINVAL;
	/* Its capacity changes only by F_SETPIPE_SZ, under the lock. */
	if (mutex_lock_killable(&pipe->mutex))
		return -EINTR;
	cap = (size_t)pipe->max_usage * PAGE_SIZE;
	mutex_unlock(&pipe->mutex);

	h = kvzalloc(sizeof(*h) + ALIGN(cap, 8), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!h)
		return -ENOMEM;
	n = ckpt_peek_pipe(pipe, h->data, cap);
	/* A packet-mode pipe's data is a sequence of packets: not kept. */
	if (n > 0 && (file->f_flags & O_DIRECT))
		n = -EOPNOTSUPP;
	if (n < 0) {
		ckpt_err(ctx, "pipe:[%lu]: cannot save what it holds (%ld; packet-mode pipes with data are not supported)",
			 file_inode(file)->i_ino, n);
		kvfree(h);
		return n;
	}
	h->h.type = CKPT_HDR_PIPE;
	h->h.len = sizeof(*h) + ALIGN(n, 8);
	h->id = file_inode(file)->i_ino;
	h->size = cap;
	h->nr_bytes = n;
	ret = ckpt_write_obj(ctx, &h->h);
	kvfree(h);
	return ret;
}

/* The passed pipe that stands for the image's pipe @id, or NULL. */
struct ckpt_upipe *ckpt_find_pipe(struct ckpt_ctx *ctx, u64 id)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_upipes; i++)
		if (ctx->upipes[i].id == id)
			return &ctx->upipes[i];
	return NULL;
}

/**
 * restore_pipes_get() - take the pipes the caller made
 * @ctx:	the restart
 * @upipes:	user pointer to @nr struct ckpt_restart_pipe
 * @nr:		how many
 *
 * Return: 0 or a negative errno.
 */
int restore_pipes_get(struct ckpt_ctx *ctx, u64 upipes, u32 nr)
{
	struct ckpt_restart_pipe *p;
	unsigned int i;
	int ret = 0;

	if (!nr)
		return 0;
	if (nr > CKPT_PIPES_MAX) {
		ckpt_err(ctx, "%u pipes passed, more than %d", nr, CKPT_PIPES_MAX);
		return -EINVAL;
	}
	p = memdup_array_user(u64_to_user_ptr(upipes), nr, sizeof(*p));
	if (IS_ERR(p))
		return PTR_ERR(p);
	ctx->upipes = kcalloc(nr, sizeof(*ctx->upipes), GFP_KERNEL_ACCOUNT);
	if (!ctx->upipes) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr && !ret; i++) {
		struct ckpt_upipe *u = &ctx->upipes[ctx->nr_upipes++];

		u->id = p[i].id;
		u->read_fd = p[i].read_fd;
		u->write_fd = p[i].write_fd;
		u->rfile = fget(p[i].read_fd);
		u->wfile = fget(p[i].write_fd);
		/* Two ends of one empty pipe, one for each way, nothing else. */
		if (!u->rfile || !u->wfile || !ckpt_anon_pipe(u->rfile) ||
		    file_inode(u->rfile) != file_inode(u->wfile) ||
		    (u->rfile->f_mode & (FMODE_READ | FMODE_WRITE)) != FMODE_READ ||
		    (u->wfile->f_mode & (FMODE_READ | FMODE_WRITE)) != FMODE_WRITE ||
		    !pipe_empty(READ_ONCE(ckpt_anon_pipe(u->rfile)->head),
				READ_ONCE(ckpt_anon_pipe(u->rfile)->tail)) ||
		    (i && p[i].id <= p[i - 1].id)) {
			ckpt_err(ctx, "passed pipe %u (for pipe:[%llu]) is not the two ends of an empty pipe, in ascending id order",
				 i, p[i].id);
			ret = -EINVAL;
		}
	}
out:
	kvfree(p);
	return ret;
}

/* One CKPT_HDR_PIPE record: its data is read into a buffer of its own. */
static int restore_pipe(struct ckpt_ctx *ctx, struct ckpt_hdr *next,
			u64 *prev_id, unsigned int seen)
{
	struct ckpt_hdr_pipe h;
	struct ckpt_upipe *u;
	void *data = NULL;
	size_t cap, len;
	int ret;

	ret = ckpt_read_hdr_any(ctx, next);
	if (ret)
		return ret;
	if (next->len < sizeof(h)) {
		ckpt_err(ctx, "field len: %u is too short", next->len);
		return -EINVAL;
	}
	h.h = *next;
	ret = ckpt_read(ctx, &h.h + 1, sizeof(h) - sizeof(h.h));
	if (ret)
		return ret;

	u = ckpt_find_pipe(ctx, h.id);
	if (!u || (seen && h.id <= *prev_id)) {
		ckpt_err(ctx, "pipe:[%llu]: the caller passed no pipe for it, or it is out of order",
			 h.id);
		return -EINVAL;
	}
	/* The caller's pipe bounds what the record may hold. */
	cap = (size_t)ckpt_anon_pipe(u->wfile)->max_usage * PAGE_SIZE;
	if (cap != h.size || h.nr_bytes > h.size ||
	    h.h.len != sizeof(h) + ALIGN(h.nr_bytes, 8)) {
		ckpt_err(ctx, "fields size/nr_bytes: %u bytes in a pipe of %u (the caller's holds %zu) do not fit",
			 h.nr_bytes, h.size, cap);
		return -EINVAL;
	}
	len = h.h.len - sizeof(h);
	if (len) {
		data = kvmalloc(len, GFP_KERNEL_ACCOUNT);
		if (!data)
			return -ENOMEM;
		ret = ckpt_read(ctx, data, len);
		if (!ret && memchr_inv(data + h.nr_bytes, 0, len - h.nr_bytes)) {
			ckpt_err(ctx, "field data: its padding is not zero");
			ret = -EINVAL;
		}
	}
	if (!ret && h.nr_bytes) {
		loff_t pos = 0;
		ssize_t n = kernel_write(u->wfile, data, h.nr_bytes, &pos);

		if (n != h.nr_bytes) {
			ckpt_err(ctx, "pipe:[%llu]: writing its data failed (%zd)",
				 h.id, n);
			ret = n < 0 ? n : -EIO;
		}
	}
	kvfree(data);
	if (ret)
		return ret;
	ctx->nr_records++;
	*prev_id = h.id;
	return 0;
}

/**
 * restore_pipes() - read the CKPT_HDR_PIPE records, fill the pipes
 * @ctx:	the restart, before the point of no return
 *
 * The pipes are the caller's fresh ones: filling them touches nothing
 * of the caller's.
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the pipe.
 */
int restore_pipes(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr next;
	unsigned int seen = 0;
	u64 prev_id = 0;
	int ret;

	for (;;) {
		ret = ckpt_read_hdr_any(ctx, &next);
		if (ret)
			return ret;
		ckpt_unread_hdr(ctx, &next);
		if (next.type != CKPT_HDR_PIPE)
			break;

		ret = restore_pipe(ctx, &next, &prev_id, seen);
		if (ret)
			return ret;
		seen++;
	}
	if (seen != ctx->nr_upipes) {
		ckpt_err(ctx, "%u pipes passed for %u in the image", ctx->nr_upipes,
			 seen);
		return -EINVAL;
	}
	return 0;
}

void restore_pipes_release(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_upipes; i++) {
		if (ctx->upipes[i].rfile)
			fput(ctx->upipes[i].rfile);
		if (ctx->upipes[i].wfile)
			fput(ctx->upipes[i].wfile);
	}
	kfree(ctx->upipes);
}

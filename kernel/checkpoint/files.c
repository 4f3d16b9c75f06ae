// SPDX-License-Identifier: GPL-2.0
/*
 * Open files: one CKPT_HDR_FILE record per file descriptor.
 *
 * Checkpoint records every descriptor with what identifies its file:
 * path (or the name of what has none: "pipe:[...]"), type and mode,
 * open flags, position, device, inode, size and modification time.
 * Restart does not reopen files yet: the restored process gets the
 * restart command's descriptors 0, 1 and 2, and an image with any other
 * descriptor open is refused, naming it, rather than restored without it.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "ckpt.h"

struct ckpt_fd {
	unsigned int fd;
	bool cloexec;
	struct file *file;
};

/* The descriptors of a task, each with a reference to its file. */
struct ckpt_fd_table {
	struct files_struct *files;
	struct ckpt_fd *fds;	/* NULL: only count them */
	unsigned int nr;
	unsigned int max;
};

/* Called by iterate_fd() with files->file_lock held. */
static int ckpt_collect_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct ckpt_fd_table *t = (struct ckpt_fd_table *)arg;
	struct ckpt_fd *f;

	if (!t->fds) {
		t->nr++;
		return 0;
	}
	/* More than counted: the table is shared with a running task. */
	if (t->nr == t->max)
		return -EAGAIN;
	f = &t->fds[t->nr++];
	f->fd = fd;
	f->cloexec = test_bit(fd, files_fdtable(t->files)->close_on_exec);
	f->file = get_file(file);
	return 0;
}

/* task_lock() keeps exit_files() from freeing the table meanwhile. */
static int ckpt_walk_fds(struct task_struct *task, struct ckpt_fd_table *t)
{
	int ret = 0;

	task_lock(task);
	t->files = task->files;
	if (t->files)
		ret = iterate_fd(t->files, 0, ckpt_collect_fd, t);
	task_unlock(task);
	return ret;
}

static int checkpoint_file(struct ckpt_ctx *ctx, const struct ckpt_fd *f,
			   char *pathbuf)
{
	struct file *file = f->file;
	struct ckpt_hdr_file *h;
	struct kstat st;
	const char *name;
	size_t name_len;
	int ret;

	name = d_path(&file->f_path, pathbuf, PATH_MAX);
	if (IS_ERR(name)) {
		ckpt_err(ctx, "fd %u: cannot name its file (%ld)", f->fd,
			 PTR_ERR(name));
		return PTR_ERR(name);
	}
	ret = vfs_getattr(&file->f_path, &st, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (ret) {
		ckpt_err(ctx, "fd %u: cannot stat %s (%d)", f->fd, name, ret);
		return ret;
	}

	name_len = strlen(name) + 1;
	h = ckpt_hdr_alloc(ALIGN(sizeof(*h) + name_len, 8), CKPT_HDR_FILE);
	if (!h)
		return -ENOMEM;
	h->fd = f->fd;
	h->fd_flags = f->cloexec ? CKPT_FD_CLOEXEC : 0;
	h->f_flags = file->f_flags;
	h->mode = st.mode;
	h->pos = file->f_pos;
	h->dev = new_encode_dev(st.dev);
	h->ino = st.ino;
	h->size = st.size;
	h->mtime_sec = st.mtime.tv_sec;
	h->mtime_nsec = st.mtime.tv_nsec;
	h->name_len = name_len;
	memcpy(h->name, name, name_len);
	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
}

/**
 * checkpoint_files() - write a CKPT_HDR_FILE record per open descriptor
 * @ctx:	the operation, its target parked
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_files(struct ckpt_ctx *ctx)
{
	struct ckpt_fd_table t = {};
	char *pathbuf = NULL;
	unsigned int i;
	int ret;

	ckpt_walk_fds(ctx->task, &t);
	if (!t.nr)
		return 0;
	t.fds = kvcalloc(t.nr, sizeof(*t.fds), GFP_KERNEL_ACCOUNT);
	if (!t.fds)
		return -ENOMEM;
	t.max = t.nr;
	t.nr = 0;
	ret = ckpt_walk_fds(ctx->task, &t);
	if (ret) {
		ckpt_err(ctx, "pid %d: its file table changed while it was stopped (shared with another process?)",
			 task_pid_vnr(ctx->task));
		goto out;
	}

	pathbuf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!pathbuf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < t.nr && !ret; i++)
		ret = checkpoint_file(ctx, &t.fds[i], pathbuf);
out:
	for (i = 0; i < t.nr; i++)
		fput(t.fds[i].file);
	kfree(pathbuf);
	kvfree(t.fds);
	return ret;
}

/**
 * restore_files() - read the CKPT_HDR_FILE records
 * @ctx:	the restart, before the point of no return
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the descriptor.
 */
int restore_files(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_file *h;
	struct ckpt_hdr next;
	int prev_fd = -1;
	int ret;

	for (;;) {
		ret = ckpt_read_hdr_any(ctx, &next);
		if (ret)
			return ret;
		ckpt_unread_hdr(ctx, &next);
		if (next.type != CKPT_HDR_FILE)
			return 0;

		h = ckpt_read_hdr(ctx, CKPT_HDR_FILE, sizeof(*h) + 8,
				  ALIGN(sizeof(*h) + PATH_MAX, 8));
		if (IS_ERR(h))
			return PTR_ERR(h);
		ret = ckpt_check_name(ctx, &h->h, sizeof(*h), h->name,
				      h->name_len);
		if (!ret && (h->fd <= prev_fd || h->fd_flags & ~CKPT_FD_CLOEXEC)) {
			ckpt_err(ctx, "fields fd/fd_flags: %d/%#x are not an ascending descriptor and its flags",
				 h->fd, h->fd_flags);
			ret = -EINVAL;
		}
		/* The restart command's own 0, 1 and 2 stand for these. */
		if (!ret && h->fd > 2) {
			ckpt_err(ctx, "fd %d (%s) was open at checkpoint; restart gives the process only descriptors 0, 1 and 2 for now",
				 h->fd, h->name);
			ret = -EOPNOTSUPP;
		}
		prev_fd = h->fd;
		kfree(h);
		if (ret)
			return ret;
	}
}

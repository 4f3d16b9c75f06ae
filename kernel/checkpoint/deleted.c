// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files deleted while open: what they hold goes in the image.
 *
 * A file unlinked while a process holds it open has no path to reopen
 * and no identity to check: only its contents and its position make it
 * what it was.  Checkpoint saves the contents after the file's record,
 * skipping holes, as CKPT_HDR_FILE_DATA records.  Restart makes a new
 * unlinked file with O_TMPFILE in the directory the file was in, as its
 * caller (so the caller owns it, and permissions and LSMs decide), with
 * the permission bits the file had; fills it; and opens it again with
 * the flags of the image's descriptor, checked as an open would check
 * them.
 *
 * Memory files (memfd_create(2)) and other files of the kernel's
 * internal mounts are not deleted files: they never had a path.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/mount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "ckpt.h"

static const char ckpt_deleted_suffix[] = " (deleted)";

/**
 * ckpt_file_deleted() - is this a regular file unlinked while open?
 * @file:	the open file
 * @st:		its attributes
 */
bool ckpt_file_deleted(const struct file *file, const struct kstat *st)
{
	return S_ISREG(st->mode) && !st->nlink &&
	       !(file->f_path.mnt->mnt_flags & MNT_INTERNAL);
}

/**
 * ckpt_strip_deleted() - the path of a deleted file, as it was
 * @name:	what d_path() gave for it, modified in place
 */
void ckpt_strip_deleted(char *name)
{
	size_t len = strlen(name), n = sizeof(ckpt_deleted_suffix) - 1;

	if (len > n && !strcmp(name + len - n, ckpt_deleted_suffix))
		name[len - n] = '\0';
}

/**
 * checkpoint_file_data() - the CKPT_HDR_FILE_DATA records of a file
 * @ctx:	the checkpoint
 * @fd:		the descriptor it was found at, for messages
 * @file_id:	its id in the image
 * @file:	the deleted file
 * @size:	its size, as its CKPT_HDR_FILE record gives it
 *
 * The file is read through a file of the checkpointer's own: the
 * target's may be write-only, or O_DIRECT, and its position is not
 * ours to move.  Reading it needs read access to the target's open
 * file, or to the file as the checkpointer.  A file that shrinks
 * meanwhile ends where it ended; one that grows is cut at @size.
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_file_data(struct ckpt_ctx *ctx, unsigned int fd, u32 file_id,
			 struct file *file, loff_t size)
{
	struct ckpt_hdr_file_data *h;
	struct file *r;
	loff_t pos = 0;
	int ret = 0;

	if (!(file->f_mode & FMODE_READ)) {
		ret = file_permission(file, MAY_READ);
		if (ret) {
			ckpt_err(ctx, "fd %u: a deleted file open for writing only, which you may not read (%d): its contents cannot be saved",
				 fd, ret);
			return ret;
		}
	}
	r = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(r)) {
		ckpt_err(ctx, "fd %u: cannot open the deleted file to read it (%ld)",
			 fd, PTR_ERR(r));
		return PTR_ERR(r);
	}
	h = kvzalloc(sizeof(*h) + CKPT_FILE_DATA_MAX, GFP_KERNEL_ACCOUNT);
	if (!h) {
		fput(r);
		return -ENOMEM;
	}
	h->h.type = CKPT_HDR_FILE_DATA;
	h->file_id = file_id;

	while (pos < size && !ret) {
		loff_t data, hole;

		/* Holes read as zeroes: only what lies between them is saved. */
		data = vfs_llseek(r, pos, SEEK_DATA);
		if (data == -ENXIO || (data >= 0 && data >= size))
			break;
		hole = data < 0 ? data : vfs_llseek(r, data, SEEK_HOLE);
		if (hole < 0) {
			ckpt_err(ctx, "fd %u: cannot find the data of the deleted file (%lld)",
				 fd, hole);
			ret = hole;
			break;
		}
		hole = min(hole, size);
		for (pos = data; pos < hole && !ret; ) {
			size_t n = min_t(loff_t, hole - pos, CKPT_FILE_DATA_MAX);
			loff_t off = pos;
			ssize_t got;

			got = kernel_read(r, h->data, n, &off);
			if (got <= 0) {
				if (got < 0)
					ckpt_err(ctx, "fd %u: reading the deleted file at %lld failed (%zd)",
						 fd, pos, got);
				ret = got;
				pos = size;	/* shrunk: its end is here */
				break;
			}
			h->offset = pos;
			h->nr_bytes = got;
			h->h.len = sizeof(*h) + ALIGN(got, 8);
			memset(h->data + got, 0, ALIGN(got, 8) - got);
			ret = ckpt_write_obj(ctx, &h->h);
			pos += got;
			if (!ret && fatal_signal_pending(current))
				ret = -EINTR;
			cond_resched();
		}
	}
	kvfree(h);
	fput(r);
	return ret;
}

/*
 * Fill @rw, the new file of the image's descriptor @h, from the
 * CKPT_HDR_FILE_DATA records that follow.  The writes are the caller's:
 * its RLIMIT_FSIZE and its quota apply.
 */
static int restore_file_data(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_file *h, struct file *rw)
{
	struct ckpt_hdr_file_data *d;
	loff_t end = 0;
	int ret;

	d = kvmalloc(sizeof(*d) + CKPT_FILE_DATA_MAX, GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	for (;;) {
		size_t len;
		loff_t off;
		ssize_t n;

		ret = ckpt_read_hdr_any(ctx, &d->h);
		if (ret)
			break;
		if (d->h.type != CKPT_HDR_FILE_DATA) {
			ckpt_unread_hdr(ctx, &d->h);
			break;
		}
		if (d->h.len < sizeof(*d) + 8 ||
		    d->h.len > sizeof(*d) + CKPT_FILE_DATA_MAX) {
			ckpt_err(ctx, "field len: %u is not in [%zu, %zu]", d->h.len,
				 sizeof(*d) + 8, sizeof(*d) + CKPT_FILE_DATA_MAX);
			ret = -EINVAL;
			break;
		}
		ret = ckpt_read(ctx, &d->h + 1, d->h.len - sizeof(d->h));
		if (ret)
			break;
		len = d->h.len - sizeof(*d);
		/* Ascending, within the file's size: the loop is bounded. */
		if (d->file_id != h->file_id || !d->nr_bytes ||
		    ALIGN(d->nr_bytes, 8) != len || d->offset < (u64)end ||
		    d->offset > h->size || d->nr_bytes > h->size - d->offset) {
			ckpt_err(ctx, "fields file_id/offset/nr_bytes: %u/%llu/%u are not data of file %u after offset %lld, within its size %llu",
				 d->file_id, d->offset, d->nr_bytes, h->file_id,
				 end, h->size);
			ret = -EINVAL;
			break;
		}
		if (memchr_inv(d->data + d->nr_bytes, 0, len - d->nr_bytes)) {
			ckpt_err(ctx, "field data: its padding is not zero");
			ret = -EINVAL;
			break;
		}
		off = d->offset;
		n = kernel_write(rw, d->data, d->nr_bytes, &off);
		if (n != d->nr_bytes) {
			ckpt_err(ctx, "fd %d: writing %u bytes at %llu of the deleted file %s failed (%zd)",
				 h->fd, d->nr_bytes, d->offset, h->name, n);
			ret = n < 0 ? n : -EIO;
			break;
		}
		ctx->nr_records++;
		end = off;
		cond_resched();
	}
	kvfree(d);
	/* A hole up to its end: its size, by its last byte. */
	if (!ret && (u64)end < h->size) {
		static const char zero;
		loff_t off = h->size - 1;
		ssize_t n = kernel_write(rw, &zero, 1, &off);

		if (n != 1) {
			ckpt_err(ctx, "fd %d: cannot make the deleted file %s %llu bytes long (%zd)",
				 h->fd, h->name, h->size, n);
			ret = n < 0 ? n : -EIO;
		}
	}
	return ret;
}

/**
 * restore_file_deleted() - the file of a CKPT_FILE_DELETED descriptor
 * @ctx:	the restart, before the point of no return
 * @h:		the descriptor's record, checked by restore_file_check()
 * @flags:	the flags to open it with
 *
 * Return: the open file, at the image's position, or an ERR_PTR with
 * ctx->errmsg set.
 */
struct file *restore_file_deleted(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_file *h, int flags)
{
	int acc = h->f_flags & O_ACCMODE, old_umask, ret;
	struct file *rw, *file;
	char *dir, *slash;
	loff_t pos;

	if (!S_ISREG(h->mode) || acc == O_ACCMODE ||
	    h->f_flags & (O_PATH | O_DIRECTORY) ||
	    h->size > (u64)MAX_LFS_FILESIZE || h->pos > (u64)MAX_LFS_FILESIZE) {
		ckpt_err(ctx, "fd %d: fields mode/f_flags/size/pos: %#o/%#x/%llu/%llu are not those of a regular file open for reading or writing",
			 h->fd, h->mode, h->f_flags, h->size, h->pos);
		return ERR_PTR(-EINVAL);
	}
	dir = kstrdup(h->name, GFP_KERNEL);
	if (!dir)
		return ERR_PTR(-ENOMEM);
	slash = strrchr(dir, '/');
	slash[slash == dir] = '\0';

	/* The image's permission bits, not as the caller's umask cuts them. */
	old_umask = xchg(&current->fs->umask, 0);
	rw = filp_open(dir, O_TMPFILE | O_RDWR | O_LARGEFILE, h->mode & 0777);
	xchg(&current->fs->umask, old_umask);
	if (IS_ERR(rw)) {
		ckpt_err(ctx, "fd %d: cannot make an unlinked file in %s for the deleted %s (%ld)",
			 h->fd, dir, h->name, PTR_ERR(rw));
		kfree(dir);
		return rw;
	}
	kfree(dir);
	ret = restore_file_data(ctx, h, rw);
	if (ret)
		goto out;

	/* As an open of it by the caller would be checked. */
	ret = file_permission(rw, acc == O_RDONLY ? MAY_READ :
				  acc == O_WRONLY ? MAY_WRITE :
				  MAY_READ | MAY_WRITE);
	if (ret) {
		ckpt_err(ctx, "fd %d: you may not open the deleted %s (mode %#o) as it was open (%d)",
			 h->fd, h->name, h->mode & 07777, ret);
		goto out;
	}
	file = dentry_open(&rw->f_path, flags, current_cred());
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		ckpt_err(ctx, "fd %d: cannot open the deleted %s again (%d)",
			 h->fd, h->name, ret);
		goto out;
	}
	pos = vfs_llseek(file, h->pos, SEEK_SET);
	if (pos != h->pos) {
		ckpt_err(ctx, "fd %d: cannot seek the deleted %s to %llu (%lld)",
			 h->fd, h->name, h->pos, pos);
		fput(file);
		ret = pos < 0 ? pos : -EINVAL;
		goto out;
	}
	fput(rw);
	return file;
out:
	fput(rw);
	return ERR_PTR(ret);
}

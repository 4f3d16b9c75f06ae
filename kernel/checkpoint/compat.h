/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces that differ between the kernels ckpt builds
 * for.  Kbuild sets the CKPT_* macros by looking at the kernel's headers.
 */
#ifndef _CKPT_COMPAT_H
#define _CKPT_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <uapi/linux/rseq.h>

/*
 * The path and inode /proc/PID/maps shows for a mapped file: the user's
 * view of a backing file (overlayfs), where the kernel has that notion.
 */
static inline const struct path *ckpt_file_path(const struct file *file)
{
#ifdef CKPT_HAVE_FILE_USER_PATH
	return file_user_path(file);
#else
	return &file->f_path;
#endif
}

static inline const struct inode *ckpt_file_inode(const struct file *file)
{
#ifdef CKPT_HAVE_FILE_USER_PATH
	return file_user_inode(file);
#else
	return file_inode(file);
#endif
}

/*
 * vfs_iter_write() to @file, inside the file system's freeze protection
 * as a write(2) is: vfs_iter_write() takes it itself since 6.8 (which
 * added file_write_not_started()); before, its callers did.
 */
static inline ssize_t ckpt_iter_write(struct file *file, struct iov_iter *iter,
				      loff_t *ppos)
{
#ifdef CKPT_ITER_WRITE_STARTS_WRITE
	return vfs_iter_write(file, iter, ppos, 0);
#else
	ssize_t n;

	file_start_write(file);
	n = vfs_iter_write(file, iter, ppos, 0);
	file_end_write(file);
	return n;
#endif
}

/* @nr pages of an mm; get_user_pages_remote() lost @vmas in 6.5. */
static inline long ckpt_gup(struct mm_struct *mm, unsigned long addr,
			    unsigned long nr, unsigned int gup_flags,
			    struct page **pages)
{
#ifdef CKPT_GUP_TAKES_VMAS
	return get_user_pages_remote(mm, addr, nr, gup_flags, pages, NULL, NULL);
#else
	return get_user_pages_remote(mm, addr, nr, gup_flags, pages, NULL);
#endif
}

/* rseq(2) areas became extensible in 6.3; before, their length was fixed. */
static inline u32 ckpt_rseq_len(struct task_struct *task)
{
#ifdef CKPT_HAVE_RSEQ_LEN
	return task->rseq_len;
#else
	return task->rseq ? sizeof(struct rseq) : 0;
#endif
}

static inline void ckpt_set_rseq_len(struct task_struct *task, u32 len)
{
#ifdef CKPT_HAVE_RSEQ_LEN
	task->rseq_len = len;
#endif
}

/* POSIX timers hang off an hlist since 6.10, a list before. */
static inline bool ckpt_has_posix_timers(struct signal_struct *sig)
{
#ifdef CKPT_POSIX_TIMERS_HLIST
	return !hlist_empty(&sig->posix_timers);
#else
	return !list_empty(&sig->posix_timers);
#endif
}

#endif /* _CKPT_COMPAT_H */

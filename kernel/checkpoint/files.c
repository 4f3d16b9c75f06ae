// SPDX-License-Identifier: GPL-2.0
/*
 * Open files: one CKPT_HDR_FILE record per file descriptor.
 *
 * Checkpoint records every descriptor with what identifies its file:
 * path (or the name of what has none: "pipe:[...]"), type and mode,
 * open flags, position, device, inode, size and modification time, and
 * which descriptors share one open file (dup(2)).
 *
 * Restart reopens regular files, directories, FIFOs and a few character
 * devices by path, as its caller, through the normal open path (so
 * permissions and LSMs decide), checks that each is the file that was
 * open, and installs it at the same descriptor with the same flags and
 * position; descriptors that shared a file share it again.  A regular
 * file deleted while open comes back with its contents (deleted.c).
 *
 * What connects the process to the outside, a pipe to another process or
 * a terminal, is recorded but cannot be reopened: at 0, 1 and 2 the
 * restart command's own stay, and at any descriptor the restart caller
 * may hand over a file of its own (ckpt_restart_args::inherit, as CRIU's
 * --inherit-fd); restart refuses the others, naming them.  Every other
 * kind of descriptor above 2 (a socket, an eventfd, a memfd, a block
 * device, a FIFO with data in it, ...) is refused at checkpoint, naming
 * it, rather than restored wrong.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/pipe_fs_i.h>
#include <linux/sort.h>

#include "ckpt.h"

struct ckpt_fd {
	unsigned int fd;
	bool cloexec;
	bool inner_pipe;	/* an end of a pipe whose both ends are here */
	struct file *file;
	u32 id;		/* which open file, in order of first appearance */
};

/* The character devices restart reopens by path. */
static const char * const ckpt_devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	"/dev/tty",
};

/*
 * Can restart take it from its caller (ckpt_restart_args::inherit) if
 * not reopen it?  A pipe or a character device (a terminal, say): what
 * leads outside.  A socket has state of its own, not saved yet: it is
 * refused, but at 0, 1 and 2.
 */
static bool ckpt_inheritable(umode_t mode)
{
	return S_ISFIFO(mode) || S_ISCHR(mode);
}

/* Can restart reopen this file by its path? */
static bool ckpt_reopenable(umode_t mode, const char *name)
{
	return S_ISREG(mode) || S_ISDIR(mode) ||
	       (S_ISFIFO(mode) && name[0] == '/') ||
	       (S_ISCHR(mode) &&
		ckpt_name_in(name, ckpt_devices, ARRAY_SIZE(ckpt_devices)));
}

/*
 * A FIFO reopens by its path, but what its pipe holds is not the
 * process's to save when another process may hold the FIFO too, and
 * goes with the pipe when none does: refuse a FIFO with data in it, or
 * with a capacity other than the default (F_SETPIPE_SZ), which would
 * not come back.
 */
static int ckpt_check_fifo(struct ckpt_ctx *ctx, const struct ckpt_fd *f,
			   const char *name)
{
	struct pipe_inode_info *pipe = file_inode(f->file)->i_pipe;
	unsigned int bytes = 0, slots;

	if (!pipe)
		return 0;
	if (mutex_lock_killable(&pipe->mutex))
		return -EINTR;
	if (!pipe_empty(pipe->head, pipe->tail))
		bytes = 1;
	slots = pipe->max_usage;
	mutex_unlock(&pipe->mutex);
	if (bytes) {
		ckpt_err(ctx, "fd %u: the FIFO %s holds data, which checkpoint cannot save (it belongs to the FIFO, not the process)",
			 f->fd, name);
		return -EBUSY;
	}
	if (slots != PIPE_DEF_BUFFERS) {
		ckpt_err(ctx, "fd %u: the FIFO %s has a capacity of %u pages, not the default %u, which restart cannot set",
			 f->fd, name, slots, PIPE_DEF_BUFFERS);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The descriptors of a task, each with a reference to its file. */
struct ckpt_fd_table {
	struct files_struct *files;
	struct ckpt_fd *fds;	/* NULL: only count them */
	unsigned int nr;
	unsigned int max;
};

/* Sort by file, then by position: runs of one file, first use first. */
static int ckpt_cmp_fd(const void *a, const void *b)
{
	const struct ckpt_fd *const *x = a, *const *y = b;

	if ((*x)->file != (*y)->file)
		return (*x)->file < (*y)->file ? -1 : 1;
	return (*x)->fd < (*y)->fd ? -1 : (*x)->fd > (*y)->fd;
}

/*
 * Number the open files in order of their first descriptor: sorted by
 * file, each run of descriptors sharing one has its lowest first, and
 * every descriptor takes the number of its run's first.
 */
static int ckpt_number_files(struct ckpt_fd_table *t)
{
	struct ckpt_fd **by_file;
	unsigned int i, next = 0;
	u32 *first;

	by_file = kvmalloc_array(t->nr, sizeof(*by_file), GFP_KERNEL);
	first = kvmalloc_array(t->nr, sizeof(*first), GFP_KERNEL);
	if (!by_file || !first) {
		kvfree(by_file);
		kvfree(first);
		return -ENOMEM;
	}
	for (i = 0; i < t->nr; i++)
		by_file[i] = &t->fds[i];
	sort(by_file, t->nr, sizeof(*by_file), ckpt_cmp_fd, NULL);
	for (i = 0; i < t->nr; i++) {
		u32 me = by_file[i] - t->fds;

		if (i && by_file[i - 1]->file == by_file[i]->file)
			first[me] = first[by_file[i - 1] - t->fds];
		else
			first[me] = me;
	}
	/* Descriptors are in ascending order: first ones come first. */
	for (i = 0; i < t->nr; i++)
		t->fds[i].id = first[i] == i ? next++ : t->fds[first[i]].id;
	kvfree(first);
	kvfree(by_file);
	return 0;
}

static int ckpt_cmp_pipe(const void *a, const void *b)
{
	const struct ckpt_fd *const *x = a, *const *y = b;
	const void *p = ckpt_anon_pipe((*x)->file), *q = ckpt_anon_pipe((*y)->file);

	if (p != q)
		return p < q ? -1 : 1;
	return (*x)->file < (*y)->file ? -1 : (*x)->file > (*y)->file;
}

/*
 * Is the pipe of descriptors @run[0..@n) all the process's own?  Every
 * open end of it is one of the files those descriptors refer to, and no
 * other process holds those files.  @run is sorted by file.
 */
static bool ckpt_pipe_is_private(struct ckpt_fd **run, unsigned int n,
				 fmode_t *ends)
{
	struct pipe_inode_info *pipe = ckpt_anon_pipe(run[0]->file);
	unsigned int i, readers = 0, writers = 0, refs = 0;

	*ends = 0;
	for (i = 0; i < n; i++) {
		struct file *f = run[i]->file;

		*ends |= f->f_mode;
		refs++;
		if (i + 1 < n && run[i + 1]->file == f)
			continue;
		/* The last descriptor of this file: count it once. */
		readers += !!(f->f_mode & FMODE_READ);
		writers += !!(f->f_mode & FMODE_WRITE);
		/* The table's reference and ckpt_collect_fd()'s, per descriptor. */
		if (file_count(f) > 2 * refs)
			return false;
		refs = 0;
	}
	return READ_ONCE(pipe->readers) == readers &&
	       READ_ONCE(pipe->writers) == writers &&
	       !pipe_has_watch_queue(pipe);
}

/*
 * Mark the ends of pipes that are all the process's own: those are
 * saved.  A pipe with an end elsewhere leads outside: its descriptors
 * are recorded, for restart to take from its caller.
 */
static int ckpt_find_inner_pipes(struct ckpt_fd_table *t)
{
	struct ckpt_fd **pipes;
	unsigned int i, j, n = 0;

	pipes = kvmalloc_array(t->nr, sizeof(*pipes), GFP_KERNEL);
	if (!pipes)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++)
		if (ckpt_anon_pipe(t->fds[i].file))
			pipes[n++] = &t->fds[i];
	sort(pipes, n, sizeof(*pipes), ckpt_cmp_pipe, NULL);

	for (i = 0; i < n; i = j) {
		fmode_t ends;

		for (j = i; j < n && ckpt_anon_pipe(pipes[j]->file) ==
				     ckpt_anon_pipe(pipes[i]->file); j++)
			;
		if (ckpt_pipe_is_private(pipes + i, j - i, &ends) &&
		    (ends & (FMODE_READ | FMODE_WRITE)) ==
		    (FMODE_READ | FMODE_WRITE)) {
			unsigned int k;

			for (k = i; k < j; k++)
				pipes[k]->inner_pipe = true;
		}
		cond_resched();
	}
	kvfree(pipes);
	return 0;
}

static int ckpt_cmp_ino(const void *a, const void *b)
{
	const struct file *const *x = a, *const *y = b;
	unsigned long i = file_inode(*x)->i_ino, j = file_inode(*y)->i_ino;

	return i < j ? -1 : i > j;
}

/* A CKPT_HDR_PIPE record per inner pipe, by ascending inode number. */
static int checkpoint_inner_pipes(struct ckpt_ctx *ctx, struct ckpt_fd_table *t)
{
	struct file **pipes;
	unsigned int i, j, n = 0;
	int ret = 0;

	pipes = kvmalloc_array(t->nr, sizeof(*pipes), GFP_KERNEL);
	if (!pipes)
		return -ENOMEM;
	for (i = 0; i < t->nr; i++)
		if (t->fds[i].inner_pipe)
			pipes[n++] = t->fds[i].file;
	sort(pipes, n, sizeof(*pipes), ckpt_cmp_ino, NULL);
	/* One per pipe: its ends sort together. */
	for (i = j = 0; i < n; i++)
		if (!j || file_inode(pipes[i]) != file_inode(pipes[j - 1]))
			pipes[j++] = pipes[i];
	n = j;
	for (i = 0; i < n && !ret; i++)
		ret = checkpoint_pipe(ctx, pipes[i]);
	kvfree(pipes);
	return ret;
}

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

/* @first: the first descriptor of its open file, which describes it. */
static int checkpoint_file(struct ckpt_ctx *ctx, const struct ckpt_fd *f,
			   bool first, char *pathbuf)
{
	struct file *file = f->file;
	struct ckpt_hdr_file *h;
	struct kstat st;
	size_t name_len;
	bool deleted;
	char *name;
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

	/* What restart cannot give back is refused now, and named. */
	deleted = ckpt_file_deleted(file, &st);
	if (deleted && file->f_flags & O_PATH) {
		ckpt_err(ctx, "fd %u: %s is an O_PATH descriptor of a deleted file, which restart cannot make",
			 f->fd, name);
		return -EOPNOTSUPP;
	}
	if (!deleted && !st.nlink && !S_ISCHR(st.mode) &&
	    ckpt_reopenable(st.mode, name)) {
		ckpt_err(ctx, "fd %u: %s %s, which is not supported yet", f->fd,
			 name, S_ISREG(st.mode) ?
			 "is a memory file (memfd_create) or a file of no mount" :
			 "was deleted while open");
		return -EOPNOTSUPP;
	}
	if (deleted)
		ckpt_strip_deleted(name);
	if (S_ISFIFO(st.mode) && ckpt_reopenable(st.mode, name)) {
		ret = ckpt_check_fifo(ctx, f, name);
		if (ret)
			return ret;
	}
	if (f->fd > 2 && !f->inner_pipe && !ckpt_reopenable(st.mode, name) &&
	    !ckpt_inheritable(st.mode)) {
		ckpt_err(ctx, "fd %u: %s (%s) is not supported yet", f->fd, name,
			 S_ISSOCK(st.mode) ? "a socket" :
			 S_ISBLK(st.mode) ? "a block device" :
			 "a kernel object without a path");
		return -EOPNOTSUPP;
	}

	name_len = strlen(name) + 1;
	h = ckpt_hdr_alloc(ALIGN(sizeof(*h) + name_len, 8), CKPT_HDR_FILE);
	if (!h)
		return -ENOMEM;
	h->fd = f->fd;
	h->fd_flags = f->cloexec ? CKPT_FD_CLOEXEC : 0;
	h->file_id = f->id;
	h->f_flags = file->f_flags;
	h->mode = st.mode;
	h->file_flags = deleted ? CKPT_FILE_DELETED : 0;
	h->pos = file->f_pos;
	h->dev = new_encode_dev(st.dev);
	h->ino = st.ino;
	h->rdev = new_encode_dev(st.rdev);
	h->size = st.size;
	h->mtime_sec = st.mtime.tv_sec;
	h->mtime_nsec = st.mtime.tv_nsec;
	h->name_len = name_len;
	memcpy(h->name, name, name_len);
	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	if (!ret && deleted && first)
		ret = checkpoint_file_data(ctx, f->fd, f->id, file, st.size);
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
	unsigned int i, nr_ids = 0;
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

	ret = ckpt_number_files(&t);
	if (ret)
		goto out;
	pathbuf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!pathbuf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ckpt_find_inner_pipes(&t);
	for (i = 0; i < t.nr && !ret; i++) {
		bool first = t.fds[i].id == nr_ids;

		nr_ids += first;
		ret = checkpoint_file(ctx, &t.fds[i], first, pathbuf);
	}
	if (!ret)
		ret = checkpoint_inner_pipes(ctx, &t);
out:
	for (i = 0; i < t.nr; i++)
		fput(t.fds[i].file);
	kfree(pathbuf);
	kvfree(t.fds);
	return ret;
}

/*
 * Restart half.  restore_files() reads the records and opens every file
 * before the point of no return; restore_files_commit() installs them.
 */

/* Open flags a file is reopened with; creation and truncation never. */
#define CKPT_REOPEN_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_NDELAY | \
				 O_DSYNC | O_SYNC | O_DIRECT | O_LARGEFILE | \
				 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_PATH)

/**
 * struct ckpt_rfile - one descriptor of the image being restored
 * @fd:		its number
 * @cloexec:	FD_CLOEXEC
 * @file:	the file to install there, referenced; NULL to keep the
 *		restart command's own (0, 1 and 2 only)
 */
struct ckpt_rfile {
	int fd;
	bool cloexec;
	struct file *file;
};

/* @p, of @old elements of @size bytes, grown to @new elements. */
static void *ckpt_grow(void *p, size_t old, size_t new, size_t size)
{
	void *q = kvmalloc_array(new, size, GFP_KERNEL_ACCOUNT);

	if (q && p)
		memcpy(q, p, old * size);
	if (q)
		kvfree(p);
	return q;
}

/* Room for one more descriptor, and for one more open file if @new_id. */
static int restore_files_grow(struct ckpt_ctx *ctx, bool new_id)
{
	if (ctx->nr_rfiles == ctx->max_rfiles) {
		unsigned int max = max(16U, 2 * ctx->max_rfiles);
		struct ckpt_rfile *rf;
		u32 *first;

		rf = ckpt_grow(ctx->rfiles, ctx->max_rfiles, max, sizeof(*rf));
		if (!rf)
			return -ENOMEM;
		ctx->rfiles = rf;
		first = ckpt_grow(ctx->rfile_first, ctx->max_rfiles, max,
				  sizeof(*first));
		if (!first)
			return -ENOMEM;
		ctx->rfile_first = first;
		ctx->max_rfiles = max;
	}
	if (new_id)
		ctx->rfile_first[ctx->nr_rfile_ids++] = ctx->nr_rfiles;
	return 0;
}

/* Reopen the file of @h by its path, and check it is the same file. */
static struct file *restore_file_open(struct ckpt_ctx *ctx,
				      const struct ckpt_hdr_file *h)
{
	struct file *file, *reader = NULL;
	struct kstat st;
	bool same;
	int ret;

	/*
	 * A FIFO's write end opens without blocking only if it has a
	 * reader: hold one for the open, as the process's own may come
	 * later or be gone.  Opening for reading never blocks with
	 * O_NONBLOCK, and what is at the path is checked below.
	 */
	if (S_ISFIFO(h->mode) && (h->f_flags & O_ACCMODE) == O_WRONLY) {
		reader = filp_open(h->name, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
		if (IS_ERR(reader))
			reader = NULL;
	}
	/*
	 * O_NONBLOCK: a FIFO must not block the open; O_NOCTTY: a terminal
	 * must not become the caller's.
	 */
	file = filp_open(h->name, (h->f_flags & CKPT_REOPEN_FLAGS) | O_NONBLOCK |
			 O_NOCTTY, 0);
	if (reader)
		fput(reader);
	if (IS_ERR(file)) {
		ckpt_err(ctx, "fd %d: cannot open %s (%ld)", h->fd, h->name,
			 PTR_ERR(file));
		return file;
	}
	ret = vfs_getattr(&file->f_path, &st, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (ret) {
		ckpt_err(ctx, "fd %d: cannot stat %s (%d)", h->fd, h->name, ret);
		fput(file);
		return ERR_PTR(ret);
	}
	if ((st.mode & S_IFMT) != (h->mode & S_IFMT))
		same = false;
	else if (S_ISCHR(st.mode))
		same = new_encode_dev(st.rdev) == h->rdev;
	else
		/*
		 * Writing to a FIFO moves its mtime: its identity is its inode.
		 * So is a regular file's if the caller says its contents may
		 * have changed.
		 */
		same = new_encode_dev(st.dev) == h->dev && st.ino == h->ino &&
		       (S_ISDIR(st.mode) || S_ISFIFO(st.mode) ||
			ctx->flags & CKPT_RESTART_CHANGED_FILES ||
			(st.size == h->size && st.mtime.tv_sec == h->mtime_sec &&
			 st.mtime.tv_nsec == h->mtime_nsec));
	if (!same) {
		ckpt_err(ctx, "fd %d: %s changed since the checkpoint (%s)", h->fd,
			 h->name, ctx->flags & CKPT_RESTART_CHANGED_FILES ?
			 "type, device or inode differ: it is another file" :
			 "type, device, inode, size or modification time differ");
		fput(file);
		return ERR_PTR(-ESTALE);
	}

	if (!(h->f_flags & O_NONBLOCK)) {
		spin_lock(&file->f_lock);
		file->f_flags &= ~O_NONBLOCK;
		spin_unlock(&file->f_lock);
	}
	if (!S_ISCHR(st.mode) && !S_ISFIFO(st.mode) && !(h->f_flags & O_PATH)) {
		loff_t pos = vfs_llseek(file, h->pos, SEEK_SET);

		if (pos != h->pos) {
			ckpt_err(ctx, "fd %d: cannot seek %s to %llu (%lld)", h->fd,
				 h->name, h->pos, pos);
			fput(file);
			return ERR_PTR(pos < 0 ? pos : -EINVAL);
		}
	}
	return file;
}

/* The end of a pipe the caller made that stands for this descriptor's. */
static struct file *restore_pipe_end(struct ckpt_ctx *ctx,
				     const struct ckpt_hdr_file *h)
{
	struct ckpt_upipe *u = ckpt_find_pipe(ctx, h->ino);
	struct file *file = (h->f_flags & O_ACCMODE) == O_RDONLY ? u->rfile :
								   u->wfile;

	/* O_DIRECT makes a packet-mode pipe (pipe2(2)). */
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~(O_NONBLOCK | O_DIRECT)) |
			(h->f_flags & (O_NONBLOCK | O_DIRECT));
	spin_unlock(&file->f_lock);
	return get_file(file);
}

static int restore_file_check(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_file *h, int prev_fd,
			      u32 nr_ids)
{
	int ret;

	ret = ckpt_check_name(ctx, &h->h, sizeof(*h), h->name, h->name_len);
	if (ret)
		return ret;
	if (h->fd <= prev_fd || h->fd_flags & ~CKPT_FD_CLOEXEC ||
	    h->file_id > nr_ids || h->file_flags & ~CKPT_FILE_DELETED) {
		ckpt_err(ctx, "fields fd/fd_flags/file_id/file_flags: %d/%#x/%u/%#x are not an ascending descriptor, its flags, a known or next file and its flags",
			 h->fd, h->fd_flags, h->file_id, h->file_flags);
		return -EINVAL;
	}
	if (ckpt_reopenable(h->mode, h->name) && h->name[0] != '/') {
		ckpt_err(ctx, "fd %d: %s is not an absolute path", h->fd, h->name);
		return -EINVAL;
	}
	if (h->fd >= rlimit(RLIMIT_NOFILE)) {
		ckpt_err(ctx, "fd %d: above the caller's RLIMIT_NOFILE (%lu)",
			 h->fd, rlimit(RLIMIT_NOFILE));
		return -EMFILE;
	}
	return 0;
}

/**
 * restore_inherit_get() - take the list of descriptors handed over
 * @ctx:	the restart
 * @args:	its arguments, the passed pipes already taken
 *
 * The files are taken later, as their records come.
 *
 * Return: 0 or a negative errno.
 */
int restore_inherit_get(struct ckpt_ctx *ctx,
			const struct ckpt_restart_args *args)
{
	unsigned int i, j;
	int *fds;

	if (!args->nr_inherit)
		return 0;
	if (args->nr_inherit > CKPT_INHERIT_MAX) {
		ckpt_err(ctx, "%u descriptors to inherit, more than %d",
			 args->nr_inherit, CKPT_INHERIT_MAX);
		return -EINVAL;
	}
	fds = memdup_array_user(u64_to_user_ptr(args->inherit),
				args->nr_inherit, sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);
	ctx->inherit = fds;
	ctx->nr_inherit = args->nr_inherit;
	for (i = 0; i < ctx->nr_inherit; i++) {
		int fd = fds[i];
		bool busy = fd == args->fd || fd == args->status_fd;

		for (j = 0; j < ctx->nr_upipes; j++) {
			struct ckpt_upipe *u = &ctx->upipes[j];

			busy |= fd == u->read_fd || fd == u->write_fd;
		}
		if (fd < 0 || (i && fd <= fds[i - 1]) || busy) {
			ckpt_err(ctx, "inherited fd %d: %s", fd, busy ?
				 "it is the image, the status file or a passed pipe's end" :
				 "not an ascending list of descriptors");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Is the image's descriptor @fd one the caller hands over?  The list
 * and the records are both in ascending order: a descriptor the list
 * passed by is one the image does not have.
 */
static int restore_inherited(struct ckpt_ctx *ctx, int fd)
{
	int want;

	if (ctx->inherit_seen == ctx->nr_inherit)
		return 0;
	want = ctx->inherit[ctx->inherit_seen];
	if (want < fd) {
		ckpt_err(ctx, "inherited fd %d: the image has no descriptor %d",
			 want, want);
		return -EINVAL;
	}
	if (want > fd)
		return 0;
	ctx->inherit_seen++;
	return 1;
}

/* The caller's own file at @h->fd, for the restored program's. */
static struct file *restore_file_inherit(struct ckpt_ctx *ctx,
					 const struct ckpt_hdr_file *h)
{
	struct file *file;

	if (h->file_flags & CKPT_FILE_DELETED) {
		ckpt_err(ctx, "fd %d: the deleted file %s is restored with its contents: it cannot be inherited",
			 h->fd, h->name);
		return ERR_PTR(-EINVAL);
	}
	file = fget_raw(h->fd);
	if (!file) {
		ckpt_err(ctx, "fd %d: to be inherited, but the caller has no descriptor %d",
			 h->fd, h->fd);
		return ERR_PTR(-EBADF);
	}
	return file;
}

/**
 * restore_files() - read the CKPT_HDR_FILE records, open their files
 * @ctx:	the restart, before the point of no return
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the descriptor.
 */
int restore_files(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_file *h;
	struct ckpt_hdr next;
	int prev_fd = -1, ret;

	for (;;) {
		struct ckpt_rfile *rf;

		ret = ckpt_read_hdr_any(ctx, &next);
		if (ret)
			return ret;
		ckpt_unread_hdr(ctx, &next);
		if (next.type != CKPT_HDR_FILE)
			break;

		h = ckpt_read_hdr(ctx, CKPT_HDR_FILE, sizeof(*h) + 8,
				  ALIGN(sizeof(*h) + PATH_MAX, 8));
		if (IS_ERR(h))
			return PTR_ERR(h);
		ret = restore_file_check(ctx, h, prev_fd, ctx->nr_rfile_ids);
		if (ret)
			goto out_free;
		/* Descriptors are ascending and below RLIMIT_NOFILE: bounded. */
		ret = restore_files_grow(ctx, h->file_id == ctx->nr_rfile_ids);
		if (ret)
			goto out_free;
		rf = &ctx->rfiles[ctx->nr_rfiles];
		rf->fd = h->fd;
		rf->cloexec = h->fd_flags & CKPT_FD_CLOEXEC;
		rf->file = NULL;

		ret = restore_inherited(ctx, h->fd);
		if (ret < 0)
			goto out_free;
		if (ret) {
			ret = 0;
			rf->file = restore_file_inherit(ctx, h);
			if (IS_ERR(rf->file)) {
				ret = PTR_ERR(rf->file);
				rf->file = NULL;
				goto out_free;
			}
		} else if (ctx->rfile_first[h->file_id] != ctx->nr_rfiles) {
			/* A dup: the same open file as an earlier descriptor. */
			struct file *first =
				ctx->rfiles[ctx->rfile_first[h->file_id]].file;

			if (first)
				rf->file = get_file(first);
		} else if (S_ISFIFO(h->mode) && ckpt_find_pipe(ctx, h->ino)) {
			rf->file = restore_pipe_end(ctx, h);
		} else if (h->file_flags & CKPT_FILE_DELETED) {
			rf->file = restore_file_deleted(ctx, h,
							h->f_flags & CKPT_REOPEN_FLAGS);
			if (IS_ERR(rf->file)) {
				ret = PTR_ERR(rf->file);
				rf->file = NULL;
				goto out_free;
			}
		} else if (ckpt_reopenable(h->mode, h->name)) {
			rf->file = restore_file_open(ctx, h);
			if (IS_ERR(rf->file)) {
				ret = PTR_ERR(rf->file);
				rf->file = NULL;
				goto out_free;
			}
		}
		/* Only 0, 1 and 2 may be left to the restart command. */
		if (!rf->file && h->fd > 2) {
			ckpt_err(ctx, "fd %d: %s cannot be reopened: the restart caller may hand over a descriptor for it (ckpt restart --inherit-fd %d)",
				 h->fd, h->name, h->fd);
			ret = -EOPNOTSUPP;
			goto out_free;
		}
		ctx->nr_rfiles++;
		prev_fd = h->fd;
out_free:
		kfree(h);
		if (ret)
			return ret;
	}
	if (ctx->inherit_seen < ctx->nr_inherit) {
		ckpt_err(ctx, "inherited fd %d: the image has no descriptor %d",
			 ctx->inherit[ctx->inherit_seen],
			 ctx->inherit[ctx->inherit_seen]);
		return -EINVAL;
	}
	return 0;
}

/**
 * restore_files_commit() - install the reopened files at their descriptors
 * @ctx:	the restart, past the point of no return, descriptors above 2
 *		closed
 *
 * get_unused_fd_flags() gives the lowest free descriptor: lower ones are
 * held reserved until the one wanted comes up, then released.
 *
 * Return: 0 or a negative errno.
 */
int restore_files_commit(struct ckpt_ctx *ctx)
{
	unsigned int i, nr_held = 0, fd;
	int *held = NULL, ret = 0;
	bool seen[3] = {};

	if (ctx->nr_rfiles) {
		held = kvmalloc_array(ctx->rfiles[ctx->nr_rfiles - 1].fd + 1,
				      sizeof(*held), GFP_KERNEL);
		if (!held)
			return -ENOMEM;
	}
	for (i = 0; i < ctx->nr_rfiles && !ret; i++) {
		struct ckpt_rfile *rf = &ctx->rfiles[i];

		if (rf->fd <= 2)
			seen[rf->fd] = true;
		if (!rf->file)
			continue;	/* the restart command's own 0, 1, 2 */
		if (rf->fd <= 2)
			close_fd(rf->fd);
		for (;;) {
			int n = get_unused_fd_flags(rf->cloexec ? O_CLOEXEC : 0);

			if (n < 0 || n > rf->fd) {
				if (n >= 0)
					put_unused_fd(n);
				ckpt_err(ctx, "fd %d: cannot be installed (%d)",
					 rf->fd, n < 0 ? n : -EBUSY);
				ret = n < 0 ? n : -EBUSY;
				break;
			}
			if (n == rf->fd) {
				fd_install(n, rf->file);
				rf->file = NULL;
				break;
			}
			held[nr_held++] = n;
		}
	}
	for (i = 0; i < nr_held; i++)
		put_unused_fd(held[i]);
	kvfree(held);
	/* What was closed at checkpoint is closed after restart too. */
	for (fd = 0; fd < 3 && !ret; fd++)
		if (!seen[fd])
			close_fd(fd);
	return ret;
}

void restore_files_release(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_rfiles; i++)
		if (ctx->rfiles[i].file)
			fput(ctx->rfiles[i].file);
	kvfree(ctx->rfiles);
	kvfree(ctx->rfile_first);
}

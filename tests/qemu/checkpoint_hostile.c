// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile images: a real image, edited one field at a time, must be
 * refused with a clear error and without harm.  Edits the module can see
 * before the point of no return fail the ioctl with the errno given here
 * and leave the caller running; edits in the page data, which come after
 * it, kill the restarting task and say why on the status pipe.  The guest
 * run fails on any oops, WARN or other kernel report, so every case also
 * checks that none happened.
 */
#define _GNU_SOURCE
#include <sys/time.h>

#include "ckpt_test.h"
#include "ckpt_harness.h"

/* Where to find a record of @type, the @nth of its kind, in @img. */
static void *rec(struct image *img, __u32 type, int nth)
{
	const struct ckpt_hdr *h;
	size_t off = 0;

	while ((h = image_next(img, &off)))
		if (h->type == type && nth-- == 0)
			return (void *)h;
	return NULL;
}

static struct ckpt_hdr_cpu *cpu(struct image *img)
{
	return rec(img, CKPT_HDR_CPU, 0);
}

static struct ckpt_hdr_xstate *xs(struct image *img)
{
	return rec(img, CKPT_HDR_XSTATE, 0);
}

static struct ckpt_hdr_task *task(struct image *img)
{
	return rec(img, CKPT_HDR_TASK, 0);
}

static struct ckpt_hdr_header *header(struct image *img)
{
	return rec(img, CKPT_HDR_HEADER, 0);
}

/* The @nth VMA of @kind (0 for any) */
static struct ckpt_hdr_vma *vma(struct image *img, __u32 kind, int nth)
{
	struct ckpt_hdr_vma *v;
	int i;

	for (i = 0; (v = rec(img, CKPT_HDR_VMA, i)); i++)
		if ((!kind || v->kind == kind) && nth-- == 0)
			return v;
	return NULL;
}

static struct ckpt_hdr_pages *pages(struct image *img)
{
	return rec(img, CKPT_HDR_PAGES, 0);
}

#define XSAVE_MXCSR	24
#define XSAVE_BV	512
#define XSAVE_XCOMP_BV	520

/* Each case edits the image in place, or returns false if it cannot. */
typedef bool (*edit_fn)(struct image *img);

#define EDIT(name, body)					\
	static bool edit_##name(struct image *img)		\
	{							\
		body;						\
		return true;					\
	}

/*
 * The first address above user space, as the checkpointing kernel had it:
 * 47 bits, or 56 with 5-level paging, where 1 << 47 is a user address.
 */
#define TOP(img)	(header(img)->constants.task_size)

EDIT(none, (void)img)
EDIT(cs_kernel, cpu(img)->cs = 0x10)
EDIT(ss_kernel, cpu(img)->ss = 0x18)
EDIT(ds_bad, cpu(img)->ds = 0x13)
EDIT(eflags_iopl, cpu(img)->flags |= 0x3000)
EDIT(eflags_vm, cpu(img)->flags |= 1 << 17)
EDIT(eflags_if_clear, cpu(img)->flags &= ~0x200ULL)
EDIT(ip_noncanonical, cpu(img)->ip = TOP(img) + 4096)
EDIT(ip_kernel, cpu(img)->ip = 0xffffffff81000000ULL)
EDIT(sp_kernel, cpu(img)->sp = 0xffff888000000000ULL)
EDIT(fs_base_kernel, cpu(img)->fs_base = 0xffffffffff600000ULL)
EDIT(gs_base_top, cpu(img)->gs_base = TOP(img))
EDIT(orig_ax_lies, cpu(img)->orig_ax = 1)
EDIT(mxcsr_reserved, *(__u32 *)(xs(img)->data + XSAVE_MXCSR) = 0xffffffff)
EDIT(xstate_bv_unknown,
     *(__u64 *)(xs(img)->data + XSAVE_BV) |= 1ULL << 62;
     xs(img)->xfeatures |= 1ULL << 62)
EDIT(xstate_bv_supervisor,
     *(__u64 *)(xs(img)->data + XSAVE_BV) |= 1ULL << 12;
     xs(img)->xfeatures |= 1ULL << 12)
EDIT(xstate_bv_disagrees, xs(img)->xfeatures ^= 1)
EDIT(xcomp_bv_set, *(__u64 *)(xs(img)->data + XSAVE_XCOMP_BV) = 1ULL << 63)
EDIT(xstate_size_lies, header(img)->constants.xstate_size += 64)
EDIT(magic, header(img)->magic[1] = 'X')
EDIT(version, header(img)->version = 99)
EDIT(arch, header(img)->arch = 2)
EDIT(page_size, header(img)->constants.page_size = 65536)
EDIT(header_flags, header(img)->flags = 1ULL << 40)
EDIT(restart_kind, task(img)->restart = 99)
EDIT(syscall_nr_without_syscall, task(img)->restart = CKPT_RESTART_NONE)
EDIT(restart_block_other,
     task(img)->restart = CKPT_RESTART_BLOCK;
     task(img)->syscall_nr = 0;
     cpu(img)->orig_ax = 0;
     cpu(img)->ax = -516;
     task(img)->restart_block_kind = CKPT_RESTART_BLOCK_OTHER)
EDIT(rseq_misaligned, task(img)->rseq |= 4)
EDIT(robust_list_len, task(img)->robust_list_len = 1)
EDIT(vma_overlaps, vma(img, 0, 1)->start = vma(img, 0, 0)->start)
EDIT(vma_above_task_size,
     vma(img, CKPT_VMA_SPECIAL, 0)->end = TOP(img) + 8192)
EDIT(vma_wraps, vma(img, 0, 0)->end = vma(img, 0, 0)->start - 4096)
EDIT(vma_unaligned, vma(img, 0, 0)->start += 8)
EDIT(vma_empty, vma(img, 0, 0)->end = vma(img, 0, 0)->start)
EDIT(vma_kind, vma(img, 0, 0)->kind = 7)
EDIT(vma_flags, vma(img, CKPT_VMA_ANON, 0)->flags |= 1U << 31)
EDIT(vma_thp_both, vma(img, CKPT_VMA_ANON, 0)->flags |=
     CKPT_VMA_HUGEPAGE | CKPT_VMA_NOHUGEPAGE)
EDIT(vma_seq_and_random, vma(img, CKPT_VMA_ANON, 0)->flags |=
     CKPT_VMA_SEQ_READ | CKPT_VMA_RAND_READ)
EDIT(vma_wipeonfork_file,
     vma(img, CKPT_VMA_FILE, 0)->flags |= CKPT_VMA_WIPEONFORK)
/* Mark MADV_WIPEONFORK the first anonymous VMA that has pages saved. */
static bool edit_pages_in_wipeonfork(struct image *img)
{
	struct ckpt_hdr_pages *p;
	struct ckpt_hdr_vma *v;
	int i, j;

	for (j = 0; (p = rec(img, CKPT_HDR_PAGES, j)); j++)
		for (i = 0; (v = vma(img, CKPT_VMA_ANON, i)); i++)
			if (v->start <= p->addr && p->addr < v->end) {
				v->flags |= CKPT_VMA_WIPEONFORK;
				return true;
			}
	return false;
}

EDIT(vma_name_unterminated,
     struct ckpt_hdr_vma *v = vma(img, CKPT_VMA_FILE, 0);
     memset(v->name, 'a', v->h.len - sizeof(*v)))
EDIT(vma_name_len, vma(img, CKPT_VMA_FILE, 0)->name_len = 4000)
EDIT(vma_relative_path, vma(img, CKPT_VMA_FILE, 0)->name[0] = 'x')
EDIT(vma_file_changed, vma(img, CKPT_VMA_FILE, 0)->size += 1)
EDIT(vma_missing_file, vma(img, CKPT_VMA_FILE, 0)->name[1] = 'X')
EDIT(vma_anon_with_inode, vma(img, CKPT_VMA_ANON, 0)->ino = 42)
EDIT(vma_special_unknown,
     memcpy(vma(img, CKPT_VMA_SPECIAL, 0)->name, "[vdsx]", 6))
EDIT(vma_special_moved, vma(img, CKPT_VMA_SPECIAL, 0)->start += 4096)
EDIT(mm_more_vmas, ((struct ckpt_hdr_mm *)rec(img, CKPT_HDR_MM, 0))->nr_vmas++)
EDIT(mm_no_vmas, ((struct ckpt_hdr_mm *)rec(img, CKPT_HDR_MM, 0))->nr_vmas = 0)
EDIT(mm_brk_below_start,
     struct ckpt_hdr_mm *m = rec(img, CKPT_HDR_MM, 0);
     m->brk = m->start_brk - 4096)
EDIT(file_fd_descending,
     ((struct ckpt_hdr_file *)rec(img, CKPT_HDR_FILE, 1))->fd = 0)
EDIT(file_fd_flags, ((struct ckpt_hdr_file *)rec(img, CKPT_HDR_FILE, 0))->fd_flags = 2)
EDIT(file_fd_high, ((struct ckpt_hdr_file *)rec(img, CKPT_HDR_FILE, 2))->fd = 7)
EDIT(file_name_len, ((struct ckpt_hdr_file *)rec(img, CKPT_HDR_FILE, 0))->name_len = 0)
#define FILEREC(n)	((struct ckpt_hdr_file *)rec(img, CKPT_HDR_FILE, n))
#define SIGREC		((struct ckpt_hdr_signals *)rec(img, CKPT_HDR_SIGNALS, 0))
#define FSREC		((struct ckpt_hdr_fs *)rec(img, CKPT_HDR_FS, 0))
#define AUXREC		((struct ckpt_hdr_auxv *)rec(img, CKPT_HDR_AUXV, 0))

EDIT(file_fd_out_of_range, FILEREC(2)->fd = 1 << 24)
EDIT(file_fd_repeated, FILEREC(1)->fd = FILEREC(0)->fd)
EDIT(file_name_embedded_nul, FILEREC(0)->name[1] = 0)
EDIT(file_id_jump, FILEREC(0)->file_id = 5)
EDIT(sig_kill_handler, SIGREC->action[SIGKILL - 1].handler = 0x1000)
EDIT(sig_handler_kernel, SIGREC->action[SIGTERM - 1].handler = 0xffffffff81000000ULL)
EDIT(sig_flags_unknown, SIGREC->action[SIGUSR1 - 1].flags |= 1 << 20)
EDIT(sig_pending_count, SIGREC->nr_pending = 70000)
EDIT(sig_pending_missing, SIGREC->nr_pending = 1)
EDIT(sig_altstack_flags, SIGREC->ss_flags = 7)
EDIT(fs_relative_cwd, FSREC->cwd[0] = 'x')
EDIT(fs_umask, FSREC->umask = 01000)
EDIT(auxv_no_null, AUXREC->words[AUXREC->nr_words - 2] = 5)
EDIT(auxv_odd, AUXREC->nr_words--)
EDIT(record_out_of_order, task(img)->h.type = CKPT_HDR_CPU)
EDIT(record_len_lies, task(img)->h.len += 8)
EDIT(record_len_tiny, task(img)->h.len = 4)
EDIT(pages_outside_vma, pages(img)->addr = 0x1000)
EDIT(pages_zero, pages(img)->nr_pages = 0)
EDIT(pages_too_many, pages(img)->nr_pages = 100000)
EDIT(pages_unaligned, pages(img)->addr += 1)
EDIT(pages_in_special,
     pages(img)->addr = vma(img, CKPT_VMA_SPECIAL, 0)->start)
EDIT(tail_counts, ((struct ckpt_hdr_tail *)rec(img, CKPT_HDR_TAIL, 0))->nr_pages++)
EDIT(tail_magic, ((struct ckpt_hdr_tail *)rec(img, CKPT_HDR_TAIL, 0))->magic[0] = 0)

/* Repeat the header record: the second one stands where the task goes. */
static bool edit_header_repeated(struct image *img)
{
	size_t hl = header(img)->h.len;
	unsigned char *bigger = realloc(img->buf, img->len + hl);

	if (!bigger)
		return false;
	memmove(bigger + hl, bigger, img->len);
	img->buf = bigger;
	img->len += hl;
	return true;
}

FIXTURE(hostile) {
	pid_t target;
	struct image image;
};

FIXTURE_VARIANT(hostile) {
	edit_fn edit;
	int err;		/* errno before the point of no return, or 0 */
	bool committed;		/* refused after it: the task is killed */
	const char *msg;	/* what the status message must say */
};

#define REFUSE(name, errno_, text)					\
	FIXTURE_VARIANT_ADD(hostile, name) {				\
		.edit = edit_##name, .err = errno_, .msg = text,	\
	}
#define KILL(name, text)						\
	FIXTURE_VARIANT_ADD(hostile, name) {				\
		.edit = edit_##name, .committed = true, .msg = text,	\
	}

FIXTURE_VARIANT_ADD(hostile, unchanged_image_restarts) { .edit = edit_none };
REFUSE(cs_kernel, EINVAL, "field cs");
REFUSE(ss_kernel, EINVAL, "field ss");
REFUSE(ds_bad, EINVAL, "ds/es/fs/gs");
REFUSE(eflags_iopl, EINVAL, "field flags");
REFUSE(eflags_vm, EINVAL, "field flags");
REFUSE(eflags_if_clear, EINVAL, "field flags");
REFUSE(ip_noncanonical, EINVAL, "field ip");
REFUSE(ip_kernel, EINVAL, "field ip");
REFUSE(sp_kernel, EINVAL, "field sp");
REFUSE(fs_base_kernel, EINVAL, "fs_base");
REFUSE(gs_base_top, EINVAL, "gs_base");
REFUSE(orig_ax_lies, EINVAL, "field orig_ax");
REFUSE(mxcsr_reserved, EINVAL, "MXCSR");
REFUSE(xstate_bv_unknown, EOPNOTSUPP, "xfeature 62");
REFUSE(xstate_bv_supervisor, EOPNOTSUPP, "xfeature 12");
REFUSE(xstate_bv_disagrees, EINVAL, "field xfeatures");
REFUSE(xcomp_bv_set, EINVAL, "XCOMP_BV");
REFUSE(xstate_size_lies, EINVAL, "field len");
REFUSE(magic, EINVAL, "field magic");
REFUSE(version, EINVAL, "field version");
REFUSE(arch, EINVAL, "field arch");
REFUSE(page_size, EINVAL, "constant page_size");
REFUSE(header_flags, EINVAL, "flags");
REFUSE(restart_kind, EINVAL, "restart/syscall_nr");
REFUSE(syscall_nr_without_syscall, EINVAL, "restart/syscall_nr");
REFUSE(restart_block_other, EOPNOTSUPP, "restart function");
REFUSE(rseq_misaligned, EINVAL, "rseq");
REFUSE(robust_list_len, EINVAL, "robust_list");
REFUSE(vma_overlaps, EINVAL, "overlaps");
REFUSE(vma_above_task_size, EINVAL, "page-aligned user range");
REFUSE(vma_wraps, EINVAL, "page-aligned user range");
REFUSE(vma_unaligned, EINVAL, "page-aligned user range");
REFUSE(vma_empty, EINVAL, "page-aligned user range");
REFUSE(vma_kind, EINVAL, "field kind");
REFUSE(vma_flags, EOPNOTSUPP, "field flags");
REFUSE(vma_thp_both, EINVAL, "madvise() hints");
REFUSE(vma_seq_and_random, EINVAL, "madvise() hints");
REFUSE(vma_wipeonfork_file, EINVAL, "MADV_WIPEONFORK outside");
KILL(pages_in_wipeonfork, "field addr");
REFUSE(vma_name_unterminated, EINVAL, "field name");
REFUSE(vma_name_len, EINVAL, "field name_len");
REFUSE(vma_relative_path, EINVAL, "absolute path");
REFUSE(vma_file_changed, ESTALE, "changed since the checkpoint");
REFUSE(vma_missing_file, ENOENT, "cannot open");
REFUSE(vma_anon_with_inode, EINVAL, "maps no file");
REFUSE(vma_special_unknown, EOPNOTSUPP, "special mapping");
REFUSE(vma_special_moved, EINVAL, "the caller moves its own");
REFUSE(mm_more_vmas, EINVAL, "a vma record was expected");
REFUSE(mm_no_vmas, EINVAL, "field nr_vmas");
REFUSE(mm_brk_below_start, EINVAL, "a range ends before it starts");
REFUSE(file_fd_descending, EINVAL, "ascending descriptor");
REFUSE(file_fd_flags, EINVAL, "ascending descriptor");
REFUSE(file_fd_high, EOPNOTSUPP, "fd 7");
REFUSE(file_name_len, EINVAL, "field name_len");
REFUSE(file_fd_out_of_range, EMFILE, "RLIMIT_NOFILE");
REFUSE(file_fd_repeated, EINVAL, "ascending descriptor");
REFUSE(file_name_embedded_nul, EINVAL, "field name");
REFUSE(file_id_jump, EINVAL, "known or next file");
REFUSE(sig_kill_handler, EINVAL, "signal 9");
REFUSE(sig_handler_kernel, EINVAL, "signal 15");
REFUSE(sig_flags_unknown, EINVAL, "signal 10");
REFUSE(sig_pending_count, EINVAL, "field nr_pending");
REFUSE(sig_pending_missing, EINVAL, "a sigpending record was expected");
/* What the caller sets itself, its own syscalls refuse first. */
REFUSE(sig_altstack_flags, EINVAL, "fields ss_*");
REFUSE(fs_relative_cwd, 0, "chdir");
REFUSE(fs_umask, EINVAL, "umask");
REFUSE(auxv_no_null, EINVAL, "AT_NULL");
REFUSE(auxv_odd, EINVAL, "nr_words");
REFUSE(record_out_of_order, EINVAL, "a task record was expected");
REFUSE(record_len_lies, EINVAL, "field len");
REFUSE(record_len_tiny, EINVAL, "field len");
REFUSE(header_repeated, EINVAL, "a task record was expected");
KILL(pages_outside_vma, "field addr");
KILL(pages_zero, "nr_pages");
KILL(pages_too_many, "nr_pages");
KILL(pages_unaligned, "field addr");
KILL(pages_in_special, "field addr");
KILL(tail_counts, "the tail counts");
KILL(tail_magic, "the tail counts");

FIXTURE_SETUP(hostile)
{
	int fd;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	self->target = start_paused(NULL);
	ASSERT_LT(0, self->target);
	fd = checkpoint_image(self->target, 0, &self->image);
	ASSERT_LE(0, fd);
	close(fd);
}

FIXTURE_TEARDOWN(hostile)
{
	kill_child(self->target);
	image_free(&self->image);
}

static int image_memfd(const struct image *img)
{
	int fd = memfd_create("ckpt-hostile", MFD_CLOEXEC);

	if (fd < 0 || write(fd, img->buf, img->len) != (ssize_t)img->len)
		return -1;
	return fd;
}

TEST_F(hostile, is_refused_cleanly)
{
	struct restart_result res;
	int fd;

	ASSERT_TRUE(variant->edit(&self->image));
	fd = image_memfd(&self->image);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, restart_image(&self->image, fd, -1, (uid_t)-1, &res));
	close(fd);

	if (!variant->msg) {
		ASSERT_TRUE(res.started) TH_LOG("restart failed: %s", res.msg);
		EXPECT_TRUE(wait_in_syscall(res.pid, SYS_pause, 20000));
		kill_child(res.pid);
		return;
	}
	if (res.started)
		kill_child(res.pid);
	ASSERT_FALSE(res.started);
	EXPECT_EQ(variant->committed, res.committed);
	EXPECT_EQ(variant->err, res.err) TH_LOG("%s", res.msg);
	EXPECT_NE(NULL, strstr(res.msg, variant->msg))
		TH_LOG("the message does not say \"%s\": %s", variant->msg,
		       res.msg);
}

static int set_core_limit(void)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };

	return setrlimit(RLIMIT_CORE, &rl);
}

/* The caller that did not set what the image says is refused too. */
static void lower_core_limit(void)
{
	struct rlimit rl;

	getrlimit(RLIMIT_CORE, &rl);
	rl.rlim_cur = rl.rlim_cur ? rl.rlim_cur - 1 : 0;
	rl.rlim_max = rl.rlim_cur;
	setrlimit(RLIMIT_CORE, &rl);
}

/*
 * Checkpoint a child that ran @target_prep, apply @edit to its image if
 * not NULL (false: the image is not what the case needs), and restart it
 * from a caller that ran @caller_prep first if not NULL: refused before
 * the point of no return with @err and a message that says @msg.
 */
static void refused(struct __test_metadata *_metadata,
		    int (*target_prep)(void), edit_fn edit,
		    void (*caller_prep)(void), int err, const char *msg)
{
	struct restart_result res;
	struct image image;
	pid_t target;
	int fd;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	target = start_paused(target_prep);
	ASSERT_LT(0, target);
	fd = checkpoint_image(target, 0, &image);
	ASSERT_LE(0, fd);
	kill_child(target);
	if (edit) {
		ASSERT_TRUE(edit(&image));
		ASSERT_EQ(0, ftruncate(fd, 0));
		ASSERT_EQ((ssize_t)image.len, pwrite(fd, image.buf, image.len, 0));
	}

	restart_child_prep = caller_prep;
	ASSERT_EQ(0, restart_image(&image, fd, -1, (uid_t)-1, &res));
	restart_child_prep = NULL;
	if (res.started)
		kill_child(res.pid);
	ASSERT_FALSE(res.started);
	EXPECT_FALSE(res.committed);
	EXPECT_EQ(err, res.err);
	EXPECT_NE(NULL, strstr(res.msg, msg)) TH_LOG("%s", res.msg);
	image_free(&image);
	close(fd);
}

TEST(caller_with_other_limits_is_refused)
{
	refused(_metadata, set_core_limit, NULL, lower_core_limit, EPERM,
		"RLIMIT_CORE");
}

/* A pipe to itself, 3 and 4, with "data" in it. */
static int pipe_with_data(void)
{
	int p[2];

	return pipe(p) || write(p[1], "data", 4) != 4 ? -1 : 0;
}

/* The pipe record of pipe_with_data(), if it is what it made. */
static struct ckpt_hdr_pipe *data_pipe(struct image *img)
{
	struct ckpt_hdr_pipe *p = rec(img, CKPT_HDR_PIPE, 0);

	return p && p->nr_bytes == 4 && !memcmp(p->data, "data", 4) ? p : NULL;
}

static bool edit_more_data_than_the_pipe(struct image *img)
{
	struct ckpt_hdr_pipe *p = data_pipe(img);

	if (p)
		p->nr_bytes = p->size + 8;
	return p;
}

static bool edit_pipe_padding(struct image *img)
{
	struct ckpt_hdr_pipe *p = data_pipe(img);

	if (p)
		p->data[5] = 1;
	return p;
}

TEST(pipe_data_larger_than_the_pipe_is_refused)
{
	refused(_metadata, pipe_with_data, edit_more_data_than_the_pipe, NULL,
		       EINVAL, "do not fit");
}

TEST(pipe_data_padding_is_checked)
{
	refused(_metadata, pipe_with_data, edit_pipe_padding, NULL, EINVAL,
		       "padding");
}

/* ---------------------------------------------------------- deleted files */

static char del_dir[64];

/* 3: a file of del_dir, "data" at 0 and at 8192, deleted. */
static int deleted_file(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/f", del_dir);
	return open(path, O_RDWR | O_CREAT | O_EXCL, 0600) != 3 ||
	       write(3, "data", 4) != 4 || pwrite(3, "data", 4, 8192) != 4 ||
	       unlink(path) ? -1 : 0;
}

static struct ckpt_hdr_file *deleted_rec(struct image *img)
{
	struct ckpt_hdr_file *f;
	int i;

	for (i = 0; (f = rec(img, CKPT_HDR_FILE, i)); i++)
		if (f->fd == 3 && f->file_flags == CKPT_FILE_DELETED)
			return f;
	return NULL;
}

/*
 * The @nth data record of deleted_file()'s file, if it is as made: the
 * first holds its first page (a page is what SEEK_DATA finds on tmpfs),
 * the second its last 4 bytes.
 */
static struct ckpt_hdr_file_data *file_data(struct image *img, int nth)
{
	struct ckpt_hdr_file_data *d = rec(img, CKPT_HDR_FILE_DATA, nth);

	return deleted_rec(img) && d && d->nr_bytes >= 4 &&
	       d->nr_bytes == (nth ? 4 : 4096) &&
	       !memcmp(d->data, "data", 4) ? d : NULL;
}

EDIT(file_data_beyond_size,
     if (!file_data(img, 1))
	return false;
     file_data(img, 1)->offset = deleted_rec(img)->size - 2)
EDIT(file_data_descending,
     if (!file_data(img, 1))
	return false;
     file_data(img, 1)->offset = 2)
EDIT(file_data_other_file,
     if (!file_data(img, 0))
	return false;
     file_data(img, 0)->file_id += 1)
EDIT(file_data_padding,
     if (!file_data(img, 1))
	return false;
     file_data(img, 1)->data[6] = 1)
EDIT(file_flags_unknown,
     if (!deleted_rec(img))
	return false;
     deleted_rec(img)->file_flags |= 0x80)
EDIT(deleted_directory,
     if (!deleted_rec(img))
	return false;
     deleted_rec(img)->mode = S_IFDIR | 0700)

static void del_dir_make(void)
{
	strcpy(del_dir, "/tmp/ckpt-del.XXXXXX");
	if (!mkdtemp(del_dir))
		del_dir[0] = '\0';
}

/* The directory the file was in is gone at restart. */
static void del_dir_remove(void)
{
	rmdir(del_dir);
}

static void deleted_refused(struct __test_metadata *_metadata, edit_fn edit,
			    void (*caller_prep)(void), int err, const char *msg)
{
	del_dir_make();
	ASSERT_NE('\0', del_dir[0]);
	refused(_metadata, deleted_file, edit, caller_prep, err, msg);
	rmdir(del_dir);
}

TEST(deleted_file_data_beyond_its_size_is_refused)
{
	deleted_refused(_metadata, edit_file_data_beyond_size, NULL, EINVAL,
			"within its size");
}

TEST(deleted_file_data_not_ascending_is_refused)
{
	deleted_refused(_metadata, edit_file_data_descending, NULL, EINVAL,
			"after offset 4096");
}

TEST(deleted_file_data_of_another_file_is_refused)
{
	deleted_refused(_metadata, edit_file_data_other_file, NULL, EINVAL,
			"are not data of file");
}

TEST(deleted_file_data_padding_is_checked)
{
	deleted_refused(_metadata, edit_file_data_padding, NULL, EINVAL,
			"padding");
}

TEST(unknown_file_flags_are_refused)
{
	deleted_refused(_metadata, edit_file_flags_unknown, NULL, EINVAL,
			"file_flags");
}

TEST(deleted_directory_is_refused)
{
	deleted_refused(_metadata, edit_deleted_directory, NULL, EINVAL,
			"are not those of a regular file");
}

TEST(deleted_file_whose_directory_is_gone_is_refused)
{
	deleted_refused(_metadata, NULL, del_dir_remove, ENOENT,
			"cannot make an unlinked file in /tmp/ckpt-del.");
}

/* ------------------------------------------------------------ handed over */

/* 3: the read end of a pipe whose write end a child of ours holds. */
static int pipe_from_outside(void)
{
	pid_t other;
	int p[2];

	if (pipe(p) || p[0] != 3)
		return -1;
	other = fork();
	if (other == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return other < 0 || close(p[1]) ? -1 : 0;
}

/* Hand over @n descriptors: to[i] from the restarting child's stdin. */
static void inherit_from_stdin(unsigned int n, const int *to)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		restart_inherit[i] = (struct restart_inherit){ .to = to[i], .from = 0 };
	restart_nr_inherit = n;
}

TEST(pipe_to_the_outside_is_refused_unless_handed_over)
{
	refused(_metadata, pipe_from_outside, NULL, NULL, EOPNOTSUPP,
		"fd 3: pipe:[");
	refused(_metadata, pipe_from_outside, NULL, NULL, EOPNOTSUPP,
		"(ckpt restart --inherit-fd 3)");
}

TEST(handing_over_a_descriptor_the_image_lacks_is_refused)
{
	inherit_from_stdin(2, (int[]){ 3, 50 });
	refused(_metadata, pipe_from_outside, NULL, NULL, EINVAL,
		"inherited fd 50: the image has no descriptor 50");
	restart_nr_inherit = 0;
}

TEST(handing_over_descriptors_out_of_order_is_refused)
{
	inherit_from_stdin(2, (int[]){ 3, 1 });
	refused(_metadata, pipe_from_outside, NULL, NULL, EINVAL,
		"not an ascending list");
	restart_nr_inherit = 0;
}

TEST(handing_over_a_closed_descriptor_is_refused)
{
	restart_inherit[0] = (struct restart_inherit){ .to = 3, .from = -1 };
	restart_nr_inherit = 1;
	refused(_metadata, pipe_from_outside, NULL, NULL, EBADF,
		"to be inherited, but the caller has no descriptor 3");
	restart_nr_inherit = 0;
}

TEST(handing_over_a_deleted_file_is_refused)
{
	inherit_from_stdin(1, (int[]){ 3 });
	deleted_refused(_metadata, NULL, NULL, EINVAL, "cannot be inherited");
	restart_nr_inherit = 0;
}

/* ITIMER_REAL armed, 1000 s left, every 2 s. */
static int arm_itimer_real(void)
{
	struct itimerval it = {
		.it_value = { .tv_sec = 1000 }, .it_interval = { .tv_sec = 2 },
	};

	return setitimer(ITIMER_REAL, &it, NULL);
}

static struct ckpt_hdr_itimers *itimers(struct image *img)
{
	return rec(img, CKPT_HDR_ITIMERS, 0);
}

static bool edit_itimer_value_too_large(struct image *img)
{
	struct ckpt_hdr_itimers *it = itimers(img);

	if (it)
		it->timer[CKPT_ITIMER_REAL].value_ns = CKPT_ITIMER_MAX_NS + 1;
	return it;
}

/* The record is there, the task record does not announce it. */
static bool edit_itimers_unannounced(struct image *img)
{
	if (!itimers(img))
		return false;
	task(img)->task_flags &= ~CKPT_TASK_ITIMERS;
	return true;
}

/* The task record announces a record that is not there. */
static bool edit_itimers_missing(struct image *img)
{
	if (itimers(img))
		return false;
	task(img)->task_flags |= CKPT_TASK_ITIMERS;
	return true;
}

TEST(itimer_beyond_ktime_max_is_refused)
{
	refused(_metadata, arm_itimer_real, edit_itimer_value_too_large, NULL,
		       EINVAL, "more than KTIME_MAX");
}

TEST(itimers_record_without_its_flag_is_refused)
{
	refused(_metadata, arm_itimer_real, edit_itimers_unannounced, NULL,
		       EINVAL, "record was expected");
}

TEST(itimers_flag_without_its_record_is_refused)
{
	refused(_metadata, NULL, edit_itimers_missing, NULL, EINVAL,
		       "itimers record was expected");
}

/* Cut the image at every record boundary: each is a truncated stream. */
TEST(truncated_at_every_record_is_refused)
{
	const struct ckpt_hdr *h;
	struct restart_result res;
	struct image image;
	size_t off = 0, cut;
	pid_t target;
	int n = 0, fd;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	target = start_paused(NULL);
	ASSERT_LT(0, target);
	fd = checkpoint_image(target, 0, &image);
	ASSERT_LE(0, fd);
	close(fd);
	kill_child(target);

	while ((h = image_next(&image, &off))) {
		struct image part = { .buf = image.buf };

		cut = off - h->len;
		/* At the record's start, and a few bytes into it. */
		for (part.len = cut; part.len <= cut + 16 && part.len < off;
		     part.len += 8) {
			fd = image_memfd(&part);
			ASSERT_LE(0, fd);
			ASSERT_EQ(0, restart_image(&part, fd, -1, (uid_t)-1, &res));
			close(fd);
			if (res.started)
				kill_child(res.pid);
			ASSERT_FALSE(res.started) TH_LOG("cut at %zu", part.len);
			EXPECT_NE(NULL, strstr(res.msg, "truncated"))
				TH_LOG("cut at %zu: %s", part.len, res.msg);
			n++;
		}
	}
	TH_LOG("%d truncations refused", n);
	image_free(&image);
}

TEST_HARNESS_MAIN

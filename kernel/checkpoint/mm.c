// SPDX-License-Identifier: GPL-2.0
/*
 * Memory: the mm's own fields, its memory map and the contents of the
 * pages that cannot be found anywhere else.
 *
 * The map is taken as a snapshot under mmap_read_lock, as a core dump
 * does, and the lock is dropped while records are written: the output
 * file may be on any filesystem, and the mmap lock of the target must not
 * nest around its locks.  The target is parked and single-threaded, so
 * its map does not change meanwhile.
 *
 * Which pages are saved:
 * - private anonymous memory: every page that exists.  FOLL_DUMP makes
 *   get_user_pages() fail on a hole and on the shared zero page rather
 *   than allocate, so never-touched memory costs nothing;
 * - private file mappings: only pages that were written, i.e. anonymous
 *   copies of the file's pages.  A mapping with no anon_vma has none;
 * - shared file mappings: none, their contents are the file's;
 * - [vdso], [vvar]: none, the kernel provides them.
 * Shared mappings of unlinked files (MAP_SHARED|MAP_ANONYMOUS, memfd) are
 * refused for now: their contents may be outside this process's page
 * tables, so they could not be saved faithfully.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hugetlb_inline.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include "ckpt.h"
#include "compat.h"

/* How the pages of a VMA are saved */
enum ckpt_save {
	CKPT_SAVE_NONE,		/* none: from the file or the kernel */
	CKPT_SAVE_ALL,		/* every page that exists */
	CKPT_SAVE_COW,		/* anonymous copies of file pages only */
};

/**
 * struct ckpt_vma - what the snapshot of one VMA keeps
 * @start:	vm_start
 * @end:	vm_end
 * @pgoff:	vm_pgoff
 * @file:	vm_file, referenced, or NULL
 * @name:	for CKPT_VMA_SPECIAL and [heap]/[stack], the name to show
 * @kind:	CKPT_VMA_*
 * @flags:	CKPT_VMA_* flags
 * @save:	enum ckpt_save
 */
struct ckpt_vma {
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	struct file *file;
	const char *name;
	u32 kind;
	u32 flags;
	enum ckpt_save save;
};

struct ckpt_mm_snapshot {
	struct ckpt_hdr_mm *hdr;
	struct ckpt_vma *vmas;
	unsigned int nr;
};

static u32 ckpt_vma_flags(vm_flags_t vm_flags)
{
	static const struct {
		vm_flags_t vm;
		u32 ckpt;
	} map[] = {
		{ VM_READ, CKPT_VMA_READ },
		{ VM_WRITE, CKPT_VMA_WRITE },
		{ VM_EXEC, CKPT_VMA_EXEC },
		{ VM_MAYSHARE, CKPT_VMA_SHARED },
		{ VM_MAYREAD, CKPT_VMA_MAYREAD },
		{ VM_MAYWRITE, CKPT_VMA_MAYWRITE },
		{ VM_MAYEXEC, CKPT_VMA_MAYEXEC },
		{ VM_GROWSDOWN, CKPT_VMA_GROWSDOWN },
		{ VM_LOCKED, CKPT_VMA_LOCKED },
		{ VM_DONTCOPY, CKPT_VMA_DONTFORK },
		{ VM_DONTDUMP, CKPT_VMA_DONTDUMP },
		{ VM_NORESERVE, CKPT_VMA_NORESERVE },
	};
	u32 flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (vm_flags & map[i].vm)
			flags |= map[i].ckpt;
	return flags;
}

/*
 * Classify one VMA the way /proc/PID/maps names it (show_map_vma()), and
 * refuse what cannot be saved.  Called under mmap_read_lock.
 */
static int ckpt_snap_vma(struct ckpt_ctx *ctx, struct vm_area_struct *vma,
			 struct ckpt_vma *v)
{
	struct mm_struct *mm = vma->vm_mm;

	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->pgoff = vma->vm_pgoff;
	v->flags = ckpt_vma_flags(vma->vm_flags);

	if (is_vm_hugetlb_page(vma)) {
		ckpt_err(ctx, "VMA %lx-%lx: hugetlb mappings are not supported",
			 v->start, v->end);
		return -EOPNOTSUPP;
	}

	if (vma->vm_file) {
		if (vma->vm_flags & (VM_IO | VM_PFNMAP)) {
			ckpt_err(ctx, "VMA %lx-%lx: device mappings cannot be saved",
				 v->start, v->end);
			return -EOPNOTSUPP;
		}
		v->kind = CKPT_VMA_FILE;
		v->file = get_file(vma->vm_file);
		if (d_unlinked(ckpt_file_path(v->file)->dentry))
			v->flags |= CKPT_VMA_DELETED;
		if (!(vma->vm_flags & VM_MAYSHARE))
			v->save = vma->anon_vma ? CKPT_SAVE_COW : CKPT_SAVE_NONE;
		else if (v->flags & CKPT_VMA_DELETED)
			goto shared_unlinked;
		else
			v->save = CKPT_SAVE_NONE;
		return 0;
	}

	if (vma->vm_ops && vma->vm_ops->name) {
		v->kind = CKPT_VMA_SPECIAL;
		v->name = vma->vm_ops->name(vma);
		v->save = CKPT_SAVE_NONE;
		if (v->name)
			return 0;
	}

	if (!vma_is_anonymous(vma)) {
		ckpt_err(ctx, "VMA %lx-%lx: kernel mappings of this kind cannot be saved",
			 v->start, v->end);
		return -EOPNOTSUPP;
	}
	if (vma->vm_flags & VM_MAYSHARE)
		goto shared_unlinked;

	v->kind = CKPT_VMA_ANON;
	v->save = CKPT_SAVE_ALL;
	if (v->start <= mm->brk && v->end >= mm->start_brk) {
		v->flags |= CKPT_VMA_HEAP;
		v->name = "[heap]";
	} else if (v->start <= mm->start_stack && v->end >= mm->start_stack) {
		v->flags |= CKPT_VMA_STACK;
		v->name = "[stack]";
	}
	return 0;

shared_unlinked:
	ckpt_err(ctx, "VMA %lx-%lx: shared memory of an unlinked file (MAP_SHARED|MAP_ANONYMOUS, memfd) is not supported yet",
		 v->start, v->end);
	return -EOPNOTSUPP;
}

static void ckpt_snap_release(struct ckpt_mm_snapshot *snap)
{
	unsigned int i;

	for (i = 0; i < snap->nr; i++)
		if (snap->vmas[i].file)
			fput(snap->vmas[i].file);
	kvfree(snap->vmas);
	kfree(snap->hdr);
}

static int ckpt_snap_mm(struct ckpt_ctx *ctx, struct mm_struct *mm,
			struct ckpt_mm_snapshot *snap)
{
	struct ckpt_hdr_mm *h;
	struct vm_area_struct *vma;
	int ret = 0;

	h = ckpt_hdr_alloc(sizeof(*h), CKPT_HDR_MM);
	if (!h)
		return -ENOMEM;
	snap->hdr = h;

	if (mmap_read_lock_killable(mm))
		return -EINTR;

	/* map_count is bounded by vm.max_map_count. */
	snap->vmas = kvcalloc(mm->map_count, sizeof(*snap->vmas),
			      GFP_KERNEL_ACCOUNT);
	if (!snap->vmas) {
		ret = -ENOMEM;
		goto out_unlock;
	}

	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			if (WARN_ON_ONCE(snap->nr >= mm->map_count)) {
				ret = -EIO;
				break;
			}
			ret = ckpt_snap_vma(ctx, vma, &snap->vmas[snap->nr]);
			if (snap->vmas[snap->nr].file || !ret)
				snap->nr++;
			if (ret)
				break;
		}
	}

	h->nr_vmas = snap->nr;
	h->start_code = mm->start_code;
	h->end_code = mm->end_code;
	h->start_data = mm->start_data;
	h->end_data = mm->end_data;
	h->start_brk = mm->start_brk;
	h->brk = mm->brk;
	h->start_stack = mm->start_stack;
	spin_lock(&mm->arg_lock);
	h->arg_start = mm->arg_start;
	h->arg_end = mm->arg_end;
	h->env_start = mm->env_start;
	h->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
out_unlock:
	mmap_read_unlock(mm);
	return ret;
}

static int checkpoint_vma(struct ckpt_ctx *ctx, const struct ckpt_vma *v,
			  char *pathbuf)
{
	struct ckpt_hdr_vma *h;
	const char *name = v->name ? v->name : "";
	size_t name_len;
	struct kstat st = {};
	int ret;

	if (v->file) {
		const struct path *path = ckpt_file_path(v->file);
		const struct inode *inode = ckpt_file_inode(v->file);

		name = d_path(path, pathbuf, PATH_MAX);
		if (IS_ERR(name)) {
			ckpt_err(ctx, "VMA %lx-%lx: cannot name its file (%ld)",
				 v->start, v->end, PTR_ERR(name));
			return PTR_ERR(name);
		}
		ret = vfs_getattr(path, &st, STATX_BASIC_STATS,
				  AT_STATX_SYNC_AS_STAT);
		if (ret) {
			ckpt_err(ctx, "VMA %lx-%lx: cannot stat %s (%d)",
				 v->start, v->end, name, ret);
			return ret;
		}
		st.dev = inode->i_sb->s_dev;
		st.ino = inode->i_ino;
	}

	name_len = strlen(name) + 1;
	h = ckpt_hdr_alloc(ALIGN(sizeof(*h) + name_len, 8), CKPT_HDR_VMA);
	if (!h)
		return -ENOMEM;
	h->start = v->start;
	h->end = v->end;
	h->kind = v->kind;
	h->flags = v->flags;
	if (v->file) {
		h->pgoff = (u64)v->pgoff << PAGE_SHIFT;
		h->dev = new_encode_dev(st.dev);
		h->ino = st.ino;
		h->size = st.size;
		h->mtime_sec = st.mtime.tv_sec;
		h->mtime_nsec = st.mtime.tv_nsec;
	}
	h->name_len = name_len;
	memcpy(h->name, name, name_len);

	ret = ckpt_write_obj(ctx, &h->h);
	if (!ret)
		ctx->nr_vmas++;
	kfree(h);
	return ret;
}

/*
 * Get the page at @addr if it is to be saved.  FOLL_FORCE reads what the
 * task itself may not (PROT_NONE, execute-only), as ptrace and core dumps
 * do; FOLL_DUMP skips holes and the zero page.
 */
static struct page *ckpt_get_page(struct mm_struct *mm,
				  const struct ckpt_vma *v, unsigned long addr)
{
	unsigned int gup_flags = FOLL_FORCE | FOLL_DUMP;
	struct page *page;
	long ret;

	ret = ckpt_gup_one(mm, addr, gup_flags, &page);
	if (ret == -EFAULT || ret == 0)
		return NULL;
	if (ret < 0)
		return ERR_PTR(ret);
	if (v->save == CKPT_SAVE_COW && !PageAnon(page)) {
		put_page(page);
		return NULL;
	}
	return page;
}

static int ckpt_write_pages(struct ckpt_ctx *ctx, unsigned long addr,
			    unsigned int nr, const void *buf)
{
	struct ckpt_hdr_pages h;
	int ret;

	memset(&h, 0, sizeof(h));
	h.h.type = CKPT_HDR_PAGES;
	h.h.len = sizeof(h) + nr * PAGE_SIZE;
	h.addr = addr;
	h.nr_pages = nr;

	ret = ckpt_write(ctx, &h, sizeof(h));
	if (!ret)
		ret = ckpt_write(ctx, buf, nr * PAGE_SIZE);
	if (!ret) {
		ctx->nr_records++;
		ctx->nr_pages += nr;
	}
	return ret;
}

/* Scan at most this many pages per hold of the mmap lock. */
#define CKPT_SCAN_BATCH		1024

static int checkpoint_vma_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
				const struct ckpt_vma *v, void *buf)
{
	unsigned long addr = v->start;
	int ret = 0;

	while (addr < v->end) {
		unsigned long run = 0;
		unsigned int nr = 0, scanned = 0;

		if (mmap_read_lock_killable(mm))
			return -EINTR;
		while (addr < v->end && nr < CKPT_PAGES_MAX &&
		       scanned++ < CKPT_SCAN_BATCH) {
			struct page *page = ckpt_get_page(mm, v, addr);

			if (IS_ERR(page)) {
				ret = PTR_ERR(page);
				ckpt_err(ctx, "VMA %lx-%lx: reading page %lx failed (%d)",
					 v->start, v->end, addr, ret);
				break;
			}
			if (!page) {
				addr += PAGE_SIZE;
				if (nr)
					break;
				continue;
			}
			if (!nr)
				run = addr;
			memcpy_from_page(buf + nr * PAGE_SIZE, page, 0, PAGE_SIZE);
			put_page(page);
			nr++;
			addr += PAGE_SIZE;
		}
		mmap_read_unlock(mm);

		if (!ret && nr)
			ret = ckpt_write_pages(ctx, run, nr, buf);
		if (ret)
			return ret;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/**
 * checkpoint_mm() - write the CKPT_HDR_MM, _VMA and _PAGES records
 * @ctx:	the operation, its target parked
 *
 * Return: 0 or a negative errno.
 */
int checkpoint_mm(struct ckpt_ctx *ctx)
{
	struct ckpt_mm_snapshot snap = {};
	struct mm_struct *mm;
	char *pathbuf = NULL;
	void *buf = NULL;
	unsigned int i;
	int ret;

	mm = get_task_mm(ctx->task);
	if (!mm) {
		ckpt_err(ctx, "pid %d: the process has no memory (exiting)",
			 task_pid_vnr(ctx->task));
		return -ESRCH;
	}

	ret = ckpt_snap_mm(ctx, mm, &snap);
	if (ret)
		goto out;
	ret = ckpt_write_obj(ctx, &snap.hdr->h);
	if (ret)
		goto out;

	pathbuf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!pathbuf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < snap.nr; i++) {
		ret = checkpoint_vma(ctx, &snap.vmas[i], pathbuf);
		if (ret)
			goto out;
	}

	buf = kvmalloc(CKPT_PAGES_MAX * PAGE_SIZE, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < snap.nr; i++) {
		if (snap.vmas[i].save == CKPT_SAVE_NONE)
			continue;
		ret = checkpoint_vma_pages(ctx, mm, &snap.vmas[i], buf);
		if (ret)
			goto out;
	}
out:
	kvfree(buf);
	kfree(pathbuf);
	ckpt_snap_release(&snap);
	mmput(mm);
	return ret;
}

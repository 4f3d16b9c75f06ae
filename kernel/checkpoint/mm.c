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
#include <linux/auxvec.h>
#include <linux/bvec.h>
#include <linux/hugetlb_inline.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>

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
		{ VM_HUGEPAGE, CKPT_VMA_HUGEPAGE },
		{ VM_NOHUGEPAGE, CKPT_VMA_NOHUGEPAGE },
		{ VM_WIPEONFORK, CKPT_VMA_WIPEONFORK },
		{ VM_SEQ_READ, CKPT_VMA_SEQ_READ },
		{ VM_RAND_READ, CKPT_VMA_RAND_READ },
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

	/*
	 * Memory kept out of core dumps is kept out of images: it is what a
	 * program marks when it holds keys.
	 */
	if ((vma->vm_flags & VM_DONTDUMP) && !(vma->vm_flags & VM_SPECIAL)) {
		ckpt_err(ctx, "VMA %lx-%lx: MADV_DONTDUMP memory is kept out of images",
			 v->start, v->end);
		return -EOPNOTSUPP;
	}
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
		/* Shared anonymous memory is an unlinked shmem file too. */
		if (d_unlinked(ckpt_file_path(v->file)->dentry) ||
		    !ckpt_file_inode(v->file)->i_nlink)
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
	/*
	 * A child gets MADV_WIPEONFORK memory empty, and so does a restarted
	 * process: what a program keeps there (a random generator's state)
	 * must not come back twice from one image.
	 */
	v->save = vma->vm_flags & VM_WIPEONFORK ? CKPT_SAVE_NONE : CKPT_SAVE_ALL;
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
 * Holes.  In the memory ckpt saves (private mappings), a page table entry
 * that is empty, or maps the shared zero page, has no page to save: it
 * reads as zeroes, and get_user_pages() with FOLL_DUMP fails on it.
 * Failing costs that call a whole lookup per page, so a large mapping
 * with little in it would cost a checkpoint in proportion to its size.
 * Instead, after a hole, the page tables are walked to the next entry
 * that is anything else (a page, a swapped page, a huge page, a
 * migration entry), whole empty page tables at a time.  The walk only
 * skips: what it stops at is still taken by get_user_pages(), which
 * decides, so an entry it cannot judge is one it stops at.
 */
static int ckpt_hole_test_walk(unsigned long addr, unsigned long next,
			       struct mm_walk *walk)
{
	return 0;	/* walk every VMA: a skipped one would be skipped over */
}

static int ckpt_hole_pmd(pmd_t *pmd, unsigned long addr, unsigned long next,
			 struct mm_walk *walk)
{
	pmd_t val = READ_ONCE(*pmd);

	/* Not a page table: a huge page, or an entry for one. */
	if (pmd_leaf(val) || !pmd_present(val)) {
		*(unsigned long *)walk->private = addr;
		return 1;
	}
	return 0;
}

static int ckpt_hole_pte(pte_t *pte, unsigned long addr, unsigned long next,
			 struct mm_walk *walk)
{
	pte_t val = ptep_get(pte);

	if (pte_none(val) || (pte_present(val) && is_zero_pfn(pte_pfn(val))))
		return 0;
	*(unsigned long *)walk->private = addr;
	return 1;
}

static const struct mm_walk_ops ckpt_hole_ops = {
	.pmd_entry = ckpt_hole_pmd,
	.pte_entry = ckpt_hole_pte,
	.test_walk = ckpt_hole_test_walk,
};

/*
 * How many pages from @addr, a hole, on are holes too, up to @nr; at least
 * one.  The mmap lock is held.
 */
static unsigned int ckpt_holes(struct mm_struct *mm, unsigned long addr,
			       unsigned int nr)
{
	unsigned long end = addr + ((unsigned long)nr << PAGE_SHIFT);
	unsigned long found = end;

	if (nr <= 1 ||
	    ckpt_walk_page_range(mm, addr + PAGE_SIZE, end, &ckpt_hole_ops,
				 &found) < 0)
		return 1;
	return (found - addr) >> PAGE_SHIFT;
}

/*
 * Get the pages to save from @addr on, at most @nr of them, in one call,
 * so that a transparent huge page is looked up once rather than once per
 * 4K page.  FOLL_FORCE reads what the task itself may not (PROT_NONE,
 * execute-only), as ptrace and core dumps do; FOLL_DUMP stops at holes
 * and at the zero page.
 *
 * Return: the number of pages from @addr on to save, now in @pages and
 * referenced; 0 if the page at @addr is not to be saved, and then *@skip
 * is how many pages from @addr on are not (at least one); or a negative
 * errno.
 */
static long ckpt_get_pages(struct mm_struct *mm, const struct ckpt_vma *v,
			   unsigned long addr, unsigned int nr,
			   struct page **pages, unsigned int *skip)
{
	bool cow = v->save == CKPT_SAVE_COW;
	long got, i, j;

	got = ckpt_gup(mm, addr, nr, FOLL_FORCE | FOLL_DUMP, pages);
	if (got == -EFAULT || got == 0) {
		*skip = ckpt_holes(mm, addr, nr);
		return 0;
	}
	if (got < 0)
		return got;
	/* Of a private file mapping, only the anonymous copies. */
	for (i = 1; i < got; i++)
		if (cow && PageAnon(pages[i]) != PageAnon(pages[0]))
			break;
	if (cow && !PageAnon(pages[0])) {
		for (j = 0; j < got; j++)
			put_page(pages[j]);
		*skip = i;
		return 0;
	}
	for (j = i; j < got; j++)
		put_page(pages[j]);
	return i;
}

/**
 * ckpt_pages_alloc() - room for a run of pages while memory is copied
 * @ctx:	the operation
 * @gfp:	the allocation's flags
 *
 * Return: 0 or -ENOMEM; ckpt_pages_free() releases what was allocated
 * either way.
 */
int ckpt_pages_alloc(struct ckpt_ctx *ctx, gfp_t gfp)
{
	ctx->pages = kmalloc_array(CKPT_PAGES_MAX, sizeof(*ctx->pages), gfp);
	ctx->bvecs = kmalloc_array(CKPT_PAGES_MAX, sizeof(*ctx->bvecs), gfp);
	return ctx->pages && ctx->bvecs ? 0 : -ENOMEM;
}

/**
 * ckpt_pages_free() - release what ckpt_pages_alloc() allocated
 * @ctx:	the operation
 */
void ckpt_pages_free(struct ckpt_ctx *ctx)
{
	kfree(ctx->bvecs);
	kfree(ctx->pages);
	ctx->bvecs = NULL;
	ctx->pages = NULL;
}

/*
 * Copy the run of @nr pages in ctx->pages to the image (@write) or from
 * it, once: the file copies them from or into the pages themselves, as
 * it does a splice's, with no bounce buffer and no mapping of them
 * anywhere else.
 */
static int ckpt_pages_io(struct ckpt_ctx *ctx, unsigned int nr, bool write)
{
	struct iov_iter iter;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		ctx->bvecs[i].bv_page = ctx->pages[i];
		ctx->bvecs[i].bv_len = PAGE_SIZE;
		ctx->bvecs[i].bv_offset = 0;
	}
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, ctx->bvecs, nr,
		      (size_t)nr * PAGE_SIZE);
	return ckpt_io(ctx, &iter);
}

static int ckpt_write_pages(struct ckpt_ctx *ctx, unsigned long addr,
			    unsigned int nr)
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
		ret = ckpt_pages_io(ctx, nr, true);
	if (!ret) {
		ctx->nr_records++;
		ctx->nr_pages += nr;
	}
	return ret;
}

/* Scan at most this many pages per hold of the mmap lock. */
#define CKPT_SCAN_BATCH		1024

/*
 * The saved pages of a VMA, in runs of up to CKPT_PAGES_MAX pages held
 * in ctx->pages while they are written.
 */
static int checkpoint_vma_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
				const struct ckpt_vma *v)
{
	struct page **pages = ctx->pages;
	unsigned long addr = v->start;
	int ret = 0;

	while (addr < v->end) {
		unsigned long run = 0;
		unsigned int i, nr = 0, scanned = 0;

		if (mmap_read_lock_killable(mm))
			return -EINTR;
		while (addr < v->end && nr < CKPT_PAGES_MAX &&
		       scanned < CKPT_SCAN_BATCH) {
			unsigned int want, skip = 0;
			long got;

			want = min_t(unsigned long, CKPT_PAGES_MAX - nr,
				     (v->end - addr) >> PAGE_SHIFT);
			got = ckpt_get_pages(mm, v, addr, want, pages + nr,
					     &skip);
			if (got < 0) {
				ret = got;
				ckpt_err(ctx, "VMA %lx-%lx: reading page %lx failed (%d)",
					 v->start, v->end, addr, ret);
				break;
			}
			if (!got) {
				/* A gap ends the run: write it first. */
				if (nr)
					break;
				addr += (unsigned long)skip << PAGE_SHIFT;
				scanned += skip;
				continue;
			}
			if (!nr)
				run = addr;
			nr += got;
			scanned += got;
			addr += (unsigned long)got << PAGE_SHIFT;
			if (got < want)
				break;	/* the next page is a gap */
		}
		mmap_read_unlock(mm);

		if (!ret && nr)
			ret = ckpt_write_pages(ctx, run, nr);
		for (i = 0; i < nr; i++)
			put_page(pages[i]);
		if (ret)
			return ret;
		/*
		 * Any signal, as a write to a full pipe would be interrupted:
		 * a file takes all it is given, and a checkpointer must be
		 * able to stop a large checkpoint written to one.
		 */
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* The auxiliary vector, up to and including its AT_NULL pair. */
static int checkpoint_auxv(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	struct ckpt_hdr_auxv *h;
	unsigned int n = 0;
	int ret;

	h = ckpt_hdr_alloc(sizeof(*h) + sizeof(mm->saved_auxv),
			   CKPT_HDR_AUXV);
	if (!h)
		return -ENOMEM;
	task_lock(ctx->task);
	while (n + 2 <= ARRAY_SIZE(mm->saved_auxv)) {
		h->words[n] = mm->saved_auxv[n];
		h->words[n + 1] = mm->saved_auxv[n + 1];
		n += 2;
		if (h->words[n - 2] == AT_NULL)
			break;
	}
	task_unlock(ctx->task);
	h->nr_words = n;
	h->h.len = sizeof(*h) + n * sizeof(h->words[0]);
	ret = ckpt_write_obj(ctx, &h->h);
	kfree(h);
	return ret;
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

	/* Policy sees the whole map before any of it is written. */
	for (i = 0; i < snap.nr; i++) {
		const struct ckpt_vma *v = &snap.vmas[i];

		ret = ckpt_policy(security_ckpt_checkpoint_vma(ctx->task, v->start,
							       v->end, v->flags,
							       v->file));
		if (ret) {
			ckpt_err(ctx, "VMA %lx-%lx: refused by security_ckpt_checkpoint_vma (%d)",
				 v->start, v->end, ret);
			goto out;
		}
	}

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

	ret = checkpoint_auxv(ctx, mm);
	if (ret)
		goto out;

	ret = ckpt_pages_alloc(ctx, GFP_KERNEL);
	if (ret)
		goto out;
	for (i = 0; i < snap.nr; i++) {
		if (snap.vmas[i].save == CKPT_SAVE_NONE)
			continue;
		ret = checkpoint_vma_pages(ctx, mm, &snap.vmas[i]);
		if (ret)
			goto out;
	}
out:
	ckpt_pages_free(ctx);
	kfree(pathbuf);
	ckpt_snap_release(&snap);
	mmput(mm);
	return ret;
}

/*
 * Restart half.  restore_mm_map() reads the memory map and checks all of
 * it, opening every file by its path with the caller's credentials and
 * refusing a file that changed, before anything of the caller's is
 * touched.  restore_mm_commit() then replaces the caller's mappings with
 * the image's, through vm_mmap() as any mmap(2) by the caller: RLIMIT_AS,
 * overcommit, memory cgroups, mmap_min_addr and the LSMs' mmap hooks all
 * apply.  restore_mm_pages() writes saved pages the way ptrace's
 * PTRACE_POKEDATA does, so that read-only and PROT_NONE mappings and
 * private file mappings (copy on write) take them as they should.
 *
 * [vdso] and [vvar] cannot be created by a module: the caller moves its
 * own to where the image had them (mremap(), as CRIU does) before
 * restart, and restart checks that they are there and of the same size.
 */

/**
 * struct ckpt_rvma - one VMA of the image being restored
 * @rec:	its record, checked
 * @file:	for CKPT_VMA_FILE, the file opened by path
 */
struct ckpt_rvma {
	struct ckpt_hdr_vma *rec;
	struct file *file;
};

/* Flags restart knows how to recreate */
#define CKPT_VMA_RESTORABLE	(CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_EXEC | \
				 CKPT_VMA_SHARED | CKPT_VMA_MAYREAD | \
				 CKPT_VMA_MAYWRITE | CKPT_VMA_MAYEXEC | \
				 CKPT_VMA_GROWSDOWN | CKPT_VMA_LOCKED | \
				 CKPT_VMA_HEAP | CKPT_VMA_STACK | \
				 CKPT_VMA_NORESERVE | CKPT_VMA_MADVISE)

/* Flags madvise() sets, which restart passes to mmap as mm->def_flags */
#define CKPT_VMA_MADVISE	(CKPT_VMA_DONTFORK | CKPT_VMA_HUGEPAGE | \
				 CKPT_VMA_NOHUGEPAGE | CKPT_VMA_WIPEONFORK | \
				 CKPT_VMA_SEQ_READ | CKPT_VMA_RAND_READ)

static const char * const ckpt_special_names[] = {
	"[vdso]", "[vvar]", "[vvar_vclock]",
};

static int restore_mm_check(struct ckpt_ctx *ctx, const struct ckpt_hdr_mm *h)
{
	const u64 *f = &h->start_code;
	unsigned int i;

	if (h->reserved) {
		ckpt_err(ctx, "field reserved: not zero");
		return -EINVAL;
	}
	/* At least the stack; map_count bounds the rest. */
	if (!h->nr_vmas || h->nr_vmas > DEFAULT_MAX_MAP_COUNT) {
		ckpt_err(ctx, "field nr_vmas: %u is not in [1, %d]", h->nr_vmas,
			 DEFAULT_MAX_MAP_COUNT);
		return -EINVAL;
	}
	for (i = 0; i < 11; i++) {
		if (f[i] >= TASK_SIZE_MAX) {
			ckpt_err(ctx, "field %u of start_code..env_end: %#llx is not a user address",
				 i, f[i]);
			return -EINVAL;
		}
	}
	if (h->start_code > h->end_code || h->start_data > h->end_data ||
	    h->start_brk > h->brk || h->arg_start > h->arg_end ||
	    h->env_start > h->env_end) {
		ckpt_err(ctx, "fields start_*/end_*: a range ends before it starts");
		return -EINVAL;
	}
	return 0;
}

static int restore_vma_check(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *h,
			     u64 prev_end)
{
	bool anon = h->kind == CKPT_VMA_ANON;
	int ret;

	ret = ckpt_check_name(ctx, &h->h, sizeof(*h), h->name, h->name_len);
	if (ret)
		return ret;
	if (!PAGE_ALIGNED(h->start) || !PAGE_ALIGNED(h->end) ||
	    h->start >= h->end || h->end > TASK_SIZE_MAX) {
		ckpt_err(ctx, "fields start/end: %#llx-%#llx is not a page-aligned user range",
			 h->start, h->end);
		return -EINVAL;
	}
	if (h->start < prev_end) {
		ckpt_err(ctx, "field start: %#llx overlaps or precedes the previous VMA, which ends at %#llx",
			 h->start, prev_end);
		return -EINVAL;
	}
	if (h->kind != CKPT_VMA_ANON && h->kind != CKPT_VMA_FILE &&
	    h->kind != CKPT_VMA_SPECIAL) {
		ckpt_err(ctx, "field kind: %u is unknown", h->kind);
		return -EINVAL;
	}
	if (h->flags & CKPT_VMA_DELETED) {
		ckpt_err(ctx, "VMA %#llx-%#llx maps the deleted file %s, which restart does not support yet",
			 h->start, h->end, h->name);
		return -EOPNOTSUPP;
	}
	/* Special mappings are the kernel's: kept as they are, not recreated. */
	if (h->kind != CKPT_VMA_SPECIAL && (h->flags & ~CKPT_VMA_RESTORABLE)) {
		ckpt_err(ctx, "field flags: %#x has flags restart cannot recreate (%#x)",
			 h->flags, h->flags & ~CKPT_VMA_RESTORABLE);
		return -EOPNOTSUPP;
	}
	if ((h->flags & CKPT_VMA_HUGEPAGE && h->flags & CKPT_VMA_NOHUGEPAGE) ||
	    (h->flags & CKPT_VMA_SEQ_READ && h->flags & CKPT_VMA_RAND_READ) ||
	    (h->flags & CKPT_VMA_WIPEONFORK &&
	     (!anon || h->flags & CKPT_VMA_SHARED))) {
		ckpt_err(ctx, "field flags: %#x holds madvise() hints no area can have together, or MADV_WIPEONFORK outside private anonymous memory",
			 h->flags);
		return -EINVAL;
	}
	if ((h->flags & (CKPT_VMA_HEAP | CKPT_VMA_STACK)) &&
	    (!anon || (h->flags & (CKPT_VMA_HEAP | CKPT_VMA_STACK)) ==
		      (CKPT_VMA_HEAP | CKPT_VMA_STACK))) {
		ckpt_err(ctx, "field flags: [heap] and [stack] are anonymous memory, and not both");
		return -EINVAL;
	}
	if (anon && (h->flags & CKPT_VMA_SHARED)) {
		ckpt_err(ctx, "VMA %#llx-%#llx: shared anonymous memory is not supported yet",
			 h->start, h->end);
		return -EOPNOTSUPP;
	}
	if (h->kind != CKPT_VMA_FILE &&
	    (h->pgoff || h->dev || h->ino || h->size || h->mtime_sec ||
	     h->mtime_nsec)) {
		ckpt_err(ctx, "fields pgoff/dev/ino/size/mtime: set on a VMA that maps no file");
		return -EINVAL;
	}
	if (h->kind == CKPT_VMA_FILE &&
	    (h->name[0] != '/' || !PAGE_ALIGNED(h->pgoff) ||
	     h->pgoff > (u64)LLONG_MAX - (h->end - h->start))) {
		ckpt_err(ctx, "fields name/pgoff: %s at offset %#llx is not an absolute path and a page-aligned offset",
			 h->name, h->pgoff);
		return -EINVAL;
	}
	if (h->kind == CKPT_VMA_SPECIAL &&
	    !ckpt_name_in(h->name, ckpt_special_names,
			  ARRAY_SIZE(ckpt_special_names))) {
		ckpt_err(ctx, "field name: %s is not a special mapping restart knows",
			 h->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Open a mapped file by its path, as the caller could, and make sure it is
 * the file that was mapped at checkpoint.
 */
static int restore_vma_open(struct ckpt_ctx *ctx, struct ckpt_rvma *rv)
{
	const struct ckpt_hdr_vma *h = rv->rec;
	bool rw = (h->flags & CKPT_VMA_SHARED) && (h->flags & CKPT_VMA_MAYWRITE);
	const struct inode *inode;
	struct kstat st;
	struct file *file;
	int ret;

	/* A FIFO put where the file was must not block; a tty not be ours. */
	file = filp_open(h->name, (rw ? O_RDWR : O_RDONLY) | O_LARGEFILE |
			 O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_err(ctx, "VMA %#llx-%#llx: cannot open %s (%ld)", h->start,
			 h->end, h->name, PTR_ERR(file));
		return PTR_ERR(file);
	}
	rv->file = file;

	ret = vfs_getattr(&file->f_path, &st, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (ret) {
		ckpt_err(ctx, "VMA %#llx-%#llx: cannot stat %s (%d)", h->start,
			 h->end, h->name, ret);
		return ret;
	}
	inode = ckpt_file_inode(file);
	if (!S_ISREG(st.mode)) {
		ckpt_err(ctx, "VMA %#llx-%#llx: %s is not a regular file",
			 h->start, h->end, h->name);
		return -EOPNOTSUPP;
	}
	if (new_encode_dev(inode->i_sb->s_dev) != h->dev ||
	    inode->i_ino != h->ino || st.size != h->size ||
	    st.mtime.tv_sec != h->mtime_sec ||
	    st.mtime.tv_nsec != h->mtime_nsec) {
		ckpt_err(ctx, "%s changed since the checkpoint (device, inode, size or modification time differ)",
			 h->name);
		return -ESTALE;
	}
	return 0;
}

/* A special mapping must be where the caller put it, and as large. */
static int restore_vma_special(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *h)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	const char *name = NULL;
	bool same = false;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, h->start);
	if (vma && vma->vm_start == h->start && !vma->vm_file &&
	    vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
		same = vma->vm_end == h->end && name && !strcmp(name, h->name);
	}
	mmap_read_unlock(mm);

	if (!same) {
		ckpt_err(ctx, "the image has %s at %#llx-%#llx; this process has %s there (the caller moves its own first)",
			 h->name, h->start, h->end, name ?: "nothing of the kind");
		return -EINVAL;
	}
	return 0;
}

static int restore_vma(struct ckpt_ctx *ctx, struct ckpt_rvma *rv, u64 prev_end)
{
	struct ckpt_hdr_vma *h;
	int ret;

	h = ckpt_read_hdr(ctx, CKPT_HDR_VMA, sizeof(*h) + 8,
			  ALIGN(sizeof(*h) + PATH_MAX, 8));
	if (IS_ERR(h))
		return PTR_ERR(h);
	rv->rec = h;
	ret = restore_vma_check(ctx, h, prev_end);
	if (ret)
		return ret;
	ctx->nr_vmas++;
	if (h->kind == CKPT_VMA_FILE)
		ret = restore_vma_open(ctx, rv);
	else if (h->kind == CKPT_VMA_SPECIAL)
		ret = restore_vma_special(ctx, h);
	if (ret)
		return ret;

	ret = ckpt_policy(security_ckpt_restore_vma(h->start, h->end, h->flags,
						    rv->file, h->name));
	if (ret)
		ckpt_err(ctx, "VMA %#llx-%#llx (%s): refused by security_ckpt_restore_vma (%d)",
			 h->start, h->end, h->name[0] ? h->name : "anonymous",
			 ret);
	return ret;
}

/**
 * restore_mm_map() - read and check the CKPT_HDR_MM and _VMA records
 * @ctx:	the restart, before the point of no return
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the field.
 */
int restore_mm_map(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_mm *h;
	u64 prev_end = 0, total = 0;
	unsigned int i;
	int ret;

	h = ckpt_read_hdr(ctx, CKPT_HDR_MM, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->rmm = h;
	ret = restore_mm_check(ctx, h);
	if (ret)
		return ret;

	ctx->rvmas = kvcalloc(h->nr_vmas, sizeof(*ctx->rvmas),
			      GFP_KERNEL_ACCOUNT);
	if (!ctx->rvmas)
		return -ENOMEM;
	for (i = 0; i < h->nr_vmas; i++) {
		ret = restore_vma(ctx, &ctx->rvmas[i], prev_end);
		if (ret)
			return ret;
		prev_end = ctx->rvmas[i].rec->end;
		total += prev_end - ctx->rvmas[i].rec->start;
	}

	/* Fail now, not after the caller's memory is gone. */
	if (total > rlimit(RLIMIT_AS)) {
		ckpt_err(ctx, "the image maps %llu bytes; RLIMIT_AS allows %lu",
			 total, rlimit(RLIMIT_AS));
		return -ENOMEM;
	}
	return 0;
}

static bool restore_keeps(struct ckpt_ctx *ctx, unsigned long start)
{
	unsigned int i;

	for (i = 0; i < ctx->rmm->nr_vmas; i++)
		if (ctx->rvmas[i].rec->kind == CKPT_VMA_SPECIAL &&
		    ctx->rvmas[i].rec->start == start)
			return true;
	return false;
}

/* Unmap everything of the caller's but the special mappings kept. */
static int restore_mm_unmap(struct ckpt_ctx *ctx)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long *ranges;
	unsigned int n = 0, i;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ranges = kvmalloc_array(mm->map_count, 2 * sizeof(*ranges),
				GFP_KERNEL);
	if (ranges) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			if (n == mm->map_count)
				break;
			if (restore_keeps(ctx, vma->vm_start))
				continue;
			ranges[2 * n] = vma->vm_start;
			ranges[2 * n + 1] = vma->vm_end;
			n++;
		}
	}
	mmap_read_unlock(mm);
	if (!ranges)
		return -ENOMEM;

	for (i = 0; i < n && !ret; i++)
		ret = vm_munmap(ranges[2 * i], ranges[2 * i + 1] - ranges[2 * i]);
	kvfree(ranges);
	if (ret)
		ckpt_err(ctx, "unmapping the caller's memory failed (%d)", ret);
	return ret;
}

static unsigned long restore_vma_prot(u32 flags)
{
	return (flags & CKPT_VMA_READ ? PROT_READ : 0) |
	       (flags & CKPT_VMA_WRITE ? PROT_WRITE : 0) |
	       (flags & CKPT_VMA_EXEC ? PROT_EXEC : 0);
}

static vm_flags_t restore_vma_madvise(u32 flags)
{
	return (flags & CKPT_VMA_DONTFORK ? VM_DONTCOPY : 0) |
	       (flags & CKPT_VMA_HUGEPAGE ? VM_HUGEPAGE : 0) |
	       (flags & CKPT_VMA_NOHUGEPAGE ? VM_NOHUGEPAGE : 0) |
	       (flags & CKPT_VMA_WIPEONFORK ? VM_WIPEONFORK : 0) |
	       (flags & CKPT_VMA_SEQ_READ ? VM_SEQ_READ : 0) |
	       (flags & CKPT_VMA_RAND_READ ? VM_RAND_READ : 0);
}

static int restore_vma_map(struct ckpt_ctx *ctx, struct ckpt_rvma *rv)
{
	const struct ckpt_hdr_vma *h = rv->rec;
	unsigned long flags = MAP_FIXED_NOREPLACE;
	struct mm_struct *mm = current->mm;
	vm_flags_t def_flags;
	unsigned long addr;

	flags |= h->flags & CKPT_VMA_SHARED ? MAP_SHARED : MAP_PRIVATE;
	if (h->kind == CKPT_VMA_ANON)
		flags |= MAP_ANONYMOUS;
	if (h->flags & CKPT_VMA_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (h->flags & CKPT_VMA_NORESERVE)
		flags |= MAP_NORESERVE;
	if (h->flags & CKPT_VMA_LOCKED)
		flags |= MAP_LOCKED;

	/*
	 * The madvise() hints, which no mmap() flag sets, go in as the mm's
	 * default flags (as PR_SET_THP_DISABLE once put VM_NOHUGEPAGE there),
	 * so that the area is created with them: set afterwards, they would
	 * also reach a neighbour it merged with.
	 */
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	def_flags = mm->def_flags;
	mm->def_flags |= restore_vma_madvise(h->flags);
	mmap_write_unlock(mm);
	addr = vm_mmap(rv->file, h->start, h->end - h->start,
		       restore_vma_prot(h->flags), flags, h->pgoff);
	mmap_write_lock(mm);
	mm->def_flags = def_flags;
	mmap_write_unlock(mm);
	if (IS_ERR_VALUE(addr) || addr != h->start) {
		ckpt_err(ctx, "mapping VMA %#llx-%#llx (%s) failed (%ld)",
			 h->start, h->end, h->name[0] ? h->name : "anonymous",
			 IS_ERR_VALUE(addr) ? (long)addr : -EEXIST);
		return IS_ERR_VALUE(addr) ? (int)addr : -EEXIST;
	}
	return 0;
}

static void restore_mm_fields(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	const struct ckpt_hdr_mm *h = ctx->rmm;

	mm->start_code = h->start_code;
	mm->end_code = h->end_code;
	mm->start_data = h->start_data;
	mm->end_data = h->end_data;
	mm->start_brk = h->start_brk;
	mm->brk = h->brk;
	mm->start_stack = h->start_stack;
	spin_lock(&mm->arg_lock);
	mm->arg_start = h->arg_start;
	mm->arg_end = h->arg_end;
	mm->env_start = h->env_start;
	mm->env_end = h->env_end;
	spin_unlock(&mm->arg_lock);
}

/**
 * restore_mm_commit() - replace the caller's memory map with the image's
 * @ctx:	the restart, past the point of no return
 *
 * Return: 0 or a negative errno; the task cannot go on after a failure.
 */
int restore_mm_commit(struct ckpt_ctx *ctx)
{
	struct mm_struct *mm = current->mm;
	unsigned int i;
	int ret;

	ret = restore_mm_unmap(ctx);
	if (ret)
		return ret;
	for (i = 0; i < ctx->rmm->nr_vmas; i++) {
		if (ctx->rvmas[i].rec->kind == CKPT_VMA_SPECIAL)
			continue;
		ret = restore_vma_map(ctx, &ctx->rvmas[i]);
		if (ret)
			return ret;
	}

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	restore_mm_fields(ctx, mm);
	mmap_write_unlock(mm);
	return 0;
}

/* The VMA that holds [addr, end), if saved pages may go there. */
static const struct ckpt_hdr_vma *restore_pages_vma(struct ckpt_ctx *ctx,
						    u64 addr, u64 end)
{
	unsigned int lo = 0, hi = ctx->rmm->nr_vmas;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct ckpt_hdr_vma *v = ctx->rvmas[mid].rec;

		if (addr < v->start) {
			hi = mid;
		} else if (addr >= v->end) {
			lo = mid + 1;
		} else {
			if (end > v->end || v->kind == CKPT_VMA_SPECIAL ||
			    (v->flags & (CKPT_VMA_SHARED | CKPT_VMA_WIPEONFORK)))
				return NULL;
			return v;
		}
	}
	return NULL;
}

/**
 * restore_mm_pages() - read a CKPT_HDR_PAGES record into memory
 * @ctx:	the restart, its memory map in place
 * @hdr:	the record's header, already read
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the field.
 */
int restore_mm_pages(struct ckpt_ctx *ctx, const struct ckpt_hdr *hdr)
{
	struct ckpt_hdr_pages h;
	long got, i;
	size_t len;
	int ret;

	if (hdr->len < sizeof(h)) {
		ckpt_err(ctx, "field len: %u is too short", hdr->len);
		return -EINVAL;
	}
	h.h = *hdr;
	ret = ckpt_read(ctx, &h.h + 1, sizeof(h) - sizeof(h.h));
	if (ret)
		return ret;
	if (!h.nr_pages || h.nr_pages > CKPT_PAGES_MAX || h.reserved ||
	    h.h.len != sizeof(h) + (u64)h.nr_pages * PAGE_SIZE) {
		ckpt_err(ctx, "fields nr_pages/len: %u pages in %u bytes is not a run of 1 to %d pages",
			 h.nr_pages, h.h.len, CKPT_PAGES_MAX);
		return -EINVAL;
	}
	len = (size_t)h.nr_pages * PAGE_SIZE;
	if (!PAGE_ALIGNED(h.addr) || h.addr < ctx->pages_end ||
	    !restore_pages_vma(ctx, h.addr, h.addr + len)) {
		ckpt_err(ctx, "field addr: %#llx (%u pages) is not inside one private VMA, after the previous run",
			 h.addr, h.nr_pages);
		return -EINVAL;
	}

	/*
	 * The pages as PTRACE_POKEDATA finds them (access_process_vm()):
	 * copy on write broken, protections ignored.  The image's bytes are
	 * read straight into them.
	 */
	if (mmap_read_lock_killable(current->mm))
		return -EINTR;
	got = ckpt_gup(current->mm, h.addr, h.nr_pages, FOLL_FORCE | FOLL_WRITE,
		       ctx->pages);
	mmap_read_unlock(current->mm);
	if (got != h.nr_pages) {
		ckpt_err(ctx, "writing %u pages at %#llx failed (%ld)", h.nr_pages,
			 h.addr, got);
		ret = got < 0 ? got : -EFAULT;
	} else {
		ret = ckpt_pages_io(ctx, h.nr_pages, false);
	}
	for (i = 0; i < got; i++) {
		set_page_dirty_lock(ctx->pages[i]);
		put_page(ctx->pages[i]);
	}
	if (ret)
		return ret;
	ctx->nr_records++;
	ctx->pages_end = h.addr + len;
	ctx->nr_pages += h.nr_pages;
	return 0;
}

/**
 * restore_mm_release() - drop what restore_mm_map() took
 * @ctx:	the restart
 */
void restore_mm_release(struct ckpt_ctx *ctx)
{
	unsigned int i;

	if (ctx->rvmas) {
		for (i = 0; i < ctx->rmm->nr_vmas; i++) {
			if (ctx->rvmas[i].file)
				fput(ctx->rvmas[i].file);
			kfree(ctx->rvmas[i].rec);
		}
		kvfree(ctx->rvmas);
	}
	kfree(ctx->rmm);
	kfree(ctx->rauxv);
}

/**
 * restore_auxv() - read and check the CKPT_HDR_AUXV record
 * @ctx:	the restart, before the point of no return
 *
 * Return: 0 or a negative errno, with ctx->errmsg naming the field.
 */
int restore_auxv(struct ckpt_ctx *ctx)
{
	size_t max = sizeof(current->mm->saved_auxv);
	struct ckpt_hdr_auxv *h;
	unsigned int i;

	h = ckpt_read_hdr(ctx, CKPT_HDR_AUXV, sizeof(*h) + 2 * sizeof(u64),
			  sizeof(*h) + max);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->rauxv = h;
	if (h->reserved || h->nr_words % 2 ||
	    h->h.len != sizeof(*h) + h->nr_words * sizeof(u64)) {
		ckpt_err(ctx, "fields nr_words/reserved: %u words do not fill the record",
			 h->nr_words);
		return -EINVAL;
	}
	/* Pairs, the last one AT_NULL, and none before it. */
	for (i = 0; i < h->nr_words; i += 2) {
		bool at_null = h->words[i] == AT_NULL;
		bool last = i + 2 == h->nr_words;

		if (at_null != last) {
			ckpt_err(ctx, "field words: the vector does not end with its only AT_NULL");
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * restore_auxv_commit() - give the mm the image's auxiliary vector
 * @ctx:	the restart, past the point of no return
 *
 * As prctl(PR_SET_MM_AUXV) does: /proc/PID/auxv and getauxval() read it.
 */
void restore_auxv_commit(struct ckpt_ctx *ctx)
{
	struct mm_struct *mm = current->mm;

	task_lock(current);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	memcpy(mm->saved_auxv, ctx->rauxv->words,
	       ctx->rauxv->nr_words * sizeof(u64));
	task_unlock(current);
}

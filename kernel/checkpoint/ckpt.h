/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations of ckpt.ko, shared by its files.
 *
 * main.c	/dev/checkpoint, its ioctls, module init and exit
 * ctx.c	struct ckpt_ctx: the image stream and error reporting
 * security.c	the access gate and the unexported symbols it needs
 * checkpoint.c	order of records, header, tail; quiescing the target
 * restart.c	order of records on restart; loading the registers
 * task.c	the task record
 * cpu.c	registers and xstate
 * mm.c		the memory map and page contents
 * files.c	open file descriptors
 * deleted.c	the contents of files deleted while open
 * pipe.c	pipes whose two ends the process holds
 * signal.c	signal dispositions, mask, alternate stack, pending signals
 * hooks.c	security_ckpt_* hook points for policy (BPF LSM)
 */
#ifndef _CKPT_H
#define _CKPT_H

#include <linux/completion.h>
#include <linux/refcount.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/types.h>
#include <asm/user.h>

#include <linux/checkpoint.h>

struct bio_vec;
struct file;
struct iov_iter;
struct page;
struct task_struct;

/* Longest message an ioctl may return through its errbuf. */
#define CKPT_ERRMSG_LEN	256

/**
 * struct ckpt_cpu_state - what the target saves of itself when it parks
 * @regs:	NT_PRSTATUS: the general purpose registers, fs/gs base
 * @xstate:	NT_X86_XSTATE: standard-format XSAVE area of @xstate_size
 * @xstate_size: bytes in @xstate
 */
struct ckpt_cpu_state {
	struct user_regs_struct regs;
	void *xstate;
	unsigned int xstate_size;
};

/**
 * struct ckpt_park - a checkpoint target held at its return to user mode
 * @work:	queued on the target with task_work_add(TWA_SIGNAL)
 * @users:	the checkpointer and, until its callback finishes, the target
 * @state:	CKPT_PARK_*, moved on by cmpxchg() only
 * @arrived:	completed by the target once it is parked, or gone
 * @release:	completed by the checkpointer when it is done with the target
 * @err:	0 once parked with @cpu captured, else why the target is gone
 * @cpu:	the target's registers, captured in its own context
 */
struct ckpt_park {
	struct callback_head work;
	refcount_t users;
	atomic_t state;
	struct completion arrived;
	struct completion release;
	int err;
	struct ckpt_cpu_state cpu;
};

struct ckpt_rvma;
struct ckpt_rfile;
struct pipe_inode_info;

/**
 * struct ckpt_upipe - a pipe the caller of restart made
 * @id:		the image's pipe it stands for
 * @rfile:	its read end, referenced
 * @wfile:	its write end, referenced
 * @read_fd:	the caller's descriptor of @rfile
 * @write_fd:	and of @wfile
 */
struct ckpt_upipe {
	u64 id;
	struct file *rfile;
	struct file *wfile;
	int read_fd;
	int write_fd;
};

/**
 * struct ckpt_ctx - one checkpoint or restart operation
 * @file:	the image stream
 * @pos:	bytes of the image written or read so far
 * @flags:	CKPT_CHECKPOINT_* flags
 * @task:	the checkpoint target (referenced)
 * @park:	the target's parking place while it is quiescent
 * @nr_records:	records written or read so far
 * @nr_vmas:	CKPT_HDR_VMA records written or read
 * @itimers:	checkpoint: the task record said CKPT_TASK_ITIMERS
 * @nr_pages:	pages written or read in CKPT_HDR_PAGES records
 * @pages:	room for CKPT_PAGES_MAX pages of a run, while memory is copied
 * @bvecs:	the same run as the file's I/O vector
 * @rec_index:	restart: index of the record being read, for messages
 * @rec_type:	restart: its type
 * @rec_pos:	restart: its offset in the stream
 * @pushback:	restart: a record header read ahead, to be read again
 * @has_pushback: restart: @pushback holds one
 * @hdr:	restart: the image's header
 * @rtask:	restart: the image's task record
 * @rmm:	restart: the image's mm record
 * @rvmas:	restart: the image's VMAs, @rmm->nr_vmas of them
 * @cpu:	restart: the registers to load
 * @rauxv:	restart: the image's auxiliary vector
 * @pages_end:	restart: where the last run of pages ended
 * @rfiles:	restart: the image's descriptors, files reopened
 * @nr_rfiles:	restart: how many
 * @max_rfiles:	restart: room in @rfiles and @rfile_first
 * @rfile_first: restart: for each open file id, its first descriptor
 * @nr_rfile_ids: restart: open file ids seen
 * @upipes:	restart: the pipes the caller made
 * @nr_upipes:	restart: how many
 * @inherit:	restart: the descriptors the caller hands over, ascending
 * @nr_inherit:	restart: how many
 * @inherit_seen: restart: how many of them the image's records reached
 * @rsig:	restart: the image's signal record
 * @rpending:	restart: its pending signals, @rsig->nr_pending of them
 * @ritimers:	restart: the image's interval timers, or NULL
 * @status:	restart: where a failure is reported, or NULL
 * @committed:	restart: the caller's memory is being replaced
 * @restart_block: restart: the syscall resumes through restart_syscall()
 * @errmsg:	why the operation failed, for the caller's errbuf
 */
struct ckpt_ctx {
	struct file *file;
	loff_t pos;
	u64 flags;
	struct task_struct *task;
	struct ckpt_park *park;
	u32 nr_records;
	u32 nr_vmas;
	bool itimers;
	u64 nr_pages;
	struct page **pages;
	struct bio_vec *bvecs;

	u32 rec_index;
	u32 rec_type;
	loff_t rec_pos;
	struct ckpt_hdr pushback;
	bool has_pushback;
	struct ckpt_hdr_header *hdr;
	struct ckpt_hdr_task *rtask;
	struct ckpt_hdr_mm *rmm;
	struct ckpt_rvma *rvmas;
	struct ckpt_cpu_state cpu;
	struct ckpt_hdr_auxv *rauxv;
	u64 pages_end;
	struct ckpt_rfile *rfiles;
	unsigned int nr_rfiles;
	unsigned int max_rfiles;
	u32 *rfile_first;
	u32 nr_rfile_ids;
	struct ckpt_upipe *upipes;
	unsigned int nr_upipes;
	int *inherit;
	unsigned int nr_inherit;
	unsigned int inherit_seen;
	struct ckpt_hdr_signals *rsig;
	struct ckpt_hdr_sigpending **rpending;
	struct ckpt_hdr_itimers *ritimers;
	struct file *status;
	bool committed;
	bool restart_block;

	char errmsg[CKPT_ERRMSG_LEN];
};

/* Is @name one of the @nr strings of @table? */
static inline bool ckpt_name_in(const char *name, const char * const *table,
				unsigned int nr)
{
	while (nr--)
		if (!strcmp(name, table[nr]))
			return true;
	return false;
}

/* ctx.c */
int ckpt_io(struct ckpt_ctx *ctx, const struct iov_iter *iter);
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len);
void *ckpt_hdr_alloc(size_t len, u32 type);
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len);
void *ckpt_read_hdr(struct ckpt_ctx *ctx, u32 type, size_t min, size_t max);
int ckpt_read_hdr_any(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
void ckpt_unread_hdr(struct ckpt_ctx *ctx, const struct ckpt_hdr *h);
int ckpt_check_name(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		    size_t fixed, const char *name, u32 name_len);
const char *ckpt_hdr_name(u32 type);
__printf(2, 3) void ckpt_err(struct ckpt_ctx *ctx, const char *fmt, ...);

/* security.c */
int ckpt_security_init(void);
struct task_struct *ckpt_get_target(struct ckpt_ctx *ctx, pid_t pid);
int ckpt_may_checkpoint(struct ckpt_ctx *ctx, struct task_struct *task);
unsigned long ckpt_wait_task_inactive(struct task_struct *task,
				      unsigned int state);
unsigned long ckpt_nanosleep_restart_fn(void);
void ckpt_set_process_cpu_timer(struct task_struct *task, unsigned int clkid,
				u64 *newval, u64 *oldval);
struct mm_walk_ops;
int ckpt_walk_page_range(struct mm_struct *mm, unsigned long start,
			 unsigned long end, const struct mm_walk_ops *ops,
			 void *private);

/* hooks.c: see Documentation/lsm-hooks.rst */
int ckpt_policy(int verdict);
int security_ckpt_checkpoint(struct task_struct *task, struct file *file,
			     u64 flags);
int security_ckpt_checkpoint_vma(struct task_struct *task, unsigned long start,
				 unsigned long end, u32 flags,
				 struct file *file);
int security_ckpt_restart(const struct ckpt_hdr_header *hdr,
			  const struct ckpt_hdr_task *task);
int security_ckpt_restore_vma(unsigned long start, unsigned long end,
			      u32 flags, struct file *file, const char *path);
int security_ckpt_restart_commit(const struct ckpt_hdr_header *hdr,
				 const struct ckpt_hdr_task *task,
				 unsigned int nr_vmas);

/* checkpoint.c */
int do_checkpoint(struct ckpt_ctx *ctx, pid_t pid);
void ckpt_wait_for_parked(void);

/* restart.c */
int do_restart(struct ckpt_ctx *ctx);

/* task.c */
int checkpoint_task(struct ckpt_ctx *ctx);
int restore_task(struct ckpt_ctx *ctx);
void restore_task_commit(struct ckpt_ctx *ctx);
int checkpoint_fs(struct ckpt_ctx *ctx);
int restore_fs(struct ckpt_ctx *ctx);

/* cpu.c */
int ckpt_cpu_prepare(struct ckpt_ctx *ctx, struct ckpt_cpu_state *cpu);
int ckpt_cpu_capture(struct ckpt_cpu_state *cpu);
void ckpt_cpu_release(struct ckpt_cpu_state *cpu);
u64 ckpt_cpu_xfeatures(const struct ckpt_cpu_state *cpu);
int checkpoint_cpu(struct ckpt_ctx *ctx);
int restore_cpu(struct ckpt_ctx *ctx);
void restore_cpu_syscall(struct ckpt_ctx *ctx);
int ckpt_cpu_load(struct task_struct *task, const struct ckpt_cpu_state *cpu);

/* signal.c */
bool ckpt_itimers_armed(struct signal_struct *sig);
int checkpoint_signals(struct ckpt_ctx *ctx);
int restore_signals(struct ckpt_ctx *ctx);
long ckpt_first_handled_signal(const struct ckpt_ctx *ctx);
int restore_signals_commit(struct ckpt_ctx *ctx);
void restore_signals_release(struct ckpt_ctx *ctx);

/* files.c */
int checkpoint_files(struct ckpt_ctx *ctx);
int restore_files(struct ckpt_ctx *ctx);
int restore_files_commit(struct ckpt_ctx *ctx);
struct ckpt_restart_args;
int restore_inherit_get(struct ckpt_ctx *ctx,
			const struct ckpt_restart_args *args);
void restore_files_release(struct ckpt_ctx *ctx);

/* deleted.c */
struct kstat;
struct ckpt_hdr_file;
bool ckpt_file_deleted(const struct file *file, const struct kstat *st);
void ckpt_strip_deleted(char *name);
int checkpoint_file_data(struct ckpt_ctx *ctx, unsigned int fd, u32 file_id,
			 struct file *file, loff_t size);
struct file *restore_file_deleted(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_file *h, int flags);

/* pipe.c */
struct pipe_inode_info *ckpt_anon_pipe(struct file *file);
int checkpoint_pipe(struct ckpt_ctx *ctx, struct file *file);
struct ckpt_upipe *ckpt_find_pipe(struct ckpt_ctx *ctx, u64 id);
int restore_pipes_get(struct ckpt_ctx *ctx, u64 upipes, u32 nr);
int restore_pipes(struct ckpt_ctx *ctx);
void restore_pipes_release(struct ckpt_ctx *ctx);

/* mm.c */
int ckpt_pages_alloc(struct ckpt_ctx *ctx, gfp_t gfp);
void ckpt_pages_free(struct ckpt_ctx *ctx);
int checkpoint_mm(struct ckpt_ctx *ctx);
int restore_mm_map(struct ckpt_ctx *ctx);
int restore_auxv(struct ckpt_ctx *ctx);
void restore_auxv_commit(struct ckpt_ctx *ctx);
int restore_mm_commit(struct ckpt_ctx *ctx);
int restore_mm_pages(struct ckpt_ctx *ctx, const struct ckpt_hdr *h);
void restore_mm_release(struct ckpt_ctx *ctx);

#endif /* _CKPT_H */

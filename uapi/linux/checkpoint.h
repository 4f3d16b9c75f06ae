/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ckpt: process checkpoint/restart - the ioctl interface of /dev/checkpoint
 * and the format of a checkpoint image.
 *
 * This header is the only description of the image format.  The module
 * writes it and the ckpt command parses it with these structures; see
 * Documentation/image-format.rst for the meaning of every field.
 *
 * An image is a sequence of records.  Every record starts with a
 * struct ckpt_hdr that gives its type and its total length in bytes,
 * header included.  All fields are little-endian and fixed-width; every
 * structure is padded explicitly to a multiple of 8 bytes and reserved
 * fields are written as zero.  The stream is produced in one pass and
 * read in one pass: nothing seeks, so a pipe or a socket carries it as
 * well as a file.
 *
 * Order of the records in a version 1 image:
 *
 *	CKPT_HDR_HEADER		magic, version, architecture, constants
 *	CKPT_HDR_TASK		comm, ids (informational), syscall state,
 *				limits and the other per-task settings
 *	CKPT_HDR_FS		umask and working directory
 *	CKPT_HDR_CPU		general purpose registers, fs/gs base
 *	CKPT_HDR_XSTATE		the user xstate, standard XSAVE format
 *	CKPT_HDR_SIGNALS	handlers, blocked mask, alternate stack
 *	CKPT_HDR_SIGPENDING	one per pending signal, private then shared
 *	CKPT_HDR_ITIMERS	the interval timers, if CKPT_TASK_ITIMERS
 *	CKPT_HDR_FILE		one per open file descriptor, ascending,
 *	 CKPT_HDR_FILE_DATA	 each of a deleted file followed by what
 *				 it held
 *	CKPT_HDR_PIPE		one per pipe whose ends the process holds
 *	CKPT_HDR_MM		the mm's own fields and the number of VMAs
 *	CKPT_HDR_VMA		one per VMA, in ascending address order
 *	CKPT_HDR_AUXV		the auxiliary vector the process started with
 *	CKPT_HDR_PAGES		runs of saved pages, ascending, each inside
 *				one VMA
 *	CKPT_HDR_TAIL		counts of what came before
 *
 * The record type numbers come in ranges with gaps, one range per kind
 * of state.  A number, once published, is never reused: a retired type
 * stays here as a comment.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ioctls of /dev/checkpoint */

#define CKPT_IOC_MAGIC		0xC7

/**
 * struct ckpt_checkpoint_args - arguments of CKPT_IOC_CHECKPOINT
 * @size:	sizeof(struct ckpt_checkpoint_args) as the caller knows it;
 *		the structure grows at its end only.
 * @pid:	target process, in the caller's pid namespace
 * @fd:		where the image is written: any file open for writing
 *		(regular file, pipe, socket); written sequentially from its
 *		current position, never seeked
 * @flags:	CKPT_CHECKPOINT_* flags
 * @errbuf:	optional user pointer to a buffer that receives a
 *		NUL-terminated message explaining a failure (0: none)
 * @errbuf_len:	size of @errbuf in bytes
 * @reserved:	must be zero
 *
 * This is sys_checkpoint(pid, fd, flags) of the 2008-2010 patchset,
 * passed through an ioctl.
 */
struct ckpt_checkpoint_args {
	__u32 size;
	__s32 pid;
	__s32 fd;
	__u32 errbuf_len;
	__u64 flags;
	__u64 errbuf;
	__u64 reserved[2];
};

/* Kill the target with SIGKILL once its image is complete. */
#define CKPT_CHECKPOINT_KILL	0x0000000000000001ULL
#define CKPT_CHECKPOINT_FLAGS	(CKPT_CHECKPOINT_KILL)

#define CKPT_IOC_CHECKPOINT	_IOW(CKPT_IOC_MAGIC, 1, struct ckpt_checkpoint_args)

/**
 * struct ckpt_restart_args - arguments of CKPT_IOC_RESTART
 * @size:	sizeof(struct ckpt_restart_args) as the caller knows it
 * @fd:		the image stream, open for reading; read once, in order,
 *		from its current position (a pipe works as well as a file)
 * @status_fd:	-1, or a file open for writing (a pipe to the caller's
 *		parent) that receives a one-line reason if the restart fails
 * @flags:	CKPT_RESTART_* flags
 * @errbuf:	optional user pointer to a buffer that receives a
 *		NUL-terminated message explaining a failure (0: none)
 * @errbuf_len:	size of @errbuf in bytes
 * @pipes:	user pointer to @nr_pipes struct ckpt_restart_pipe, or 0
 * @nr_pipes:	one per CKPT_HDR_PIPE record of the image
 * @reserved:	must be zero
 * @inherit:	user pointer to @nr_inherit __s32 descriptors, in
 *		ascending order, or 0 (since the second version of this
 *		structure, 64 bytes)
 * @nr_inherit:	how many, at most CKPT_INHERIT_MAX
 * @reserved2:	must be zero
 *
 * This is sys_restart(fd, flags) of the 2008-2010 patchset.  The calling
 * task becomes the checkpointed one: its memory is replaced by the
 * image's, its registers are loaded through the regsets (with the
 * validation PTRACE_SETREGSET applies), and the ioctl "returns" into the
 * restored program.  The task keeps the caller's credentials: nothing in
 * an image can change them.
 *
 * Errors found before the caller's memory is touched return -1 with
 * errno, @errbuf and @status_fd set, and leave the caller intact.  After
 * that point the task is killed with SIGKILL and only @status_fd can say
 * why.  When the restored program starts, the caller's descriptors above
 * 2 are closed, @fd and @status_fd included, and the image's are
 * installed: end of file on @status_fd without a message means success.
 *
 * Each descriptor in @inherit is one of the image's: the restored
 * program gets there the file the caller has open at that number,
 * instead of the image's, as CRIU's --inherit-fd does.  That is how a
 * pipe, a socket or a terminal to the outside, which no path reopens,
 * is handed over; any other descriptor may be too.  None may be @fd,
 * @status_fd or a passed pipe's end, and each must be open in the
 * caller and be a descriptor of the image.
 */
struct ckpt_restart_args {
	__u32 size;
	__s32 fd;
	__s32 status_fd;
	__u32 errbuf_len;
	__u64 flags;
	__u64 errbuf;
	__u64 pipes;
	__u32 nr_pipes;
	__u32 reserved;
	__u64 inherit;
	__u32 nr_inherit;
	__u32 reserved2;
};

/*
 * ckpt_restart_args::flags: reopen the regular files of descriptors whose
 * size or modification time changed since the checkpoint (a log someone
 * else appended to); they must still be the same inode of the same
 * device.  Mapped files are always checked.
 */
#define CKPT_RESTART_CHANGED_FILES	0x00000001
#define CKPT_RESTART_FLAGS		CKPT_RESTART_CHANGED_FILES

/* The most descriptors ckpt_restart_args::inherit may name. */
#define CKPT_INHERIT_MAX	1024

/**
 * struct ckpt_restart_pipe - a pipe the caller made for restart
 * @id:		the CKPT_HDR_PIPE record it stands for (its @id)
 * @read_fd:	the caller's descriptor of its read end
 * @write_fd:	the caller's descriptor of its write end
 *
 * A module cannot make pipes, so the caller of CKPT_IOC_RESTART makes one
 * (pipe2(2)) for each CKPT_HDR_PIPE record of the image, sized as the
 * record says (F_SETPIPE_SZ), and passes them through
 * ckpt_restart_args::pipes, an array of @nr_pipes of these.  Restart
 * puts their ends where the image had them and the saved data in them.
 */
struct ckpt_restart_pipe {
	__u64 id;
	__s32 read_fd;
	__s32 write_fd;
};

#define CKPT_IOC_RESTART	_IOW(CKPT_IOC_MAGIC, 2, struct ckpt_restart_args)

/* The image */

/* An image starts with a CKPT_HDR_HEADER record that holds this magic. */
#define CKPT_MAGIC		"\177CKPTIMG"
#define CKPT_MAGIC_LEN		8

#define CKPT_VERSION		1

/* enum ckpt_arch: the architecture an image was taken on */
#define CKPT_ARCH_X86_64	1

/* Record types (struct ckpt_hdr::type) */
#define CKPT_HDR_HEADER		1
#define CKPT_HDR_TASK		100
#define CKPT_HDR_FS		101
#define CKPT_HDR_CPU		200
#define CKPT_HDR_XSTATE		201
#define CKPT_HDR_MM		300
#define CKPT_HDR_VMA		301
#define CKPT_HDR_PAGES		302
#define CKPT_HDR_AUXV		303
#define CKPT_HDR_FILE		400
#define CKPT_HDR_PIPE		401
#define CKPT_HDR_FILE_DATA	402
#define CKPT_HDR_SIGNALS	500
#define CKPT_HDR_SIGPENDING	501
#define CKPT_HDR_ITIMERS	502
#define CKPT_HDR_TAIL		9000

/**
 * struct ckpt_hdr - the start of every record
 * @type:	CKPT_HDR_*
 * @len:	length of the whole record in bytes, this header included
 */
struct ckpt_hdr {
	__u32 type;
	__u32 len;
};

/**
 * struct ckpt_const - what the image depends on, checked one by one
 * @page_size:		PAGE_SIZE of the checkpointed kernel
 * @task_comm_len:	TASK_COMM_LEN
 * @xstate_size:	size of the user xstate buffer (the NT_X86_XSTATE
 *			regset), i.e. of CKPT_HDR_XSTATE's data
 * @reserved:		zero
 * @xfeatures:		user xfeatures the kernel supported (XCR0 bits it
 *			exposes to user space)
 * @task_size:		TASK_SIZE_MAX: the first address above user space
 */
struct ckpt_const {
	__u32 page_size;
	__u32 task_comm_len;
	__u32 xstate_size;
	__u32 reserved;
	__u64 xfeatures;
	__u64 task_size;
};

#define CKPT_RELEASE_LEN	65	/* __NEW_UTS_LEN + 1 */

/**
 * struct ckpt_hdr_header - CKPT_HDR_HEADER, the first record
 * @h:		type CKPT_HDR_HEADER
 * @magic:	CKPT_MAGIC
 * @version:	CKPT_VERSION
 * @arch:	CKPT_ARCH_*
 * @flags:	the CKPT_CHECKPOINT_* flags of the checkpoint
 * @time:	when the checkpoint was taken, seconds since the epoch
 * @release:	the kernel's utsname release, NUL-terminated (informational:
 *		restart never demands the same kernel)
 * @reserved:	zero
 * @constants:	what restart checks against its own kernel and CPU
 */
struct ckpt_hdr_header {
	struct ckpt_hdr h;
	__u8 magic[CKPT_MAGIC_LEN];
	__u32 version;
	__u32 arch;
	__u64 flags;
	__s64 time;
	char release[CKPT_RELEASE_LEN];
	__u8 reserved[7];
	struct ckpt_const constants;
};

/* ckpt_hdr_task::task_flags */
#define CKPT_TASK_NO_NEW_PRIVS	0x00000001	/* prctl(PR_SET_NO_NEW_PRIVS) */
#define CKPT_TASK_ITIMERS	0x00000002	/* CKPT_HDR_ITIMERS follows */

/* The resource limits saved: RLIMIT_CPU .. RLIMIT_RTTIME */
#define CKPT_RLIM_NLIMITS	16

/* ckpt_hdr_task::restart: how the interrupted syscall would resume */
#define CKPT_RESTART_NONE		0	/* not in a syscall */
#define CKPT_RESTART_RETURN		1	/* returns @syscall_ret as is */
#define CKPT_RESTART_SYS		2	/* -ERESTARTSYS */
#define CKPT_RESTART_NOINTR		3	/* -ERESTARTNOINTR */
#define CKPT_RESTART_NOHAND		4	/* -ERESTARTNOHAND */
#define CKPT_RESTART_BLOCK		5	/* -ERESTART_RESTARTBLOCK */

/* ckpt_hdr_task::restart_block_kind: what restart_syscall() would run */
#define CKPT_RESTART_BLOCK_NONE		0
#define CKPT_RESTART_BLOCK_NANOSLEEP	1	/* hrtimer_nanosleep_restart */
#define CKPT_RESTART_BLOCK_OTHER	2	/* anything else: not restorable */

/**
 * struct ckpt_hdr_task - CKPT_HDR_TASK
 * @h:			type CKPT_HDR_TASK
 * @pid:		pid in the checkpointer's pid namespace (informational)
 * @ppid:		parent's pid, likewise (informational)
 * @uid:		real uid, as seen by the checkpointer (informational:
 *			restart never takes credentials from an image)
 * @euid:		effective uid (informational)
 * @gid:		real gid (informational)
 * @egid:		effective gid (informational)
 * @personality:	the task's personality(2)
 * @restart:		CKPT_RESTART_*: the syscall state at checkpoint
 * @syscall_nr:		the syscall the task was stopped in, or -1
 * @syscall_ret:	its return value as it stood (-ERESTART* included)
 * @restart_block_kind:	CKPT_RESTART_BLOCK_*, for CKPT_RESTART_BLOCK
 * @nanosleep_clockid:	for CKPT_RESTART_BLOCK_NANOSLEEP: the clock
 * @nanosleep_type:	for CKPT_RESTART_BLOCK_NANOSLEEP: how the time left
 *			is reported at @nanosleep_rmtp: 0 not at all,
 *			1 struct __kernel_timespec, 2 struct old_timespec32
 * @nanosleep_rmtp:	for CKPT_RESTART_BLOCK_NANOSLEEP: the user pointer
 *			for the remaining time, or 0
 * @nanosleep_expires:	for CKPT_RESTART_BLOCK_NANOSLEEP: absolute expiry,
 *			nanoseconds of @nanosleep_clockid
 * @nanosleep_now:	the same clock read at checkpoint, so that the time
 *			left is @nanosleep_expires - @nanosleep_now
 * @rseq:		the task's rseq area registered with rseq(2), or 0
 * @rseq_len:		its length
 * @rseq_sig:		its signature
 * @robust_list:	the head registered with set_robust_list(2), or 0
 * @robust_list_len:	its length
 * @clear_child_tid:	the address registered with set_tid_address(2)
 * @pdeath_signal:	the signal of prctl(PR_SET_PDEATHSIG), or 0
 * @task_flags:	CKPT_TASK_* flags
 * @rlim:		the process's resource limits, RLIMIT_* order:
 *			[i][0] soft, [i][1] hard; ~0 is RLIM_INFINITY
 * @comm:		the task's comm, NUL-padded
 *
 * Restart never raises a limit: the caller sets the image's limits on
 * itself with setrlimit(2) (which cannot go above its own hard limits)
 * and the module checks that they are what the image says, as it does
 * for the personality, the parent-death signal and no_new_privs.
 */
struct ckpt_hdr_task {
	struct ckpt_hdr h;
	__s32 pid;
	__s32 ppid;
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 personality;
	__u32 restart;
	__s64 syscall_nr;
	__s64 syscall_ret;
	__u32 restart_block_kind;
	__s32 nanosleep_clockid;
	__u32 nanosleep_type;
	__u32 reserved;
	__u64 nanosleep_rmtp;
	__s64 nanosleep_expires;
	__s64 nanosleep_now;
	__u64 rseq;
	__u32 rseq_len;
	__u32 rseq_sig;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 clear_child_tid;
	__u32 pdeath_signal;
	__u32 task_flags;
	__u64 rlim[CKPT_RLIM_NLIMITS][2];
	char comm[16];
};

/**
 * struct ckpt_hdr_fs - CKPT_HDR_FS: the task's filesystem context
 * @h:		type CKPT_HDR_FS; @h.len covers @cwd
 * @umask:	the file mode creation mask
 * @cwd_len:	bytes in @cwd, its terminating NUL included
 * @cwd:	the working directory, as d_path() gives it in the
 *		checkpointer's root; zero-padded to a multiple of 8 bytes
 *
 * Checkpoint refuses a task whose root directory is not the
 * checkpointer's.  The caller of restart enters @cwd and sets @umask
 * itself (chdir(2), umask(2)); the module checks them.
 */
struct ckpt_hdr_fs {
	struct ckpt_hdr h;
	__u32 umask;
	__u32 cwd_len;
	char cwd[];
};

/**
 * struct ckpt_hdr_cpu - CKPT_HDR_CPU: the general purpose registers
 *
 * The fields are those of the NT_PRSTATUS regset (struct user_regs_struct,
 * what PTRACE_GETREGS returns), in the same order.  @orig_ax is the number
 * of the syscall being executed, or -1.
 */
struct ckpt_hdr_cpu {
	struct ckpt_hdr h;
	__u64 r15;
	__u64 r14;
	__u64 r13;
	__u64 r12;
	__u64 bp;
	__u64 bx;
	__u64 r11;
	__u64 r10;
	__u64 r9;
	__u64 r8;
	__u64 ax;
	__u64 cx;
	__u64 dx;
	__u64 si;
	__u64 di;
	__u64 orig_ax;
	__u64 ip;
	__u64 cs;
	__u64 flags;
	__u64 sp;
	__u64 ss;
	__u64 fs_base;
	__u64 gs_base;
	__u64 ds;
	__u64 es;
	__u64 fs;
	__u64 gs;
};

/**
 * struct ckpt_hdr_xstate - CKPT_HDR_XSTATE: FPU, SSE, AVX, ... state
 * @h:		type CKPT_HDR_XSTATE
 * @xfeatures:	XSTATE_BV of the saved state: the components present
 * @size:	bytes of @data; equal to ckpt_const::xstate_size
 * @reserved:	zero
 * @data:	the NT_X86_XSTATE regset: a standard-format (not compacted)
 *		XSAVE area, the layout PTRACE_GETREGSET uses
 */
struct ckpt_hdr_xstate {
	struct ckpt_hdr h;
	__u64 xfeatures;
	__u32 size;
	__u32 reserved;
	__u8 data[];
};

/* One signal's disposition, as struct sigaction gives it on x86-64. */
struct ckpt_sigaction {
	__u64 handler;		/* SIG_DFL (0), SIG_IGN (1) or an address */
	__u64 flags;		/* SA_* */
	__u64 restorer;		/* sa_restorer */
	__u64 mask;		/* sa_mask: bit n-1 is signal n */
};

#define CKPT_NSIG		64

/**
 * struct ckpt_hdr_signals - CKPT_HDR_SIGNALS: the task's signal state
 * @h:		type CKPT_HDR_SIGNALS
 * @blocked:	the blocked mask: bit n-1 is signal n
 * @ss_sp:	the alternate signal stack (sigaltstack(2)), or 0
 * @ss_size:	its size
 * @ss_flags:	its flags (SS_AUTODISARM)
 * @nr_pending:	CKPT_HDR_SIGPENDING records that follow
 * @action:	the disposition of signals 1..64, in order
 *
 * The caller of restart installs @action and the alternate stack itself
 * (sigaction(2), sigaltstack(2), which refuse what a task may not set)
 * with every signal blocked; the module checks them, then sets @blocked
 * and queues the pending signals once the memory they refer to is back.
 */
struct ckpt_hdr_signals {
	struct ckpt_hdr h;
	__u64 blocked;
	__u64 ss_sp;
	__u64 ss_size;
	__u32 ss_flags;
	__u32 nr_pending;
	struct ckpt_sigaction action[CKPT_NSIG];
};

/*
 * ckpt_hdr_sigpending::queue.  With one thread to deliver to, restart
 * queues both kinds on the task's own queue, but for a shared signal the
 * kernel sent with no sender (si_code SI_KERNEL, the rest zero), as
 * ITIMER_REAL sends SIGALRM: it goes back to the shared queue.
 */
#define CKPT_SIGQUEUE_PRIVATE	0	/* the task's own pending queue */
#define CKPT_SIGQUEUE_SHARED	1	/* the process's shared queue */

/**
 * struct ckpt_hdr_sigpending - CKPT_HDR_SIGPENDING: one pending signal
 * @h:		type CKPT_HDR_SIGPENDING
 * @signo:	the signal, 1..64 (not SIGKILL or SIGSTOP)
 * @queue:	CKPT_SIGQUEUE_*
 * @info:	its siginfo_t, as user space sees it (128 bytes)
 */
struct ckpt_hdr_sigpending {
	struct ckpt_hdr h;
	__u32 signo;
	__u32 queue;
	__u8 info[128];
};

/* ckpt_hdr_itimers::timer[]: the which of setitimer(2) */
#define CKPT_ITIMER_REAL	0
#define CKPT_ITIMER_VIRTUAL	1
#define CKPT_ITIMER_PROF	2
#define CKPT_NR_ITIMERS		3

/* The longest value or interval a timer may have: KTIME_MAX nanoseconds. */
#define CKPT_ITIMER_MAX_NS	0x7fffffffffffffffULL

/**
 * struct ckpt_itimer - one interval timer, as getitimer(2) reads it
 * @value_ns:		time to the next expiry, in nanoseconds; 0 if the
 *			timer is disarmed, or (ITIMER_REAL only) if it has
 *			expired and its SIGALRM, pending, rearms it when
 *			dequeued
 * @interval_ns:	the period it is rearmed with; 0 for a one-shot
 */
struct ckpt_itimer {
	__u64 value_ns;
	__u64 interval_ns;
};

/**
 * struct ckpt_hdr_itimers - CKPT_HDR_ITIMERS: the setitimer(2) timers
 * @h:		type CKPT_HDR_ITIMERS
 * @timer:	indexed by CKPT_ITIMER_*
 *
 * Present, after the pending signals, when the task had a timer armed
 * (CKPT_TASK_ITIMERS); restart arms them with the time that was left
 * at checkpoint, so the time between the two does not count:
 * ITIMER_REAL in wall time, ITIMER_VIRTUAL and ITIMER_PROF in the
 * restored process's CPU time.
 */
struct ckpt_hdr_itimers {
	struct ckpt_hdr h;
	struct ckpt_itimer timer[CKPT_NR_ITIMERS];
};

/**
 * struct ckpt_hdr_mm - CKPT_HDR_MM: the fields of the mm itself
 * @h:		type CKPT_HDR_MM
 * @nr_vmas:	number of CKPT_HDR_VMA records that follow
 * @reserved:	zero
 * @start_code..@env_end: as in struct mm_struct (and /proc/PID/stat)
 */
struct ckpt_hdr_mm {
	struct ckpt_hdr h;
	__u32 nr_vmas;
	__u32 reserved;
	__u64 start_code;
	__u64 end_code;
	__u64 start_data;
	__u64 end_data;
	__u64 start_brk;
	__u64 brk;
	__u64 start_stack;
	__u64 arg_start;
	__u64 arg_end;
	__u64 env_start;
	__u64 env_end;
};

/**
 * struct ckpt_hdr_auxv - CKPT_HDR_AUXV: the auxiliary vector
 * @h:		type CKPT_HDR_AUXV; @h.len covers @words
 * @nr_words:	number of 64-bit words in @words: (type, value) pairs up
 *		to and including AT_NULL
 * @reserved:	zero
 * @words:	the vector getauxval(3) and /proc/PID/auxv read
 */
struct ckpt_hdr_auxv {
	struct ckpt_hdr h;
	__u32 nr_words;
	__u32 reserved;
	__u64 words[];
};

/* ckpt_hdr_vma::kind */
#define CKPT_VMA_ANON		1	/* anonymous memory, private */
#define CKPT_VMA_FILE		2	/* a mapping of @name, by path */
#define CKPT_VMA_SPECIAL	3	/* kernel-provided: [vdso], [vvar] */

/* ckpt_hdr_vma::flags */
#define CKPT_VMA_READ		0x00000001	/* PROT_READ */
#define CKPT_VMA_WRITE		0x00000002	/* PROT_WRITE */
#define CKPT_VMA_EXEC		0x00000004	/* PROT_EXEC */
#define CKPT_VMA_SHARED		0x00000008	/* MAP_SHARED */
#define CKPT_VMA_MAYREAD	0x00000010	/* mprotect may add PROT_READ */
#define CKPT_VMA_MAYWRITE	0x00000020	/* ... PROT_WRITE */
#define CKPT_VMA_MAYEXEC	0x00000040	/* ... PROT_EXEC */
#define CKPT_VMA_GROWSDOWN	0x00000080	/* a stack: MAP_GROWSDOWN */
#define CKPT_VMA_LOCKED		0x00000100	/* mlock()ed */
#define CKPT_VMA_DONTFORK	0x00000200	/* MADV_DONTFORK */
#define CKPT_VMA_DONTDUMP	0x00000400	/* MADV_DONTDUMP */
#define CKPT_VMA_HEAP		0x00000800	/* /proc/PID/maps' [heap] */
#define CKPT_VMA_STACK		0x00001000	/* /proc/PID/maps' [stack] */
#define CKPT_VMA_DELETED	0x00002000	/* the file was unlinked */
#define CKPT_VMA_NORESERVE	0x00004000	/* MAP_NORESERVE */
#define CKPT_VMA_HUGEPAGE	0x00008000	/* MADV_HUGEPAGE */
#define CKPT_VMA_NOHUGEPAGE	0x00010000	/* MADV_NOHUGEPAGE */
#define CKPT_VMA_WIPEONFORK	0x00020000	/* MADV_WIPEONFORK: no pages saved */
#define CKPT_VMA_SEQ_READ	0x00040000	/* MADV_SEQUENTIAL */
#define CKPT_VMA_RAND_READ	0x00080000	/* MADV_RANDOM */

/**
 * struct ckpt_hdr_vma - CKPT_HDR_VMA: one virtual memory area
 * @h:		type CKPT_HDR_VMA; @h.len covers @name
 * @start:	first address, page aligned
 * @end:	first address after the area, page aligned
 * @pgoff:	offset in the file, in bytes (CKPT_VMA_FILE only)
 * @kind:	CKPT_VMA_ANON, _FILE or _SPECIAL
 * @flags:	CKPT_VMA_* flags
 * @dev:	the file's device, new_encode_dev() form (CKPT_VMA_FILE)
 * @ino:	the file's inode number (CKPT_VMA_FILE)
 * @size:	the file's size at checkpoint (CKPT_VMA_FILE)
 * @mtime_sec:	its modification time (CKPT_VMA_FILE)
 * @mtime_nsec:	likewise, nanoseconds
 * @name_len:	bytes in @name, its terminating NUL included
 * @name:	for CKPT_VMA_FILE the file's path as d_path() gives it in the
 *		checkpointer's root; otherwise the name /proc/PID/maps shows
 *		("[heap]", "[stack]", "[vdso]", "[vvar]", ...) or "".  The
 *		record is padded with zeroes to a multiple of 8 bytes.
 */
struct ckpt_hdr_vma {
	struct ckpt_hdr h;
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 kind;
	__u32 flags;
	__u64 dev;
	__u64 ino;
	__u64 size;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 name_len;
	char name[];
};

/* ckpt_hdr_file::fd_flags */
#define CKPT_FD_CLOEXEC		0x00000001	/* FD_CLOEXEC */

/* ckpt_hdr_file::file_flags */
#define CKPT_FILE_DELETED	0x00000001	/* unlinked: contents follow */

/**
 * struct ckpt_hdr_file - CKPT_HDR_FILE: one open file descriptor
 * @h:		type CKPT_HDR_FILE; @h.len covers @name
 * @fd:		the descriptor's number
 * @fd_flags:	CKPT_FD_* flags of the descriptor
 * @file_id:	the open file it refers to: descriptors that share one
 *		(dup(2)) have the same id; ids count from 0 in order of
 *		first appearance, and only the first record of an id
 *		describes the file
 * @f_flags:	the open file's flags: O_ACCMODE, O_APPEND, O_NONBLOCK, ...
 * @mode:	i_mode of the file's inode: its type (S_IFMT) and permissions
 * @file_flags:	CKPT_FILE_* flags of the open file (first record of an id)
 * @pos:	the file position
 * @dev:	the file's device, new_encode_dev() form
 * @ino:	the file's inode number
 * @rdev:	for a device, the device it is, new_encode_dev() form
 * @size:	the file's size
 * @mtime_sec:	its modification time
 * @mtime_nsec:	likewise, nanoseconds
 * @name_len:	bytes in @name, its terminating NUL included
 * @name:	the file's path as d_path() gives it in the checkpointer's
 *		root ("pipe:[1234]", "socket:[1234]", "anon_inode:[eventfd]"
 *		for what has no path), without the " (deleted)" d_path()
 *		appends for CKPT_FILE_DELETED; zero-padded to a multiple of
 *		8 bytes
 *
 * Records come in ascending @fd order.  Restart reopens regular files,
 * directories, FIFOs and the character devices /dev/null, /dev/zero,
 * /dev/full, /dev/random, /dev/urandom and /dev/tty by path, as its
 * caller, at the same descriptor, with the same flags and position,
 * refusing a file whose identity changed; it gives the ends of a pipe
 * the process held both ends of (see struct ckpt_hdr_pipe) back.
 * Descriptors 0, 1 and 2 that were anything else (a terminal, a pipe or
 * a socket to the outside) are the restart command's own.  A regular
 * file deleted while open (CKPT_FILE_DELETED) is followed by its
 * contents, CKPT_HDR_FILE_DATA records, and comes back as an unlinked
 * file (O_TMPFILE) in the directory @name was in, holding them, owned by
 * the caller, with the permissions of @mode; its identity fields are
 * informational.  Checkpoint refuses any other kind of descriptor, and
 * a FIFO holding data, naming it.
 */
struct ckpt_hdr_file {
	struct ckpt_hdr h;
	__s32 fd;
	__u32 fd_flags;
	__u32 file_id;
	__u32 f_flags;
	__u32 mode;
	__u32 file_flags;
	__u64 pos;
	__u64 dev;
	__u64 ino;
	__u64 rdev;
	__u64 size;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 name_len;
	char name[];
};

/* The most bytes one CKPT_HDR_FILE_DATA record holds. */
#define CKPT_FILE_DATA_MAX	65536

/**
 * struct ckpt_hdr_file_data - CKPT_HDR_FILE_DATA: part of a deleted file
 * @h:		type CKPT_HDR_FILE_DATA; @h.len covers @data
 * @file_id:	the open file: that of the CKPT_HDR_FILE record before
 * @nr_bytes:	bytes in @data, 1..CKPT_FILE_DATA_MAX
 * @offset:	where in the file they were
 * @data:	the bytes; zero-padded to a multiple of 8
 *
 * They follow the first CKPT_HDR_FILE record of a CKPT_FILE_DELETED
 * file, in ascending, non-overlapping @offset order, within its @size;
 * what lies between them, and from the last to @size, reads as zeroes
 * (holes are not saved).
 */
struct ckpt_hdr_file_data {
	struct ckpt_hdr h;
	__u32 file_id;
	__u32 nr_bytes;
	__u64 offset;
	__u8 data[];
};

/**
 * struct ckpt_hdr_pipe - CKPT_HDR_PIPE: a pipe and what it holds
 * @h:		type CKPT_HDR_PIPE; @h.len covers @data
 * @id:		the pipe's inode number: the @ino of the CKPT_HDR_FILE
 *		records of its ends ("pipe:[@id]")
 * @size:	its capacity in bytes (F_GETPIPE_SZ)
 * @nr_bytes:	bytes in @data: what was written and not yet read, at most
 *		@size
 * @data:	those bytes, in order; zero-padded to a multiple of 8
 *
 * Checkpoint saves a pipe whose read and write ends the process both
 * holds; it refuses one with an end outside, unless all the process holds
 * of it are among descriptors 0, 1 and 2, which restart replaces with its
 * own.  The data is read without being consumed.
 */
struct ckpt_hdr_pipe {
	struct ckpt_hdr h;
	__u64 id;
	__u32 size;
	__u32 nr_bytes;
	__u8 data[];
};

/* The longest run of pages one CKPT_HDR_PAGES record may carry. */
#define CKPT_PAGES_MAX		256

/**
 * struct ckpt_hdr_pages - CKPT_HDR_PAGES: contents of consecutive pages
 * @h:		type CKPT_HDR_PAGES; @h.len covers the page data
 * @addr:	address of the first page, page aligned
 * @nr_pages:	number of pages, 1..CKPT_PAGES_MAX
 * @reserved:	zero
 *
 * @nr_pages * page_size bytes of data follow.  Pages that were never
 * touched, and pages of a file mapping that were never written, are not
 * saved: they read as zeroes, or as the file, after restart.
 */
struct ckpt_hdr_pages {
	struct ckpt_hdr h;
	__u64 addr;
	__u32 nr_pages;
	__u32 reserved;
};

/**
 * struct ckpt_hdr_tail - CKPT_HDR_TAIL, the last record
 * @h:		type CKPT_HDR_TAIL
 * @nr_records:	records before this one, the header included
 * @nr_vmas:	CKPT_HDR_VMA records
 * @nr_pages:	pages saved in all CKPT_HDR_PAGES records
 * @image_len:	bytes of the image before this record
 * @magic:	CKPT_MAGIC again
 *
 * A stream that ends before its tail, or whose tail disagrees with what
 * came before it, was truncated or tampered with.
 */
struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	__u32 nr_records;
	__u32 nr_vmas;
	__u64 nr_pages;
	__u64 image_len;
	__u8 magic[CKPT_MAGIC_LEN];
};

#endif /* _UAPI_LINUX_CHECKPOINT_H */

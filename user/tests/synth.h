/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic checkpoint images for the host tests, built record by record
 * with the uapi structures, so that tests can also build wrong ones:
 * records out of order, repeated, with bad fields, or with a tail that
 * does not agree.
 */
#ifndef CKPT_SYNTH_H
#define CKPT_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include <linux/checkpoint.h>

#define SYNTH_XSTATE_SIZE	832
#define SYNTH_XFEATURES		0x7ULL
#define SYNTH_TASK_SIZE		0x7ffffffff000ULL
#define SYNTH_PAGE		4096
#define SYNTH_CWD		"/home/user"
#define SYNTH_UMASK		022
#define SYNTH_RLIM_INF		(~(uint64_t)0)
/* Where the synthetic program's code is: handlers, restorer, entry. */
#define SYNTH_SIGINT_HANDLER	0x401500ULL
#define SYNTH_SIGTERM_HANDLER	0x401540ULL
#define SYNTH_RESTORER		0x401600ULL
#define SYNTH_ENTRY		0x401000ULL
#define SYNTH_AT_RANDOM		0x7ffc00020f79ULL
/* x86-64's sigaction flags */
#define SYNTH_SA_SIGINFO	0x00000004ULL
#define SYNTH_SA_RESTORER	0x04000000ULL
#define SYNTH_SA_ONSTACK	0x08000000ULL
#define SYNTH_SA_RESTART	0x10000000ULL
#define SYNTH_SA_RESETHAND	0x80000000ULL
#define SYNTH_SIGBIT(n)		(1ULL << ((n) - 1))

struct synth {
	unsigned char *buf;
	size_t len;
	size_t cap;
	uint32_t nr_records;
	uint32_t nr_files;
	uint32_t nr_file_ids;
	uint32_t nr_vmas;
	uint64_t nr_pages;
};

void synth_init(struct synth *s);
void synth_free(struct synth *s);

/* Append a zeroed record; returns its offset (pointers move on realloc). */
size_t synth_record(struct synth *s, uint32_t type, size_t len);
void *synth_at(struct synth *s, size_t off);
/* Offset of the @nth (from 0) record of @type, or (size_t)-1. */
size_t synth_find(const struct synth *s, uint32_t type, unsigned int nth);

size_t synth_header(struct synth *s);
/*
 * A task with a parent-death signal (SIGTERM), no_new_privs, and
 * resource limits as a desktop gives them: RLIMIT_CORE 0/unlimited,
 * RLIMIT_STACK 8 MiB/unlimited, RLIMIT_NOFILE 1024/524288, and more.
 */
size_t synth_task(struct synth *s);
/* Working directory SYNTH_CWD, umask SYNTH_UMASK. */
size_t synth_fs(struct synth *s, uint32_t umask, const char *cwd);
size_t synth_cpu(struct synth *s);
size_t synth_xstate(struct synth *s);
/*
 * The signal state: SIGUSR1 and SIGUSR2 blocked, an alternate stack
 * with SS_AUTODISARM, a SIGINT handler (SA_SIGINFO, SA_RESTART,
 * SA_ONSTACK, masking SIGTERM), SIGPIPE ignored, a SIGTERM handler
 * (SA_RESETHAND), all with the restorer; @nr_pending records follow.
 */
size_t synth_signals(struct synth *s, uint32_t nr_pending);
/* A pending signal whose siginfo has @code, @pid and @uid. */
size_t synth_sigpending(struct synth *s, uint32_t signo, uint32_t queue,
			int32_t code, int32_t pid, uint32_t uid);
/*
 * The interval timers: ITIMER_REAL with @value_ns left, rearmed every
 * @interval_ns, the others disarmed.  It comes after the pending signals,
 * and only if the task record has CKPT_TASK_ITIMERS (synth_start_itimers()
 * sets it).
 */
size_t synth_itimers(struct synth *s, uint64_t value_ns, uint64_t interval_ns);
/*
 * A descriptor of a file of @mode, open with @f_flags (the kernel's O_*):
 * a new file_id.
 */
size_t synth_file(struct synth *s, int32_t fd, uint32_t fd_flags,
		  uint32_t f_flags, uint32_t mode, const char *name);
/* A descriptor that shares the file of the record at @of (dup()). */
size_t synth_dup(struct synth *s, int32_t fd, uint32_t fd_flags, size_t of);
/*
 * An end of pipe @id: a FIFO named "pipe:[@id]" of inode @id, open for
 * reading (@write 0) or writing: a new file_id.
 */
size_t synth_pipe_end(struct synth *s, int32_t fd, uint32_t fd_flags,
		      uint64_t id, int write);
/* A pipe record: capacity @size, holding the @nr_bytes of @data. */
size_t synth_pipe(struct synth *s, uint64_t id, uint32_t size,
		  const void *data, uint32_t nr_bytes);
size_t synth_mm(struct synth *s, uint32_t nr_vmas);
/*
 * An auxiliary vector of SYNTH_AUXV_PAIRS pairs, AT_NULL included:
 * AT_PHDR, AT_ENTRY (SYNTH_ENTRY), AT_RANDOM (SYNTH_AT_RANDOM), ...
 * It comes after the VMAs, before the pages.
 */
size_t synth_auxv(struct synth *s);
#define SYNTH_AUXV_PAIRS	15
size_t synth_vma(struct synth *s, uint64_t start, uint64_t end, uint32_t kind,
		 uint32_t flags, const char *name);
/* Contents: a pattern derived from the address, so tests can check it. */
size_t synth_pages(struct synth *s, uint64_t addr, uint32_t nr);
/* A tail that agrees with what was added. */
size_t synth_tail(struct synth *s);

/*
 * The first records: header, task, fs, cpu, xstate, signals and two
 * pending signals: SIGUSR1 in the private queue (tkill() from pid 4000)
 * and SIGUSR2 in the shared one (kill() from pid 4001).
 */
void synth_start(struct synth *s);
/* The same in another working directory, with another umask. */
void synth_start_in(struct synth *s, uint32_t umask, const char *cwd);
#define SYNTH_START_RECORDS	8
#define SYNTH_PENDING		2
/*
 * synth_start(), then CKPT_TASK_ITIMERS and the timers: ITIMER_REAL with
 * SYNTH_ITIMER_VALUE ns left, every SYNTH_ITIMER_INTERVAL ns.
 */
void synth_start_itimers(struct synth *s);
#define SYNTH_ITIMER_VALUE	1500000000ULL
#define SYNTH_ITIMER_INTERVAL	200000000ULL
/*
 * Descriptors 0 to 5: /dev/null read-only, a non-blocking pipe to the
 * outside (pipe:[1234], not saved) write-only, a terminal read-write in
 * append mode, close-on-exec; then the read end (fd 3) and the write end
 * (fd 4) of pipe:[SYNTH_PIPE_ID], and fd 5 a close-on-exec dup() of
 * fd 4 (file_id 4): five open files.
 */
void synth_std_files(struct synth *s);
#define SYNTH_STD_FILES	6
#define SYNTH_STD_FILE_IDS	5
/*
 * The pipe record of synth_std_files()' pipe: capacity SYNTH_PIPE_SIZE,
 * holding SYNTH_PIPE_DATA.  It comes after every file record.
 */
void synth_std_pipes(struct synth *s);
#define SYNTH_STD_PIPES		1
#define SYNTH_PIPE_ID		777
#define SYNTH_PIPE_SIZE		65536
#define SYNTH_PIPE_DATA		"hello, pipe\n"
#define SYNTH_PIPE_BYTES	12
/*
 * synth_start(), synth_std_files() and synth_std_pipes(): what comes
 * before the mm.
 */
void synth_prologue(struct synth *s);

/*
 * Descriptors from 6 on, one of each kind: a regular file at a position,
 * a directory, a socket, a block device, an anonymous inode (no type),
 * an O_PATH symbolic link, a file whose name has an escape sequence and
 * a newline, and one open for ioctls only at fd 100.  They go between
 * synth_std_files() and synth_std_pipes().
 */
void synth_more_files(struct synth *s);

/*
 * A file deleted while open at SYNTH_DELETED_FD, O_RDWR at position 100,
 * SYNTH_DELETED_SIZE bytes of which two runs saved (100 bytes at 0, 4 at
 * 131072), dup()ed at the next fd, with FD_CLOEXEC.
 */
#define SYNTH_DELETED_FD	150
#define SYNTH_DELETED_SIZE	200000
#define SYNTH_DELETED_SAVED	104
void synth_deleted_file(struct synth *s);

/* The kernel's open flags (x86-64), which the C library's differ from. */
#define K_WRONLY	00000001
#define K_RDWR		00000002
#define K_APPEND	00002000
#define K_NONBLOCK	00004000
#define K_LARGEFILE	00100000
#define K_DIRECTORY	00200000
#define K_NOFOLLOW	00400000
#define K_PATH		010000000

/* Part of a deleted file: a CKPT_HDR_FILE_DATA record. */
size_t synth_file_data(struct synth *s, uint32_t file_id, uint64_t offset,
		       const void *data, uint32_t nr_bytes);
#define SYNTH_MORE_FILES	8

/*
 * A whole, valid image of a small process: a file mapping, a written
 * private file mapping, [heap], an anonymous area with a full run of
 * CKPT_PAGES_MAX pages, [stack] and [vdso].  @extra_pages more pages go
 * in the anonymous area, to make images of many chunks.
 */
void synth_standard(struct synth *s, uint32_t extra_pages);
#define SYNTH_STD_VMAS	6
/* What synth_standard() adds after synth_prologue(): mm to tail. */
void synth_standard_memory(struct synth *s, uint32_t extra_pages);
/* The records of synth_standard(), the tail included. */
#define SYNTH_STD_RECORDS	(SYNTH_START_RECORDS + SYNTH_STD_FILES + \
				 SYNTH_STD_PIPES + 2 + SYNTH_STD_VMAS + 6 + 1)
/*
 * The smallest memory map: mm, one anonymous VMA at 0x10000000, without
 * special mappings, auxv, one saved page; then the tail.
 */
void synth_small_memory(struct synth *s);

#endif /* CKPT_SYNTH_H */

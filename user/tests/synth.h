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

struct synth {
	unsigned char *buf;
	size_t len;
	size_t cap;
	uint32_t nr_records;
	uint32_t nr_files;
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
size_t synth_task(struct synth *s);
size_t synth_cpu(struct synth *s);
size_t synth_xstate(struct synth *s);
/* A descriptor of a file of @mode, open with @f_flags (the kernel's O_*). */
size_t synth_file(struct synth *s, int32_t fd, uint32_t fd_flags,
		  uint32_t f_flags, uint32_t mode, const char *name);
size_t synth_mm(struct synth *s, uint32_t nr_vmas);
size_t synth_vma(struct synth *s, uint64_t start, uint64_t end, uint32_t kind,
		 uint32_t flags, const char *name);
/* Contents: a pattern derived from the address, so tests can check it. */
size_t synth_pages(struct synth *s, uint64_t addr, uint32_t nr);
/* A tail that agrees with what was added. */
size_t synth_tail(struct synth *s);

/* The first records: header, task, cpu, xstate. */
void synth_start(struct synth *s);
/*
 * Descriptors 0, 1 and 2: /dev/null read-only, a non-blocking pipe
 * write-only, and a terminal read-write in append mode, close-on-exec.
 */
void synth_std_files(struct synth *s);
#define SYNTH_STD_FILES	3
/* synth_start() then synth_std_files(): what comes before the mm. */
void synth_prologue(struct synth *s);

/*
 * Descriptors from 3 on, one of each kind: a regular file at a position,
 * a directory, a socket, a block device, an anonymous inode (no type),
 * an O_PATH symbolic link, one open for ioctls only at fd 100, and a
 * file whose name has an escape sequence and a newline.
 */
void synth_more_files(struct synth *s);
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

#endif /* CKPT_SYNTH_H */

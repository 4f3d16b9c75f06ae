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
size_t synth_mm(struct synth *s, uint32_t nr_vmas);
size_t synth_vma(struct synth *s, uint64_t start, uint64_t end, uint32_t kind,
		 uint32_t flags, const char *name);
/* Contents: a pattern derived from the address, so tests can check it. */
size_t synth_pages(struct synth *s, uint64_t addr, uint32_t nr);
/* A tail that agrees with what was added. */
size_t synth_tail(struct synth *s);

/* The first records: header, task, cpu, xstate. */
void synth_prologue(struct synth *s);

/*
 * A whole, valid image of a small process: a file mapping, a written
 * private file mapping, [heap], an anonymous area with a full run of
 * CKPT_PAGES_MAX pages, [stack] and [vdso].  @extra_pages more pages go
 * in the anonymous area, to make images of many chunks.
 */
void synth_standard(struct synth *s, uint32_t extra_pages);
#define SYNTH_STD_VMAS	6

#endif /* CKPT_SYNTH_H */

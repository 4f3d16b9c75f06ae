/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing and validating a checkpoint image, with the structures of
 * <linux/checkpoint.h> (the only description of the format).
 *
 * The parser is fed the image in pieces of any size, as they come out of
 * a pipe or a decrypting reader, and keeps only what describes the
 * process: page contents stream through.  Every byte is hostile: each
 * length, count, order and range is checked before use, and an error
 * names the record, its type, its offset in the image and the field.
 */
#ifndef CKPT_IMAGE_H
#define CKPT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/checkpoint.h>

/* Bounds a reader puts on what an image may claim. */
#define CKPT_IMAGE_NAME_MAX	4096		/* PATH_MAX, NUL included */
#define CKPT_IMAGE_XSTATE_MAX	(1024 * 1024)
#define CKPT_IMAGE_MAX_VMAS	(1U << 24)
#define CKPT_IMAGE_MAX_FILES	(1U << 20)	/* the default of fs.nr_open */
#define CKPT_IMAGE_MAX_PENDING	(1U << 16)	/* pending signals */
#define CKPT_IMAGE_AUXV_MAX	1024		/* words of the auxiliary vector */
#define CKPT_IMAGE_MAX_PIPES	4096		/* CKPT_HDR_PIPE records */
#define CKPT_IMAGE_PIPE_MIN	4096		/* a pipe's capacity: one page */
#define CKPT_IMAGE_PIPE_MAX	(1U << 30)	/* ... up to 1 GiB */
#define CKPT_IMAGE_PAGE_SIZE	4096		/* x86-64 */

/* One VMA as the image gives it, and how many of its pages it saves. */
struct image_vma {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	uint64_t dev;
	uint64_t ino;
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint32_t kind;
	uint32_t flags;
	char *name;
	uint64_t saved_pages;
};

/* One open file descriptor as the image gives it. */
struct image_file {
	int32_t fd;
	uint32_t fd_flags;
	uint32_t file_id;		/* shared by dup()ed descriptors */
	uint32_t f_flags;
	uint32_t mode;
	uint64_t pos;
	uint64_t dev;
	uint64_t ino;
	uint64_t rdev;
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint32_t file_flags;		/* CKPT_FILE_* */
	uint64_t data_bytes;		/* of a deleted file: bytes saved */
	uint64_t data_end;		/* and the end of the last of them */
	char *name;
};

/*
 * One pipe (CKPT_HDR_PIPE): what it is, not what it holds; its data
 * streams past, like page contents.
 */
struct image_pipe {
	uint64_t id;			/* its inode number: "pipe:[id]" */
	uint32_t size;			/* its capacity in bytes */
	uint32_t nr_bytes;		/* bytes it held */
};

/* The filesystem context (CKPT_HDR_FS). */
struct image_fs {
	uint32_t umask;
	char *cwd;			/* an absolute path */
};

/* One pending signal (CKPT_HDR_SIGPENDING). */
struct image_sigpending {
	uint32_t signo;
	uint32_t queue;			/* CKPT_SIGQUEUE_* */
	unsigned char info[128];	/* the user siginfo_t */
};

/* What the parser keeps of an image: everything but memory contents. */
struct ckpt_image {
	struct ckpt_hdr_header header;
	struct ckpt_hdr_task task;
	struct image_fs fs;
	struct ckpt_hdr_cpu cpu;
	uint64_t xstate_features;
	uint32_t xstate_size;
	struct ckpt_hdr_signals signals;
	struct image_sigpending *pending;	/* private, then shared */
	size_t nr_pending;
	bool has_itimers;		/* CKPT_TASK_ITIMERS: @itimers is in */
	struct ckpt_hdr_itimers itimers;
	struct image_file *files;	/* in ascending fd order */
	size_t nr_files;
	uint32_t nr_file_ids;		/* distinct open files */
	struct image_pipe *pipes;	/* in ascending id order */
	size_t nr_pipes;
	struct ckpt_hdr_mm mm;
	uint64_t *auxv;			/* (type, value) pairs, AT_NULL last */
	uint32_t nr_auxv_words;
	struct image_vma *vmas;
	size_t nr_vmas;
	uint64_t nr_pages;		/* pages saved */
	uint64_t nr_page_records;
	bool map_complete;		/* every record before the pages is in */
	uint64_t nr_records;		/* records read, the tail included */
	struct ckpt_hdr_tail tail;
	uint64_t length;		/* bytes of image read */
	bool complete;			/* the tail was read and agrees */
};

struct image_parser;

/* @name names the input in messages. */
struct image_parser *image_parser_new(const char *name);
void image_parser_free(struct image_parser *p);

/* Parse @len more bytes: 0, or an exit code with the error recorded. */
int image_feed(struct image_parser *p, const void *buf, size_t len);
/* End of input: CKPT_ETRUNC unless the image was whole. */
int image_finish(struct image_parser *p);
const struct ckpt_image *image_parser_image(const struct image_parser *p);

/*
 * Bytes from here the parser would take without looking at them: what is
 * left of a run of pages.  A reader that can seek may pass over them with
 * image_skip() instead of feeding them.
 */
uint64_t image_skippable(const struct image_parser *p);
/* Take @n of those bytes, 0 < @n <= image_skippable(), as read. */
void image_skip(struct image_parser *p, uint64_t n);

/*
 * Does descriptor @f of @img lead outside the process, so that restart
 * cannot reopen it: a pipe to another process, a socket, a terminal?
 * At 0, 1 and 2 restart puts its own there; elsewhere it needs one
 * handed over (ckpt restart --inherit-fd).
 */
bool image_file_outside(const struct ckpt_image *img, const struct image_file *f);

/* "CKPT_HDR_VMA", or NULL for an unknown type. */
const char *image_type_name(uint32_t type);

/* "SIGINT" for 2, "SIGRTMIN+3" for 37, NULL outside 1..64. */
const char *image_signal_name(uint32_t signo);
/* "RLIMIT_NOFILE" for 7 (x86-64 numbering), NULL outside 0..15. */
const char *image_rlimit_name(uint32_t resource);
#define CKPT_RLIM_INFINITY	(~(uint64_t)0)
/* A limit as text: its number, or "unlimited" for CKPT_RLIM_INFINITY. */
void image_rlim_str(uint64_t v, char buf[24]);

/* Does @buf start like a plaintext image?  Checks the first 16 bytes. */
bool image_sniff(const unsigned char *buf, size_t len);

/*
 * One /proc/PID/maps line for @v, '\n' included, exactly as the kernel's
 * show_map_vma() prints it.  Returns its length (truncated to @size - 1).
 */
size_t image_maps_line(const struct image_vma *v, char *buf, size_t size);
#define CKPT_MAPS_LINE_MAX	(128 + CKPT_IMAGE_NAME_MAX)

/* "rwxp" */
void image_vma_perms(const struct image_vma *v, char perms[5]);

#endif /* CKPT_IMAGE_H */

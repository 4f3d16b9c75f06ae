/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where images come from and where they go: a source reads a plaintext
 * image or a container (telling them apart by their magic) and yields the
 * image; a sink writes an image as it is, or encrypted, to an output file
 * that appears only once complete.
 */
#ifndef CKPT_IMGIO_H
#define CKPT_IMGIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "keys.h"
#include "stream.h"
#include "util.h"

/* Bytes moved per read: a few chunks, whatever the size of the image. */
#define CKPT_IO_BUF	(256 * 1024)

/* What a command accepts as input. */
enum source_want {
	SOURCE_ANY,
	SOURCE_PLAINTEXT,	/* encrypt: the input must not be a container */
	SOURCE_ENCRYPTED,	/* decrypt: the input must be one */
};

struct source {
	struct ckpt_in in;
	struct stream_reader *reader;	/* NULL for a plaintext image */
	struct ckpt_keyring keys;
	const char *name;
};

/* Open @path, and if it is a container, find its key with @ko. */
int source_open(struct source *s, const char *path, const struct key_opts *ko,
		enum source_want want);
/* The container's parameters, or NULL for a plaintext image. */
const struct stream_info *source_info(const struct source *s);
int source_read(struct source *s, void *buf, size_t len, size_t *got);
void source_close(struct source *s);

/*
 * Read all of @s through the parser @p (validating the whole image and
 * its end) and hand every byte to @sink, if not NULL.
 */
int source_pump(struct source *s, struct image_parser *p,
		int (*sink)(void *ctx, const void *buf, size_t len), void *ctx);

/*
 * The same without a sink; for a plaintext image in a regular file the
 * page data is seeked over, not read: checking an image then costs the
 * reading of its records, not of its memory.
 */
int source_scan(struct source *s, struct image_parser *p);

struct sink {
	struct outfile out;
	struct stream_writer *writer;	/* NULL: plaintext */
	uint64_t bytes;			/* image bytes taken */
	uint64_t out_bytes;		/* bytes in the output, once committed */
};

/* @mode CKPT_MODE_NONE writes the image as it is. */
int sink_open(struct sink *s, const char *path, int mode,
	      const struct ckpt_keyring *kr, const struct stream_opts *opts,
	      bool force);
int sink_write(void *sink, const void *buf, size_t len);
/* Final chunk, sync, rename: the output exists from now on. */
int sink_commit(struct sink *s);
/* Remove the partial output. */
void sink_abort(struct sink *s);
/* Bytes written to the output file so far (all of them once committed). */
uint64_t sink_out_bytes(const struct sink *s);

/*
 * Validate all of @src and write it to @path as sink_open() does: the
 * output appears only if the whole image was valid and written.
 */
int source_copy(struct source *src, const char *path, int mode,
		const struct ckpt_keyring *kr, bool force);

#endif /* CKPT_IMGIO_H */

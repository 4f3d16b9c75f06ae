// SPDX-License-Identifier: GPL-2.0
/*
 * Sources and sinks of images: see imgio.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imgio.h"

/* Could @p (@n bytes, fewer than 16) be the start of a plaintext image? */
static bool image_prefix(const unsigned char *p, size_t n)
{
	unsigned char type[4];

	ckpt_put_le32(type, CKPT_HDR_HEADER);
	if (memcmp(p, type, n < 4 ? n : 4))
		return false;
	return n <= 8 || !memcmp(p + 8, CKPT_MAGIC, n - 8);
}

/* Tell a container from a plaintext image by the first bytes. */
static int sniff(struct source *s, bool *encrypted)
{
	const unsigned char *p;
	ssize_t n = ckpt_in_peek(&s->in, 16, &p);

	if (n < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", s->name);
	if (n == 0)
		return ckpt_fail(CKPT_ETRUNC, "%s: truncated: the file is empty",
				 s->name);
	if (!memcmp(p, CKPT_ENC_MAGIC, n < CKPT_ENC_MAGIC_LEN ? n : CKPT_ENC_MAGIC_LEN)) {
		/* Short or not, the reader says what is wrong with it. */
		*encrypted = true;
		return CKPT_OK;
	}
	*encrypted = false;
	if (image_sniff(p, n))
		return CKPT_OK;
	if (n < 16 && image_prefix(p, n))
		return ckpt_fail(CKPT_ETRUNC, "%s: truncated: the file ends inside the image header (%zd bytes)",
				 s->name, n);
	return ckpt_fail(CKPT_EFORMAT, "%s: not a ckpt image (neither a checkpoint image nor an encrypted one)",
			 s->name);
}

static int check_wanted(struct source *s, bool encrypted, enum source_want want)
{
	if (want == SOURCE_PLAINTEXT && encrypted) {
		ckpt_fail(CKPT_EFORMAT, "%s: is already encrypted", s->name);
		ckpt_hint("'ckpt decrypt' gives the plaintext image back");
		return CKPT_EFORMAT;
	}
	if (want == SOURCE_ENCRYPTED && !encrypted) {
		ckpt_fail(CKPT_EFORMAT, "%s: is not encrypted: it is a plaintext image",
			  s->name);
		ckpt_hint("use it as it is, or encrypt it with 'ckpt encrypt'");
		return CKPT_EFORMAT;
	}
	return CKPT_OK;
}

static int open_container(struct source *s, const struct key_opts *ko)
{
	int ret = stream_reader_open(&s->reader, &s->in);

	if (!ret)
		ret = keys_load_decrypt(&s->keys, ko,
					stream_reader_info(s->reader)->mode,
					s->name);
	if (!ret)
		ret = stream_reader_unlock(s->reader, &s->keys);
	return ret;
}

int source_open(struct source *s, const char *path, const struct key_opts *ko,
		enum source_want want)
{
	bool encrypted = false;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ckpt_in_open(&s->in, path);
	if (ret)
		return ret;
	s->name = s->in.name;
	ret = sniff(s, &encrypted);
	if (!ret)
		ret = check_wanted(s, encrypted, want);
	if (!ret && encrypted)
		ret = open_container(s, ko);
	if (ret)
		source_close(s);
	return ret;
}

const struct stream_info *source_info(const struct source *s)
{
	return s->reader ? stream_reader_info(s->reader) : NULL;
}

int source_read(struct source *s, void *buf, size_t len, size_t *got)
{
	ssize_t n;

	if (s->reader)
		return stream_read(s->reader, buf, len, got);
	n = ckpt_in_read(&s->in, buf, len);
	if (n < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", s->name);
	*got = n;
	return CKPT_OK;
}

void source_close(struct source *s)
{
	stream_reader_free(s->reader);
	s->reader = NULL;
	keyring_free(&s->keys);
	ckpt_in_close(&s->in);
}

int source_pump(struct source *s, struct image_parser *p,
		int (*sink)(void *ctx, const void *buf, size_t len), void *ctx)
{
	unsigned char *buf = malloc(CKPT_IO_BUF);
	int ret = CKPT_OK;

	if (!buf)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	for (;;) {
		size_t got;

		if (ckpt_cancelled()) {
			ret = ckpt_fail(CKPT_EFAIL, "interrupted");
			break;
		}
		ret = source_read(s, buf, CKPT_IO_BUF, &got);
		if (ret || !got)
			break;
		ret = image_feed(p, buf, got);
		if (!ret && sink)
			ret = sink(ctx, buf, got);
		if (ret)
			break;
	}
	if (!ret)
		ret = image_finish(p);
	/* It held process memory. */
	sodium_memzero(buf, CKPT_IO_BUF);
	free(buf);
	return ret;
}

int source_scan(struct source *s, struct image_parser *p)
{
	unsigned char buf[4096];
	struct stat st;
	int ret;

	if (s->reader || fstat(s->in.fd, &st) || !S_ISREG(st.st_mode))
		return source_pump(s, p, NULL, NULL);
	for (;;) {
		uint64_t k = image_skippable(p), left = 0;
		ssize_t n;

		if (ckpt_cancelled())
			return ckpt_fail(CKPT_EFAIL, "interrupted");
		if (k) {
			/* Not past its end: a truncated image says where it ends. */
			if ((uint64_t)st.st_size > s->in.offset)
				left = (uint64_t)st.st_size - s->in.offset;
			if (k > left)
				k = left;
			if (!k)
				break;
			if (ckpt_in_skip(&s->in, k))
				return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", s->name);
			image_skip(p, k);
			continue;
		}
		n = ckpt_in_read(&s->in, buf, sizeof(buf));
		if (n < 0)
			return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", s->name);
		if (!n)
			break;
		ret = image_feed(p, buf, (size_t)n);
		if (ret)
			return ret;
	}
	return image_finish(p);
}

int sink_open(struct sink *s, const char *path, int mode,
	      const struct ckpt_keyring *kr, const struct stream_opts *opts,
	      bool force)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = outfile_open(&s->out, path, true, force);
	if (ret)
		return ret;
	if (mode == CKPT_MODE_NONE)
		return CKPT_OK;
	ret = stream_writer_open(&s->writer, s->out.fd, s->out.name, mode, kr,
				 opts);
	if (ret)
		outfile_abort(&s->out);
	return ret;
}

int sink_write(void *sink, const void *buf, size_t len)
{
	struct sink *s = sink;

	s->bytes += len;
	if (s->writer)
		return stream_write(s->writer, buf, len);
	return outfile_write(&s->out, buf, len);
}

uint64_t sink_out_bytes(const struct sink *s)
{
	if (s->out_bytes)
		return s->out_bytes;
	return s->writer ? stream_writer_bytes(s->writer) : s->bytes;
}

int sink_commit(struct sink *s)
{
	int ret = CKPT_OK;

	if (s->writer)
		ret = stream_writer_finish(s->writer);
	s->out_bytes = sink_out_bytes(s);
	stream_writer_free(s->writer);
	s->writer = NULL;
	if (ret) {
		outfile_abort(&s->out);
		return ret;
	}
	return outfile_commit(&s->out);
}

void sink_abort(struct sink *s)
{
	stream_writer_free(s->writer);
	s->writer = NULL;
	outfile_abort(&s->out);
}

int source_copy(struct source *src, const char *path, int mode,
		const struct ckpt_keyring *kr, bool force)
{
	struct image_parser *p = image_parser_new(src->name);
	struct sink sink;
	int ret;

	ret = p ? sink_open(&sink, path, mode, kr, NULL, force) : CKPT_EFAIL;
	if (!ret) {
		ret = source_pump(src, p, sink_write, &sink);
		if (ret)
			sink_abort(&sink);
		else
			ret = sink_commit(&sink);
	}
	image_parser_free(p);
	return ret;
}

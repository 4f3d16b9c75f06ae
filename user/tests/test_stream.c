// SPDX-License-Identifier: GPL-2.0
/*
 * The container: round trips in each key mode and at the sizes around a
 * chunk, and every way a file can be wrong: a flipped bit in each region,
 * truncation at every chunk boundary and inside the header, trailing
 * data, reordered chunks, wrong keys, hostile parameters.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sodium.h>

#include "stream.h"
#include "tap.h"
#include "unit.h"

#ifdef __SANITIZE_ADDRESS__
#define UNDER_ASAN	1
#else
#define UNDER_ASAN	0
#endif

#define CHUNK		CKPT_ENC_CHUNK
#define FRAME		CKPT_ENC_FRAME_LEN
/* A full chunk in the file: its frame, its ciphertext. */
#define FULL		(FRAME + CHUNK + CKPT_ENC_ABYTES)

/* Cheap Argon2id: the tests exercise the format, not the cost. */
static const struct stream_opts low_cost = { .opslimit = 1, .memlimit = 8192 };

/* Who encrypts, and the key rings that can decrypt. */
struct fixture {
	const char *name;
	int mode;
	int nr_recipients;
	struct ckpt_keyring enc;
	struct ckpt_keyring dec[3];
	int nr_dec;
	struct ckpt_keyring wrong;
};

static void fixture_init(struct fixture *f)
{
	unsigned char sk[CKPT_KEY_BYTES], key[CKPT_KEY_BYTES];

	memset(&f->enc, 0, sizeof(f->enc));
	memset(f->dec, 0, sizeof(f->dec));
	memset(&f->wrong, 0, sizeof(f->wrong));
	f->nr_dec = 1;
	switch (f->mode) {
	case CKPT_MODE_RECIPIENTS:
		f->nr_dec = f->nr_recipients;
		for (int i = 0; i < f->nr_recipients; i++) {
			randombytes_buf(sk, sizeof(sk));
			keyring_add_identity(&f->dec[i], sk);
			keyring_add_recipient(&f->enc, f->dec[i].ids[0]->pk);
		}
		randombytes_buf(sk, sizeof(sk));
		keyring_add_identity(&f->wrong, sk);
		break;
	case CKPT_MODE_SYMMETRIC:
		randombytes_buf(key, sizeof(key));
		keyring_set_symkey(&f->enc, key);
		keyring_set_symkey(&f->dec[0], key);
		randombytes_buf(key, sizeof(key));
		keyring_set_symkey(&f->wrong, key);
		break;
	case CKPT_MODE_PASSPHRASE:
		keyring_set_passphrase(&f->enc, "correct horse", 13);
		keyring_set_passphrase(&f->dec[0], "correct horse", 13);
		keyring_set_passphrase(&f->wrong, "correct horsE", 13);
		break;
	}
}

static void fixture_free(struct fixture *f)
{
	keyring_free(&f->enc);
	for (int i = 0; i < 3; i++)
		keyring_free(&f->dec[i]);
	keyring_free(&f->wrong);
}

static struct fixture fixtures[] = {
	{ .name = "recipients(1)", .mode = CKPT_MODE_RECIPIENTS, .nr_recipients = 1 },
	{ .name = "recipients(3)", .mode = CKPT_MODE_RECIPIENTS, .nr_recipients = 3 },
	{ .name = "symmetric", .mode = CKPT_MODE_SYMMETRIC },
	{ .name = "passphrase", .mode = CKPT_MODE_PASSPHRASE },
};
#define NR_FIXTURES	ARRAY_SIZE(fixtures)

static void pattern(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)((i + seed) * 2654435761u >> 11);
}

/* All of @fd from offset 0. */
static unsigned char *slurp(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char *buf = malloc(end + 1);

	if (!buf || pread(fd, buf, end, 0) != end)
		abort();
	*len = end;
	return buf;
}

static int mem_fd(const void *buf, size_t len)
{
	int fd = memfd_create("ckpt-test", MFD_CLOEXEC);

	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Encrypt @len bytes, written in pieces of @piece bytes. */
static unsigned char *encrypt_buf(const struct fixture *f,
				  const unsigned char *data, size_t len,
				  size_t piece, size_t *clen)
{
	struct stream_writer *w;
	unsigned char *c;
	int fd = mem_fd(NULL, 0);

	if (!tap_check(!stream_writer_open(&w, fd, "mem", f->mode, &f->enc,
					   &low_cost), __FILE__, __LINE__,
		       "writer: %s", ckpt_errmsg()))
		abort();
	for (size_t off = 0; off < len; off += piece)
		CHECK(!stream_write(w, data + off, len - off < piece ? len - off : piece));
	CHECK(!stream_writer_finish(w));
	CHECK_INT(stream_writer_bytes(w), lseek(fd, 0, SEEK_END));
	stream_writer_free(w);
	c = slurp(fd, clen);
	close(fd);
	return c;
}

/*
 * Decrypt @c with @kr, reading @piece bytes at a time.  Returns the exit
 * code; the plaintext in *out when asked for.
 */
static int decrypt_buf(const unsigned char *c, size_t clen,
		       const struct ckpt_keyring *kr, size_t piece,
		       unsigned char **out, size_t *outlen)
{
	struct stream_reader *r = NULL;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;
	struct ckpt_in in;
	int fd = mem_fd(c, clen), ret;

	ckpt_in_init_fd(&in, fd, "test.ckpt");
	ckpt_clear_error();
	ret = stream_reader_open(&r, &in);
	if (!ret)
		ret = stream_reader_unlock(r, kr);
	while (!ret) {
		if (len + piece > cap) {
			cap = 2 * (len + piece);
			buf = realloc(buf, cap);
		}
		ret = stream_read(r, buf + len, piece, &got);
		if (ret || !got)
			break;
		len += got;
	}
	stream_reader_free(r);
	close(fd);
	if (out) {
		*out = buf;
		*outlen = len;
	} else {
		free(buf);
	}
	return ret;
}

/* ---------------------------------------------------------------- round trips */

struct trip {
	struct fixture *f;
	size_t size;
};

static void round_trip(const void *arg)
{
	const struct trip *t = arg;
	unsigned char *data = malloc(t->size + 1), *c, *out;
	size_t clen, outlen, nr_chunks;

	fixture_init(t->f);
	pattern(data, t->size, 7);
	c = encrypt_buf(t->f, data, t->size, 1000, &clen);
	CHECK(!memcmp(c, CKPT_ENC_MAGIC, CKPT_ENC_MAGIC_LEN));
	/*
	 * A final chunk always, a full chunk only with more data after it:
	 * the final chunk is never empty but for an empty image.
	 */
	nr_chunks = t->size ? (t->size + CHUNK - 1) / CHUNK : 1;
	CHECK_INT(clen, ckpt_get_le32(c + CKPT_ENC_OFF_HDRLEN) + t->size +
		  nr_chunks * (FRAME + CKPT_ENC_ABYTES));
	for (int i = 0; i < t->f->nr_dec; i++) {
		int ret = decrypt_buf(c, clen, &t->f->dec[i], 4096, &out, &outlen);

		tap_check(ret == CKPT_OK, __FILE__, __LINE__,
			  "identity %d: %s", i, ckpt_errmsg());
		CHECK_INT(outlen, t->size);
		CHECK(outlen == t->size && !memcmp(out, data, t->size));
		free(out);
	}
	/* Odd read sizes stream the same bytes. */
	CHECK_INT(decrypt_buf(c, clen, &t->f->dec[0], 77, &out, &outlen), CKPT_OK);
	CHECK(outlen == t->size && !memcmp(out, data, t->size));
	free(out);
	free(c);
	free(data);
	fixture_free(t->f);
}

/* ---------------------------------------------------------------- damage */

/* A container of three full chunks and a short final one. */
#define DAMAGE_SIZE	(3 * CHUNK + 1000)

struct region {
	struct fixture *f;
	const char *what;
	size_t off;		/* from the start of the file; see resolve() */
	size_t len;
	int chunk;		/* >= 0: @off is inside this chunk */
	int code;
	const char *message;
	unsigned int step;	/* flip every step-th bit */
};

static unsigned char *damage_container(struct fixture *f, size_t *clen)
{
	unsigned char *data = malloc(DAMAGE_SIZE), *c;

	pattern(data, DAMAGE_SIZE, 3);
	c = encrypt_buf(f, data, DAMAGE_SIZE, CHUNK, clen);
	free(data);
	return c;
}

static size_t chunk_offset(const unsigned char *c, int chunk)
{
	return ckpt_get_le32(c + CKPT_ENC_OFF_HDRLEN) + (size_t)chunk * FULL;
}

static void flip_region(const void *arg)
{
	const struct region *rg = arg;
	unsigned char *c;
	size_t clen, base, flips = 0, wrong = 0;

	fixture_init(rg->f);
	c = damage_container(rg->f, &clen);
	base = rg->chunk >= 0 ? chunk_offset(c, rg->chunk) : 0;
	for (size_t bit = 0; bit < rg->len * 8; bit += rg->step) {
		size_t at = base + rg->off + bit / 8;
		int ret;

		if (rg->chunk >= 0 && rg->off + bit / 8 >= FULL)
			break;
		if (at >= clen)
			break;
		c[at] ^= 1 << (bit % 8);
		ret = decrypt_buf(c, clen, &rg->f->dec[0], 65536, NULL, NULL);
		c[at] ^= 1 << (bit % 8);
		flips++;
		if (ret != rg->code || !strstr(ckpt_errmsg(), rg->message)) {
			if (!wrong++)
				tap_check(false, __FILE__, __LINE__,
					  "%s: bit %zu of byte %zu: code %d (want %d): %s",
					  rg->what, bit % 8, at, ret, rg->code,
					  ckpt_errmsg());
		}
	}
	CHECK(flips > 0);
	CHECK_INT(wrong, 0);
	free(c);
	fixture_free(rg->f);
}

/* The chunk error names the chunk and its offset exactly. */
static void chunk_error_names_chunk(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	unsigned char *c;
	char want[128];
	size_t clen;

	fixture_init(f);
	c = damage_container(f, &clen);
	for (int chunk = 0; chunk < 4; chunk++) {
		size_t off = chunk_offset(c, chunk);

		c[off + FRAME + 5] ^= 0x10;
		CHECK_INT(decrypt_buf(c, clen, &f->dec[0], 65536, NULL, NULL),
			  CKPT_ECORRUPT);
		snprintf(want, sizeof(want),
			 "test.ckpt: chunk %d (offset %zu) failed authentication: the file was modified or corrupted",
			 chunk, off);
		CHECK_STR(ckpt_errmsg(), want);
		c[off + FRAME + 5] ^= 0x10;
		c[off + 1] ^= 0x04;
		CHECK_INT(decrypt_buf(c, clen, &f->dec[0], 65536, NULL, NULL),
			  CKPT_ECORRUPT);
		snprintf(want, sizeof(want),
			 "test.ckpt: chunk %d (offset %zu) has a damaged length field: the file was modified or corrupted",
			 chunk, off);
		CHECK_STR(ckpt_errmsg(), want);
		c[off + 1] ^= 0x04;
	}
	free(c);
	fixture_free(f);
}

static void truncation(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	size_t clen, hlen;
	unsigned char *c;

	fixture_init(f);
	c = damage_container(f, &clen);
	hlen = ckpt_get_le32(c + CKPT_ENC_OFF_HDRLEN);

	CHECK_INT(decrypt_buf(c, 0, &f->dec[0], 4096, NULL, NULL), CKPT_ETRUNC);
	CHECK_HAS(ckpt_errmsg(), "the file is empty");
	/* Inside the header, at every byte. */
	for (size_t cut = 1; cut < hlen; cut++) {
		int ret = decrypt_buf(c, cut, &f->dec[0], 4096, NULL, NULL);

		if (ret != CKPT_ETRUNC || !strstr(ckpt_errmsg(), "inside the container header")) {
			tap_check(false, __FILE__, __LINE__, "cut at %zu: %d %s",
				  cut, ret, ckpt_errmsg());
			break;
		}
	}
	/* At every chunk boundary before the final chunk. */
	for (int chunk = 0; chunk <= 3; chunk++) {
		CHECK_INT(decrypt_buf(c, chunk_offset(c, chunk), &f->dec[0],
				      4096, NULL, NULL), CKPT_ETRUNC);
		CHECK_HAS(ckpt_errmsg(), "without a final chunk");
	}
	/* Inside a length field, inside a chunk, one byte short. */
	CHECK_INT(decrypt_buf(c, chunk_offset(c, 1) + 3, &f->dec[0], 4096,
			      NULL, NULL), CKPT_ETRUNC);
	CHECK_HAS(ckpt_errmsg(), "ends inside chunk 1 (offset");
	CHECK_INT(decrypt_buf(c, chunk_offset(c, 2) + 1000, &f->dec[0], 4096,
			      NULL, NULL), CKPT_ETRUNC);
	CHECK_HAS(ckpt_errmsg(), "ends inside chunk 2 (offset");
	CHECK_INT(decrypt_buf(c, clen - 1, &f->dec[0], 4096, NULL, NULL),
		  CKPT_ETRUNC);
	CHECK_HAS(ckpt_errmsg(), "ends inside chunk 3 (offset");
	free(c);
	fixture_free(f);
}

static void trailing_data(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	size_t clen, last;
	unsigned char *c, *more;
	char want[128];

	fixture_init(f);
	c = damage_container(f, &clen);
	last = chunk_offset(c, 3);
	more = malloc(clen + FULL);
	memcpy(more, c, clen);
	more[clen] = 0;
	CHECK_INT(decrypt_buf(more, clen + 1, &f->dec[0], 4096, NULL, NULL),
		  CKPT_ECORRUPT);
	snprintf(want, sizeof(want),
		 "test.ckpt: trailing data after the final chunk (at offset %zu)",
		 clen);
	CHECK_STR(ckpt_errmsg(), want);
	/* A whole chunk appended: the same. */
	memcpy(more + clen, c + last, clen - last);
	CHECK_INT(decrypt_buf(more, clen + clen - last, &f->dec[0], 4096,
			      NULL, NULL), CKPT_ECORRUPT);
	CHECK_HAS(ckpt_errmsg(), "trailing data");
	free(more);
	free(c);
	fixture_free(f);
}

static void reordered_chunks(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	unsigned char *c, *tmp = malloc(FULL);
	size_t clen;

	fixture_init(f);
	c = damage_container(f, &clen);
	memcpy(tmp, c + chunk_offset(c, 1), FULL);
	memcpy(c + chunk_offset(c, 1), c + chunk_offset(c, 2), FULL);
	memcpy(c + chunk_offset(c, 2), tmp, FULL);
	CHECK_INT(decrypt_buf(c, clen, &f->dec[0], 4096, NULL, NULL),
		  CKPT_ECORRUPT);
	CHECK_HAS(ckpt_errmsg(), "chunk 1 ");
	/* A chunk dropped from the middle. */
	memcpy(c + chunk_offset(c, 2), c + chunk_offset(c, 1), FULL);
	memmove(c + chunk_offset(c, 1), c + chunk_offset(c, 2),
		clen - chunk_offset(c, 2));
	CHECK_INT(decrypt_buf(c, clen - FULL, &f->dec[0], 4096, NULL, NULL),
		  CKPT_ECORRUPT);
	free(tmp);
	free(c);
	fixture_free(f);
}

static void wrong_key(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	static const char *const want[] = {
		[CKPT_MODE_RECIPIENTS] = "wrong identity",
		[CKPT_MODE_SYMMETRIC] = "wrong key",
		[CKPT_MODE_PASSPHRASE] = "wrong passphrase",
	};
	struct ckpt_keyring empty = { 0 };
	unsigned char *c;
	size_t clen;

	fixture_init(f);
	c = damage_container(f, &clen);
	CHECK_INT(decrypt_buf(c, clen, &f->wrong, 4096, NULL, NULL), CKPT_EKEY);
	CHECK_HAS(ckpt_errmsg(), want[f->mode]);
	CHECK_INT(decrypt_buf(c, clen, &empty, 4096, NULL, NULL), CKPT_EKEY);
	free(c);
	fixture_free(f);
}

/* Rewrite the checksum after changing the header, as an attacker would. */
static void reseal_checksum(unsigned char *c)
{
	size_t hlen = ckpt_get_le32(c + CKPT_ENC_OFF_HDRLEN);

	crypto_generichash(c + hlen - CKPT_ENC_CHECKSUM_LEN, CKPT_ENC_CHECKSUM_LEN,
			   c, hlen - CKPT_ENC_CHECKSUM_LEN, NULL, 0);
}

static int reseal_and_decrypt(unsigned char *c, size_t clen, size_t at,
			      const struct fixture *f)
{
	int ret;

	c[at] ^= 1;
	reseal_checksum(c);
	ret = decrypt_buf(c, clen, &f->dec[0], 4096, NULL, NULL);
	c[at] ^= 1;
	reseal_checksum(c);
	return ret;
}

/* Past the checksum, chunk 0 still authenticates the whole header. */
static void header_bound_to_chunk0(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	size_t clen, hlen, sealed_end;
	unsigned char *c;

	fixture_init(f);
	c = damage_container(f, &clen);
	hlen = ckpt_get_le32(c + CKPT_ENC_OFF_HDRLEN);

	/* The secretstream header (its last byte). */
	CHECK_INT(reseal_and_decrypt(c, clen, hlen - CKPT_ENC_CHECKSUM_LEN - 1, f),
		  CKPT_ECORRUPT);
	CHECK_HAS(ckpt_errmsg(), "chunk 0 (offset");
	/* The chunk size: 64 KiB becomes 32 KiB, a valid size. */
	ckpt_put_le32(c + CKPT_ENC_OFF_CHUNK, CHUNK / 2);
	reseal_checksum(c);
	CHECK_INT(decrypt_buf(c, clen, &f->dec[0], 4096, NULL, NULL),
		  CKPT_ECORRUPT);
	CHECK_HAS(ckpt_errmsg(), "chunk 0 (offset");
	ckpt_put_le32(c + CKPT_ENC_OFF_CHUNK, CHUNK);
	reseal_checksum(c);
	if (f->mode == CKPT_MODE_RECIPIENTS) {
		/* Ours: it no longer opens; another's: chunk 0 catches it. */
		sealed_end = CKPT_ENC_FIXED_LEN + CKPT_ENC_RECIPIENT_LEN - 1;
		CHECK_INT(reseal_and_decrypt(c, clen, sealed_end, f), CKPT_ECORRUPT);
		CHECK_HAS(ckpt_errmsg(), "the sealed key of recipient 1 failed authentication");
		sealed_end += (f->nr_recipients - 1) * CKPT_ENC_RECIPIENT_LEN;
		if (f->nr_recipients > 1) {
			CHECK_INT(reseal_and_decrypt(c, clen, sealed_end, f),
				  CKPT_ECORRUPT);
			CHECK_HAS(ckpt_errmsg(), "chunk 0 (offset");
		}
	}
	free(c);
	fixture_free(f);
}

static void hostile_argon2_costs(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	unsigned char *c, *ops, *mem;
	size_t clen;

	fixture_init(f);
	c = damage_container(f, &clen);
	ops = c + CKPT_ENC_FIXED_LEN + CKPT_ENC_PP_OPSLIMIT;
	mem = c + CKPT_ENC_FIXED_LEN + CKPT_ENC_PP_MEMLIMIT;
	ckpt_put_le64(mem, (1ULL << 30) + 1024);
	reseal_checksum(c);
	CHECK_INT(decrypt_buf(c, clen, &f->dec[0], 4096, NULL, NULL), CKPT_EFORMAT);
	CHECK_HAS(ckpt_errmsg(), "refusing Argon2id costs");
	ckpt_put_le64(mem, 8192);
	ckpt_put_le64(ops, 1000000);
	reseal_checksum(c);
	CHECK_INT(decrypt_buf(c, clen, &f->dec[0], 4096, NULL, NULL), CKPT_EFORMAT);
	ckpt_put_le64(ops, 0);
	reseal_checksum(c);
	CHECK_INT(decrypt_buf(c, clen, &f->dec[0], 4096, NULL, NULL), CKPT_EFORMAT);
	free(c);
	fixture_free(f);
}

static void not_a_container(const void *arg)
{
	static const unsigned char junk[64] = "hello, world";
	struct ckpt_keyring kr = { 0 };
	unsigned char v2[64];

	(void)arg;
	CHECK_INT(decrypt_buf(junk, sizeof(junk), &kr, 4096, NULL, NULL), CKPT_EFORMAT);
	CHECK_HAS(ckpt_errmsg(), "not an encrypted ckpt image");
	memset(v2, 0, sizeof(v2));
	memcpy(v2, CKPT_ENC_MAGIC, CKPT_ENC_MAGIC_LEN);
	ckpt_put_le32(v2 + CKPT_ENC_OFF_VERSION, 2);
	CHECK_INT(decrypt_buf(v2, sizeof(v2), &kr, 4096, NULL, NULL), CKPT_EFORMAT);
	CHECK_HAS(ckpt_errmsg(), "unsupported container version 2");
}

/*
 * A 48 MiB stream through a 4 KiB read buffer: the reader's peak memory
 * is a few chunks, not the image.
 */
static void streaming_memory_is_bounded(const void *arg)
{
	struct fixture *f = (struct fixture *)arg;
	const size_t total = 48 << 20;
	unsigned char *piece = malloc(1 << 20), buf[4096];
	struct stream_writer *w;
	struct stream_reader *r;
	struct rusage before, after;
	struct ckpt_in in;
	size_t seen = 0, got;
	FILE *tmp = tmpfile();
	int ret;

	if (UNDER_ASAN) {
		/* Its shadow memory and quarantine blur the measure. */
		tap_skip("under AddressSanitizer");
		free(piece);
		fclose(tmp);
		return;
	}
	fixture_init(f);
	pattern(piece, 1 << 20, 1);
	CHECK(!stream_writer_open(&w, fileno(tmp), "tmp", f->mode, &f->enc, &low_cost));
	getrusage(RUSAGE_SELF, &before);
	for (size_t off = 0; off < total; off += 1 << 20)
		CHECK(!stream_write(w, piece, 1 << 20));
	CHECK(!stream_writer_finish(w));
	stream_writer_free(w);
	lseek(fileno(tmp), 0, SEEK_SET);
	ckpt_in_init_fd(&in, fileno(tmp), "tmp");
	ret = stream_reader_open(&r, &in);
	if (!ret)
		ret = stream_reader_unlock(r, &f->dec[0]);
	while (!ret && !(ret = stream_read(r, buf, sizeof(buf), &got)) && got)
		seen += got;
	CHECK_INT(ret, CKPT_OK);
	CHECK_INT(seen, total);
	stream_reader_free(r);
	getrusage(RUSAGE_SELF, &after);
	/* ru_maxrss is in KiB. */
	tap_check(after.ru_maxrss - before.ru_maxrss < 8 * 1024, __FILE__, __LINE__,
		  "peak RSS grew by %ld KiB", after.ru_maxrss - before.ru_maxrss);
	fclose(tmp);
	free(piece);
	fixture_free(f);
}

/* ---------------------------------------------------------------- registry */

static struct trip trips[NR_FIXTURES][6];
static struct region regions[NR_FIXTURES][32];

static const size_t sizes[] = {
	0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 12345,
};

static void add_region(struct fixture *f, struct region **rg, const char *what,
		       size_t off, size_t len, int chunk, int code,
		       const char *message, unsigned int step)
{
	**rg = (struct region){
		.f = f, .what = what, .off = off, .len = len, .chunk = chunk,
		.code = code, .message = message, .step = step,
	};
	tap_add(flip_region, *rg, "stream: %s: a flipped bit in the %s: %s",
		f->name, what, code == CKPT_EFORMAT ? "not a ckpt file / unsupported version (exit 6)" :
		"corrupted (exit 4)");
	(*rg)++;
}

static void register_regions(size_t i)
{
	static const char *const rcpt_ids[] = {
		"key id of recipient 1", "key id of recipient 2", "key id of recipient 3",
	};
	static const char *const rcpt_keys[] = {
		"sealed key of recipient 1", "sealed key of recipient 2",
		"sealed key of recipient 3",
	};
	struct fixture *f = &fixtures[i];
	struct region *rg = regions[i];
	size_t params = CKPT_ENC_FIXED_LEN, plen;
	const char *hdr = "container header";
	const char *auth = "failed authentication: the file was modified or corrupted";

	add_region(f, &rg, "magic", 0, 8, -1, CKPT_EFORMAT, "not an encrypted ckpt image", 1);
	add_region(f, &rg, "version field", 8, 4, -1, CKPT_EFORMAT, "unsupported container version", 1);
	add_region(f, &rg, "header length field", 12, 4, -1, CKPT_ECORRUPT, hdr, 1);
	add_region(f, &rg, "chunk size field", 16, 4, -1, CKPT_ECORRUPT, hdr, 1);
	add_region(f, &rg, "key mode field", 20, 4, -1, CKPT_ECORRUPT, hdr, 1);
	add_region(f, &rg, "recipient count field", 24, 4, -1, CKPT_ECORRUPT, hdr, 1);
	add_region(f, &rg, "reserved field", 28, 4, -1, CKPT_ECORRUPT, hdr, 1);
	switch (f->mode) {
	case CKPT_MODE_RECIPIENTS:
		for (int r = 0; r < f->nr_recipients; r++) {
			size_t at = params + (size_t)r * CKPT_ENC_RECIPIENT_LEN;

			add_region(f, &rg, rcpt_ids[r], at, CKPT_KEYID_BYTES, -1,
				   CKPT_ECORRUPT, hdr, 1);
			add_region(f, &rg, rcpt_keys[r], at + CKPT_KEYID_BYTES,
				   CKPT_ENC_SEALED_LEN, -1, CKPT_ECORRUPT, hdr, 1);
		}
		plen = (size_t)f->nr_recipients * CKPT_ENC_RECIPIENT_LEN;
		break;
	case CKPT_MODE_SYMMETRIC:
		add_region(f, &rg, "key id", params, CKPT_KEYID_BYTES, -1,
			   CKPT_ECORRUPT, hdr, 1);
		plen = CKPT_ENC_SYMMETRIC_LEN;
		break;
	default:
		add_region(f, &rg, "key id", params + CKPT_ENC_PP_KEYID,
			   CKPT_KEYID_BYTES, -1, CKPT_ECORRUPT, hdr, 1);
		add_region(f, &rg, "Argon2id salt", params + CKPT_ENC_PP_SALT,
			   CKPT_ENC_SALT_LEN, -1, CKPT_ECORRUPT, hdr, 1);
		add_region(f, &rg, "Argon2id opslimit", params + CKPT_ENC_PP_OPSLIMIT,
			   8, -1, CKPT_ECORRUPT, hdr, 1);
		add_region(f, &rg, "Argon2id memlimit", params + CKPT_ENC_PP_MEMLIMIT,
			   8, -1, CKPT_ECORRUPT, hdr, 1);
		plen = CKPT_ENC_PASSPHRASE_LEN;
		break;
	}
	add_region(f, &rg, "secretstream header", params + plen, CKPT_ENC_SSHDR_LEN,
		   -1, CKPT_ECORRUPT, hdr, 1);
	add_region(f, &rg, "header checksum", params + plen + CKPT_ENC_SSHDR_LEN,
		   CKPT_ENC_CHECKSUM_LEN, -1, CKPT_ECORRUPT, hdr, 1);
	/* Chunks: every few hundredth bit (all of them would take minutes). */
	add_region(f, &rg, "length field of the first chunk", 0, FRAME, 0,
		   CKPT_ECORRUPT, "has a damaged length field", 1);
	add_region(f, &rg, "length field of the last chunk", 0, FRAME, 3,
		   CKPT_ECORRUPT, "has a damaged length field", 1);
	add_region(f, &rg, "first chunk", FRAME, FULL - FRAME, 0, CKPT_ECORRUPT,
		   auth, 8 * 997 + 5);
	add_region(f, &rg, "middle chunk", FRAME, FULL - FRAME, 1, CKPT_ECORRUPT,
		   auth, 8 * 991 + 3);
	add_region(f, &rg, "last chunk", FRAME, 1000 + CKPT_ENC_ABYTES, 3,
		   CKPT_ECORRUPT, auth, 61);
	add_region(f, &rg, "encrypted tag byte of the first chunk", FRAME, 1, 0,
		   CKPT_ECORRUPT, auth, 1);
	add_region(f, &rg, "encrypted tag byte of the last chunk", FRAME, 1, 3,
		   CKPT_ECORRUPT, auth, 1);
	add_region(f, &rg, "MAC of the middle chunk", FULL - 16, 16, 1,
		   CKPT_ECORRUPT, auth, 1);
}

void register_stream_tests(void)
{
	for (size_t i = 0; i < NR_FIXTURES; i++) {
		struct fixture *f = &fixtures[i];

		for (size_t s = 0; s < 6; s++) {
			trips[i][s] = (struct trip){ .f = f, .size = sizes[s] };
			tap_add(round_trip, &trips[i][s],
				"stream: %s: round trip of %zu bytes%s", f->name,
				sizes[s], f->mode == CKPT_MODE_RECIPIENTS &&
				f->nr_recipients > 1 ? ", each identity decrypts" : "");
		}
	}
	for (size_t i = 0; i < NR_FIXTURES; i++) {
		struct fixture *f = &fixtures[i];

		if (i != 0)
			register_regions(i);
		tap_add(chunk_error_names_chunk, f, "stream: %s: the error names the chunk and its offset", f->name);
		tap_add(truncation, f, "stream: %s: truncation in the header and at every chunk boundary is 'truncated' (exit 5)", f->name);
		tap_add(trailing_data, f, "stream: %s: data after the final chunk is refused", f->name);
		tap_add(reordered_chunks, f, "stream: %s: reordered or dropped chunks fail authentication", f->name);
		tap_add(wrong_key, f, "stream: %s: the wrong key is 'wrong key' (exit 3)", f->name);
		tap_add(header_bound_to_chunk0, f, "stream: %s: a header changed with its checksum recomputed fails authentication", f->name);
	}
	tap_add(hostile_argon2_costs, &fixtures[3], "stream: passphrase: Argon2id costs beyond the bounds are refused");
	tap_add(not_a_container, NULL, "stream: other files and versions are 'not a ckpt file' (exit 6)");
	tap_add(streaming_memory_is_bounded, &fixtures[2], "stream: 48 MiB stream in bounded memory");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The encrypted container (Documentation/encryption.rst).
 *
 *	fixed part	magic, version, header length, chunk size, key mode,
 *			number of recipients, reserved
 *	key part	per mode: sealed stream keys / key id / Argon2id
 *	secretstream	the 24-byte crypto_secretstream header
 *	checksum	BLAKE2b-128 of all of the above
 *	chunks		each: u32 length, u32 ~length, then the ciphertext
 *			of `length` bytes of plaintext + ABYTES.  Every
 *			chunk holds chunk_size bytes but the last, which
 *			holds the rest (possibly nothing) and alone has
 *			TAG_FINAL; the whole header is the additional data
 *			of chunk 0
 *
 * Two layers of checking, for two different questions.  The checksum is
 * unkeyed: it catches accidents (a flipped bit, a bad disk) before any key
 * is tried, so that a damaged header is reported as damaged and not as a
 * wrong key.  Authentication is the secretstream's: binding the header to
 * chunk 0 means that whoever changes any header byte, checksum recomputed
 * or not, fails there.  The fixed part is also cross-checked (the header
 * length must follow from the mode and the recipient count, the chunk size
 * is a power of two, the modes differ in two bits) so that a single
 * flipped bit there is reported as corruption before the reader acts on it.
 *
 * The chunk lengths are what make the end of the stream exact: without
 * them the final chunk would end wherever the file does, and bytes
 * appended to a file, or a file cut inside a chunk, would both look like
 * a chunk that fails to authenticate.  The complement makes a damaged
 * length field show as damage, not as a file cut short.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bgio.h"
#include "stream.h"

typedef crypto_secretstream_xchacha20poly1305_state ss_state;

#define TAG_MESSAGE	crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL	crypto_secretstream_xchacha20poly1305_TAG_FINAL

static size_t mode_params_len(int mode, uint32_t nr_recipients)
{
	switch (mode) {
	case CKPT_MODE_RECIPIENTS:
		return (size_t)nr_recipients * CKPT_ENC_RECIPIENT_LEN;
	case CKPT_MODE_SYMMETRIC:
		return CKPT_ENC_SYMMETRIC_LEN;
	case CKPT_MODE_PASSPHRASE:
		return CKPT_ENC_PASSPHRASE_LEN;
	default:
		return 0;
	}
}

static size_t header_len_for(int mode, uint32_t nr_recipients)
{
	return CKPT_ENC_FIXED_LEN + mode_params_len(mode, nr_recipients) +
	       CKPT_ENC_SSHDR_LEN + CKPT_ENC_CHECKSUM_LEN;
}

static void checksum(const unsigned char *hdr, size_t len,
		     unsigned char out[CKPT_ENC_CHECKSUM_LEN])
{
	crypto_generichash(out, CKPT_ENC_CHECKSUM_LEN, hdr,
			   len - CKPT_ENC_CHECKSUM_LEN, NULL, 0);
}

static int derive_passphrase_key(unsigned char key[CKPT_KEY_BYTES],
				 const struct ckpt_keyring *kr,
				 const unsigned char *salt, uint64_t opslimit,
				 uint64_t memlimit)
{
	if (crypto_pwhash(key, CKPT_KEY_BYTES, kr->passphrase,
			  kr->passphrase_len, salt, opslimit, memlimit,
			  crypto_pwhash_ALG_ARGON2ID13))
		return ckpt_fail(CKPT_EFAIL, "deriving the key from the passphrase failed: out of memory (Argon2id needs %llu MiB)",
				 (unsigned long long)(memlimit >> 20));
	return CKPT_OK;
}

/* ================================================================ writer */

struct stream_writer {
	int fd;
	const char *name;
	ss_state *st;			/* sodium_malloc: it holds the key */
	unsigned char *header;		/* additional data of chunk 0 */
	size_t header_len;
	uint32_t chunk_size;
	unsigned char *pbuf;		/* plaintext of the pending chunk */
	size_t plen;
	struct bgio *out;		/* frames and ciphertext go there */
	uint64_t chunks;
	uint64_t bytes;
	bool finished;
};

/* The key part of the header for recipients: a sealed key for each. */
static int seal_to_recipients(unsigned char *p, const struct ckpt_keyring *kr,
			      const unsigned char *key)
{
	for (size_t i = 0; i < kr->nr_recipients; i++) {
		ckpt_recipient_id(kr->recipients[i], p);
		if (crypto_box_seal(p + CKPT_KEYID_BYTES, key, CKPT_KEY_BYTES,
				    kr->recipients[i]))
			return ckpt_fail(CKPT_EFAIL, "sealing the key to recipient %zu failed",
					 i + 1);
		p += CKPT_ENC_RECIPIENT_LEN;
	}
	return CKPT_OK;
}

/* Choose the stream key and fill in the key part of the header. */
static int make_key(unsigned char *params, int mode,
		    const struct ckpt_keyring *kr,
		    const struct stream_opts *opts, unsigned char *key)
{
	unsigned long long ops;
	size_t mem;
	int ret;

	switch (mode) {
	case CKPT_MODE_RECIPIENTS:
		crypto_secretstream_xchacha20poly1305_keygen(key);
		return seal_to_recipients(params, kr, key);
	case CKPT_MODE_SYMMETRIC:
		/* The secretstream header is random: the key may be reused. */
		memcpy(key, kr->symkey, CKPT_KEY_BYTES);
		ckpt_symmetric_id(key, params);
		return CKPT_OK;
	case CKPT_MODE_PASSPHRASE:
		ops = opts && opts->opslimit ? opts->opslimit :
		      crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
		mem = opts && opts->memlimit ? opts->memlimit :
		      crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
		randombytes_buf(params + CKPT_ENC_PP_SALT, CKPT_ENC_SALT_LEN);
		ckpt_put_le64(params + CKPT_ENC_PP_OPSLIMIT, ops);
		ckpt_put_le64(params + CKPT_ENC_PP_MEMLIMIT, mem);
		ret = derive_passphrase_key(key, kr, params + CKPT_ENC_PP_SALT,
					    ops, mem);
		if (!ret)
			ckpt_passphrase_id(key, params + CKPT_ENC_PP_KEYID);
		return ret;
	default:
		return ckpt_fail(CKPT_EFAIL, "unknown key mode %d", mode);
	}
}

static int check_writer_keys(int mode, const struct ckpt_keyring *kr)
{
	if (mode == CKPT_MODE_RECIPIENTS &&
	    (!kr->nr_recipients || kr->nr_recipients > CKPT_ENC_MAX_RECIPIENTS))
		return ckpt_fail(CKPT_EUSAGE, "%zu recipients: give 1 to %d",
				 kr->nr_recipients, CKPT_ENC_MAX_RECIPIENTS);
	if (mode == CKPT_MODE_SYMMETRIC && !kr->symkey)
		return ckpt_fail(CKPT_EUSAGE, "no symmetric key");
	if (mode == CKPT_MODE_PASSPHRASE && !kr->passphrase)
		return ckpt_fail(CKPT_EUSAGE, "no passphrase");
	return CKPT_OK;
}

/* Build the whole header in w->header and start the secretstream. */
static int build_header(struct stream_writer *w, int mode,
			const struct ckpt_keyring *kr,
			const struct stream_opts *opts)
{
	uint32_t nr = mode == CKPT_MODE_RECIPIENTS ? kr->nr_recipients : 0;
	unsigned char *h, *key;
	size_t len = header_len_for(mode, nr);
	int ret;

	h = w->header = calloc(1, len);
	key = sodium_malloc(CKPT_KEY_BYTES);
	if (!h || !key) {
		sodium_free(key);
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	}
	w->header_len = len;
	memcpy(h + CKPT_ENC_OFF_MAGIC, CKPT_ENC_MAGIC, CKPT_ENC_MAGIC_LEN);
	ckpt_put_le32(h + CKPT_ENC_OFF_VERSION, CKPT_ENC_VERSION);
	ckpt_put_le32(h + CKPT_ENC_OFF_HDRLEN, (uint32_t)len);
	ckpt_put_le32(h + CKPT_ENC_OFF_CHUNK, w->chunk_size);
	ckpt_put_le32(h + CKPT_ENC_OFF_MODE, (uint32_t)mode);
	ckpt_put_le32(h + CKPT_ENC_OFF_NRCPT, nr);

	ret = make_key(h + CKPT_ENC_FIXED_LEN, mode, kr, opts, key);
	if (!ret) {
		unsigned char *sshdr = h + len - CKPT_ENC_CHECKSUM_LEN -
				       CKPT_ENC_SSHDR_LEN;

		crypto_secretstream_xchacha20poly1305_init_push(w->st, sshdr,
								key);
		checksum(h, len, h + len - CKPT_ENC_CHECKSUM_LEN);
	}
	sodium_free(key);
	return ret;
}

int stream_writer_open(struct stream_writer **wp, int fd, const char *name,
		       int mode, const struct ckpt_keyring *kr,
		       const struct stream_opts *opts)
{
	struct stream_writer *w;
	int ret;

	*wp = NULL;
	ret = check_writer_keys(mode, kr);
	if (ret)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	w->fd = fd;
	w->name = name;
	w->chunk_size = opts && opts->chunk_size ? opts->chunk_size :
			CKPT_ENC_CHUNK;
	w->st = sodium_malloc(sizeof(*w->st));
	w->pbuf = malloc(w->chunk_size);
	if (!w->st || !w->pbuf) {
		ret = ckpt_fail(CKPT_EFAIL, "out of memory");
		goto fail;
	}
	ret = build_header(w, mode, kr, opts);
	if (ret)
		goto fail;
	if (ckpt_write_full(fd, w->header, w->header_len)) {
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s: write failed", name);
		goto fail;
	}
	w->bytes = w->header_len;
	ret = bgio_writer(&w->out, fd, name,
		       CKPT_ENC_FRAME_LEN + w->chunk_size + CKPT_ENC_ABYTES);
	if (ret)
		goto fail;
	*wp = w;
	return CKPT_OK;
fail:
	stream_writer_free(w);
	return ret;
}

/* Encrypt @len bytes at @m as the next chunk and queue it for writing. */
static int push_chunk(struct stream_writer *w, const unsigned char *m,
		      size_t len, unsigned char tag)
{
	unsigned char *c = bgio_get(w->out, NULL);
	unsigned long long clen;
	bool first = w->chunks == 0;

	if (!c)
		return CKPT_EFAIL;
	ckpt_put_le32(c, (uint32_t)len);
	ckpt_put_le32(c + 4, ~(uint32_t)len);
	crypto_secretstream_xchacha20poly1305_push(w->st,
						   c + CKPT_ENC_FRAME_LEN,
						   &clen, m, len,
						   first ? w->header : NULL,
						   first ? w->header_len : 0,
						   tag);
	clen += CKPT_ENC_FRAME_LEN;
	bgio_put(w->out, clen);
	w->chunks++;
	w->bytes += clen;
	return CKPT_OK;
}

/*
 * A full chunk is pushed only when more data comes, so that the last
 * chunk, full or not, is the one that gets TAG_FINAL.  The final chunk
 * is empty only for an empty image: it carries the image's last bytes,
 * so a reader that hands the image on as it decrypts (restart from
 * standard input, or --no-verify) cannot deliver all of it before the
 * end of the stream is authenticated.  Pushing whole chunks at once and
 * ending with an empty final chunk would save a copy of some of the
 * data, a few per cent of an encrypted checkpoint, and lose that.
 * Whole chunks of the caller's buffer but its last are encrypted where
 * they are, without a copy.
 */
int stream_write(struct stream_writer *w, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (w->finished)
		return ckpt_fail(CKPT_EFAIL, "%s: write after the final chunk",
				 w->name);
	while (len) {
		size_t n;
		int ret;

		if (w->plen == w->chunk_size) {
			ret = push_chunk(w, w->pbuf, w->plen, TAG_MESSAGE);
			if (ret)
				return ret;
			w->plen = 0;
		}
		if (!w->plen && len > w->chunk_size) {
			ret = push_chunk(w, p, w->chunk_size, TAG_MESSAGE);
			if (ret)
				return ret;
			p += w->chunk_size;
			len -= w->chunk_size;
			continue;
		}
		n = w->chunk_size - w->plen;
		if (n > len)
			n = len;
		memcpy(w->pbuf + w->plen, p, n);
		w->plen += n;
		p += n;
		len -= n;
	}
	return CKPT_OK;
}

int stream_writer_finish(struct stream_writer *w)
{
	int ret;

	if (w->finished)
		return CKPT_OK;
	ret = push_chunk(w, w->pbuf, w->plen, TAG_FINAL);
	if (!ret)
		ret = bgio_close(w->out);
	if (!ret)
		w->finished = true;
	return ret;
}

uint64_t stream_writer_bytes(const struct stream_writer *w)
{
	return w->bytes;
}

void stream_writer_free(struct stream_writer *w)
{
	if (!w)
		return;
	sodium_free(w->st);
	if (w->pbuf)
		sodium_memzero(w->pbuf, w->chunk_size);
	free(w->pbuf);
	bgio_free(w->out);
	free(w->header);
	free(w);
}

/* ================================================================ reader */

struct stream_reader {
	struct ckpt_in *in;
	const char *name;
	unsigned char *header;
	struct stream_info info;
	ss_state *st;
	unsigned char *cbuf;		/* one chunk as read */
	unsigned char *pbuf;		/* its plaintext */
	size_t plen;
	size_t ppos;
	uint64_t chunk;			/* index of the next chunk */
	uint64_t chunk_off;		/* its offset in the file */
	bool unlocked;
	bool done;
};

static int corrupt_header(const struct stream_reader *r, const char *fmt,
			  uint64_t v)
{
	char what[160];

	snprintf(what, sizeof(what), fmt, (unsigned long long)v);
	return ckpt_fail(CKPT_ECORRUPT, "%s: container header: %s: the file was modified or corrupted",
			 r->name, what);
}

static int truncated_header(const struct stream_reader *r, size_t got,
			    size_t want)
{
	return ckpt_fail(CKPT_ETRUNC, "%s: truncated: the file ends inside the container header (after %zu of %zu bytes)",
			 r->name, got, want);
}

/* Magic and version: what must be right before anything else is read. */
static int check_identity(struct stream_reader *r, const unsigned char *h,
			  size_t got)
{
	size_t n = got < CKPT_ENC_MAGIC_LEN ? got : CKPT_ENC_MAGIC_LEN;

	if (!got)
		return ckpt_fail(CKPT_ETRUNC, "%s: truncated: the file is empty",
				 r->name);
	if (memcmp(h, CKPT_ENC_MAGIC, n))
		return ckpt_fail(CKPT_EFORMAT, "%s: not an encrypted ckpt image (no %s magic)",
				 r->name, "CKPTENC");
	if (got >= CKPT_ENC_OFF_VERSION + 4) {
		r->info.version = ckpt_get_le32(h + CKPT_ENC_OFF_VERSION);
		if (r->info.version != CKPT_ENC_VERSION) {
			ckpt_fail(CKPT_EFORMAT, "%s: unsupported container version %u (this ckpt reads version %d)",
				  r->name, r->info.version, CKPT_ENC_VERSION);
			ckpt_hint("a newer ckpt wrote it, or the file is damaged");
			return CKPT_EFORMAT;
		}
	}
	if (got < CKPT_ENC_FIXED_LEN)
		return truncated_header(r, got, CKPT_ENC_FIXED_LEN);
	return CKPT_OK;
}

/* The fixed part, cross-checked before the reader relies on it. */
static int check_fixed(struct stream_reader *r, const unsigned char *h)
{
	struct stream_info *i = &r->info;
	uint32_t reserved = ckpt_get_le32(h + CKPT_ENC_OFF_RESERVED);
	uint32_t mode = ckpt_get_le32(h + CKPT_ENC_OFF_MODE);
	size_t want;

	i->header_len = ckpt_get_le32(h + CKPT_ENC_OFF_HDRLEN);
	i->chunk_size = ckpt_get_le32(h + CKPT_ENC_OFF_CHUNK);
	i->nr_recipients = ckpt_get_le32(h + CKPT_ENC_OFF_NRCPT);

	if (reserved)
		return corrupt_header(r, "the reserved field is 0x%llx, not 0",
				      reserved);
	if (mode != CKPT_MODE_RECIPIENTS && mode != CKPT_MODE_SYMMETRIC &&
	    mode != CKPT_MODE_PASSPHRASE)
		return corrupt_header(r, "unknown key mode %llu", mode);
	i->mode = (int)mode;
	if (i->chunk_size < CKPT_ENC_CHUNK_MIN ||
	    i->chunk_size > CKPT_ENC_CHUNK_MAX ||
	    (i->chunk_size & (i->chunk_size - 1)))
		return corrupt_header(r, "chunk size %llu is not a power of two from 4 KiB to 1 MiB",
				      i->chunk_size);
	if (mode == CKPT_MODE_RECIPIENTS ?
	    !i->nr_recipients || i->nr_recipients > CKPT_ENC_MAX_RECIPIENTS :
	    i->nr_recipients != 0)
		return corrupt_header(r, "%llu recipients do not fit its key mode",
				      i->nr_recipients);
	want = header_len_for(i->mode, i->nr_recipients);
	if (i->header_len != want)
		return corrupt_header(r, "header length %llu does not match its key mode and recipients",
				      i->header_len);
	return CKPT_OK;
}

/* The key part, once the checksum says it is as written. */
static int parse_params(struct stream_reader *r)
{
	struct stream_info *i = &r->info;
	const unsigned char *p = r->header + CKPT_ENC_FIXED_LEN;

	switch (i->mode) {
	case CKPT_MODE_RECIPIENTS:
		i->recipient_ids = p;
		return CKPT_OK;
	case CKPT_MODE_SYMMETRIC:
		memcpy(i->keyid, p, CKPT_KEYID_BYTES);
		return CKPT_OK;
	case CKPT_MODE_PASSPHRASE:
		memcpy(i->keyid, p + CKPT_ENC_PP_KEYID, CKPT_KEYID_BYTES);
		memcpy(i->salt, p + CKPT_ENC_PP_SALT, CKPT_ENC_SALT_LEN);
		i->opslimit = ckpt_get_le64(p + CKPT_ENC_PP_OPSLIMIT);
		i->memlimit = ckpt_get_le64(p + CKPT_ENC_PP_MEMLIMIT);
		if (i->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
		    i->opslimit > CKPT_ENC_OPSLIMIT_MAX ||
		    i->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
		    i->memlimit > CKPT_ENC_MEMLIMIT_MAX) {
			ckpt_fail(CKPT_EFORMAT, "%s: refusing Argon2id costs opslimit %llu, memlimit %llu KiB: this ckpt accepts opslimit 1..%llu and memlimit 8 KiB..%llu MiB",
				  r->name, (unsigned long long)i->opslimit,
				  (unsigned long long)(i->memlimit >> 10),
				  CKPT_ENC_OPSLIMIT_MAX, CKPT_ENC_MEMLIMIT_MAX >> 20);
			return CKPT_EFORMAT;
		}
		return CKPT_OK;
	}
	return ckpt_fail(CKPT_EFAIL, "%s: unknown key mode %d", r->name, i->mode);
}

static int read_header(struct stream_reader *r)
{
	unsigned char fixed[CKPT_ENC_FIXED_LEN], sum[CKPT_ENC_CHECKSUM_LEN];
	size_t len, rest;
	ssize_t got;
	int ret;

	got = ckpt_in_read(r->in, fixed, sizeof(fixed));
	if (got < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", r->name);
	ret = check_identity(r, fixed, got);
	if (!ret)
		ret = check_fixed(r, fixed);
	if (ret)
		return ret;

	len = r->info.header_len;
	r->header = malloc(len);
	if (!r->header)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	memcpy(r->header, fixed, sizeof(fixed));
	rest = len - sizeof(fixed);
	got = ckpt_in_read(r->in, r->header + sizeof(fixed), rest);
	if (got < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", r->name);
	if ((size_t)got < rest)
		return truncated_header(r, sizeof(fixed) + got, len);

	checksum(r->header, len, sum);
	if (sodium_memcmp(sum, r->header + len - CKPT_ENC_CHECKSUM_LEN,
			  CKPT_ENC_CHECKSUM_LEN))
		return ckpt_fail(CKPT_ECORRUPT, "%s: the container header (bytes 0-%zu) fails its checksum: the file was modified or corrupted",
				 r->name, len - 1);
	return parse_params(r);
}

int stream_reader_open(struct stream_reader **rp, struct ckpt_in *in)
{
	struct stream_reader *r;
	int ret;

	*rp = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	r->in = in;
	r->name = in->name;
	ret = read_header(r);
	if (ret)
		goto fail;
	r->st = sodium_malloc(sizeof(*r->st));
	r->cbuf = malloc(r->info.chunk_size + CKPT_ENC_ABYTES);
	r->pbuf = malloc(r->info.chunk_size);
	if (!r->st || !r->cbuf || !r->pbuf) {
		ret = ckpt_fail(CKPT_EFAIL, "out of memory");
		goto fail;
	}
	r->chunk_off = r->info.header_len;
	*rp = r;
	return CKPT_OK;
fail:
	stream_reader_free(r);
	return ret;
}

const struct stream_info *stream_reader_info(const struct stream_reader *r)
{
	return &r->info;
}

static const unsigned char *recipient_entry(const struct stream_reader *r,
					    uint32_t i)
{
	return r->header + CKPT_ENC_FIXED_LEN + (size_t)i * CKPT_ENC_RECIPIENT_LEN;
}

static bool try_open(const unsigned char *entry,
		     const struct ckpt_identity *id, unsigned char *key)
{
	return !crypto_box_seal_open(key, entry + CKPT_KEYID_BYTES,
				     CKPT_ENC_SEALED_LEN, id->pk, id->sk);
}

static int wrong_identity(const struct stream_reader *r,
			  const struct ckpt_keyring *kr)
{
	char who[512], whose[64];
	uint32_t n = r->info.nr_recipients;

	if (kr->nr_ids == 1)
		snprintf(who, sizeof(who), "the identity in %s is not",
			 kr->ids_source ? kr->ids_source : "the key ring");
	else if (kr->nr_ids_sources == 1)
		snprintf(who, sizeof(who), "none of the %zu identities in %s is",
			 kr->nr_ids, kr->ids_source);
	else
		snprintf(who, sizeof(who), "none of the %zu identities given is",
			 kr->nr_ids);
	if (n == 1)
		snprintf(whose, sizeof(whose), "its recipient");
	else
		snprintf(whose, sizeof(whose), "one of its %u recipients", n);
	return ckpt_fail(CKPT_EKEY, "%s: wrong identity: %s %s", r->name, who,
			 whose);
}

/*
 * The key ids say which entry is ours.  An entry whose id is ours but
 * whose sealed key does not open was damaged; with no id of ours, every
 * entry is still tried, in case it is an id that was damaged: then chunk
 * 0 fails to authenticate, which names the problem right.
 */
static int open_recipient_key(struct stream_reader *r,
			      const struct ckpt_keyring *kr,
			      unsigned char *key)
{
	const struct stream_info *i = &r->info;
	long damaged = -1;

	if (!kr->nr_ids)
		return ckpt_fail(CKPT_EKEY, "%s: is encrypted to recipients: no identity given",
				 r->name);
	for (uint32_t e = 0; e < i->nr_recipients; e++) {
		const unsigned char *entry = recipient_entry(r, e);

		for (size_t k = 0; k < kr->nr_ids; k++) {
			if (sodium_memcmp(entry, kr->ids[k]->id, CKPT_KEYID_BYTES))
				continue;
			if (try_open(entry, kr->ids[k], key))
				return CKPT_OK;
			damaged = e;
		}
	}
	for (uint32_t e = 0; e < i->nr_recipients; e++)
		for (size_t k = 0; k < kr->nr_ids; k++)
			if (try_open(recipient_entry(r, e), kr->ids[k], key))
				return CKPT_OK;
	if (damaged >= 0)
		return ckpt_fail(CKPT_ECORRUPT, "%s: the sealed key of recipient %ld failed authentication: the file was modified or corrupted",
				 r->name, damaged + 1);
	return wrong_identity(r, kr);
}

static int wrong_key(const struct stream_reader *r, const char *what,
		     const unsigned char *got)
{
	char want_hex[17], got_hex[17];

	ckpt_keyid_hex(r->info.keyid, want_hex);
	ckpt_keyid_hex(got, got_hex);
	return ckpt_fail(CKPT_EKEY, "%s: wrong %s (key id %s; the file needs key id %s)",
			 r->name, what, got_hex, want_hex);
}

static int open_symmetric_key(struct stream_reader *r,
			      const struct ckpt_keyring *kr,
			      unsigned char *key)
{
	unsigned char id[CKPT_KEYID_BYTES];

	if (!kr->symkey)
		return ckpt_fail(CKPT_EKEY, "%s: is encrypted with a symmetric key: no key file given",
				 r->name);
	ckpt_symmetric_id(kr->symkey, id);
	if (sodium_memcmp(id, r->info.keyid, CKPT_KEYID_BYTES))
		return wrong_key(r, "key", id);
	memcpy(key, kr->symkey, CKPT_KEY_BYTES);
	return CKPT_OK;
}

static int open_passphrase_key(struct stream_reader *r,
			       const struct ckpt_keyring *kr,
			       unsigned char *key)
{
	unsigned char id[CKPT_KEYID_BYTES];
	int ret;

	if (!kr->passphrase)
		return ckpt_fail(CKPT_EKEY, "%s: is encrypted with a passphrase: none given",
				 r->name);
	ret = derive_passphrase_key(key, kr, r->info.salt, r->info.opslimit,
				    r->info.memlimit);
	if (ret)
		return ret;
	ckpt_passphrase_id(key, id);
	if (sodium_memcmp(id, r->info.keyid, CKPT_KEYID_BYTES))
		return ckpt_fail(CKPT_EKEY, "%s: wrong passphrase", r->name);
	return CKPT_OK;
}

int stream_reader_unlock(struct stream_reader *r,
			 const struct ckpt_keyring *kr)
{
	unsigned char *key = sodium_malloc(CKPT_KEY_BYTES);
	const unsigned char *sshdr;
	int ret;

	if (!key)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	switch (r->info.mode) {
	case CKPT_MODE_RECIPIENTS:
		ret = open_recipient_key(r, kr, key);
		break;
	case CKPT_MODE_SYMMETRIC:
		ret = open_symmetric_key(r, kr, key);
		break;
	default:
		ret = open_passphrase_key(r, kr, key);
		break;
	}
	sshdr = r->header + r->info.header_len - CKPT_ENC_CHECKSUM_LEN -
		CKPT_ENC_SSHDR_LEN;
	if (!ret &&
	    crypto_secretstream_xchacha20poly1305_init_pull(r->st, sshdr, key))
		ret = ckpt_fail(CKPT_ECORRUPT, "%s: invalid secretstream header: the file was modified or corrupted",
				r->name);
	sodium_free(key);
	if (!ret)
		r->unlocked = true;
	return ret;
}

/* After the final chunk, the file must end. */
static int check_end(struct stream_reader *r)
{
	unsigned char extra;
	ssize_t got = ckpt_in_read(r->in, &extra, 1);

	if (got < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", r->name);
	if (got)
		return ckpt_fail(CKPT_ECORRUPT, "%s: trailing data after the final chunk (at offset %llu)",
				 r->name, (unsigned long long)r->chunk_off);
	return CKPT_OK;
}

static int chunk_corrupt(const struct stream_reader *r, const char *what)
{
	return ckpt_fail(CKPT_ECORRUPT, "%s: chunk %llu (offset %llu) %s: the file was modified or corrupted",
			 r->name, (unsigned long long)r->chunk,
			 (unsigned long long)r->chunk_off, what);
}

static int chunk_truncated(const struct stream_reader *r)
{
	return ckpt_fail(CKPT_ETRUNC, "%s: truncated: the file ends inside chunk %llu (offset %llu)",
			 r->name, (unsigned long long)r->chunk,
			 (unsigned long long)r->chunk_off);
}

/* The frame: how long the chunk is, checked before it is read. */
static int read_frame(struct stream_reader *r, size_t *len)
{
	unsigned char frame[CKPT_ENC_FRAME_LEN];
	ssize_t got = ckpt_in_read(r->in, frame, sizeof(frame));
	uint32_t plen;

	if (got < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", r->name);
	if (got == 0)
		return ckpt_fail(CKPT_ETRUNC, "%s: truncated: the file ends after %llu chunk%s (at offset %llu) without a final chunk",
				 r->name, (unsigned long long)r->chunk,
				 r->chunk == 1 ? "" : "s",
				 (unsigned long long)r->chunk_off);
	if ((size_t)got < sizeof(frame))
		return chunk_truncated(r);
	plen = ckpt_get_le32(frame);
	if (plen != ~ckpt_get_le32(frame + 4))
		return chunk_corrupt(r, "has a damaged length field");
	if (plen > r->info.chunk_size)
		return chunk_corrupt(r, "is longer than the chunk size");
	*len = plen + CKPT_ENC_ABYTES;
	return CKPT_OK;
}

/* Read, authenticate and decrypt the next chunk into r->pbuf. */
static int next_chunk(struct stream_reader *r)
{
	unsigned long long mlen;
	unsigned char tag;
	bool first = r->chunk == 0;
	size_t len = 0;
	ssize_t got;
	int ret;

	ret = read_frame(r, &len);
	if (ret)
		return ret;
	got = ckpt_in_read(r->in, r->cbuf, len);
	if (got < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", r->name);
	if ((size_t)got < len)
		return chunk_truncated(r);
	if (crypto_secretstream_xchacha20poly1305_pull(r->st, r->pbuf, &mlen,
						       &tag, r->cbuf, len,
						       first ? r->header : NULL,
						       first ? r->info.header_len : 0))
		return chunk_corrupt(r, "failed authentication");
	/* Authentic, so written by a key holder: but not by ckpt. */
	if (tag != TAG_FINAL && tag != TAG_MESSAGE)
		return chunk_corrupt(r, "has an unknown tag");
	if (tag == TAG_MESSAGE && mlen != r->info.chunk_size)
		return chunk_corrupt(r, "is short but not the final chunk");

	r->plen = mlen;
	r->ppos = 0;
	r->chunk++;
	r->chunk_off += CKPT_ENC_FRAME_LEN + len;
	if (tag == TAG_FINAL) {
		ret = check_end(r);
		if (ret)
			return ret;
		r->done = true;
	}
	return CKPT_OK;
}

int stream_read(struct stream_reader *r, void *buf, size_t len, size_t *got)
{
	size_t n;
	int ret;

	*got = 0;
	if (!r->unlocked)
		return ckpt_fail(CKPT_EFAIL, "%s: read before unlock", r->name);
	while (r->ppos == r->plen) {
		if (r->done)
			return CKPT_OK;
		ret = next_chunk(r);
		if (ret)
			return ret;
	}
	n = r->plen - r->ppos;
	if (n > len)
		n = len;
	memcpy(buf, r->pbuf + r->ppos, n);
	r->ppos += n;
	*got = n;
	return CKPT_OK;
}

void stream_reader_free(struct stream_reader *r)
{
	if (!r)
		return;
	sodium_free(r->st);
	if (r->pbuf)
		sodium_memzero(r->pbuf, r->info.chunk_size);
	free(r->pbuf);
	free(r->cbuf);
	free(r->header);
	free(r);
}

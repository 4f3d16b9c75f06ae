/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The encrypted container: a header that says how the stream key is
 * protected, then the image in crypto_secretstream_xchacha20poly1305
 * chunks.  Documentation/encryption.rst describes it field by field; the
 * constants below are that description's numbers.
 *
 * Both directions stream: the writer takes plaintext and writes container
 * bytes to a file descriptor, the reader pulls plaintext from one.  Each
 * holds a couple of chunks in memory whatever the size of the image.
 */
#ifndef CKPT_STREAM_H
#define CKPT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "keys.h"
#include "util.h"

#define CKPT_ENC_MAGIC		"\x7f" "CKPTENC"
#define CKPT_ENC_MAGIC_LEN	8
#define CKPT_ENC_VERSION	1

/* Plaintext bytes per chunk: written 64 KiB, read 4 KiB..1 MiB. */
#define CKPT_ENC_CHUNK		(64 * 1024)
#define CKPT_ENC_CHUNK_MIN	(4 * 1024)
#define CKPT_ENC_CHUNK_MAX	(1024 * 1024)
#define CKPT_ENC_ABYTES		crypto_secretstream_xchacha20poly1305_ABYTES

/* The fixed part of the header, at offset 0 (all little-endian). */
#define CKPT_ENC_OFF_MAGIC	0	/* 8 bytes: CKPT_ENC_MAGIC */
#define CKPT_ENC_OFF_VERSION	8	/* u32: CKPT_ENC_VERSION */
#define CKPT_ENC_OFF_HDRLEN	12	/* u32: bytes of the whole header */
#define CKPT_ENC_OFF_CHUNK	16	/* u32: plaintext bytes per chunk */
#define CKPT_ENC_OFF_MODE	20	/* u32: enum ckpt_key_mode */
#define CKPT_ENC_OFF_NRCPT	24	/* u32: recipients (else 0) */
#define CKPT_ENC_OFF_RESERVED	28	/* u32: 0 */
#define CKPT_ENC_FIXED_LEN	32

/* Recipients: per recipient, a key id then the sealed stream key. */
#define CKPT_ENC_SEALED_LEN	(crypto_box_SEALBYTES + CKPT_KEY_BYTES)
#define CKPT_ENC_RECIPIENT_LEN	(CKPT_KEYID_BYTES + CKPT_ENC_SEALED_LEN)
#define CKPT_ENC_MAX_RECIPIENTS	256

/* Symmetric key: its key id. */
#define CKPT_ENC_SYMMETRIC_LEN	CKPT_KEYID_BYTES

/* Passphrase: key id of the derived key, salt, opslimit, memlimit. */
#define CKPT_ENC_SALT_LEN	crypto_pwhash_argon2id_SALTBYTES
#define CKPT_ENC_PP_KEYID	0
#define CKPT_ENC_PP_SALT	8
#define CKPT_ENC_PP_OPSLIMIT	(CKPT_ENC_PP_SALT + CKPT_ENC_SALT_LEN)
#define CKPT_ENC_PP_MEMLIMIT	(CKPT_ENC_PP_OPSLIMIT + 8)
#define CKPT_ENC_PASSPHRASE_LEN	(CKPT_ENC_PP_MEMLIMIT + 8)
/* What a reader accepts: a hostile header must not cost minutes or GiBs. */
#define CKPT_ENC_OPSLIMIT_MAX	16ULL
#define CKPT_ENC_MEMLIMIT_MAX	(1ULL << 30)

/* Then the secretstream header, then a checksum of all that precedes. */
#define CKPT_ENC_SSHDR_LEN	crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define CKPT_ENC_CHECKSUM_LEN	16

/*
 * Each chunk is framed: u32 plaintext length, u32 its complement, then
 * the secretstream ciphertext (length + ABYTES).  The length tells where
 * the final chunk ends, so that data after it, and a file cut inside a
 * chunk, are told apart from damage; the complement makes a damaged
 * length field show as damage rather than as a file cut short.
 */
#define CKPT_ENC_FRAME_LEN	8

/* Parameters of a container, as its header gives them. */
struct stream_info {
	uint32_t version;
	uint32_t header_len;
	uint32_t chunk_size;
	int mode;				/* enum ckpt_key_mode */
	uint32_t nr_recipients;
	const unsigned char *recipient_ids;	/* nr_recipients ids of 8 bytes */
	unsigned char keyid[CKPT_KEYID_BYTES];	/* symmetric, passphrase */
	unsigned char salt[CKPT_ENC_SALT_LEN];
	uint64_t opslimit;
	uint64_t memlimit;
};

/* Tuning for the writer (NULL: the defaults). */
struct stream_opts {
	uint32_t chunk_size;		/* 0: CKPT_ENC_CHUNK */
	unsigned long long opslimit;	/* 0: Argon2id INTERACTIVE */
	size_t memlimit;		/* 0: Argon2id INTERACTIVE */
};

struct stream_writer;
struct stream_reader;

/*
 * Start a container on @fd (@name for messages), encrypted in @mode with
 * the keys of @kr, and write its header.
 */
int stream_writer_open(struct stream_writer **wp, int fd, const char *name,
		       int mode, const struct ckpt_keyring *kr,
		       const struct stream_opts *opts);
int stream_write(struct stream_writer *w, const void *buf, size_t len);
/* Write the final chunk.  Nothing may be written after it. */
int stream_writer_finish(struct stream_writer *w);
/* Container bytes written so far. */
uint64_t stream_writer_bytes(const struct stream_writer *w);
void stream_writer_free(struct stream_writer *w);

/* Read and check the header: magic, version, consistency, checksum. */
int stream_reader_open(struct stream_reader **rp, struct ckpt_in *in);
const struct stream_info *stream_reader_info(const struct stream_reader *r);
/* Find the stream key with @kr: CKPT_EKEY if it is not there. */
int stream_reader_unlock(struct stream_reader *r,
			 const struct ckpt_keyring *kr);
/* Plaintext; *got == 0 only after a verified final chunk and end of file. */
int stream_read(struct stream_reader *r, void *buf, size_t len, size_t *got);
void stream_reader_free(struct stream_reader *r);

#endif /* CKPT_STREAM_H */

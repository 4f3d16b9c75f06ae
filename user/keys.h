/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keys: identities (X25519 key pairs), recipients (their public halves),
 * symmetric key files and passphrases; their text encodings and files.
 * Documentation/encryption.rst describes the formats.
 *
 * Every secret lives in sodium_malloc() memory and is wiped when freed.
 */
#ifndef CKPT_KEYS_H
#define CKPT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define CKPT_KEY_BYTES		32
#define CKPT_KEYID_BYTES	8
/* base64url without padding of 32 bytes */
#define CKPT_KEY_B64_LEN	43

#define CKPT_RECIPIENT_PREFIX	"ckpt1"
#define CKPT_SECRET_PREFIX	"CKPT-SECRET-KEY-1"
#define CKPT_SYMMETRIC_PREFIX	"CKPT-SYMMETRIC-KEY-1"
/* The longest encoding: a symmetric key line, without its NUL. */
#define CKPT_KEY_TEXT_MAX	(sizeof(CKPT_SYMMETRIC_PREFIX) - 1 + CKPT_KEY_B64_LEN)

/* The longest passphrase accepted, in bytes. */
#define CKPT_PASSPHRASE_MAX	1024

/* How a container's stream key is protected (stream.h stores it). */
enum ckpt_key_mode {
	CKPT_MODE_NONE		= 0,	/* plaintext: no container */
	CKPT_MODE_RECIPIENTS	= 1,	/* sealed to X25519 recipients */
	CKPT_MODE_SYMMETRIC	= 2,	/* a 32-byte key file */
	CKPT_MODE_PASSPHRASE	= 4,	/* Argon2id of a passphrase */
};
const char *ckpt_mode_name(int mode);

/* An identity: a secret key and its public key, in sodium_malloc memory. */
struct ckpt_identity {
	unsigned char sk[CKPT_KEY_BYTES];
	unsigned char pk[CKPT_KEY_BYTES];
	unsigned char id[CKPT_KEYID_BYTES];	/* ckpt_recipient_id(pk) */
};

/* What a command has to encrypt to, or to decrypt with. */
struct ckpt_keyring {
	unsigned char (*recipients)[CKPT_KEY_BYTES];
	size_t nr_recipients;
	struct ckpt_identity **ids;
	size_t nr_ids;
	const char *ids_source;		/* the identity file, for messages */
	size_t nr_ids_sources;		/* how many files the ids came from */
	unsigned char *symkey;		/* sodium_malloc, or NULL */
	const char *symkey_source;
	char *passphrase;		/* sodium_malloc, NUL-terminated */
	size_t passphrase_len;
};

/* The key options the commands share (-r -R -i -k --passphrase...). */
struct key_opts {
	const char **recipients;	/* -r RECIPIENT */
	size_t nr_recipients;
	const char **recipient_files;	/* -R FILE */
	size_t nr_recipient_files;
	const char **identity_files;	/* -i FILE */
	size_t nr_identity_files;
	const char *keyfile;		/* -k FILE */
	bool passphrase;		/* --passphrase */
	const char *passphrase_file;	/* --passphrase-file FILE */
};

/*
 * getopt_long() entries of the key options, for a command's table: -r,
 * -R, -k and the passphrase options to encrypt; -i, -k and the passphrase
 * options to decrypt.  key_opts_option() takes what they return.
 */
enum {
	KEY_OPT_PASSPHRASE = 0x200,
	KEY_OPT_PASSPHRASE_FILE,
};

#define KEY_OPTIONS_PASSPHRASE						\
	{ "key-file", required_argument, NULL, 'k' },			\
	{ "passphrase", no_argument, NULL, KEY_OPT_PASSPHRASE },	\
	{ "passphrase-file", required_argument, NULL,			\
	  KEY_OPT_PASSPHRASE_FILE }
#define KEY_OPTIONS_ENCRYPT						\
	{ "recipient", required_argument, NULL, 'r' },			\
	{ "recipients-file", required_argument, NULL, 'R' },		\
	KEY_OPTIONS_PASSPHRASE
#define KEY_OPTIONS_DECRYPT						\
	{ "identity", required_argument, NULL, 'i' },			\
	KEY_OPTIONS_PASSPHRASE

/* Take key option @c: 0, an exit code, or -1 if @c is not one. */
int key_opts_option(struct key_opts *o, int c, const char *arg);
void key_opts_free(struct key_opts *o);
/* Add -r/-R/-i (repeatable); 0 or CKPT_EFAIL. */
int key_opts_add(const char ***list, size_t *nr, const char *arg);
bool key_opts_any(const struct key_opts *o);

/*
 * The key mode the options ask for when encrypting: exactly one of
 * recipients (-r/-R), -k, or a passphrase.  0 or CKPT_EUSAGE.
 */
int key_opts_encrypt_mode(const struct key_opts *o, int *mode);

/* Fill @kr to encrypt in @mode (asks for the passphrase twice). */
int keys_load_encrypt(struct ckpt_keyring *kr, const struct key_opts *o,
		      int mode);
/*
 * Fill @kr to decrypt @what (a file name, for messages), encrypted in
 * @mode.  A passphrase is asked for on the terminal when no option gives
 * one.  CKPT_EKEY when the options do not fit the mode.
 */
int keys_load_decrypt(struct ckpt_keyring *kr, const struct key_opts *o,
		      int mode, const char *what);
void keyring_free(struct ckpt_keyring *kr);

/* Parse a recipient, strictly.  0 or CKPT_EUSAGE. */
int keys_parse_recipient(const char *s, unsigned char pk[CKPT_KEY_BYTES]);
int keyring_add_recipient(struct ckpt_keyring *kr,
			  const unsigned char pk[CKPT_KEY_BYTES]);
int keys_load_recipients_file(struct ckpt_keyring *kr, const char *path);
int keys_load_identities(struct ckpt_keyring *kr, const char *path);
int keys_load_symmetric(struct ckpt_keyring *kr, const char *path);
int keys_read_passphrase_file(struct ckpt_keyring *kr, const char *path);
int keys_prompt_passphrase(struct ckpt_keyring *kr, bool confirm);
/* Set the passphrase directly (tests).  0 or CKPT_EFAIL. */
int keyring_set_passphrase(struct ckpt_keyring *kr, const char *pass,
			   size_t len);
int keyring_set_symkey(struct ckpt_keyring *kr,
		       const unsigned char key[CKPT_KEY_BYTES]);
/* Add an identity from a secret key (tests, keygen). */
int keyring_add_identity(struct ckpt_keyring *kr,
			 const unsigned char sk[CKPT_KEY_BYTES]);

/* Text encodings: PREFIX + base64url-no-padding(32 bytes). */
void keys_encode(const char *prefix, const unsigned char key[CKPT_KEY_BYTES],
		 char out[CKPT_KEY_TEXT_MAX + 1]);
/* Strict: exactly PREFIX and 43 canonical characters.  0 or -1. */
int keys_decode(const char *prefix, const char *s, size_t len,
		unsigned char key[CKPT_KEY_BYTES]);

/* Key ids: the first 8 bytes of BLAKE2b(label || key). */
void ckpt_recipient_id(const unsigned char pk[CKPT_KEY_BYTES],
		       unsigned char id[CKPT_KEYID_BYTES]);
void ckpt_symmetric_id(const unsigned char key[CKPT_KEY_BYTES],
		       unsigned char id[CKPT_KEYID_BYTES]);
/* Of the key derived from a passphrase: tells a wrong passphrase. */
void ckpt_passphrase_id(const unsigned char key[CKPT_KEY_BYTES],
			unsigned char id[CKPT_KEYID_BYTES]);
void ckpt_keyid_hex(const unsigned char id[CKPT_KEYID_BYTES], char out[17]);

/*
 * Write a new key file: created with O_EXCL and mode 0600, so that an
 * existing key is never overwritten; "-" is standard output.
 */
int keys_write_file(const char *path, const char *text, size_t len);

#endif /* CKPT_KEYS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt keygen: make an identity (an X25519 key pair) or a symmetric key
 * file, or print the recipients of an identity file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ckpt.h"
#include "keys.h"
#include "util.h"

static int keygen(int argc, char **argv);

const struct ckpt_cmd cmd_keygen = {
	.name = "keygen",
	.fn = keygen,
	.help =
	"make an identity or a symmetric key file\n"
	"\n"
	"Usage: ckpt keygen -o IDENTITY\n"
	"       ckpt keygen --symmetric -o KEYFILE\n"
	"       ckpt keygen -y IDENTITY\n"
	"\n"
	"The first form makes an identity: an X25519 key pair, written to\n"
	"IDENTITY as text (# created, # public key, then the secret key line),\n"
	"and prints its recipient, the public key to encrypt to (ckpt1...).\n"
	"The second makes a 32-byte symmetric key file (CKPT-SYMMETRIC-KEY-1...).\n"
	"Key files are created with mode 0600 and never overwritten; '-o -'\n"
	"writes the key to standard output instead.  The third prints the\n"
	"recipient of each identity in IDENTITY.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   write the new key to FILE (required)\n"
	"      --symmetric     make a symmetric key instead of an identity\n"
	"  -y                  print the recipients of the identity file given\n"
	"  -h, --help          show this help\n",
};

/* The text of a key file: comment lines, then the key line. */
struct key_text {
	char *buf;		/* sodium_malloc: it holds the secret */
	size_t len;
};

#define KEY_TEXT_MAX	512

static int key_text_make(struct key_text *t, const char *comment,
			 const char *prefix, const unsigned char *key)
{
	char created[32], line[CKPT_KEY_TEXT_MAX + 1];
	int n;

	t->buf = sodium_malloc(KEY_TEXT_MAX);
	if (!t->buf)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	ckpt_rfc3339(time(NULL), created);
	keys_encode(prefix, key, line);
	n = snprintf(t->buf, KEY_TEXT_MAX, "# created: %s\n%s\n%s\n", created,
		     comment, line);
	sodium_memzero(line, sizeof(line));
	t->len = n;
	return CKPT_OK;
}

static int new_identity(const char *path)
{
	unsigned char pk[CKPT_KEY_BYTES], *sk = sodium_malloc(CKPT_KEY_BYTES);
	char recipient[CKPT_KEY_TEXT_MAX + 1], comment[CKPT_KEY_TEXT_MAX + 32];
	struct key_text t = { 0 };
	int ret;

	if (!sk)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	crypto_box_keypair(pk, sk);
	keys_encode(CKPT_RECIPIENT_PREFIX, pk, recipient);
	snprintf(comment, sizeof(comment), "# public key: %s", recipient);
	ret = key_text_make(&t, comment, CKPT_SECRET_PREFIX, sk);
	if (!ret)
		ret = keys_write_file(path, t.buf, t.len);
	if (!ret) {
		/* With the key on standard output, the recipient goes aside. */
		fprintf(strcmp(path, "-") ? stdout : stderr, "%s%s\n",
			strcmp(path, "-") ? "" : "Public key: ", recipient);
	}
	sodium_free(t.buf);
	sodium_free(sk);
	return ret;
}

static int new_symmetric(const char *path)
{
	unsigned char id[CKPT_KEYID_BYTES], *key = sodium_malloc(CKPT_KEY_BYTES);
	char comment[64], hex[17];
	struct key_text t = { 0 };
	int ret;

	if (!key)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	randombytes_buf(key, CKPT_KEY_BYTES);
	ckpt_symmetric_id(key, id);
	ckpt_keyid_hex(id, hex);
	/* The key id is what `ckpt info` shows of an image's key. */
	snprintf(comment, sizeof(comment), "# key id: %s", hex);
	ret = key_text_make(&t, comment, CKPT_SYMMETRIC_PREFIX, key);
	if (!ret)
		ret = keys_write_file(path, t.buf, t.len);
	sodium_free(t.buf);
	sodium_free(key);
	return ret;
}

static int print_recipients(const char *path)
{
	struct ckpt_keyring kr = { 0 };
	char recipient[CKPT_KEY_TEXT_MAX + 1];
	int ret;

	ret = keys_load_identities(&kr, path);
	for (size_t i = 0; !ret && i < kr.nr_ids; i++) {
		keys_encode(CKPT_RECIPIENT_PREFIX, kr.ids[i]->pk, recipient);
		puts(recipient);
	}
	keyring_free(&kr);
	if (!ret && fflush(stdout))
		ret = ckpt_fail(CKPT_EFAIL, "standard output: write failed");
	return ret;
}

enum { OPT_SYMMETRIC = 0x100 };

static int keygen(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "symmetric", no_argument, NULL, OPT_SYMMETRIC },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *output = NULL;
	bool symmetric = false, public = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:yh", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_SYMMETRIC:
			symmetric = true;
			break;
		case 'y':
			public = true;
			break;
		case 'h':
			return ckpt_cmd_help(&cmd_keygen);
		default:
			return ckpt_bad_option(&cmd_keygen, c, argv);
		}
	}

	if (public) {
		if (output || symmetric)
			return ckpt_usage(&cmd_keygen, "-y takes no other option");
		if (argc - optind != 1)
			return ckpt_usage(&cmd_keygen, "-y needs one identity file");
		return print_recipients(argv[optind]);
	}
	if (optind < argc)
		return ckpt_usage(&cmd_keygen, "unexpected argument '%s'",
				  argv[optind]);
	if (!output)
		return ckpt_usage(&cmd_keygen, "where to write the key? give -o FILE");
	return symmetric ? new_symmetric(output) : new_identity(output);
}

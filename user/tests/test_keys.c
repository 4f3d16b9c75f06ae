// SPDX-License-Identifier: GPL-2.0
/*
 * Keys: encodings, key files, key ids and the key options.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "tap.h"
#include "unit.h"
#include "util.h"

static char *write_file(const char *dir, const char *name, const char *text,
			mode_t mode)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	fchmod(fd, mode);
	close(fd);
	return path;
}

static const char *const prefixes[] = {
	CKPT_RECIPIENT_PREFIX, CKPT_SECRET_PREFIX, CKPT_SYMMETRIC_PREFIX,
};

static void encode_round_trip(const void *arg)
{
	unsigned char key[CKPT_KEY_BYTES], back[CKPT_KEY_BYTES];
	char text[CKPT_KEY_TEXT_MAX + 1];

	(void)arg;
	for (int round = 0; round < 64; round++) {
		randombytes_buf(key, sizeof(key));
		for (size_t i = 0; i < 3; i++) {
			keys_encode(prefixes[i], key, text);
			CHECK_INT(strlen(text), strlen(prefixes[i]) + CKPT_KEY_B64_LEN);
			CHECK(!keys_decode(prefixes[i], text, strlen(text), back));
			CHECK(!memcmp(key, back, sizeof(key)));
			/* base64url: no '+', '/' or '=' */
			CHECK(!strpbrk(text + strlen(prefixes[i]), "+/="));
		}
	}
}

/* Decoding accepts exactly one spelling of each key. */
static void decode_is_strict(const void *arg)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char key[CKPT_KEY_BYTES] = { 0 }, out[CKPT_KEY_BYTES];
	char good[CKPT_KEY_TEXT_MAX + 1], bad[CKPT_KEY_TEXT_MAX + 8];
	size_t len, last;

	(void)arg;
	randombytes_buf(key, sizeof(key));
	keys_encode(CKPT_RECIPIENT_PREFIX, key, good);
	len = strlen(good);
	last = strchr(b64, good[len - 1]) - b64;

	CHECK(!keys_decode(CKPT_RECIPIENT_PREFIX, good, len, out));
	CHECK(keys_decode(CKPT_SECRET_PREFIX, good, len, out));
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, good, len - 1, out));
	snprintf(bad, sizeof(bad), "%s=", good);
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, bad, strlen(bad), out));
	snprintf(bad, sizeof(bad), "%sA", good);
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, bad, strlen(bad), out));
	snprintf(bad, sizeof(bad), "%s", good);
	bad[10] = '+';
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, bad, len, out));
	bad[10] = ' ';
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, bad, len, out));
	/* 43 characters carry 258 bits: the last two must be zero. */
	snprintf(bad, sizeof(bad), "%s", good);
	bad[len - 1] = b64[last | 1];
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, bad, len, out));
	bad[len - 1] = b64[last | 2];
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, bad, len, out));
	snprintf(bad, sizeof(bad), "CKPT1%s", good + 5);
	CHECK(keys_decode(CKPT_RECIPIENT_PREFIX, bad, len, out));
}

static void recipient_option_refuses_secrets(const void *arg)
{
	unsigned char key[CKPT_KEY_BYTES], pk[CKPT_KEY_BYTES];
	char text[CKPT_KEY_TEXT_MAX + 1];

	(void)arg;
	randombytes_buf(key, sizeof(key));
	keys_encode(CKPT_SECRET_PREFIX, key, text);
	CHECK_INT(keys_parse_recipient(text, pk), CKPT_EUSAGE);
	CHECK_HAS(ckpt_errmsg(), "an identity (secret key)");
	/* The secret is not echoed back. */
	CHECK(!strstr(ckpt_errmsg(), text + strlen(CKPT_SECRET_PREFIX)));
	CHECK_INT(keys_parse_recipient("ckpt1abc", pk), CKPT_EUSAGE);
	CHECK_HAS(ckpt_errmsg(), "not a recipient");
	keys_encode(CKPT_RECIPIENT_PREFIX, key, text);
	CHECK_INT(keys_parse_recipient(text, pk), CKPT_OK);
	CHECK(!memcmp(pk, key, sizeof(pk)));
}

static void key_file_is_0600_and_never_overwritten(const void *arg)
{
	char *dir = unit_tmpdir(), *path, *link, *target, buf[16] = { 0 };
	struct stat st;
	int fd;

	(void)arg;
	if (asprintf(&path, "%s/key", dir) < 0 ||
	    asprintf(&link, "%s/link", dir) < 0 ||
	    asprintf(&target, "%s/elsewhere", dir) < 0)
		abort();
	umask(022);
	CHECK_INT(keys_write_file(path, "first\n", 6), CKPT_OK);
	CHECK(!stat(path, &st));
	CHECK_INT(st.st_mode & 07777, 0600);

	CHECK_INT(keys_write_file(path, "second\n", 7), CKPT_EFAIL);
	CHECK_HAS(ckpt_errmsg(), path);
	CHECK_HAS(ckpt_errmsg(), "already exists");
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 6);
	CHECK_STR(buf, "first\n");
	close(fd);

	/* Not even through a dangling symlink. */
	CHECK(!symlink(target, link));
	CHECK_INT(keys_write_file(link, "x\n", 2), CKPT_EFAIL);
	CHECK(access(target, F_OK) != 0);
	free(target);
	free(path);
	free(link);
	unit_rmdir(dir);
}

static char *identity_text(unsigned char sk[CKPT_KEY_BYTES], int n)
{
	char line[CKPT_KEY_TEXT_MAX + 1], *text = NULL, *more;

	for (int i = 0; i < n; i++) {
		randombytes_buf(sk + i * CKPT_KEY_BYTES, CKPT_KEY_BYTES);
		keys_encode(CKPT_SECRET_PREFIX, sk + i * CKPT_KEY_BYTES, line);
		if (asprintf(&more, "%s# created: now\n\n%s\n", text ? text : "",
			     line) < 0)
			abort();
		free(text);
		text = more;
	}
	return text;
}

static void identity_file_loads(const void *arg)
{
	unsigned char sk[2 * CKPT_KEY_BYTES], pk[CKPT_KEY_BYTES];
	struct ckpt_keyring kr = { 0 };
	char *dir = unit_tmpdir(), *text = identity_text(sk, 2);
	char *path = write_file(dir, "id", text, 0600);

	(void)arg;
	CHECK_INT(keys_load_identities(&kr, path), CKPT_OK);
	CHECK_INT(kr.nr_ids, 2);
	for (size_t i = 0; i < kr.nr_ids && i < 2; i++) {
		crypto_scalarmult_base(pk, sk + i * CKPT_KEY_BYTES);
		CHECK(!memcmp(kr.ids[i]->pk, pk, sizeof(pk)));
		CHECK(!memcmp(kr.ids[i]->sk, sk + i * CKPT_KEY_BYTES, CKPT_KEY_BYTES));
	}
	keyring_free(&kr);
	free(text);
	free(path);
	unit_rmdir(dir);
}

struct bad_file {
	const char *text;
	const char *message;
};

static void identity_file_errors(const void *arg)
{
	unsigned char key[CKPT_KEY_BYTES];
	char rcpt[CKPT_KEY_TEXT_MAX + 1], sec[CKPT_KEY_TEXT_MAX + 1];
	char crlf[CKPT_KEY_TEXT_MAX + 8], sym[CKPT_KEY_TEXT_MAX + 8];
	char *dir = unit_tmpdir();

	(void)arg;
	randombytes_buf(key, sizeof(key));
	keys_encode(CKPT_RECIPIENT_PREFIX, key, rcpt);
	keys_encode(CKPT_SECRET_PREFIX, key, sec);
	snprintf(crlf, sizeof(crlf), "%s\r\n", sec);
	keys_encode(CKPT_SYMMETRIC_PREFIX, key, sym);
	strcat(sym, "\n");
	{
		const struct bad_file cases[] = {
			{ rcpt, ":1: this is a recipient (public key), not an identity" },
			{ crlf, ":1: the line ends with a carriage return" },
			{ sym, ":1: this is a symmetric key, not an identity" },
			{ "# only a comment\n", ": no identity in this file" },
			{ "", ": no identity in this file" },
			{ "# c\nhello\n", ":2: not an identity (secret key)" },
			{ "CKPT-SECRET-KEY-1short\n", ":1: malformed key" },
		};

		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			struct ckpt_keyring kr = { 0 };
			char *path = write_file(dir, "bad", cases[i].text, 0600);

			CHECK_INT(keys_load_identities(&kr, path), CKPT_EFAIL);
			CHECK_HAS(ckpt_errmsg(), cases[i].message);
			CHECK_HAS(ckpt_errmsg(), path);
			CHECK_INT(kr.nr_ids, 0);
			keyring_free(&kr);
			unlink(path);
			free(path);
		}
	}
	{
		struct ckpt_keyring kr = { 0 };
		char *path = write_file(dir, "x", "", 0600);

		unlink(path);
		CHECK_INT(keys_load_identities(&kr, path), CKPT_EFAIL);
		CHECK_HAS(ckpt_errmsg(), "No such file");
		keyring_free(&kr);
		free(path);
	}
	unit_rmdir(dir);
}

static void load_cb(void *arg)
{
	struct ckpt_keyring kr = { 0 };

	keys_load_identities(&kr, arg);
	keyring_free(&kr);
}

static void readable_identity_warns(const void *arg)
{
	unsigned char sk[CKPT_KEY_BYTES];
	char *dir = unit_tmpdir(), *text = identity_text(sk, 1);
	char *path = write_file(dir, "id", text, 0644), *err, *want;

	(void)arg;
	err = unit_capture_stderr(load_cb, path);
	if (asprintf(&want, "ckpt: warning: %s is readable by others\n", path) < 0)
		abort();
	CHECK_STR(err, want);
	free(err);
	chmod(path, 0600);
	err = unit_capture_stderr(load_cb, path);
	CHECK_STR(err, "");
	free(err);
	free(want);
	free(text);
	free(path);
	unit_rmdir(dir);
}

static void symmetric_and_recipients_files(const void *arg)
{
	unsigned char key[CKPT_KEY_BYTES], key2[CKPT_KEY_BYTES];
	char l1[CKPT_KEY_TEXT_MAX + 1], l2[CKPT_KEY_TEXT_MAX + 1], *text;
	struct ckpt_keyring kr = { 0 };
	char *dir = unit_tmpdir(), *path;

	(void)arg;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(key2, sizeof(key2));
	keys_encode(CKPT_SYMMETRIC_PREFIX, key, l1);
	keys_encode(CKPT_SYMMETRIC_PREFIX, key2, l2);
	if (asprintf(&text, "# created: x\n# key id: y\n%s\n", l1) < 0)
		abort();
	path = write_file(dir, "sym", text, 0600);
	CHECK_INT(keys_load_symmetric(&kr, path), CKPT_OK);
	CHECK(kr.symkey && !memcmp(kr.symkey, key, sizeof(key)));
	keyring_free(&kr);
	free(text);
	free(path);

	if (asprintf(&text, "%s\n%s\n", l1, l2) < 0)
		abort();
	path = write_file(dir, "sym2", text, 0600);
	CHECK_INT(keys_load_symmetric(&kr, path), CKPT_EFAIL);
	CHECK_HAS(ckpt_errmsg(), "more than one symmetric key");
	keyring_free(&kr);
	free(text);
	free(path);

	/* Recipients: comments, blank lines, the same one twice. */
	keys_encode(CKPT_RECIPIENT_PREFIX, key, l1);
	keys_encode(CKPT_RECIPIENT_PREFIX, key2, l2);
	if (asprintf(&text, "# team\n%s\n\n%s\n%s\n", l1, l2, l1) < 0)
		abort();
	path = write_file(dir, "rcpt", text, 0644);
	CHECK_INT(keys_load_recipients_file(&kr, path), CKPT_OK);
	CHECK_INT(kr.nr_recipients, 2);
	keyring_free(&kr);
	free(text);
	free(path);

	keys_encode(CKPT_SECRET_PREFIX, key, l1);
	path = write_file(dir, "rcpt2", l1, 0600);
	CHECK_INT(keys_load_recipients_file(&kr, path), CKPT_EFAIL);
	CHECK_HAS(ckpt_errmsg(), "this is an identity (secret key), not a recipient");
	keyring_free(&kr);
	free(path);
	unit_rmdir(dir);
}

static void passphrase_file_first_line(const void *arg)
{
	struct ckpt_keyring kr = { 0 };
	char *dir = unit_tmpdir(), *path;

	(void)arg;
	path = write_file(dir, "pw", "correct horse\nsecond line\n", 0600);
	CHECK_INT(keys_read_passphrase_file(&kr, path), CKPT_OK);
	CHECK(kr.passphrase && !strcmp(kr.passphrase, "correct horse"));
	CHECK_INT(kr.passphrase_len, 13);
	keyring_free(&kr);
	free(path);
	path = write_file(dir, "pw2", "\nsecond\n", 0600);
	CHECK_INT(keys_read_passphrase_file(&kr, path), CKPT_EUSAGE);
	CHECK_HAS(ckpt_errmsg(), "no passphrase");
	keyring_free(&kr);
	free(path);
	unit_rmdir(dir);
}

static void key_ids_are_domain_separated(const void *arg)
{
	unsigned char key[CKPT_KEY_BYTES], a[CKPT_KEYID_BYTES], b[CKPT_KEYID_BYTES];
	unsigned char a2[CKPT_KEYID_BYTES];

	(void)arg;
	randombytes_buf(key, sizeof(key));
	ckpt_recipient_id(key, a);
	ckpt_recipient_id(key, a2);
	ckpt_symmetric_id(key, b);
	CHECK(!memcmp(a, a2, sizeof(a)));
	CHECK(memcmp(a, b, sizeof(a)));
}

static void encrypt_mode_needs_one_kind(const void *arg)
{
	const char *r[] = { "ckpt1x" };
	struct key_opts o = { 0 };
	int mode;

	(void)arg;
	CHECK_INT(key_opts_encrypt_mode(&o, &mode), CKPT_OK);
	CHECK_INT(mode, CKPT_MODE_NONE);
	o.recipients = r;
	o.nr_recipients = 1;
	CHECK_INT(key_opts_encrypt_mode(&o, &mode), CKPT_OK);
	CHECK_INT(mode, CKPT_MODE_RECIPIENTS);
	o.keyfile = "k";
	CHECK_INT(key_opts_encrypt_mode(&o, &mode), CKPT_EUSAGE);
	o.nr_recipients = 0;
	CHECK_INT(key_opts_encrypt_mode(&o, &mode), CKPT_OK);
	CHECK_INT(mode, CKPT_MODE_SYMMETRIC);
	o.keyfile = NULL;
	o.passphrase = true;
	CHECK_INT(key_opts_encrypt_mode(&o, &mode), CKPT_OK);
	CHECK_INT(mode, CKPT_MODE_PASSPHRASE);
	o.passphrase_file = "f";
	CHECK_INT(key_opts_encrypt_mode(&o, &mode), CKPT_EUSAGE);
	o.passphrase = false;
	o.passphrase_file = NULL;
	o.identity_files = r;
	o.nr_identity_files = 1;
	CHECK_INT(key_opts_encrypt_mode(&o, &mode), CKPT_EUSAGE);
}

static void decrypt_keys_must_fit_the_mode(const void *arg)
{
	const char *ids[] = { "id" };
	struct key_opts only_id = { .identity_files = ids, .nr_identity_files = 1 };
	struct key_opts only_key = { .keyfile = "k" };
	struct key_opts none = { 0 };
	struct ckpt_keyring kr = { 0 };

	(void)arg;
	CHECK_INT(keys_load_decrypt(&kr, &only_id, CKPT_MODE_SYMMETRIC, "f"), CKPT_EKEY);
	CHECK_HAS(ckpt_errmsg(), "-k FILE");
	CHECK_INT(keys_load_decrypt(&kr, &none, CKPT_MODE_RECIPIENTS, "f"), CKPT_EKEY);
	CHECK_HAS(ckpt_errmsg(), "-i FILE");
	CHECK_INT(keys_load_decrypt(&kr, &only_key, CKPT_MODE_PASSPHRASE, "f"), CKPT_EKEY);
	CHECK_HAS(ckpt_errmsg(), "--passphrase");
	keyring_free(&kr);
}

void register_keys_tests(void)
{
	tap_add(encode_round_trip, NULL, "keys: the three encodings round-trip");
	tap_add(decode_is_strict, NULL, "keys: decoding is strict (prefix, length, alphabet, canonical bits)");
	tap_add(recipient_option_refuses_secrets, NULL, "keys: -r refuses a secret key without echoing it");
	tap_add(key_file_is_0600_and_never_overwritten, NULL, "keys: key files are created 0600 with O_EXCL");
	tap_add(identity_file_loads, NULL, "keys: an identity file with comments and two identities loads");
	tap_add(identity_file_errors, NULL, "keys: malformed identity files are refused, naming file and line");
	tap_add(readable_identity_warns, NULL, "keys: a group/world-readable identity gives a warning");
	tap_add(symmetric_and_recipients_files, NULL, "keys: symmetric key and recipients files");
	tap_add(passphrase_file_first_line, NULL, "keys: --passphrase-file takes the first line");
	tap_add(key_ids_are_domain_separated, NULL, "keys: key ids are stable and domain-separated");
	tap_add(encrypt_mode_needs_one_kind, NULL, "keys: encryption takes exactly one kind of key");
	tap_add(decrypt_keys_must_fit_the_mode, NULL, "keys: decryption keys must fit the container's mode");
}

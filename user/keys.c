// SPDX-License-Identifier: GPL-2.0
/*
 * Keys: identities, recipients, symmetric key files and passphrases.
 *
 * Key files are text in the style of age: comment lines starting with
 * '#', then one key per line, PREFIX + base64url without padding of 32
 * bytes.  Parsing is strict (canonical base64, no stray whitespace) so
 * that a key has exactly one spelling.  A file holding a secret is read
 * with read(2) straight into sodium_malloc() memory, never through stdio,
 * whose buffers would keep copies nobody wipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "util.h"

/* Key files are a few lines; anything much larger is not one. */
#define KEY_FILE_MAX	(64 * 1024)

const char *ckpt_mode_name(int mode)
{
	switch (mode) {
	case CKPT_MODE_NONE:
		return "plaintext";
	case CKPT_MODE_RECIPIENTS:
		return "recipients";
	case CKPT_MODE_SYMMETRIC:
		return "symmetric key";
	case CKPT_MODE_PASSPHRASE:
		return "passphrase";
	default:
		return "unknown";
	}
}

/* ---------------------------------------------------------------- encodings */

void keys_encode(const char *prefix, const unsigned char key[CKPT_KEY_BYTES],
		 char out[CKPT_KEY_TEXT_MAX + 1])
{
	size_t plen = strlen(prefix);

	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, CKPT_KEY_B64_LEN + 1, key, CKPT_KEY_BYTES,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int keys_decode(const char *prefix, const char *s, size_t len,
		unsigned char key[CKPT_KEY_BYTES])
{
	char again[CKPT_KEY_TEXT_MAX + 1];
	size_t plen = strlen(prefix), bin_len = 0;
	const char *end = NULL;
	int ok;

	if (len != plen + CKPT_KEY_B64_LEN || memcmp(s, prefix, plen))
		return -1;
	if (sodium_base642bin(key, CKPT_KEY_BYTES, s + plen, CKPT_KEY_B64_LEN,
			      NULL, &bin_len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
	    bin_len != CKPT_KEY_BYTES || end != s + len)
		goto bad;
	/* Canonical only: the unused low bits of the last character are 0. */
	keys_encode(prefix, key, again);
	ok = !memcmp(again, s, len);
	sodium_memzero(again, sizeof(again));
	if (ok)
		return 0;
bad:
	sodium_memzero(key, CKPT_KEY_BYTES);
	return -1;
}

/* The first 8 bytes of BLAKE2b-128(label, its NUL included, || key). */
static void keyid(const char *label, const unsigned char key[CKPT_KEY_BYTES],
		  unsigned char id[CKPT_KEYID_BYTES])
{
	unsigned char h[crypto_generichash_BYTES_MIN];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)label,
				  strlen(label) + 1);
	crypto_generichash_update(&st, key, CKPT_KEY_BYTES);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(id, h, CKPT_KEYID_BYTES);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
}

void ckpt_recipient_id(const unsigned char pk[CKPT_KEY_BYTES],
		       unsigned char id[CKPT_KEYID_BYTES])
{
	keyid("ckpt recipient id v1", pk, id);
}

void ckpt_symmetric_id(const unsigned char key[CKPT_KEY_BYTES],
		       unsigned char id[CKPT_KEYID_BYTES])
{
	keyid("ckpt symmetric key id v1", key, id);
}

void ckpt_passphrase_id(const unsigned char key[CKPT_KEY_BYTES],
			unsigned char id[CKPT_KEYID_BYTES])
{
	keyid("ckpt passphrase key id v1", key, id);
}

void ckpt_keyid_hex(const unsigned char id[CKPT_KEYID_BYTES], char out[17])
{
	sodium_bin2hex(out, 17, id, CKPT_KEYID_BYTES);
}

/* ---------------------------------------------------------------- key rings */

int keyring_add_recipient(struct ckpt_keyring *kr,
			  const unsigned char pk[CKPT_KEY_BYTES])
{
	unsigned char (*bigger)[CKPT_KEY_BYTES];

	/* The same recipient twice would only make the header longer. */
	for (size_t i = 0; i < kr->nr_recipients; i++)
		if (!memcmp(kr->recipients[i], pk, CKPT_KEY_BYTES))
			return CKPT_OK;
	bigger = realloc(kr->recipients,
			 (kr->nr_recipients + 1) * sizeof(*bigger));
	if (!bigger)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	kr->recipients = bigger;
	memcpy(kr->recipients[kr->nr_recipients++], pk, CKPT_KEY_BYTES);
	return CKPT_OK;
}

int keyring_add_identity(struct ckpt_keyring *kr,
			 const unsigned char sk[CKPT_KEY_BYTES])
{
	struct ckpt_identity *id, **bigger;

	bigger = realloc(kr->ids, (kr->nr_ids + 1) * sizeof(*bigger));
	if (!bigger)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	kr->ids = bigger;
	id = sodium_malloc(sizeof(*id));
	if (!id)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	memcpy(id->sk, sk, CKPT_KEY_BYTES);
	crypto_scalarmult_base(id->pk, id->sk);
	ckpt_recipient_id(id->pk, id->id);
	kr->ids[kr->nr_ids++] = id;
	return CKPT_OK;
}

int keyring_set_symkey(struct ckpt_keyring *kr,
		       const unsigned char key[CKPT_KEY_BYTES])
{
	if (!kr->symkey)
		kr->symkey = sodium_malloc(CKPT_KEY_BYTES);
	if (!kr->symkey)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	memcpy(kr->symkey, key, CKPT_KEY_BYTES);
	return CKPT_OK;
}

int keyring_set_passphrase(struct ckpt_keyring *kr, const char *pass,
			   size_t len)
{
	if (len > CKPT_PASSPHRASE_MAX)
		return ckpt_fail(CKPT_EUSAGE, "the passphrase is longer than %d bytes",
				 CKPT_PASSPHRASE_MAX);
	if (!kr->passphrase)
		kr->passphrase = sodium_malloc(CKPT_PASSPHRASE_MAX + 1);
	if (!kr->passphrase)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	memcpy(kr->passphrase, pass, len);
	kr->passphrase[len] = '\0';
	kr->passphrase_len = len;
	return CKPT_OK;
}

void keyring_free(struct ckpt_keyring *kr)
{
	for (size_t i = 0; i < kr->nr_ids; i++)
		sodium_free(kr->ids[i]);	/* wipes, then unmaps */
	free(kr->ids);
	free(kr->recipients);
	sodium_free(kr->symkey);
	sodium_free(kr->passphrase);
	memset(kr, 0, sizeof(*kr));
}

/* ---------------------------------------------------------------- key files */

struct key_file {
	const char *path;
	char *text;		/* sodium_malloc, NUL-terminated */
	size_t len;
};

static void key_file_free(struct key_file *f)
{
	sodium_free(f->text);
	f->text = NULL;
}

/*
 * Read a whole key file into guarded memory.  @secret: warn if others may
 * read it, as ssh does for private keys (a warning, not a refusal: the
 * key may be on a filesystem without modes).
 */
static int key_file_read(struct key_file *f, const char *path, bool secret)
{
	struct stat st;
	ssize_t n;
	int fd, ret = CKPT_OK;

	memset(f, 0, sizeof(*f));
	f->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", path);
	if (fstat(fd, &st)) {
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s", path);
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = ckpt_fail(CKPT_EFAIL, "%s: is a directory", path);
		goto out_close;
	}
	if (secret && S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH)))
		ckpt_warn("%s is readable by others", path);

	f->text = sodium_malloc(KEY_FILE_MAX + 1);
	if (!f->text) {
		ret = ckpt_fail(CKPT_EFAIL, "out of memory");
		goto out_close;
	}
	n = ckpt_read_full(fd, f->text, KEY_FILE_MAX + 1);
	if (n < 0) {
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s", path);
	} else if (n > KEY_FILE_MAX) {
		ret = ckpt_fail(CKPT_EFAIL, "%s: too large for a key file (over %d KiB)",
				path, KEY_FILE_MAX / 1024);
	} else {
		f->len = n;
		f->text[n] = '\0';
		if (strlen(f->text) != f->len)
			ret = ckpt_fail(CKPT_EFAIL, "%s: contains a NUL byte: not a key file",
					path);
	}
	if (ret)
		key_file_free(f);
out_close:
	close(fd);
	return ret;
}

enum key_kind { KIND_RECIPIENT, KIND_SECRET, KIND_SYMMETRIC, KIND_OTHER };

static const struct {
	const char *prefix;
	const char *what;
	const char *use;
} kinds[] = {
	[KIND_RECIPIENT] = { CKPT_RECIPIENT_PREFIX, "a recipient (public key)",
			     "give it with -r, or put it in a -R file" },
	[KIND_SECRET] = { CKPT_SECRET_PREFIX, "an identity (secret key)",
			  "give its file with -i" },
	[KIND_SYMMETRIC] = { CKPT_SYMMETRIC_PREFIX, "a symmetric key",
			     "give its file with -k" },
};

static enum key_kind key_kind(const char *line, size_t len)
{
	/* No prefix is a prefix of another. */
	for (int k = KIND_RECIPIENT; k < KIND_OTHER; k++) {
		size_t plen = strlen(kinds[k].prefix);

		if (len >= plen && !memcmp(line, kinds[k].prefix, plen))
			return k;
	}
	return KIND_OTHER;
}

/*
 * Decode one key line of kind @want.  A line of another kind gets a
 * message that says what it is and where it belongs.
 */
static int parse_key_line(const struct key_file *f, size_t lineno,
			  const char *line, size_t len, enum key_kind want,
			  unsigned char key[CKPT_KEY_BYTES])
{
	enum key_kind kind = key_kind(line, len);

	if (kind == want) {
		if (!keys_decode(kinds[want].prefix, line, len, key))
			return CKPT_OK;
		if (len && line[len - 1] == '\r')
			return ckpt_fail(CKPT_EFAIL, "%s:%zu: the line ends with a carriage return (DOS line endings)",
					 f->path, lineno);
		return ckpt_fail(CKPT_EFAIL, "%s:%zu: malformed key: expected %s followed by %d base64url characters",
				 f->path, lineno, kinds[want].prefix,
				 CKPT_KEY_B64_LEN);
	}
	if (kind != KIND_OTHER) {
		ckpt_fail(CKPT_EFAIL, "%s:%zu: this is %s, not %s", f->path,
			  lineno, kinds[kind].what, kinds[want].what);
		ckpt_hint("%s", kinds[kind].use);
		return CKPT_EFAIL;
	}
	return ckpt_fail(CKPT_EFAIL, "%s:%zu: not %s (expected a line starting with %s, or a # comment)",
			 f->path, lineno, kinds[want].what, kinds[want].prefix);
}

/*
 * Call @fn on each key line of @f: lines that are empty or start with
 * '#' are skipped.  Stops at the first failure.
 */
static int for_each_key(const struct key_file *f, enum key_kind want,
			int (*fn)(void *arg, const unsigned char *key),
			void *arg, size_t *count)
{
	unsigned char *key = sodium_malloc(CKPT_KEY_BYTES);
	const char *p = f->text;
	size_t lineno = 0;
	int ret = CKPT_OK;

	*count = 0;
	if (!key)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	while (*p && !ret) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		lineno++;
		if (len && p[0] != '#') {
			ret = parse_key_line(f, lineno, p, len, want, key);
			if (!ret)
				ret = fn(arg, key);
			if (!ret)
				(*count)++;
		}
		p += len + (eol != NULL);
	}
	sodium_free(key);
	return ret;
}

static int add_recipient_cb(void *arg, const unsigned char *key)
{
	return keyring_add_recipient(arg, key);
}

static int add_identity_cb(void *arg, const unsigned char *key)
{
	return keyring_add_identity(arg, key);
}

static int set_symkey_cb(void *arg, const unsigned char *key)
{
	struct ckpt_keyring *kr = arg;

	if (kr->symkey)
		return ckpt_fail(CKPT_EFAIL, "%s: holds more than one symmetric key",
				 kr->symkey_source);
	return keyring_set_symkey(kr, key);
}

int keys_parse_recipient(const char *s, unsigned char pk[CKPT_KEY_BYTES])
{
	enum key_kind kind = key_kind(s, strlen(s));

	if (kind == KIND_RECIPIENT &&
	    !keys_decode(CKPT_RECIPIENT_PREFIX, s, strlen(s), pk))
		return CKPT_OK;
	if (kind == KIND_SECRET || kind == KIND_SYMMETRIC) {
		/* Do not echo a secret back to the terminal and the logs. */
		ckpt_fail(CKPT_EUSAGE, "-r takes a recipient (%s...), but this is %s",
			  CKPT_RECIPIENT_PREFIX, kinds[kind].what);
		ckpt_hint("keep it secret: it may now be in your shell history; print the recipient of an identity with 'ckpt keygen -y FILE'");
		return CKPT_EUSAGE;
	}
	return ckpt_fail(CKPT_EUSAGE, "'%s': not a recipient (expected %s followed by %d base64url characters)",
			 s, CKPT_RECIPIENT_PREFIX, CKPT_KEY_B64_LEN);
}

/*
 * Hand every key of kind @want in the key file @path to @fn; a file
 * without one is an error, saying it has no @what.
 */
static int load_key_file(struct ckpt_keyring *kr, const char *path,
			 bool secret, enum key_kind want,
			 int (*fn)(void *arg, const unsigned char *key),
			 const char *what)
{
	struct key_file f;
	size_t count;
	int ret;

	ret = key_file_read(&f, path, secret);
	if (ret)
		return ret;
	ret = for_each_key(&f, want, fn, kr, &count);
	if (!ret && !count)
		ret = ckpt_fail(CKPT_EFAIL, "%s: no %s in this file", path, what);
	key_file_free(&f);
	return ret;
}

int keys_load_recipients_file(struct ckpt_keyring *kr, const char *path)
{
	return load_key_file(kr, path, false, KIND_RECIPIENT, add_recipient_cb,
			     "recipient");
}

int keys_load_identities(struct ckpt_keyring *kr, const char *path)
{
	int ret = load_key_file(kr, path, true, KIND_SECRET, add_identity_cb,
				"identity");

	if (!ret) {
		kr->ids_source = path;
		kr->nr_ids_sources++;
	}
	return ret;
}

int keys_load_symmetric(struct ckpt_keyring *kr, const char *path)
{
	/* For the messages of set_symkey_cb(). */
	kr->symkey_source = path;
	return load_key_file(kr, path, true, KIND_SYMMETRIC, set_symkey_cb,
			     "symmetric key");
}

/* ---------------------------------------------------------------- passphrases */

int keys_read_passphrase_file(struct ckpt_keyring *kr, const char *path)
{
	struct key_file f;
	size_t len;
	int ret;

	ret = key_file_read(&f, path, true);
	if (ret)
		return ret;
	len = strcspn(f.text, "\n");
	if (!len)
		ret = ckpt_fail(CKPT_EUSAGE, "%s: the first line is empty: no passphrase",
				path);
	else
		ret = keyring_set_passphrase(kr, f.text, len);
	key_file_free(&f);
	return ret;
}

/*
 * One line from the terminal, echo off.  The terminal's settings are put
 * back whatever happens; an interrupt (caught by ckpt_catch_signals())
 * ends the read with EINTR.
 */
static int tty_read_line(int tty, const char *prompt, char *buf, size_t *len)
{
	struct termios old, quiet;
	bool overlong = false;
	int ret = CKPT_OK;
	size_t n = 0;
	char c = 0;

	if (tcgetattr(tty, &old))
		return ckpt_fail_errno(CKPT_EFAIL, errno, "/dev/tty");
	quiet = old;
	quiet.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	/*
	 * Echo off before the prompt: what is typed ahead of the prompt is
	 * flushed, what is typed after it is never shown.
	 */
	if (tcsetattr(tty, TCSAFLUSH, &quiet))
		return ckpt_fail_errno(CKPT_EFAIL, errno, "/dev/tty");
	if (ckpt_write_full(tty, prompt, strlen(prompt))) {
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "/dev/tty");
		goto out_restore;
	}

	for (;;) {
		ssize_t r = read(tty, &c, 1);

		if (r < 0 && errno == EINTR && !ckpt_cancelled())
			continue;
		if (r < 0) {
			ret = ckpt_fail_errno(CKPT_EFAIL, errno,
					      "reading the passphrase");
			break;
		}
		if (r == 0 || c == '\n')
			break;
		if (n < CKPT_PASSPHRASE_MAX)
			buf[n++] = c;
		else
			overlong = true;
	}
	c = 0;
	(void)!write(tty, "\n", 1);
out_restore:
	tcsetattr(tty, TCSAFLUSH, &old);
	if (!ret && overlong)
		ret = ckpt_fail(CKPT_EUSAGE, "the passphrase is longer than %d bytes",
				CKPT_PASSPHRASE_MAX);
	*len = n;
	return ret;
}

int keys_prompt_passphrase(struct ckpt_keyring *kr, bool confirm)
{
	char *first = sodium_malloc(CKPT_PASSPHRASE_MAX);
	char *again = sodium_malloc(CKPT_PASSPHRASE_MAX);
	size_t len = 0, len2 = 0;
	int tty, ret;

	if (!first || !again) {
		ret = ckpt_fail(CKPT_EFAIL, "out of memory");
		goto out_free;
	}
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		ret = ckpt_fail_errno(CKPT_EFAIL, errno,
				      "cannot ask for a passphrase: /dev/tty");
		ckpt_hint("without a terminal, give the passphrase with --passphrase-file FILE");
		goto out_free;
	}
	ret = tty_read_line(tty, confirm ? "Enter a passphrase for the image: "
					 : "Passphrase: ", first, &len);
	if (!ret && !len)
		ret = ckpt_fail(CKPT_EUSAGE, "empty passphrase");
	if (!ret && confirm) {
		ret = tty_read_line(tty, "Enter the same passphrase again: ",
				    again, &len2);
		if (!ret && (len2 != len || sodium_memcmp(first, again, len)))
			ret = ckpt_fail(CKPT_EUSAGE, "the passphrases do not match");
	}
	close(tty);
	if (!ret)
		ret = keyring_set_passphrase(kr, first, len);
out_free:
	sodium_free(first);
	sodium_free(again);
	return ret;
}

/* ---------------------------------------------------------------- options */

int key_opts_add(const char ***list, size_t *nr, const char *arg)
{
	const char **bigger = realloc(*list, (*nr + 1) * sizeof(**list));

	if (!bigger)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	*list = bigger;
	(*list)[(*nr)++] = arg;
	return CKPT_OK;
}

int key_opts_option(struct key_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'r':
		return key_opts_add(&o->recipients, &o->nr_recipients, arg);
	case 'R':
		return key_opts_add(&o->recipient_files, &o->nr_recipient_files,
				    arg);
	case 'i':
		return key_opts_add(&o->identity_files, &o->nr_identity_files,
				    arg);
	case 'k':
		if (o->keyfile)
			return ckpt_fail(CKPT_EUSAGE, "-k: one key file only");
		o->keyfile = arg;
		return CKPT_OK;
	case KEY_OPT_PASSPHRASE:
		o->passphrase = true;
		return CKPT_OK;
	case KEY_OPT_PASSPHRASE_FILE:
		o->passphrase_file = arg;
		return CKPT_OK;
	default:
		return -1;
	}
}

void key_opts_free(struct key_opts *o)
{
	free(o->recipients);
	free(o->recipient_files);
	free(o->identity_files);
	memset(o, 0, sizeof(*o));
}

bool key_opts_any(const struct key_opts *o)
{
	return o->nr_recipients || o->nr_recipient_files ||
	       o->nr_identity_files || o->keyfile || o->passphrase ||
	       o->passphrase_file;
}

int key_opts_encrypt_mode(const struct key_opts *o, int *mode)
{
	int n = 0;

	*mode = CKPT_MODE_NONE;
	if (o->nr_identity_files) {
		ckpt_fail(CKPT_EUSAGE, "-i gives an identity to decrypt with; to encrypt, give recipients");
		ckpt_hint("encrypt to your own identity with -r $(ckpt keygen -y %s)",
			  o->identity_files[0]);
		return CKPT_EUSAGE;
	}
	if (o->passphrase && o->passphrase_file)
		return ckpt_fail(CKPT_EUSAGE, "--passphrase and --passphrase-file exclude each other");
	if (o->nr_recipients || o->nr_recipient_files) {
		*mode = CKPT_MODE_RECIPIENTS;
		n++;
	}
	if (o->keyfile) {
		*mode = CKPT_MODE_SYMMETRIC;
		n++;
	}
	if (o->passphrase || o->passphrase_file) {
		*mode = CKPT_MODE_PASSPHRASE;
		n++;
	}
	if (n > 1)
		return ckpt_fail(CKPT_EUSAGE, "give one kind of key: recipients (-r, -R), a key file (-k) or a passphrase, not several");
	return CKPT_OK;
}

int keys_load_encrypt(struct ckpt_keyring *kr, const struct key_opts *o,
		      int mode)
{
	unsigned char pk[CKPT_KEY_BYTES];
	int ret = CKPT_OK;

	switch (mode) {
	case CKPT_MODE_RECIPIENTS:
		for (size_t i = 0; i < o->nr_recipients && !ret; i++) {
			ret = keys_parse_recipient(o->recipients[i], pk);
			if (!ret)
				ret = keyring_add_recipient(kr, pk);
		}
		for (size_t i = 0; i < o->nr_recipient_files && !ret; i++)
			ret = keys_load_recipients_file(kr, o->recipient_files[i]);
		return ret;
	case CKPT_MODE_SYMMETRIC:
		return keys_load_symmetric(kr, o->keyfile);
	case CKPT_MODE_PASSPHRASE:
		if (o->passphrase_file)
			return keys_read_passphrase_file(kr, o->passphrase_file);
		return keys_prompt_passphrase(kr, true);
	default:
		return ckpt_fail(CKPT_EUSAGE, "no key to encrypt with");
	}
}

static int need_key(const char *what, int mode, const char *option)
{
	ckpt_fail(CKPT_EKEY, "%s: is encrypted with %s%s: decrypting it needs %s",
		  what, mode == CKPT_MODE_RECIPIENTS ? "" : "a ",
		  mode == CKPT_MODE_RECIPIENTS ? "public keys (recipients)" :
		  ckpt_mode_name(mode), option);
	return CKPT_EKEY;
}

int keys_load_decrypt(struct ckpt_keyring *kr, const struct key_opts *o,
		      int mode, const char *what)
{
	int ret = CKPT_OK;

	switch (mode) {
	case CKPT_MODE_RECIPIENTS:
		if (!o->nr_identity_files)
			return need_key(what, mode, "an identity file (-i FILE)");
		for (size_t i = 0; i < o->nr_identity_files && !ret; i++)
			ret = keys_load_identities(kr, o->identity_files[i]);
		return ret;
	case CKPT_MODE_SYMMETRIC:
		if (!o->keyfile)
			return need_key(what, mode, "its key file (-k FILE)");
		return keys_load_symmetric(kr, o->keyfile);
	case CKPT_MODE_PASSPHRASE:
		if (o->passphrase_file)
			return keys_read_passphrase_file(kr, o->passphrase_file);
		/* Asking is the obvious thing to do, unless told otherwise. */
		if (!o->passphrase && key_opts_any(o))
			return need_key(what, mode,
					"--passphrase or --passphrase-file FILE");
		return keys_prompt_passphrase(kr, false);
	default:
		return ckpt_fail(CKPT_EFAIL, "%s: unknown key mode %d", what, mode);
	}
}

/* ---------------------------------------------------------------- writing */

int keys_write_file(const char *path, const char *text, size_t len)
{
	int fd, ret = CKPT_OK;

	if (!strcmp(path, "-")) {
		if (ckpt_write_full(STDOUT_FILENO, text, len))
			return ckpt_fail_errno(CKPT_EFAIL, errno, "standard output");
		return CKPT_OK;
	}
	/* O_EXCL: never replace a key, whatever the name points to. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		if (errno == EEXIST) {
			ckpt_fail(CKPT_EFAIL, "%s: already exists: refusing to overwrite it",
				  path);
			ckpt_hint("choose another name, or remove the old key if it is really unused");
			return CKPT_EFAIL;
		}
		return ckpt_fail_errno(CKPT_EFAIL, errno, "%s", path);
	}
	if (ckpt_write_full(fd, text, len) || fsync(fd))
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s: write failed", path);
	if (close(fd) && !ret)
		ret = ckpt_fail_errno(CKPT_EFAIL, errno, "%s: write failed", path);
	if (ret)
		unlink(path);
	return ret;
}

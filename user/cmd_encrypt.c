// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt encrypt: wrap a plaintext image in an encrypted container.  The
 * image is validated on the way: what comes out is a whole, valid image.
 */
#include <getopt.h>

#include "ckpt.h"
#include "imgio.h"

static int encrypt(int argc, char **argv);

const struct ckpt_cmd cmd_encrypt = {
	.name = "encrypt",
	.fn = encrypt,
	.help =
	"encrypt a plaintext image\n"
	"\n"
	"Usage: ckpt encrypt KEY OPTIONS [--force] -o OUT IN|-\n"
	"\n"
	"Validates the plaintext image IN (or standard input) and writes it to\n"
	"OUT (- for standard output) in an encrypted container.  OUT appears\n"
	"only once complete, with mode 0600.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE             where to write the encrypted image (required)\n"
	"      --force                   write to standard output even if it is a terminal\n"
	"  -h, --help                    show this help\n"
	"\n"
	"Key options (exactly one kind):\n"
	"  -r, --recipient RECIPIENT     encrypt to a recipient, ckpt1... (repeatable)\n"
	"  -R, --recipients-file FILE    encrypt to the recipients in FILE (repeatable)\n"
	"  -k, --key-file FILE           encrypt with a symmetric key file\n"
	"      --passphrase              ask for a passphrase on the terminal (twice)\n"
	"      --passphrase-file FILE    take the passphrase from the first line of FILE\n",
};

static int encrypt_run(const struct filter_args *fa, int mode)
{
	struct ckpt_keyring kr = { 0 };
	const struct key_opts none = { 0 };
	struct source src;
	int ret;

	/* The input first: no passphrase asked for a file that is not there. */
	ret = source_open(&src, fa->in, &none, SOURCE_PLAINTEXT);
	if (ret)
		return ret;
	ret = keys_load_encrypt(&kr, &fa->keys, mode);
	if (!ret)
		ret = source_copy(&src, fa->out, mode, &kr, fa->force);
	keyring_free(&kr);
	source_close(&src);
	return ret;
}

static int encrypt(int argc, char **argv)
{
	static const struct option options[] = {
		FILTER_OPTIONS,
		KEY_OPTIONS_ENCRYPT,
		{ 0 }
	};
	struct filter_args fa = { 0 };
	int mode, ret;

	ret = ckpt_filter_args(&cmd_encrypt, argc, argv, ":o:hr:R:k:", options,
			       &fa);
	if (ret < 0) {
		key_opts_free(&fa.keys);
		return CKPT_OK;	/* --help */
	}
	if (!ret)
		ret = key_opts_encrypt_mode(&fa.keys, &mode);
	if (!ret && mode == CKPT_MODE_NONE)
		ret = ckpt_usage(&cmd_encrypt, "no key: give recipients (-r, -R), a key file (-k) or a passphrase");
	if (!ret)
		ret = encrypt_run(&fa, mode);
	key_opts_free(&fa.keys);
	return ret;
}

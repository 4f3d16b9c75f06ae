// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt decrypt: take the plaintext image out of an encrypted container.
 * The output appears only if every chunk authenticated, the stream ended
 * with its final chunk, and the image inside is whole and valid.
 */
#include <getopt.h>

#include "ckpt.h"
#include "imgio.h"

static int decrypt(int argc, char **argv);

const struct ckpt_cmd cmd_decrypt = {
	.name = "decrypt",
	.fn = decrypt,
	.help =
	"decrypt an encrypted image\n"
	"\n"
	"Usage: ckpt decrypt [KEY OPTIONS] [--force] -o OUT IN|-\n"
	"\n"
	"Decrypts IN (or standard input) and writes the plaintext image to OUT\n"
	"(- for standard output, refused if it is a terminal unless --force).\n"
	"OUT appears only once the whole stream authenticated and the image in\n"
	"it proved valid, with mode 0600.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE           where to write the plaintext image (required)\n"
	"      --force                 write to standard output even if it is a terminal\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Key options (the one the image was encrypted with):\n"
	"  -i, --identity FILE         an identity file (repeatable)\n"
	"  -k, --key-file FILE         a symmetric key file\n"
	"      --passphrase            ask for the passphrase (the default when the\n"
	"                              image needs one and no key option is given)\n"
	"      --passphrase-file FILE  read the passphrase from the first line of FILE\n",
};

static int decrypt_run(const struct filter_args *fa)
{
	struct source src;
	int ret;

	ret = source_open(&src, fa->in, &fa->keys, SOURCE_ENCRYPTED);
	if (ret)
		return ret;
	ret = source_copy(&src, fa->out, CKPT_MODE_NONE, NULL, fa->force);
	source_close(&src);
	return ret;
}

static int decrypt(int argc, char **argv)
{
	static const struct option options[] = {
		FILTER_OPTIONS,
		KEY_OPTIONS_DECRYPT,
		{ 0 }
	};
	struct filter_args fa = { 0 };
	int ret;

	ret = ckpt_filter_args(&cmd_decrypt, argc, argv, ":o:hi:k:", options,
			       &fa);
	if (ret < 0)
		ret = CKPT_OK;	/* --help */
	else if (!ret)
		ret = decrypt_run(&fa);
	key_opts_free(&fa.keys);
	return ret;
}

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

enum { OPT_FORCE = 0x100 };

static int decrypt_run(const char *in, const char *out,
		       const struct key_opts *ko, bool force)
{
	struct image_parser *p;
	struct source src;
	struct sink sink;
	int ret;

	ret = source_open(&src, in, ko, SOURCE_ENCRYPTED);
	if (ret)
		return ret;
	p = image_parser_new(src.name);
	ret = p ? sink_open(&sink, out, CKPT_MODE_NONE, NULL, NULL, force) :
		  CKPT_EFAIL;
	if (!ret) {
		ret = source_pump(&src, p, sink_write, &sink);
		if (ret)
			sink_abort(&sink);
		else
			ret = sink_commit(&sink);
	}
	image_parser_free(p);
	source_close(&src);
	return ret;
}

static int decrypt(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		KEY_OPTIONS_DECRYPT,
		{ 0 }
	};
	struct key_opts ko = { 0 };
	const char *out = NULL;
	bool force = false;
	int c, ret = CKPT_OK;

	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":o:hi:k:", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case 'h':
			key_opts_free(&ko);
			return ckpt_cmd_help(&cmd_decrypt);
		default:
			ret = key_opts_option(&ko, c, optarg);
			if (ret < 0)
				ret = ckpt_bad_option(&cmd_decrypt, c, argv);
		}
	}
	if (!ret && argc - optind != 1)
		ret = ckpt_usage(&cmd_decrypt, argc == optind ? "which image? give IN, or - for standard input" :
				 "one image at a time");
	if (!ret && !out)
		ret = ckpt_usage(&cmd_decrypt, "where to? give -o OUT, or -o - for standard output");
	if (!ret)
		ret = decrypt_run(argv[optind], out, &ko, force);
	key_opts_free(&ko);
	return ret;
}

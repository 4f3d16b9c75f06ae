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

enum { OPT_FORCE = 0x100 };

static int encrypt_run(const char *in, const char *out, int mode,
		       const struct key_opts *ko, bool force)
{
	struct ckpt_keyring kr = { 0 };
	const struct key_opts none = { 0 };
	struct image_parser *p = NULL;
	struct source src;
	struct sink sink;
	int ret;

	/* The input first: no passphrase asked for a file that is not there. */
	ret = source_open(&src, in, &none, SOURCE_PLAINTEXT);
	if (ret)
		return ret;
	ret = keys_load_encrypt(&kr, ko, mode);
	if (!ret) {
		p = image_parser_new(src.name);
		ret = p ? sink_open(&sink, out, mode, &kr, NULL, force) : CKPT_EFAIL;
	}
	if (!ret) {
		ret = source_pump(&src, p, sink_write, &sink);
		if (ret)
			sink_abort(&sink);
		else
			ret = sink_commit(&sink);
	}
	image_parser_free(p);
	keyring_free(&kr);
	source_close(&src);
	return ret;
}

static int encrypt(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		KEY_OPTIONS_ENCRYPT,
		{ 0 }
	};
	struct key_opts ko = { 0 };
	const char *out = NULL;
	bool force = false;
	int c, mode, ret = CKPT_OK;

	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":o:hr:R:k:", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case 'h':
			key_opts_free(&ko);
			return ckpt_cmd_help(&cmd_encrypt);
		default:
			ret = key_opts_option(&ko, c, optarg);
			if (ret < 0)
				ret = ckpt_bad_option(&cmd_encrypt, c, argv);
		}
	}
	if (!ret && argc - optind != 1)
		ret = ckpt_usage(&cmd_encrypt, argc == optind ? "which image? give IN, or - for standard input" :
				 "one image at a time");
	if (!ret && !out)
		ret = ckpt_usage(&cmd_encrypt, "where to? give -o OUT, or -o - for standard output");
	if (!ret)
		ret = key_opts_encrypt_mode(&ko, &mode);
	if (!ret && mode == CKPT_MODE_NONE)
		ret = ckpt_usage(&cmd_encrypt, "no key: give recipients (-r, -R), a key file (-k) or a passphrase");
	if (!ret)
		ret = encrypt_run(argv[optind], out, mode, &ko, force);
	key_opts_free(&ko);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands of ckpt.  Each cmd_*.c file holds one: its usage, its
 * options and its struct ckpt_cmd; ckpt.c dispatches and prints help
 * from the table.
 */
#ifndef CKPT_CKPT_H
#define CKPT_CKPT_H

#include <stdbool.h>

#include "keys.h"

/*
 * @fn gets argv[0] = the command's name and returns an exit code; NULL
 * means "not in this build".  The first line of @help is the summary the
 * command list shows; the rest is the usage.
 */
struct ckpt_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

extern const struct ckpt_cmd cmd_keygen;
extern const struct ckpt_cmd cmd_checkpoint;
extern const struct ckpt_cmd cmd_restart;
extern const struct ckpt_cmd cmd_info;
extern const struct ckpt_cmd cmd_encrypt;
extern const struct ckpt_cmd cmd_decrypt;

/* Print @cmd's help and the exit codes on standard output; returns 0. */
int ckpt_cmd_help(const struct ckpt_cmd *cmd);

/*
 * The option getopt_long() just refused ('?' or ':' from an optstring
 * starting with ':'), as a usage error with a hint to --help.
 */
int ckpt_bad_option(const struct ckpt_cmd *cmd, int c, char **argv);

/* A usage error in @cmd: the message, and a hint to its --help. */
int ckpt_usage(const struct ckpt_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * An option @c that getopt_long() returned and @cmd does not handle
 * itself: a key option taken into @ko, else refused as with
 * ckpt_bad_option().  Returns 0 or an exit code.
 */
int ckpt_key_option(const struct ckpt_cmd *cmd, struct key_opts *ko, int c,
		    char **argv);

/*
 * After the options, exactly one operand, argv[optind]: else a usage
 * error, @missing if there is none, @extra if there are more.
 */
int ckpt_one_operand(const struct ckpt_cmd *cmd, int argc,
		     const char *missing, const char *extra);

/*
 * The command line of encrypt and decrypt, which copy an image from IN
 * to OUT: [KEY OPTIONS] [--force] -o OUT IN|-.  Their option table is
 * FILTER_OPTIONS and their key options.
 */
struct filter_args {
	struct key_opts keys;
	const char *in;
	const char *out;
	bool force;
};

enum { FILTER_OPT_FORCE = 0x100 };

#define FILTER_OPTIONS							\
	{ "output", required_argument, NULL, 'o' },			\
	{ "force", no_argument, NULL, FILTER_OPT_FORCE },		\
	{ "help", no_argument, NULL, 'h' }

struct option;

/*
 * Parse @cmd's command line into @fa.  Returns 0, an exit code, or -1
 * once the help is printed.  The caller frees @fa->keys in every case.
 */
int ckpt_filter_args(const struct ckpt_cmd *cmd, int argc, char **argv,
		     const char *optstring, const struct option *options,
		     struct filter_args *fa);

#endif /* CKPT_CKPT_H */

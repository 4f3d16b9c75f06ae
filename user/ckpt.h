/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands of ckpt.  Each cmd_*.c file holds one: its usage, its
 * options and its struct ckpt_cmd; ckpt.c dispatches and prints help
 * from the table.
 */
#ifndef CKPT_CKPT_H
#define CKPT_CKPT_H

#include <stdbool.h>

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

#endif /* CKPT_CKPT_H */

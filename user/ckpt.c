// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt: checkpoint a process through /dev/checkpoint (ckpt.ko), and
 * inspect, encrypt and decrypt the images.
 *
 * This file dispatches: a table of subcommands, each in its own cmd_*.c
 * file, and the help printed from it.  Invoked as `restart`, ckpt runs
 * `ckpt restart`.
 */
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ckpt.h"
#include "image.h"
#include "keys.h"
#include "stream.h"
#include "util.h"

static const struct ckpt_cmd *const commands[] = {
	&cmd_checkpoint,
	&cmd_restart,
	&cmd_info,
	&cmd_keygen,
	&cmd_encrypt,
	&cmd_decrypt,
};

#define NR_COMMANDS	ARRAY_SIZE(commands)

static const struct ckpt_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void main_help(FILE *f)
{
	fputs("ckpt - checkpoint a Linux process to an image, and inspect, encrypt and\n"
	      "decrypt images (needs ckpt.ko for checkpoint)\n"
	      "\n"
	      "Usage: ckpt COMMAND [OPTIONS] [ARGUMENTS]\n"
	      "       ckpt help COMMAND\n"
	      "       ckpt --help | --version\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		const char *help = commands[i]->help;
		int len = (int)strcspn(help, "\n");

		fprintf(f, "  %-11s %.*s\n", commands[i]->name, len, help);
	}
	fputs("\nRun 'ckpt COMMAND --help' for the options of a command.\n\n", f);
	fputs(ckpt_exit_codes_help, f);
}

int ckpt_cmd_help(const struct ckpt_cmd *cmd)
{
	const char *help = cmd->help;
	size_t len = strcspn(help, "\n");

	printf("ckpt %s - %.*s%s", cmd->name, (int)len, help, help + len);
	printf("\n%s", ckpt_exit_codes_help);
	return CKPT_OK;
}

int ckpt_usage(const struct ckpt_cmd *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ckpt_fail(CKPT_EUSAGE, "%s: %s", cmd->name, msg);
	ckpt_hint("run 'ckpt %s --help' for its usage", cmd->name);
	return CKPT_EUSAGE;
}

int ckpt_bad_option(const struct ckpt_cmd *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return ckpt_usage(cmd, "option '%s' needs an argument", arg);
	if (optopt)
		return ckpt_usage(cmd, "unknown option '-%c'", optopt);
	return ckpt_usage(cmd, "unknown option '%s'", arg);
}

int ckpt_key_option(const struct ckpt_cmd *cmd, struct key_opts *ko, int c,
		    char **argv)
{
	int ret = key_opts_option(ko, c, optarg);

	return ret < 0 ? ckpt_bad_option(cmd, c, argv) : ret;
}

int ckpt_one_operand(const struct ckpt_cmd *cmd, int argc,
		     const char *missing, const char *extra)
{
	if (argc - optind == 1)
		return CKPT_OK;
	return ckpt_usage(cmd, "%s", argc == optind ? missing : extra);
}

int ckpt_filter_args(const struct ckpt_cmd *cmd, int argc, char **argv,
		     const char *optstring, const struct option *options,
		     struct filter_args *fa)
{
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, options, NULL)) != -1) {
		switch (c) {
		case 'o':
			fa->out = optarg;
			break;
		case FILTER_OPT_FORCE:
			fa->force = true;
			break;
		case 'h':
			ckpt_cmd_help(cmd);
			return -1;
		default:
			ret = ckpt_key_option(cmd, &fa->keys, c, argv);
			if (ret)
				return ret;
		}
	}
	ret = ckpt_one_operand(cmd, argc,
			       "which image? give IN, or - for standard input",
			       "one image at a time");
	if (ret)
		return ret;
	fa->in = argv[optind];
	if (!fa->out)
		return ckpt_usage(cmd, "where to? give -o OUT, or -o - for standard output");
	return CKPT_OK;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static int run(const struct ckpt_cmd *cmd, int argc, char **argv)
{
	int ret;

	if (!cmd->fn) {
		if (wants_help(argc, argv))
			return ckpt_cmd_help(cmd);
		ckpt_fail(CKPT_EUNSUPP, "%s is not implemented in this build",
			  cmd->name);
		return ckpt_report(CKPT_EUNSUPP);
	}
	optind = 0;	/* getopt_long() starts afresh for the command */
	ret = cmd->fn(argc, argv);
	/* The command cleaned up after the interruption: now die of it. */
	if (ckpt_cancelled())
		ckpt_die_of_signal();
	return ckpt_report(ret);
}

int main(int argc, char **argv)
{
	const struct ckpt_cmd *cmd;
	const char *arg;

	if (sodium_init() < 0) {
		fputs("ckpt: error: libsodium failed to initialise\n", stderr);
		return CKPT_EFAIL;
	}
	/* A closed pipe is an error to report, not a reason to vanish. */
	signal(SIGPIPE, SIG_IGN);
	ckpt_catch_signals();

	if (argc > 0 && !strcmp(basename(argv[0]), "restart"))
		return run(find_command("restart"), argc, argv);

	if (argc < 2) {
		main_help(stderr);
		return CKPT_EUSAGE;
	}
	arg = argv[1];
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		main_help(stdout);
		return CKPT_OK;
	}
	if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		printf("ckpt %s (image format %d, container format %d, libsodium %s)\n",
		       CKPT_TOOL_VERSION, CKPT_VERSION, CKPT_ENC_VERSION,
		       sodium_version_string());
		return CKPT_OK;
	}
	if (!strcmp(arg, "help")) {
		if (argc < 3) {
			main_help(stdout);
			return CKPT_OK;
		}
		cmd = find_command(argv[2]);
		if (cmd)
			return ckpt_cmd_help(cmd);
		ckpt_fail(CKPT_EUSAGE, "no command '%s'", argv[2]);
		ckpt_hint("run 'ckpt --help' for the list of commands");
		return ckpt_report(CKPT_EUSAGE);
	}
	cmd = find_command(arg);
	if (!cmd) {
		ckpt_fail(CKPT_EUSAGE, arg[0] == '-' ? "unknown option '%s'" :
			  "unknown command '%s'", arg);
		ckpt_hint("run 'ckpt --help' for the list of commands");
		return ckpt_report(CKPT_EUSAGE);
	}
	return run(cmd, argc - 1, argv + 1);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the loaders of samples/lsm/ share: options common to all of them,
 * libbpf's messages, checks that say why a program cannot load, the
 * event loop, and printing struct ckpt_lsm_event.
 */
#ifndef CKPT_LSM_LOADER_H
#define CKPT_LSM_LOADER_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include <bpf/libbpf.h>

#include "ckpt_lsm.h"

/* Exit statuses of every loader */
#define LSM_EXIT_OK		0	/* attached, then detached on request */
#define LSM_EXIT_FAIL		1	/* could not load or attach */
#define LSM_EXIT_USAGE		2	/* bad command line */

extern const char *prog;

struct lsm_common {
	double seconds;		/* -t: detach after this long (0: never) */
	bool verbose;		/* -v: libbpf's debug messages too */
};

/* The common options, for getopt_long(): -t SECS, -v, -h. */
#define LSM_COMMON_SHORTOPTS	"t:vh"
#define LSM_COMMON_LONGOPTS \
	{ "seconds", required_argument, NULL, 't' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }
#define LSM_COMMON_USAGE \
	"  -t, --seconds N   detach and exit after N seconds (default: run until\n" \
	"                    SIGINT or SIGTERM)\n" \
	"  -v, --verbose     show libbpf's debug messages\n" \
	"  -h, --help        this text\n"

/*
 * Handle option @opt if it is a common one: 1 if it was, 0 if not, -1 on
 * a bad value.  -h prints @usage and exits.
 */
int lsm_common_opt(struct lsm_common *c, int opt, const char *arg,
		   const char *usage);

/* libbpf's messages (warnings, or all with -v), signal handlers. */
void lsm_setup(const struct lsm_common *c);

/*
 * Say why programs cannot attach, before libbpf says it less clearly:
 * root, ckpt.ko and its BTF (@need_ckpt), "bpf" in the active LSMs
 * (@need_bpf_lsm).  Returns 0 if they can, else -1 having said why.
 */
int lsm_check_target(bool need_ckpt, bool need_bpf_lsm);

/* Is "bpf" in /sys/kernel/security/lsm?  1 yes, 0 no, -1 cannot tell. */
int lsm_bpf_lsm_active(char *list, size_t len);

/* Explain a failed load or attach of @what (errno in @err). */
void lsm_explain(const char *what, int err);

/* The kernel's identity of the file at @path (stat(2), dev converted). */
int lsm_ident_of(const char *path, struct ckpt_lsm_ident *id);

/*
 * Say "PROG: attached: @what", then print the events of @rb until
 * SIGINT/SIGTERM or c->seconds; then "PROG: detached".  Returns 0, or -1
 * if polling failed.
 */
int lsm_run(const struct lsm_common *c, struct ring_buffer *rb,
	    const char *what);

/* The ring buffer callback that prints refusals with lsm_print_event. */
int lsm_on_event(void *ctx, void *data, size_t len);

/* One line for @e on stdout; @ident_name names files by identity. */
void lsm_print_event(const struct ckpt_lsm_event *e);

/* Let lsm_print_event name a file by the path it was given as. */
void lsm_name_ident(const struct ckpt_lsm_ident *id, const char *path);

/* "EPERM", or the number. */
const char *lsm_errname(int err);

/* The hook's name, "security_ckpt_checkpoint", "lsm/file_open", ... */
const char *lsm_hook_name(unsigned int hook);

/* "rwxp"-style protection of CKPT_VMA_* flags, into @buf (5 bytes). */
const char *lsm_prot(char *buf, __u64 flags);

/* @s with anything not printable replaced, for one-line output. */
const char *lsm_clean(char *buf, size_t len, const char *s, size_t max);

#endif /* CKPT_LSM_LOADER_H */

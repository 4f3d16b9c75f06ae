/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the loaders of samples/lsm/ share: options common to all of them,
 * libbpf's messages, checks that say why a program cannot load, filling
 * maps, the event loop, and printing struct ckpt_lsm_event.
 */
#ifndef CKPT_LSM_LOADER_H
#define CKPT_LSM_LOADER_H

#include <getopt.h>
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
 * getopt_long() that handles the common options itself: returns the next
 * option that is the loader's own, or -1 after the last.  @shortopts and
 * @longopts include the common ones.  -h prints @usage and exits 0; a bad
 * -t, or an option not in @shortopts (then @usage on stderr), exits
 * LSM_EXIT_USAGE.
 */
int lsm_getopt(struct lsm_common *c, int argc, char **argv,
	       const char *shortopts, const struct option *longopts,
	       const char *usage);

/* -e N: errno N, from 1 to 4095; anything else exits LSM_EXIT_USAGE. */
int lsm_errno_arg(const char *arg);

/*
 * Can @comm be a task's comm (CKPT_LSM_COMM_LEN - 1 characters at most)?
 * 0, or -1 having said not.
 */
int lsm_check_comm(const char *comm);

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
 * Say "PROG: attached: @what", then pass what comes in the ring buffer
 * @events to @on_event until SIGINT/SIGTERM or c->seconds.  Returns 0, or
 * -1 if the ring buffer could not be opened or polled.  The loader says
 * "PROG: detached" once it has destroyed its skeleton.
 */
int lsm_run(const struct lsm_common *c, struct bpf_map *events,
	    ring_buffer_sample_fn on_event, const char *what);

/*
 * Set @comm (NUL-padded to CKPT_LSM_COMM_LEN) in @map, a hash of
 * comm -> __u8.  0, or -1 having said why.
 */
int lsm_map_comm(struct bpf_map *map, const char *comm);

/*
 * Set the identity of the file at @path in @map, a hash of struct
 * ckpt_lsm_ident -> __u8, into *@id too, and let lsm_print_event name it
 * by @path.  @map_name says which map in a message.  0, or -1 having said
 * why.
 */
int lsm_map_file(struct bpf_map *map, const char *map_name, const char *path,
		 struct ckpt_lsm_ident *id);

/* snprintf() at @buf + *@off, of @len, advancing *@off; nothing once full. */
void lsm_appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

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

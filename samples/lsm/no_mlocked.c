// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-no-mlocked - no checkpoint of mlock()ed memory.  The policy is
 * no_mlocked.bpf.c; Documentation/lsm-hooks.rst builds both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>

#include "loader.h"
#include "no_mlocked.skel.h"	/* made by bpftool gen skeleton */

const char *prog = "ckpt-no-mlocked";

static const char usage[] =
	"Usage: ckpt-no-mlocked [OPTIONS]\n"
	"\n"
	"Refuse checkpoint of any process with memory locked by mlock() (what its\n"
	"owner keeps out of swap stays out of images too).  The process goes on\n"
	"running.  Runs until SIGINT or SIGTERM (or -t), then detaches.\n"
	"\n"
	"Attaches fmod_ret/security_ckpt_checkpoint_vma (ckpt.ko, with BTF).\n"
	"\n"
	"  -e, --errno N     the errno to refuse with (default 1, EPERM)\n"
	LSM_COMMON_USAGE;

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "errno", required_argument, NULL, 'e' },
		LSM_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lsm_common c = {};
	struct no_mlocked_bpf *skel = NULL;
	int deny_errno = EPERM, opt, err, status = LSM_EXIT_FAIL;
	unsigned long long refused = 0;

	/* -t, -v and -h are lsm_getopt()'s; -e is ours. */
	while ((opt = lsm_getopt(&c, argc, argv, "e:" LSM_COMMON_SHORTOPTS,
				 longopts, usage)) != -1)
		deny_errno = lsm_errno_arg(optarg);

	lsm_setup(&c);
	if (lsm_check_target(true, false))	/* root, ckpt.ko with BTF */
		return LSM_EXIT_FAIL;
	/* open: parse the object; rodata can still be set */
	skel = no_mlocked_bpf__open();
	if (!skel) {
		lsm_explain("opening the BPF object", -errno);
		return LSM_EXIT_FAIL;
	}
	skel->rodata->deny_ret = -deny_errno;
	/* load: CO-RE relocations, the verifier */
	err = no_mlocked_bpf__load(skel);
	if (err) {
		lsm_explain("loading the BPF program", err);
		goto out;
	}
	/* attach: from now on the hook refuses */
	err = no_mlocked_bpf__attach(skel);
	if (err) {
		lsm_explain("attaching to security_ckpt_checkpoint_vma", err);
		goto out;
	}
	/* print what it refuses until SIGINT/SIGTERM (or -t) */
	if (lsm_run(&c, skel->maps.events, lsm_on_event,
		    "refusing checkpoint of processes with mlock()ed memory"))
		goto out;
	refused = skel->bss->nr_refused;
	status = LSM_EXIT_OK;
out:
	no_mlocked_bpf__destroy(skel);	/* detaches */
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu refused)\n", prog, refused);
	return status;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-wx - W^X on restart: refuse images with a writable and executable
 * memory area.  The policy is wx.bpf.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>

#include "loader.h"
#include "wx.skel.h"

const char *prog = "ckpt-wx";

static const char usage[] =
	"Usage: ckpt-wx [OPTIONS]\n"
	"\n"
	"Refuse restart of any image that has a memory area both writable and\n"
	"executable (PROT_WRITE|PROT_EXEC), before the point of no return: the\n"
	"restart fails, the caller is left as it was.  Runs until SIGINT or\n"
	"SIGTERM (or -t), then detaches.\n"
	"\n"
	"Attaches fmod_ret/security_ckpt_restore_vma (ckpt.ko, with BTF).\n"
	"\n"
	"  -s, --strict      also refuse areas that mprotect() could make\n"
	"                    writable and executable (VM_MAYWRITE|VM_MAYEXEC)\n"
	"  -e, --errno N     the errno to refuse with (default 13, EACCES)\n"
	LSM_COMMON_USAGE;

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "errno", required_argument, NULL, 'e' },
		LSM_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lsm_common c = {};
	struct wx_bpf *skel = NULL;
	int deny_errno = EACCES, opt, err, status = LSM_EXIT_FAIL;
	unsigned long long refused = 0;
	bool strict = false;
	char what[256];

	while ((opt = lsm_getopt(&c, argc, argv, "se:" LSM_COMMON_SHORTOPTS,
				 longopts, usage)) != -1) {
		switch (opt) {
		case 's':
			strict = true;
			break;
		case 'e':
			deny_errno = lsm_errno_arg(optarg);
			break;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n%s", prog,
			argv[optind], usage);
		return LSM_EXIT_USAGE;
	}

	lsm_setup(&c);
	if (lsm_check_target(true, false))
		return LSM_EXIT_FAIL;
	skel = wx_bpf__open();
	if (!skel) {
		lsm_explain("opening the BPF object", -errno);
		return LSM_EXIT_FAIL;
	}
	skel->rodata->deny_ret = -deny_errno;
	skel->rodata->strict = strict;
	err = wx_bpf__load(skel);
	if (err) {
		lsm_explain("loading the BPF program", err);
		goto out;
	}
	err = wx_bpf__attach(skel);
	if (err) {
		lsm_explain("attaching to security_ckpt_restore_vma", err);
		goto out;
	}
	snprintf(what, sizeof(what),
		 "refusing restart (%s) of images with a writable and executable area%s",
		 lsm_errname(deny_errno),
		 strict ? ", or one that may become both" : "");
	if (lsm_run(&c, skel->maps.events, lsm_on_event, what))
		goto out;
	refused = skel->bss->nr_refused;
	status = LSM_EXIT_OK;
out:
	wx_bpf__destroy(skel);
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu refused)\n", prog, refused);
	return status;
}

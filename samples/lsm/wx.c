// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-wx - W^X on restart: refuse images with a writable and executable
 * memory area.  The policy is wx.bpf.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

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
	struct ring_buffer *rb = NULL;
	int deny_errno = EACCES, opt, err, status = LSM_EXIT_FAIL;
	unsigned long long refused = 0;
	bool strict = false;
	char what[256];

	while ((opt = getopt_long(argc, argv, "se:" LSM_COMMON_SHORTOPTS,
				  longopts, NULL)) != -1) {
		switch (lsm_common_opt(&c, opt, optarg, usage)) {
		case 1:
			continue;
		case -1:
			return LSM_EXIT_USAGE;
		}
		switch (opt) {
		case 's':
			strict = true;
			break;
		case 'e':
			deny_errno = atoi(optarg);
			if (deny_errno <= 0 || deny_errno > 4095) {
				fprintf(stderr, "%s: -e: '%s' is no errno\n", prog, optarg);
				return LSM_EXIT_USAGE;
			}
			break;
		default:
			fputs(usage, stderr);
			return LSM_EXIT_USAGE;
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
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), lsm_on_event,
			      NULL, NULL);
	if (!rb) {
		lsm_explain("opening the ring buffer", -errno);
		goto out;
	}
	snprintf(what, sizeof(what),
		 "refusing restart (%s) of images with a writable and executable area%s",
		 lsm_errname(deny_errno),
		 strict ? ", or one that may become both" : "");
	if (lsm_run(&c, rb, what))
		goto out;
	refused = skel->bss->nr_refused;
	status = LSM_EXIT_OK;
out:
	ring_buffer__free(rb);
	wx_bpf__destroy(skel);
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu refused)\n", prog, refused);
	return status;
}

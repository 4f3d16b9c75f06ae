// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-deny-checkpoint - refuse checkpoint of tasks by comm or cgroup.
 * The policy is deny_checkpoint.bpf.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>

#include "loader.h"
#include "deny_checkpoint.skel.h"

const char *prog = "ckpt-deny-checkpoint";

static const char usage[] =
	"Usage: ckpt-deny-checkpoint [OPTIONS] [COMM...]\n"
	"\n"
	"Refuse checkpoint of every task whose comm (what ps shows, at most 15\n"
	"characters) is one of COMM, or that is in one of the cgroup v2\n"
	"directories given with -c or below it.  The target is left running,\n"
	"untouched; ckpt says \"refused by security_ckpt_checkpoint\".\n"
	"Runs until SIGINT or SIGTERM (or -t), then detaches.\n"
	"\n"
	"Attaches fmod_ret/security_ckpt_checkpoint (ckpt.ko, with BTF).\n"
	"\n"
	"  -c, --cgroup DIR  refuse tasks in cgroup DIR and below it, e.g.\n"
	"                    /sys/fs/cgroup/user.slice/user-1000.slice\n"
	"  -e, --errno N     the errno to refuse with (default 1, EPERM)\n"
	LSM_COMMON_USAGE;

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "errno", required_argument, NULL, 'e' },
		LSM_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lsm_common c = {};
	struct deny_checkpoint_bpf *skel = NULL;
	const char *cgroups[64];
	int nr_cgroups = 0, deny_errno = EPERM, opt, i, err, status = LSM_EXIT_FAIL;
	char what[2048];
	unsigned long long refused = 0;
	size_t off = 0;
	__u8 one = 1;

	while ((opt = lsm_getopt(&c, argc, argv, "c:e:" LSM_COMMON_SHORTOPTS,
				 longopts, usage)) != -1) {
		switch (opt) {
		case 'c':
			if (nr_cgroups == 64) {
				fprintf(stderr, "%s: at most 64 cgroups\n", prog);
				return LSM_EXIT_USAGE;
			}
			cgroups[nr_cgroups++] = optarg;
			break;
		case 'e':
			deny_errno = lsm_errno_arg(optarg);
			break;
		}
	}
	if (optind == argc && !nr_cgroups) {
		fprintf(stderr, "%s: nothing to protect: give comms or -c cgroups\n%s",
			prog, usage);
		return LSM_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++)
		if (lsm_check_comm(argv[i]))
			return LSM_EXIT_USAGE;

	lsm_setup(&c);
	if (lsm_check_target(true, false))
		return LSM_EXIT_FAIL;

	skel = deny_checkpoint_bpf__open();
	if (!skel) {
		lsm_explain("opening the BPF object", -errno);
		return LSM_EXIT_FAIL;
	}
	skel->rodata->deny_ret = -deny_errno;
	err = deny_checkpoint_bpf__load(skel);
	if (err) {
		lsm_explain("loading the BPF program", err);
		goto out;
	}

	lsm_appendf(what, sizeof(what), &off, "refusing checkpoint (%s) of",
		    lsm_errname(deny_errno));
	for (i = optind; i < argc; i++) {
		if (lsm_map_comm(skel->maps.denied_comms, argv[i]))
			goto out;
		lsm_appendf(what, sizeof(what), &off, " comm %s,", argv[i]);
	}
	for (i = 0; i < nr_cgroups; i++) {
		struct stat st;
		__u64 id;

		/* On cgroup2 a directory's inode number is the cgroup id. */
		if (stat(cgroups[i], &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: %s: not a cgroup directory\n", prog,
				cgroups[i]);
			goto out;
		}
		id = st.st_ino;
		err = bpf_map__update_elem(skel->maps.denied_cgroups, &id,
					   sizeof(id), &one, sizeof(one), BPF_ANY);
		if (err) {
			lsm_explain("filling the cgroup map", err);
			goto out;
		}
		lsm_appendf(what, sizeof(what), &off,
			    " cgroup %s (id %llu) and below,", cgroups[i],
			    (unsigned long long)id);
	}
	if (off < sizeof(what) && what[off - 1] == ',')
		what[off - 1] = '\0';

	err = deny_checkpoint_bpf__attach(skel);
	if (err) {
		lsm_explain("attaching to security_ckpt_checkpoint", err);
		goto out;
	}
	if (lsm_run(&c, skel->maps.events, lsm_on_event, what))
		goto out;
	refused = skel->bss->nr_refused;
	status = LSM_EXIT_OK;
out:
	deny_checkpoint_bpf__destroy(skel);
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu refused)\n", prog, refused);
	return status;
}

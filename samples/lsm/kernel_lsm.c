// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-kernel-lsm - the kernel's own LSM hooks, through BPF LSM, refuse
 * ckpt's operations too.  The programs are kernel_lsm.bpf.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>

#include "loader.h"
#include "kernel_lsm.skel.h"

const char *prog = "ckpt-kernel-lsm";

static const char usage[] =
	"Usage: ckpt-kernel-lsm [OPTIONS]\n"
	"\n"
	"Shows that the kernel's LSM hooks apply to ckpt, with BPF LSM programs:\n"
	"they need \"bpf\" among the active LSMs (cat /sys/kernel/security/lsm).\n"
	"\n"
	"  -p, --ptrace COMM     lsm/ptrace_access_check: refuse ptrace attach to\n"
	"                        tasks named COMM, and so their checkpoint (EPERM;\n"
	"                        the target is untouched)\n"
	"  -o, --file-open FILE  lsm/file_open: refuse opening FILE (EACCES).\n"
	"                        Restart opens every mapped file before its point\n"
	"                        of no return: a clean refusal, caller intact\n"
	"  -m, --mmap-file FILE  lsm/mmap_file: refuse mapping FILE (EACCES).\n"
	"                        Restart maps files after its point of no return:\n"
	"                        the restarting process is killed, its parent is\n"
	"                        told why on the status pipe\n"
	"  -e, --errno N         the errno to refuse with (default: as above)\n"
	"  -f, --force           load even if BPF LSM is not active, to see what\n"
	"                        the kernel does then\n"
	LSM_COMMON_USAGE
	"\n"
	"Options may be repeated; each chosen hook gets its program.\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ptrace", required_argument, NULL, 'p' },
		{ "file-open", required_argument, NULL, 'o' },
		{ "mmap-file", required_argument, NULL, 'm' },
		{ "errno", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		LSM_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lsm_common c = {};
	struct kernel_lsm_bpf *skel = NULL;
	const char *comms[64], *opens[64], *mmaps[64];
	int nr_comms = 0, nr_opens = 0, nr_mmaps = 0, deny_errno = 0;
	int opt, err, i, status = LSM_EXIT_FAIL;
	unsigned long long refused = 0;
	char what[2048];
	size_t off = 0;
	bool force = false;

	while ((opt = lsm_getopt(&c, argc, argv, "p:o:m:e:f" LSM_COMMON_SHORTOPTS,
				 longopts, usage)) != -1) {
		switch (opt) {
		case 'p':
			if (lsm_check_comm(optarg))
				return LSM_EXIT_USAGE;
			if (nr_comms < 64)
				comms[nr_comms++] = optarg;
			break;
		case 'o':
			if (nr_opens < 64)
				opens[nr_opens++] = optarg;
			break;
		case 'm':
			if (nr_mmaps < 64)
				mmaps[nr_mmaps++] = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'e':
			deny_errno = lsm_errno_arg(optarg);
			break;
		}
	}
	if (optind != argc || !(nr_comms + nr_opens + nr_mmaps)) {
		fprintf(stderr, "%s: give -p, -o or -m\n%s", prog, usage);
		return LSM_EXIT_USAGE;
	}

	lsm_setup(&c);
	if (lsm_check_target(false, !force))
		return LSM_EXIT_FAIL;
	skel = kernel_lsm_bpf__open();
	if (!skel) {
		lsm_explain("opening the BPF object", -errno);
		return LSM_EXIT_FAIL;
	}
	if (deny_errno) {
		skel->rodata->ptrace_ret = -deny_errno;
		skel->rodata->file_ret = -deny_errno;
	}
	bpf_program__set_autoload(skel->progs.ptrace_access_check, nr_comms > 0);
	bpf_program__set_autoload(skel->progs.file_open, nr_opens > 0);
	bpf_program__set_autoload(skel->progs.mmap_file, nr_mmaps > 0);
	err = kernel_lsm_bpf__load(skel);
	if (err) {
		lsm_explain("loading the BPF LSM programs", err);
		goto out;
	}

	lsm_appendf(what, sizeof(what), &off, "refusing");
	for (i = 0; i < nr_comms; i++) {
		if (lsm_map_comm(skel->maps.protected_comms, comms[i]))
			goto out;
		lsm_appendf(what, sizeof(what), &off,
			    " ptrace attach/checkpoint of comm %s (%s, lsm/ptrace_access_check),",
			    comms[i], lsm_errname(skel->rodata->ptrace_ret));
	}
	for (i = 0; i < nr_opens + nr_mmaps; i++) {
		bool is_open = i < nr_opens;
		const char *path = is_open ? opens[i] : mmaps[i - nr_opens];
		struct ckpt_lsm_ident id;

		/* One map for both hooks: a file given to -o is refused by
		 * mmap_file too, if that is loaded (and the other way round). */
		if (lsm_map_file(skel->maps.denied_files, "file map", path, &id))
			goto out;
		lsm_appendf(what, sizeof(what), &off, " %s of %s (%s, lsm/%s),",
			    is_open ? "open" : "mmap", path,
			    lsm_errname(skel->rodata->file_ret),
			    is_open ? "file_open" : "mmap_file");
	}
	if (off < sizeof(what) && what[off - 1] == ',')
		what[off - 1] = '\0';

	err = kernel_lsm_bpf__attach(skel);
	if (err) {
		lsm_explain("attaching the BPF LSM programs", err);
		goto out;
	}
	if (lsm_run(&c, skel->maps.events, lsm_on_event, what))
		goto out;
	refused = skel->bss->nr_refused;
	status = LSM_EXIT_OK;
out:
	kernel_lsm_bpf__destroy(skel);
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu refused)\n", prog, refused);
	return status;
}

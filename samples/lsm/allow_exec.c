// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-allow-exec - restart only images whose executable file mappings
 * are on an allow-list.  The policy is allow_exec.bpf.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "loader.h"
#include "allow_exec.skel.h"

const char *prog = "ckpt-allow-exec";

static const char usage[] =
	"Usage: ckpt-allow-exec [OPTIONS] FILE...\n"
	"\n"
	"Allow restart only of images whose executable file mappings are one of\n"
	"FILE (a program, ld.so, libc, ...).  Files are compared by identity\n"
	"(device and inode, as stat(2) gives them now), not by path: a file\n"
	"replaced under the same name is another file.  A refused restart fails\n"
	"before the point of no return, the caller left as it was.  Runs until\n"
	"SIGINT or SIGTERM (or -t), then detaches.\n"
	"\n"
	"Attaches fmod_ret/security_ckpt_restore_vma (ckpt.ko, with BTF).\n"
	"\n"
	"  -p, --pid PID     allow every file PID has mapped executable now\n"
	"                    (from /proc/PID/maps)\n"
	"  -a, --deny-anon-exec  also refuse executable areas without a file\n"
	"                    (code carried in anonymous memory); [vdso] stays\n"
	"  -e, --errno N     the errno to refuse with (default 1, EPERM)\n"
	LSM_COMMON_USAGE;

static struct allow_exec_bpf *skel;
static unsigned int nr_allowed;

static int allow(const char *path)
{
	struct ckpt_lsm_ident id;

	if (lsm_map_file(skel->maps.allowed, "allow-list", path, &id))
		return -1;
	printf("%s: allowed: %s (dev %u:%u ino %llu)\n", prog, path,
	       (unsigned int)(id.dev >> 20), (unsigned int)(id.dev & 0xfffff),
	       (unsigned long long)id.ino);
	nr_allowed++;
	return 0;
}

/* Every file @pid maps executable. */
static int allow_pid(const char *pid)
{
	char path[64], line[4096];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char perms[8], *name;
		int n = 0;

		if (sscanf(line, "%*x-%*x %7s %*x %*x:%*x %*u %n", perms, &n) < 1 ||
		    !n || perms[2] != 'x')
			continue;
		name = line + n;
		name[strcspn(name, "\n")] = '\0';
		if (name[0] != '/')
			continue;
		if (allow(name))
			ret = -1;
	}
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "deny-anon-exec", no_argument, NULL, 'a' },
		{ "errno", required_argument, NULL, 'e' },
		LSM_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lsm_common c = {};
	int deny_errno = EPERM, opt, err, i, status = LSM_EXIT_FAIL;
	unsigned long long refused = 0;
	const char *pids[16];
	int nr_pids = 0;
	bool deny_anon = false;
	char what[256];

	while ((opt = lsm_getopt(&c, argc, argv, "p:ae:" LSM_COMMON_SHORTOPTS,
				 longopts, usage)) != -1) {
		switch (opt) {
		case 'p':
			if (nr_pids == 16) {
				fprintf(stderr, "%s: at most 16 -p\n", prog);
				return LSM_EXIT_USAGE;
			}
			pids[nr_pids++] = optarg;
			break;
		case 'a':
			deny_anon = true;
			break;
		case 'e':
			deny_errno = lsm_errno_arg(optarg);
			break;
		}
	}

	lsm_setup(&c);
	if (lsm_check_target(true, false))
		return LSM_EXIT_FAIL;
	skel = allow_exec_bpf__open();
	if (!skel) {
		lsm_explain("opening the BPF object", -errno);
		return LSM_EXIT_FAIL;
	}
	skel->rodata->deny_ret = -deny_errno;
	skel->rodata->deny_anon_exec = deny_anon;
	err = allow_exec_bpf__load(skel);
	if (err) {
		lsm_explain("loading the BPF program", err);
		goto out;
	}
	for (i = optind; i < argc; i++)
		if (allow(argv[i]))
			goto out;
	for (i = 0; i < nr_pids; i++)
		if (allow_pid(pids[i]))
			goto out;
	err = allow_exec_bpf__attach(skel);
	if (err) {
		lsm_explain("attaching to security_ckpt_restore_vma", err);
		goto out;
	}
	snprintf(what, sizeof(what),
		 "refusing restart (%s) of images that map executable any file but the %u allowed%s",
		 lsm_errname(deny_errno), nr_allowed,
		 deny_anon ? ", or executable anonymous memory" : "");
	if (lsm_run(&c, skel->maps.events, lsm_on_event, what))
		goto out;
	refused = skel->bss->nr_refused;
	status = LSM_EXIT_OK;
out:
	allow_exec_bpf__destroy(skel);
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu refused)\n", prog, refused);
	return status;
}

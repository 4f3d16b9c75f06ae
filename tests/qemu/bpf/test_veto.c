// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt-test-veto - test-only loader of test_veto.bpf.c, for
 * tests/qemu/lsm_restart_hooks.c: refuse every restart at one of the two
 * restart hooks no sample policy uses, with values the test chooses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "test_veto.skel.h"

const char *prog = "ckpt-test-veto";

static const char usage[] =
	"Usage: ckpt-test-veto [OPTIONS] [VALUE]...\n"
	"\n"
	"For tests only.  Refuse every restart at security_ckpt_restart (or, with\n"
	"--commit, at security_ckpt_restart_commit): the Nth call returns the Nth\n"
	"VALUE, in turn (default -1, -EPERM).  A VALUE may be any int, such as a\n"
	"positive one, which the module must turn into EPERM.  Runs until SIGINT\n"
	"or SIGTERM (or -t), then detaches.\n"
	"\n"
	"  -c, --commit      refuse at security_ckpt_restart_commit\n"
	LSM_COMMON_USAGE;

/* One line per refusal, with the value as the hook returned it. */
static int on_event(void *ctx, void *data, size_t len)
{
	const struct ckpt_lsm_event *e = data;

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	printf("%s: refused (%s) restart by pid %u (%.*s): returned %d\n",
	       prog, lsm_hook_name(e->hook), e->pid, CKPT_LSM_COMM_LEN, e->comm,
	       e->hook_ret);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "commit", no_argument, NULL, 'c' },
		LSM_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lsm_common c = {};
	struct test_veto_bpf *skel = NULL;
	int opt, err, i, n, status = LSM_EXIT_FAIL;
	unsigned int hook = CKPT_LSM_HOOK_RESTART;
	unsigned long long refused = 0;
	int verdicts[8] = { -EPERM };
	char what[256];

	while ((opt = lsm_getopt(&c, argc, argv, "c" LSM_COMMON_SHORTOPTS,
				 longopts, usage)) != -1)
		hook = CKPT_LSM_HOOK_RESTART_COMMIT;
	n = argc - optind;
	if (n > 8) {
		fprintf(stderr, "%s: at most 8 values\n", prog);
		return LSM_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		const char *arg = argv[optind + i];
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 0);
		if (errno || end == arg || *end || v < INT_MIN || v > INT_MAX) {
			fprintf(stderr, "%s: '%s' is not an int\n", prog, arg);
			return LSM_EXIT_USAGE;
		}
		verdicts[i] = (int)v;
	}

	lsm_setup(&c);
	if (lsm_check_target(true, false))
		return LSM_EXIT_FAIL;
	skel = test_veto_bpf__open();
	if (!skel) {
		lsm_explain("opening the BPF object", -errno);
		return LSM_EXIT_FAIL;
	}
	skel->rodata->hook = hook;
	memcpy((void *)skel->rodata->verdicts, verdicts, sizeof(verdicts));
	skel->rodata->nr_verdicts = n ? n : 1;
	err = test_veto_bpf__load(skel);
	if (err) {
		lsm_explain("loading the BPF program", err);
		goto out;
	}
	err = test_veto_bpf__attach(skel);
	if (err) {
		lsm_explain("attaching to the restart hooks", err);
		goto out;
	}
	snprintf(what, sizeof(what), "refusing every restart at %s",
		 lsm_hook_name(hook));
	if (lsm_run(&c, skel->maps.events, on_event, what))
		goto out;
	refused = skel->bss->nr_refused;
	status = LSM_EXIT_OK;
out:
	test_veto_bpf__destroy(skel);
	if (status == LSM_EXIT_OK)
		printf("%s: detached (%llu refused)\n", prog, refused);
	return status;
}

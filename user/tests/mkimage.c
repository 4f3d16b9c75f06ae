// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage [OPTIONS] OUT [EXTRA_PAGES]: write a synthetic plaintext image
 * (see synth.h) for the command-line tests.  EXTRA_PAGES makes it bigger.
 *
 *   --more-files       add synth_more_files()'s descriptors
 *   --deleted          add synth_deleted_file()'s deleted file, at 150 and 151
 *   --host             an image this process could restart into: its own
 *                      working directory, umask, resource limits and
 *                      personality, no parent-death signal, no
 *                      no_new_privs, and the smallest memory map, without
 *                      special mappings (synth_small_memory())
 *   --cwd DIR          the working directory (an absolute path)
 *   --nofile SOFT:HARD RLIMIT_NOFILE
 *   --pdeath SIG       the parent-death signal
 *   --nnp              no_new_privs
 *   --no-altstack FLAGS  no alternate signal stack, ss_flags FLAGS (SS_DISABLE
 *                      is 2, SS_AUTODISARM 0x80000000)
 *   --pipe-size SIZE   the capacity of the pipe of synth_std_files()
 *   --second-pipe      a second pipe, pipe:[SECOND_PIPE_ID] of 16 KiB,
 *                      empty: its read end at fd 200, its write end at 201
 *   --itimer VALUE:INTERVAL  ITIMER_REAL armed, VALUE ns left, rearmed every
 *                      INTERVAL ns (CKPT_TASK_ITIMERS and CKPT_HDR_ITIMERS)
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth.h"

#define SECOND_PIPE_ID		900
#define SECOND_PIPE_SIZE	16384

static int usage(void)
{
	fprintf(stderr, "usage: mkimage [--more-files] [--deleted] [--host] [--cwd DIR] [--nofile SOFT:HARD]\n"
			"               [--pdeath SIG] [--nnp] [--no-altstack FLAGS]\n"
			"               [--pipe-size SIZE] [--second-pipe]\n"
			"               [--itimer VALUE_NS:INTERVAL_NS] OUT [EXTRA_PAGES]\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool more_files = false, host = false, deleted = false;
	const char *cwd = SYNTH_CWD;
	char here[PATH_MAX];
	unsigned long long nofile[2];
	bool set_nofile = false, nnp = false, no_altstack = false;
	bool second_pipe = false, itimer = false;
	unsigned long long itimer_ns[2];
	uint32_t pipe_size = SYNTH_PIPE_SIZE;
	uint32_t ss_flags = 0;
	int pdeath = -1;
	uint32_t extra, umask_value = SYNTH_UMASK;
	struct ckpt_hdr_task *t;
	struct synth s;
	FILE *f;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--more-files")) {
			more_files = true;
		} else if (!strcmp(argv[i], "--deleted")) {
			deleted = true;
		} else if (!strcmp(argv[i], "--host")) {
			host = true;
		} else if (!strcmp(argv[i], "--cwd") && i + 1 < argc) {
			cwd = argv[++i];
		} else if (!strcmp(argv[i], "--nofile") && i + 1 < argc) {
			if (sscanf(argv[++i], "%llu:%llu", &nofile[0], &nofile[1]) != 2)
				return usage();
			set_nofile = true;
		} else if (!strcmp(argv[i], "--pdeath") && i + 1 < argc) {
			pdeath = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--nnp")) {
			nnp = true;
		} else if (!strcmp(argv[i], "--no-altstack") && i + 1 < argc) {
			no_altstack = true;
			ss_flags = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--pipe-size") && i + 1 < argc) {
			pipe_size = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--second-pipe")) {
			second_pipe = true;
		} else if (!strcmp(argv[i], "--itimer") && i + 1 < argc) {
			if (sscanf(argv[++i], "%llu:%llu", &itimer_ns[0],
				   &itimer_ns[1]) != 2)
				return usage();
			itimer = true;
		} else {
			return usage();
		}
	}
	if (argc - i < 1 || argc - i > 2)
		return usage();
	extra = argc - i == 2 ? (uint32_t)strtoul(argv[i + 1], NULL, 0) : 0;
	if (host) {
		mode_t m = umask(0);

		umask(m);
		umask_value = m;
		if (cwd == (const char *)SYNTH_CWD) {
			if (!getcwd(here, sizeof(here))) {
				perror("getcwd");
				return 1;
			}
			cwd = here;
		}
	}

	synth_init(&s);
	synth_start_in(&s, umask_value, cwd);
	t = synth_at(&s, synth_find(&s, CKPT_HDR_TASK, 0));
	if (host) {
		t->personality = (uint32_t)personality(0xffffffff);
		t->pdeath_signal = 0;
		t->task_flags = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ?
				CKPT_TASK_NO_NEW_PRIVS : 0;
		for (int r = 0; r < CKPT_RLIM_NLIMITS; r++) {
			struct rlimit rl;

			if (getrlimit(r, &rl)) {
				perror("getrlimit");
				return 1;
			}
			t->rlim[r][0] = rl.rlim_cur;
			t->rlim[r][1] = rl.rlim_max;
		}
	}
	if (set_nofile) {
		t->rlim[RLIMIT_NOFILE][0] = nofile[0];
		t->rlim[RLIMIT_NOFILE][1] = nofile[1];
	}
	if (pdeath >= 0)
		t->pdeath_signal = (uint32_t)pdeath;
	if (nnp)
		t->task_flags |= CKPT_TASK_NO_NEW_PRIVS;
	if (no_altstack) {
		struct ckpt_hdr_signals *g = synth_at(&s, synth_find(&s, CKPT_HDR_SIGNALS, 0));

		g->ss_sp = g->ss_size = 0;
		g->ss_flags = ss_flags;
	}
	/* After the pending signals, before the files. */
	if (itimer) {
		t->task_flags |= CKPT_TASK_ITIMERS;
		synth_itimers(&s, itimer_ns[0], itimer_ns[1]);
	}
	synth_std_files(&s);
	if (more_files)
		synth_more_files(&s);
	if (deleted)
		synth_deleted_file(&s);
	if (second_pipe) {
		synth_pipe_end(&s, 200, 0, SECOND_PIPE_ID, 0);
		synth_pipe_end(&s, 201, CKPT_FD_CLOEXEC, SECOND_PIPE_ID, 1);
	}
	synth_pipe(&s, SYNTH_PIPE_ID, pipe_size, SYNTH_PIPE_DATA, SYNTH_PIPE_BYTES);
	if (second_pipe)
		synth_pipe(&s, SECOND_PIPE_ID, SECOND_PIPE_SIZE, NULL, 0);
	if (host)
		synth_small_memory(&s);
	else
		synth_standard_memory(&s, extra);
	f = fopen(argv[i], "wb");
	if (!f || fwrite(s.buf, 1, s.len, f) != s.len || fclose(f)) {
		perror(argv[i]);
		return 1;
	}
	synth_free(&s);
	return 0;
}

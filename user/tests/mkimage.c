// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage [--more-files] OUT [EXTRA_PAGES]: write a synthetic plaintext
 * image (see synth.h) for the command-line tests.  EXTRA_PAGES makes it
 * bigger; --more-files adds synth_more_files()'s descriptors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

int main(int argc, char **argv)
{
	bool more_files = argc > 1 && !strcmp(argv[1], "--more-files");
	uint32_t extra;
	struct synth s;
	FILE *f;

	argc -= more_files;
	argv += more_files;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mkimage [--more-files] OUT [EXTRA_PAGES]\n");
		return 2;
	}
	extra = argc == 3 ? (uint32_t)strtoul(argv[2], NULL, 0) : 0;
	synth_init(&s);
	synth_prologue(&s);
	if (more_files)
		synth_more_files(&s);
	synth_standard_memory(&s, extra);
	f = fopen(argv[1], "wb");
	if (!f || fwrite(s.buf, 1, s.len, f) != s.len || fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	synth_free(&s);
	return 0;
}

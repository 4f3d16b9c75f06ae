// SPDX-License-Identifier: GPL-2.0
/*
 * mkimage OUT [EXTRA_PAGES]: write a synthetic plaintext image (see
 * synth.h) for the command-line tests.  EXTRA_PAGES makes it bigger.
 */
#include <stdio.h>
#include <stdlib.h>

#include "synth.h"

int main(int argc, char **argv)
{
	struct synth s;
	FILE *f;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mkimage OUT [EXTRA_PAGES]\n");
		return 2;
	}
	synth_standard(&s, argc == 3 ? (uint32_t)strtoul(argv[2], NULL, 0) : 0);
	f = fopen(argv[1], "wb");
	if (!f || fwrite(s.buf, 1, s.len, f) != s.len || fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	synth_free(&s);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The host unit tests of ckpt's library: keys, the container, the image
 * parser, the /proc/PID/maps format and the I/O threads.  TAP on
 * standard output.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "tap.h"
#include "unit.h"

char *unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (asprintf(&dir, "%s/ckpt-unit-XXXXXX", base ? base : "/tmp") < 0)
		abort();
	if (!mkdtemp(dir))
		abort();
	return dir;
}

/* The test directories are flat: files only. */
void unit_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *path;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			abort();
		unlink(path);
		free(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

char *unit_capture_stderr(void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *out;
	long len;

	if (!tmp || saved < 0)
		abort();
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	len = ftell(tmp);
	if (len < 0)
		len = lseek(fileno(tmp), 0, SEEK_END);
	out = calloc(1, len + 1);
	if (!out)
		abort();
	if (pread(fileno(tmp), out, len, 0) != len)
		out[0] = '\0';
	fclose(tmp);
	return out;
}

int main(void)
{
	if (sodium_init() < 0) {
		puts("Bail out! sodium_init failed");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	register_keys_tests();
	register_stream_tests();
	register_image_tests();
	register_maps_tests();
	register_bgio_tests();
	return tap_run();
}

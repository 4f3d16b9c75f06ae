// SPDX-License-Identifier: GPL-2.0
/*
 * bench/limits.c - what moving the bytes of an image costs, and nothing else.
 *
 * Usage: limits copy BYTES FILE
 *        limits encrypt BYTES
 *        limits populate BYTES
 *
 * copy and encrypt fill BYTES of memory with the workload's kind of bytes
 * (fill.h) first, untimed; each mode times one thing and prints its
 * seconds on standard output:
 *
 *   copy     open FILE (create, truncate), write the buffer to it in 1 MiB
 *            writes, close it: the copy limit, memory to the file system
 *            (tmpfs in the benchmark), which a checkpoint to that file
 *            system cannot beat.  FILE is left for the caller to measure
 *            and remove.
 *   encrypt  crypto_secretstream_xchacha20poly1305_push over the buffer in
 *            64 KiB messages (CKPT_ENC_CHUNK, user/stream.h), into one
 *            reused output buffer: the encryption an encrypted image costs
 *            the ckpt command, with no I/O.
 *   populate mmap BYTES of private anonymous memory and fault every page
 *            of it in for writing (MADV_POPULATE_WRITE): what the kernel
 *            charges any restart, in the kernel or not, for the memory it
 *            is about to fill - allocating, zeroing and mapping each page
 *            (a huge page where THP allows, as for the dense workload) -
 *            before it has copied a byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "fill.h"

#define COPY_WRITE	(1024 * 1024)
/* The ckpt command's message size: CKPT_ENC_CHUNK in user/stream.h. */
#define ENC_CHUNK	(64 * 1024)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "limits: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: limits copy BYTES FILE\n"
			"       limits encrypt BYTES\n"
			"       limits populate BYTES\n");
	exit(2);
}

static double copy(const unsigned char *buf, size_t len, const char *path)
{
	double t0 = now();
	size_t off = 0;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path);
	while (off < len) {
		size_t n = len - off < COPY_WRITE ? len - off : COPY_WRITE;
		ssize_t w = write(fd, buf + off, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		off += w;
	}
	if (close(fd))
		die("close");
	return now() - t0;
}

static double encrypt(const unsigned char *buf, size_t len)
{
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char *out;
	size_t off = 0;
	double t0;

	out = malloc(ENC_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES);
	if (!out)
		die("malloc");
	crypto_secretstream_xchacha20poly1305_keygen(key);

	t0 = now();
	crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
	do {
		size_t n = len - off < ENC_CHUNK ? len - off : ENC_CHUNK;
		unsigned char tag = off + n == len ?
			crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;

		crypto_secretstream_xchacha20poly1305_push(&st, out, NULL,
							   buf + off, n,
							   NULL, 0, tag);
		off += n;
	} while (off < len);
	t0 = now() - t0;

	free(out);
	return t0;
}

static double populate(size_t len)
{
	double t0 = now();
	void *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	if (madvise(mem, len, MADV_POPULATE_WRITE))
		die("madvise(MADV_POPULATE_WRITE)");
	return now() - t0;
}

int main(int argc, char **argv)
{
	unsigned char *buf;
	uint64_t state;
	size_t len;
	char *end;
	double secs;

	if (argc < 3)
		usage();
	len = strtoull(argv[2], &end, 10);
	if (*end || !len || len % 8)
		usage();
	if (!strcmp(argv[1], "copy") ? argc != 4 :
	    (strcmp(argv[1], "encrypt") && strcmp(argv[1], "populate")) ||
	    argc != 3)
		usage();
	if (!strcmp(argv[1], "populate")) {
		printf("%.6f\n", populate(len));
		return 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "limits: sodium_init failed\n");
		return 1;
	}

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	state = bench_seed();
	bench_fill(buf, len, &state);

	if (!strcmp(argv[1], "copy"))
		secs = copy(buf, len, argv[3]);
	else
		secs = encrypt(buf, len);
	printf("%.6f\n", secs);
	return 0;
}

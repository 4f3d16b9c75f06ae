// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O threads: bytes in order whatever the buffer sizes, a failed
 * read or write reported with its file and errno, and no hang on a pipe
 * that nobody reads or writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "bgio.h"
#include "tap.h"
#include "unit.h"
#include "util.h"

#define BUF_SIZE	4096

/* Queue @n buffers of rising sizes; the file must hold them in order. */
static void test_in_order(const void *arg)
{
	size_t n = (size_t)(uintptr_t)arg, total = 0, off = 0;
	FILE *tmp = tmpfile();
	struct bgio *b;
	unsigned char *all;

	CHECK(tmp != NULL);
	CHECK_INT(bgio_writer(&b, fileno(tmp), "tmp", BUF_SIZE), CKPT_OK);
	for (size_t i = 0; i < n; i++) {
		unsigned char *buf = bgio_get(b, NULL);
		size_t len = 1 + (i * 977) % BUF_SIZE;

		CHECK(buf != NULL);
		for (size_t j = 0; j < len; j++)
			buf[j] = (unsigned char)(total + j);
		bgio_put(b, len);
		total += len;
	}
	CHECK_INT(bgio_close(b), CKPT_OK);
	bgio_free(b);

	all = malloc(total + 1);
	CHECK_INT(pread(fileno(tmp), all, total + 1, 0), total);
	while (off < total && all[off] == (unsigned char)off)
		off++;
	CHECK_INT(off, total);
	free(all);
	fclose(tmp);
}

/* A reader that went away: EPIPE, naming the output, by the next call. */
static void test_write_error(const void *arg)
{
	struct bgio *b;
	unsigned char *buf;
	int fds[2], ret = CKPT_OK;

	(void)arg;
	CHECK(!pipe(fds));
	close(fds[0]);
	CHECK_INT(bgio_writer(&b, fds[1], "the pipe", BUF_SIZE), CKPT_OK);
	for (int i = 0; i < 100 && !ret; i++) {
		buf = bgio_get(b, NULL);
		if (!buf) {
			ret = CKPT_EFAIL;
			break;
		}
		memset(buf, 'x', BUF_SIZE);
		bgio_put(b, BUF_SIZE);
	}
	if (!ret)
		ret = bgio_close(b);
	CHECK_INT(ret, CKPT_EFAIL);
	CHECK_HAS(ckpt_errmsg(), "the pipe: write failed");
	CHECK_HAS(ckpt_errmsg(), strerror(EPIPE));
	bgio_free(b);
	close(fds[1]);
}

/*
 * A pipe nobody reads: freeing the writer must not wait for it (the alarm
 * kills the whole run if it does), and must write nothing more.
 */
static void test_free_while_stuck(const void *arg)
{
	struct bgio *b;
	int fds[2], i, queued = -1;

	(void)arg;
	CHECK(!pipe(fds));
	CHECK_INT(fcntl(fds[1], F_SETPIPE_SZ, BUF_SIZE), BUF_SIZE);
	CHECK_INT(bgio_writer(&b, fds[1], "stuck", BUF_SIZE), CKPT_OK);
	/* Two buffers fill the pipe; the thread then sits in write(). */
	for (i = 0; i < 2; i++) {
		unsigned char *buf = bgio_get(b, NULL);

		CHECK(buf != NULL);
		memset(buf, 'y', BUF_SIZE);
		bgio_put(b, BUF_SIZE);
	}
	usleep(100 * 1000);
	alarm(10);
	bgio_free(b);
	alarm(0);
	CHECK(!ioctl(fds[0], FIONREAD, &queued));
	CHECK_INT(queued, BUF_SIZE);
	close(fds[0]);
	close(fds[1]);
}

/* Read a file of @n bytes back through the reader, in order. */
static void test_read_in_order(const void *arg)
{
	size_t n = (size_t)(uintptr_t)arg, off = 0, len;
	unsigned char *data = malloc(n + 1), *buf;
	FILE *tmp = tmpfile();
	struct bgio *b;
	bool bad = false;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7);
	CHECK_INT(write(fileno(tmp), data, n), n);
	lseek(fileno(tmp), 0, SEEK_SET);
	CHECK_INT(bgio_reader(&b, fileno(tmp), "tmp", BUF_SIZE), CKPT_OK);
	while ((buf = bgio_get(b, &len)) && len) {
		bad |= off + len > n || memcmp(buf, data + off, len);
		off += len;
		bgio_put(b, 0);
	}
	CHECK(buf != NULL);
	CHECK(!bad);
	CHECK_INT(off, n);
	bgio_free(b);
	free(data);
	fclose(tmp);
}

/* A descriptor open only for writing: EBADF, naming it. */
static void test_read_error(const void *arg)
{
	struct bgio *b;
	size_t len;
	int fds[2];

	(void)arg;
	CHECK(!pipe(fds));
	CHECK_INT(bgio_reader(&b, fds[1], "the write end", BUF_SIZE), CKPT_OK);
	CHECK(bgio_get(b, &len) == NULL);
	CHECK_HAS(ckpt_errmsg(), "the write end: read failed");
	CHECK_HAS(ckpt_errmsg(), strerror(EBADF));
	bgio_free(b);
	close(fds[0]);
	close(fds[1]);
}

/* A pipe nobody writes: freeing the reader must not wait for it. */
static void test_free_reader_while_stuck(const void *arg)
{
	struct bgio *b;
	int fds[2];

	(void)arg;
	CHECK(!pipe(fds));
	CHECK_INT(bgio_reader(&b, fds[0], "idle", BUF_SIZE), CKPT_OK);
	usleep(100 * 1000);
	alarm(10);
	bgio_free(b);
	alarm(0);
	close(fds[0]);
	close(fds[1]);
}

void register_bgio_tests(void)
{
	static const size_t counts[] = { 0, 1, 7, 8, 9, 1000 };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		tap_add(test_in_order, (const void *)(uintptr_t)counts[i],
			"bgio writer: %zu buffers are written whole and in order",
			counts[i]);
	tap_add(test_write_error, NULL,
		"bgio writer: a failed write is reported with the file and errno");
	tap_add(test_free_while_stuck, NULL,
		"bgio writer: freeing it does not wait for a pipe nobody reads");
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		tap_add(test_read_in_order,
			(const void *)(uintptr_t)(counts[i] * 1000 + 3),
			"bgio reader: %zu bytes come back whole and in order",
			counts[i] * 1000 + 3);
	tap_add(test_read_error, NULL,
		"bgio reader: a failed read is reported with the file and errno");
	tap_add(test_free_reader_while_stuck, NULL,
		"bgio reader: freeing it does not wait for a pipe nobody writes");
}

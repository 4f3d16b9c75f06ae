// SPDX-License-Identifier: GPL-2.0
/*
 * Reading or writing a descriptor on a thread of its own.
 *
 * Encrypting a checkpoint costs several times what copying it does.  On
 * one thread the copies and the encryption add up; with the reads and the
 * writes on threads of their own they overlap, and on more than one CPU
 * an encrypted checkpoint costs little more than its encryption.
 *
 * A ring of BGIO_NBUF buffers sits between the command and the thread,
 * and bounds the memory: `head` counts the buffers filled (by the command
 * for a writer, by the thread for a reader), `tail` those emptied (by the
 * thread, by the command).  The first failed read or write stops the
 * thread; the command learns of it at its next call and reports it,
 * naming the file, so that error messages come from one thread only.
 * The command never waits without looking at ckpt_cancelled(), and the
 * thread is cancelled where it may block (read, write): I/O stuck on a
 * pipe must not make the command deaf to ^C.  The buffers are wiped when
 * freed: a reader's hold process memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bgio.h"
#include "util.h"

#define BGIO_NBUF	8
#define BGIO_POLL_NS	(100 * 1000 * 1000)

struct bgio {
	int fd;
	const char *name;
	bool reader;
	size_t size;
	unsigned char *buf[BGIO_NBUF];
	size_t len[BGIO_NBUF];
	unsigned int head;		/* buffers filled, ever */
	unsigned int tail;		/* buffers emptied, ever */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* any change below */
	pthread_t thread;
	bool started;
	bool eof;			/* reader: read() returned 0 */
	bool closing;			/* writer: nothing more will come */
	bool stop;			/* do nothing more */
	int err;			/* errno of the I/O that failed */
	const sigset_t *wait_mask;
};

/* One read or write, cancellable only while in it. */
static ssize_t bgio_syscall(struct bgio *b, unsigned char *p, size_t len)
{
	ssize_t n;

	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	n = b->reader ? read(b->fd, p, len) : write(b->fd, p, len);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	return n;
}

/* Write one buffer whole; 0 or an errno. */
static int bgio_write_one(struct bgio *b, unsigned int slot)
{
	unsigned char *p = b->buf[slot];
	size_t left = b->len[slot];

	while (left) {
		ssize_t n = bgio_syscall(b, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/* Fill one buffer, short only at end of file; 0 or an errno. */
static int bgio_read_one(struct bgio *b, unsigned int slot)
{
	size_t got = 0;

	while (got < b->size) {
		ssize_t n = bgio_syscall(b, b->buf[slot] + got, b->size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (!n)
			break;
		got += (size_t)n;
		/* A pipe: hand over what came rather than wait for more. */
		if (got >= b->size / 2)
			break;
	}
	b->len[slot] = got;
	return 0;
}

/* Is there anything for the thread to do?  With the lock held. */
static bool bgio_work(const struct bgio *b)
{
	if (b->reader)
		return b->head - b->tail < BGIO_NBUF;
	return b->tail != b->head;
}

static void *bgio_thread(void *arg)
{
	struct bgio *b = arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&b->lock);
	for (;;) {
		unsigned int slot;
		int err;

		while (!bgio_work(b) && !b->closing && !b->stop)
			pthread_cond_wait(&b->cond, &b->lock);
		if (b->stop || !bgio_work(b))
			break;
		slot = (b->reader ? b->head : b->tail) % BGIO_NBUF;
		pthread_mutex_unlock(&b->lock);
		err = b->reader ? bgio_read_one(b, slot) :
				  bgio_write_one(b, slot);
		pthread_mutex_lock(&b->lock);
		if (err) {
			b->err = err;
		} else if (b->reader) {
			b->head++;
			b->eof = !b->len[slot];
		} else {
			b->tail++;
		}
		pthread_cond_broadcast(&b->cond);
		if (err || b->eof)
			break;
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Wait on the condition a while; false if the command is interrupted. */
static bool bgio_wait(struct bgio *b)
{
	struct timespec until;
	sigset_t old;

	if (ckpt_cancelled())
		return false;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += BGIO_POLL_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (b->wait_mask)
		pthread_sigmask(SIG_SETMASK, b->wait_mask, &old);
	pthread_cond_timedwait(&b->cond, &b->lock, &until);
	if (b->wait_mask)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	return !ckpt_cancelled();
}

/* Unlock and say why the thread stopped. */
static int bgio_error(struct bgio *b)
{
	int err = b->err;

	pthread_mutex_unlock(&b->lock);
	if (err)
		return ckpt_fail_errno(CKPT_EFAIL, err, "%s: %s failed", b->name,
				       b->reader ? "read" : "write");
	return ckpt_fail(CKPT_EFAIL, "%s: interrupted", b->name);
}

static int bgio_open(struct bgio **bp, int fd, const char *name, size_t size,
		     bool reader)
{
	pthread_condattr_t ca;
	struct bgio *b;
	sigset_t all, old;
	int err, i;

	*bp = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return ckpt_fail(CKPT_EFAIL, "out of memory");
	b->fd = fd;
	b->name = name;
	b->reader = reader;
	b->size = size;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < BGIO_NBUF; i++) {
		b->buf[i] = malloc(size);
		if (!b->buf[i]) {
			bgio_free(b);
			return ckpt_fail(CKPT_EFAIL, "out of memory");
		}
	}

	/* Signals are for the command's own threads, never this one. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&b->thread, NULL, bgio_thread, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		bgio_free(b);
		return ckpt_fail_errno(CKPT_EFAIL, err, "%s: starting an I/O thread",
				       name);
	}
	b->started = true;
	*bp = b;
	return CKPT_OK;
}

int bgio_writer(struct bgio **bp, int fd, const char *name, size_t size)
{
	return bgio_open(bp, fd, name, size, false);
}

int bgio_reader(struct bgio **bp, int fd, const char *name, size_t size)
{
	return bgio_open(bp, fd, name, size, true);
}

void bgio_wait_mask(struct bgio *b, const sigset_t *mask)
{
	b->wait_mask = mask;
}

/* Is the command's next buffer ready?  With the lock held. */
static bool bgio_ready(const struct bgio *b)
{
	if (b->reader)
		return b->tail != b->head;
	return b->head - b->tail < BGIO_NBUF;
}

unsigned char *bgio_get(struct bgio *b, size_t *len)
{
	unsigned int slot;

	pthread_mutex_lock(&b->lock);
	while (!bgio_ready(b) && !b->err)
		if (!bgio_wait(b))
			break;
	if (!bgio_ready(b)) {
		bgio_error(b);
		return NULL;
	}
	slot = (b->reader ? b->tail : b->head) % BGIO_NBUF;
	if (len)
		*len = b->reader ? b->len[slot] : b->size;
	pthread_mutex_unlock(&b->lock);
	return b->buf[slot];
}

void bgio_put(struct bgio *b, size_t len)
{
	pthread_mutex_lock(&b->lock);
	if (b->reader) {
		b->tail++;
	} else {
		b->len[b->head % BGIO_NBUF] = len;
		b->head++;
	}
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

int bgio_close(struct bgio *b)
{
	pthread_mutex_lock(&b->lock);
	b->closing = true;
	pthread_cond_broadcast(&b->cond);
	while (b->tail != b->head && !b->err)
		if (!bgio_wait(b))
			break;
	if (b->tail != b->head || b->err)
		return bgio_error(b);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	b->started = false;
	return CKPT_OK;
}

void bgio_free(struct bgio *b)
{
	int i;

	if (!b)
		return;
	if (b->started) {
		pthread_mutex_lock(&b->lock);
		b->stop = true;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
		/* It may be stuck on a pipe that nobody reads or writes. */
		pthread_cancel(b->thread);
		pthread_join(b->thread, NULL);
	}
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	for (i = 0; i < BGIO_NBUF; i++) {
		if (b->buf[i])
			sodium_memzero(b->buf[i], b->size);
		free(b->buf[i]);
	}
	free(b);
}

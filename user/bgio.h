/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading or writing a descriptor on a thread of its own, through a ring
 * of buffers, so that the I/O overlaps the work on the data (encryption).
 */
#ifndef CKPT_BGIO_H
#define CKPT_BGIO_H

#include <signal.h>
#include <stddef.h>

struct bgio;

/*
 * Start a thread that writes (bgio_writer) or reads (bgio_reader) @fd,
 * @name in messages, through buffers of @size bytes.  Returns an exit
 * code; *@bp is NULL on failure.
 */
int bgio_writer(struct bgio **bp, int fd, const char *name, size_t size);
int bgio_reader(struct bgio **bp, int fd, const char *name, size_t size);

/*
 * While waiting for the thread, the calling thread's signal mask is
 * @mask (NULL: left alone), so that the signals blocked outside the
 * waits can interrupt the command there.
 */
void bgio_wait_mask(struct bgio *b, const sigset_t *mask);

/*
 * Writer: the next buffer to fill, once one is free.  Reader: the next
 * buffer read, its length in *@len (0 at end of file).  NULL, with the
 * error recorded, if the I/O failed or the command was interrupted.
 */
unsigned char *bgio_get(struct bgio *b, size_t *len);

/*
 * Hand back the buffer bgio_get() gave: a writer writes its first @len
 * bytes; a reader reuses it (@len is ignored).
 */
void bgio_put(struct bgio *b, size_t len);

/* Writer: write everything queued and stop.  Returns an exit code. */
int bgio_close(struct bgio *b);

/* Stop the thread, reading or writing nothing more, and free it all. */
void bgio_free(struct bgio *b);

#endif /* CKPT_BGIO_H */

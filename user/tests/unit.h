/* SPDX-License-Identifier: GPL-2.0 */
/* The unit test files, and helpers they share. */
#ifndef CKPT_UNIT_H
#define CKPT_UNIT_H

#include <stddef.h>

void register_keys_tests(void);
void register_stream_tests(void);
void register_image_tests(void);
void register_maps_tests(void);
void register_bgio_tests(void);

/* A fresh empty directory under $TMPDIR, removed by unit_rmdir(). */
char *unit_tmpdir(void);
void unit_rmdir(char *dir);

/* Run @fn with stderr captured; returns what it printed (free it). */
char *unit_capture_stderr(void (*fn)(void *), void *arg);

#endif /* CKPT_UNIT_H */

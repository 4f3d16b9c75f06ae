// SPDX-License-Identifier: GPL-2.0
/*
 * The image parser on synthetic images built with the uapi structures:
 * a valid image fed in pieces of every size, then one hostile change at a
 * time, each with its exit code and the words of its error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "synth.h"
#include "tap.h"
#include "unit.h"
#include "util.h"

/* Are the @n timers at @t all disarmed? */
static bool all_zero_timers(const struct ckpt_itimer *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value_ns || t[i].interval_ns)
			return false;
	return true;
}

/* Parse @len bytes of @buf in pieces of @piece; the parser is kept in *pp. */
static int parse_keep(const unsigned char *buf, size_t len, size_t piece,
		      struct image_parser **pp)
{
	struct image_parser *p = image_parser_new("img");
	int ret = CKPT_OK;

	ckpt_clear_error();
	for (size_t off = 0; off < len && !ret; off += piece)
		ret = image_feed(p, buf + off, len - off < piece ? len - off : piece);
	if (!ret)
		ret = image_finish(p);
	if (pp)
		*pp = p;
	else
		image_parser_free(p);
	return ret;
}

static int parse(const struct synth *s)
{
	return parse_keep(s->buf, s->len, s->len ? s->len : 1, NULL);
}

/* ---------------------------------------------------------------- valid */

static void standard_image_parses(const void *arg)
{
	static const size_t pieces[] = { 1, 7, 8, 4095, 4096, 65536, 1 << 30 };
	static const uint64_t saved[SYNTH_STD_VMAS] = { 0, 1, 5, 266, 1, 0 };
	struct synth s;

	(void)arg;
	synth_standard(&s, 0);
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++) {
		struct image_parser *p;
		const struct ckpt_image *img;
		int ret = parse_keep(s.buf, s.len, pieces[i], &p);

		tap_check(ret == CKPT_OK, __FILE__, __LINE__, "pieces of %zu: %s",
			  pieces[i], ckpt_errmsg());
		img = image_parser_image(p);
		CHECK(img->complete);
		CHECK_INT(img->length, s.len);
		CHECK_INT(img->nr_records, SYNTH_STD_RECORDS);
		CHECK_INT(img->nr_records, 30);
		CHECK_INT(img->nr_vmas, SYNTH_STD_VMAS);
		CHECK_INT(img->nr_pages, 273);
		CHECK_INT(img->nr_page_records, 6);
		CHECK_INT(img->task.pid, 4242);
		CHECK_STR(img->task.comm, "sleeper");
		CHECK_INT(img->xstate_size, SYNTH_XSTATE_SIZE);
		for (size_t v = 0; v < img->nr_vmas && v < SYNTH_STD_VMAS; v++)
			CHECK_INT(img->vmas[v].saved_pages, saved[v]);
		CHECK_STR(img->vmas[2].name, "[heap]");
		CHECK_INT(img->nr_files, SYNTH_STD_FILES);
		CHECK_INT(img->nr_file_ids, SYNTH_STD_FILE_IDS);
		for (size_t f = 0; f < img->nr_files && f < SYNTH_STD_FILES; f++)
			CHECK_INT(img->files[f].fd, f);
		if (img->nr_files == SYNTH_STD_FILES) {
			CHECK_STR(img->files[0].name, "/dev/null");
			CHECK_INT(img->files[0].mode, 0020666);
			CHECK_INT(img->files[0].rdev, 0x103);
			CHECK_STR(img->files[1].name, "pipe:[1234]");
			CHECK_INT(img->files[1].ino, 1234);
			CHECK_INT(img->files[1].fd_flags, 0);
			CHECK_STR(img->files[2].name, "/dev/pts/0");
			CHECK_INT(img->files[2].fd_flags, CKPT_FD_CLOEXEC);
			CHECK_INT(img->files[2].mtime_nsec, 123456789);
			/* fds 3 and 4, the ends of a pipe; 5 a dup() of 4. */
			CHECK_STR(img->files[3].name, "pipe:[777]");
			CHECK_INT(img->files[3].ino, SYNTH_PIPE_ID);
			CHECK_INT(img->files[3].f_flags, 0);
			CHECK_INT(img->files[4].f_flags, 1);
			CHECK_INT(img->files[0].file_id, 0);
			CHECK_INT(img->files[1].file_id, 1);
			CHECK_INT(img->files[2].file_id, 2);
			CHECK_INT(img->files[3].file_id, 3);
			CHECK_INT(img->files[4].file_id, 4);
			CHECK_INT(img->files[5].file_id, 4);
			CHECK_INT(img->files[5].fd_flags, CKPT_FD_CLOEXEC);
			CHECK_STR(img->files[5].name, "pipe:[777]");
		}
		/* The pipe, without its data. */
		CHECK_INT(img->nr_pipes, SYNTH_STD_PIPES);
		if (img->nr_pipes == SYNTH_STD_PIPES) {
			CHECK_INT(img->pipes[0].id, SYNTH_PIPE_ID);
			CHECK_INT(img->pipes[0].size, SYNTH_PIPE_SIZE);
			CHECK_INT(img->pipes[0].nr_bytes, SYNTH_PIPE_BYTES);
		}
		CHECK_INT(img->fs.umask, SYNTH_UMASK);
		CHECK_STR(img->fs.cwd, SYNTH_CWD);
		CHECK_INT(img->task.pdeath_signal, 15);
		CHECK_INT(img->task.task_flags, CKPT_TASK_NO_NEW_PRIVS);
		CHECK_INT(img->task.rlim[7][1], 524288);
		CHECK_INT(img->signals.blocked, SYNTH_SIGBIT(10) | SYNTH_SIGBIT(12));
		CHECK_INT(img->signals.action[1].handler, SYNTH_SIGINT_HANDLER);
		CHECK_INT(img->signals.action[1].restorer, SYNTH_RESTORER);
		CHECK_INT(img->signals.action[12].handler, 1);
		CHECK_INT(img->signals.nr_pending, SYNTH_PENDING);
		CHECK_INT(img->nr_pending, SYNTH_PENDING);
		if (img->nr_pending == SYNTH_PENDING) {
			CHECK_INT(img->pending[0].signo, 10);
			CHECK_INT(img->pending[0].queue, CKPT_SIGQUEUE_PRIVATE);
			CHECK_INT(img->pending[1].signo, 12);
			CHECK_INT(img->pending[1].queue, CKPT_SIGQUEUE_SHARED);
			CHECK_INT(img->pending[1].info[16], 4001 & 0xff);
		}
		CHECK_INT(img->nr_auxv_words, 2 * SYNTH_AUXV_PAIRS);
		if (img->nr_auxv_words == 2 * SYNTH_AUXV_PAIRS) {
			CHECK_INT(img->auxv[16], 9);		/* AT_ENTRY */
			CHECK_INT(img->auxv[17], SYNTH_ENTRY);
			CHECK_INT(img->auxv[2 * SYNTH_AUXV_PAIRS - 2], 0);
		}
		CHECK(img->map_complete);
		image_parser_free(p);
	}
	synth_free(&s);
}

static void many_runs_parse(const void *arg)
{
	struct image_parser *p;
	struct synth s;

	(void)arg;
	synth_standard(&s, 3000);
	CHECK_INT(parse_keep(s.buf, s.len, 100000, &p), CKPT_OK);
	CHECK_INT(image_parser_image(p)->nr_pages, 273 + 3000);
	image_parser_free(p);
	synth_free(&s);
}

static void no_vmas_is_valid(const void *arg)
{
	struct synth s;

	(void)arg;
	synth_init(&s);
	synth_prologue(&s);
	synth_mm(&s, 0);
	synth_auxv(&s);
	synth_tail(&s);
	CHECK_INT(parse(&s), CKPT_OK);
	synth_free(&s);
}

static void no_files_is_valid(const void *arg)
{
	struct image_parser *p;
	struct synth s;

	(void)arg;
	synth_init(&s);
	synth_start(&s);
	synth_standard_memory(&s, 0);
	CHECK_INT(parse_keep(s.buf, s.len, s.len, &p), CKPT_OK);
	CHECK_INT(image_parser_image(p)->nr_files, 0);
	CHECK_INT(image_parser_image(p)->nr_vmas, SYNTH_STD_VMAS);
	image_parser_free(p);
	synth_free(&s);
}

/*
 * Descriptors of every kind, an empty name and one of the longest, and
 * what describes their files at the extremes: those fields are
 * informational, any value goes.
 */
static void files_of_every_kind_parse(const void *arg)
{
	char *longest = malloc(CKPT_IMAGE_NAME_MAX);
	struct image_parser *p;
	const struct ckpt_image *img;
	struct ckpt_hdr_file *f;
	struct synth s;

	(void)arg;
	memset(longest, 'n', CKPT_IMAGE_NAME_MAX - 1);
	longest[0] = '/';
	longest[CKPT_IMAGE_NAME_MAX - 1] = '\0';
	synth_init(&s);
	synth_start(&s);
	synth_std_files(&s);
	synth_more_files(&s);
	synth_file(&s, 101, 0, 0, 0, "");
	f = synth_at(&s, synth_file(&s, 0x7fffffff, CKPT_FD_CLOEXEC, ~0U, ~0U,
				    longest));
	f->pos = f->ino = f->size = f->dev = UINT64_MAX;
	f->mtime_sec = INT64_MIN;
	f->mtime_nsec = ~0U;
	synth_std_pipes(&s);
	synth_standard_memory(&s, 0);
	CHECK_INT(s.nr_files, SYNTH_STD_FILES + SYNTH_MORE_FILES + 2);
	CHECK_INT(parse_keep(s.buf, s.len, 3, &p), CKPT_OK);
	img = image_parser_image(p);
	CHECK_INT(img->nr_files, s.nr_files);
	CHECK_INT(img->nr_records, SYNTH_START_RECORDS + s.nr_files +
		  SYNTH_STD_PIPES + 2 + 6 + 6 + 1);
	CHECK_INT(img->nr_file_ids, s.nr_file_ids);
	if (img->nr_files == s.nr_files) {
		const struct image_file *last = &img->files[img->nr_files - 1];

		CHECK_INT(img->files[6].pos, 12345);
		CHECK_INT(img->files[6].file_id, 5);
		CHECK_STR(img->files[12].name, "/tmp/\x1b[31mred\nname");
		CHECK_INT(img->files[13].fd, 100);
		CHECK_INT(img->files[13].rdev, (4 << 8) | 64);
		CHECK_STR(img->files[14].name, "");
		CHECK_INT(last->fd, 0x7fffffff);
		CHECK_INT(strlen(last->name), CKPT_IMAGE_NAME_MAX - 1);
		CHECK(last->pos == UINT64_MAX && last->f_flags == ~0U &&
		      last->mode == ~0U && last->mtime_sec == INT64_MIN &&
		      last->mtime_nsec == ~0U);
	}
	image_parser_free(p);
	synth_free(&s);
	free(longest);
}

/* A deleted file: its data records, counted for it and its dup. */
static void deleted_file_parses(const void *arg)
{
	const struct ckpt_image *img;
	struct image_parser *p;
	struct synth s;

	(void)arg;
	synth_init(&s);
	synth_start(&s);
	synth_std_files(&s);
	synth_deleted_file(&s);
	synth_std_pipes(&s);
	synth_standard_memory(&s, 0);
	CHECK_INT(parse_keep(s.buf, s.len, 3, &p), CKPT_OK);
	img = image_parser_image(p);
	CHECK_INT(img->nr_files, SYNTH_STD_FILES + 2);
	CHECK_INT(img->nr_file_ids, s.nr_file_ids);
	CHECK_INT(img->nr_records, SYNTH_START_RECORDS + SYNTH_STD_FILES + 4 +
		  SYNTH_STD_PIPES + 2 + 6 + 6 + 1);
	if (img->nr_files == SYNTH_STD_FILES + 2) {
		const struct image_file *f = &img->files[SYNTH_STD_FILES];

		CHECK_INT(f->fd, SYNTH_DELETED_FD);
		CHECK_INT(f->file_flags, CKPT_FILE_DELETED);
		CHECK_INT(f->data_bytes, SYNTH_DELETED_SAVED);
		CHECK_INT(f->data_end, 131076);
		CHECK_STR(f->name, "/tmp/scratch");
		CHECK_INT(f[1].file_id, f->file_id);
	}
	image_parser_free(p);
	synth_free(&s);
}

/*
 * The bound on the number of file records, streamed: a record at a time
 * through a small buffer, as a pipe would bring them.
 */
static void too_many_files(const void *arg)
{
	struct image_parser *p = image_parser_new("img");
	struct synth s;
	char want[160];
	uint64_t offset;
	int ret;

	(void)arg;
	synth_init(&s);
	synth_start(&s);
	offset = s.len;
	ckpt_clear_error();
	ret = image_feed(p, s.buf, s.len);
	for (uint32_t fd = 0; !ret && fd <= CKPT_IMAGE_MAX_FILES; fd++) {
		struct synth one;

		synth_init(&one);
		synth_file(&one, (int32_t)fd, 0, 0, 0100644, "x");
		ret = image_feed(p, one.buf, one.len);
		if (!ret)
			offset += one.len;
		synth_free(&one);
	}
	CHECK_INT(ret, CKPT_ECORRUPT);
	CHECK_INT(image_parser_image(p)->nr_files, CKPT_IMAGE_MAX_FILES);
	snprintf(want, sizeof(want), "img: record %u (CKPT_HDR_FILE at image offset %llu): type: more than %u CKPT_HDR_FILE records",
		 SYNTH_START_RECORDS + CKPT_IMAGE_MAX_FILES, (unsigned long long)offset,
		 CKPT_IMAGE_MAX_FILES);
	CHECK_STR(ckpt_errmsg(), want);
	image_parser_free(p);
	synth_free(&s);
}

/*
 * The new records at the edges of what is valid: cwd "/", umask 0777,
 * every signal but SIGKILL and SIGSTOP with a handler just below
 * task_size and every known flag, masks of all 64 signals, no alternate
 * stack (disabled with SS_AUTODISARM), the last real-time signal
 * pending, descriptors sharing files in any order, an auxiliary vector
 * of only AT_NULL.
 */
static void settings_at_their_edges_parse(const void *arg)
{
	static const uint64_t all_flags = 0x1 | 0x2 | 0x4 | 0x400 | 0x800 |
		0x04000000 | 0x08000000 | 0x10000000 | 0x40000000 | 0x80000000;
	struct image_parser *p;
	const struct ckpt_image *img;
	struct ckpt_hdr_signals *g;
	struct ckpt_hdr_task *t;
	struct ckpt_hdr_auxv *a;
	struct synth s;
	size_t f0, f1;

	(void)arg;
	synth_init(&s);
	synth_header(&s);
	t = synth_at(&s, synth_task(&s));
	t->pdeath_signal = 64;
	t->rlim[0][0] = 0;
	t->rlim[0][1] = 0;
	synth_fs(&s, 0777, "/");
	synth_cpu(&s);
	synth_xstate(&s);
	g = synth_at(&s, synth_signals(&s, 3));
	g->ss_sp = g->ss_size = 0;
	g->ss_flags = 2 | 1U << 31;		/* SS_DISABLE | SS_AUTODISARM */
	/* Masks may name SIGKILL and SIGSTOP: no one can block them anyway. */
	g->blocked = ~0ULL;
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == 9 || sig == 19)
			continue;
		g->action[sig - 1].handler = SYNTH_TASK_SIZE - 1;
		g->action[sig - 1].restorer = SYNTH_TASK_SIZE - 1;
		g->action[sig - 1].flags = all_flags;
		g->action[sig - 1].mask = g->blocked;
	}
	synth_sigpending(&s, 64, CKPT_SIGQUEUE_PRIVATE, -1, 1, 0);
	synth_sigpending(&s, 1, CKPT_SIGQUEUE_SHARED, 0x80, 0, 0);
	synth_sigpending(&s, 1, CKPT_SIGQUEUE_SHARED, 0x80, 0, 0);
	f0 = synth_file(&s, 0, 0, 0, 0020666, "/dev/null");
	f1 = synth_file(&s, 1, 0, 1, 0100644, "/tmp/log");
	synth_dup(&s, 2, 0, f0);
	synth_file(&s, 3, 0, 0, 0040755, "/");
	synth_dup(&s, 4, 0, f1);
	synth_dup(&s, 5, 0, f0);
	synth_mm(&s, 0);
	a = synth_at(&s, synth_record(&s, CKPT_HDR_AUXV, sizeof(*a) + 16));
	a->nr_words = 2;
	synth_tail(&s);
	CHECK_INT(parse_keep(s.buf, s.len, 5, &p), CKPT_OK);
	img = image_parser_image(p);
	CHECK_STR(img->fs.cwd, "/");
	CHECK_INT(img->fs.umask, 0777);
	CHECK_INT(img->nr_pending, 3);
	CHECK_INT(img->nr_files, 6);
	CHECK_INT(img->nr_file_ids, 3);
	if (img->nr_files == 6) {
		CHECK_INT(img->files[4].file_id, 1);
		CHECK_INT(img->files[5].file_id, 0);
	}
	CHECK_INT(img->nr_auxv_words, 2);
	image_parser_free(p);
	synth_free(&s);
}

/* As many pending signals as the bound allows, streamed. */
static void most_pending_signals_parse(const void *arg)
{
	struct image_parser *p;
	struct synth s;

	(void)arg;
	synth_init(&s);
	synth_header(&s);
	synth_task(&s);
	synth_fs(&s, SYNTH_UMASK, SYNTH_CWD);
	synth_cpu(&s);
	synth_xstate(&s);
	synth_signals(&s, CKPT_IMAGE_MAX_PENDING);
	for (uint32_t i = 0; i < CKPT_IMAGE_MAX_PENDING; i++)
		synth_sigpending(&s, 34 + i % 31, i < 100 ? CKPT_SIGQUEUE_PRIVATE :
				 CKPT_SIGQUEUE_SHARED, -1, (int32_t)i, 0);
	synth_small_memory(&s);
	CHECK_INT(parse_keep(s.buf, s.len, 65536, &p), CKPT_OK);
	CHECK_INT(image_parser_image(p)->nr_pending, CKPT_IMAGE_MAX_PENDING);
	image_parser_free(p);
	synth_free(&s);
}

/*
 * Pipes at the edges of validity: ids 0 and 2^64-1, capacities of 4096
 * and 2^30 bytes, a pipe full, one of a byte short of full, one held by
 * one end only or read-write, one at fd 2 only; and pipes that need no
 * record: one to the outside at fds 0 and 1, a FIFO with a path, a
 * regular file named like a pipe, a FIFO named "pipe:[]".
 */
static void pipes_at_their_edges_parse(const void *arg)
{
	static unsigned char full[8192];
	struct image_parser *p;
	const struct ckpt_image *img;
	struct ckpt_hdr_file *f;
	struct synth s;

	(void)arg;
	memset(full, 0xa5, sizeof(full));
	synth_init(&s);
	synth_start(&s);
	synth_pipe_end(&s, 0, 0, 5, 0);
	synth_pipe_end(&s, 1, 0, 5, 1);
	synth_pipe_end(&s, 2, 0, 0, 1);
	synth_pipe_end(&s, 3, 0, 6, 0);
	synth_file(&s, 4, 0, 0, 0010644, "/tmp/fifo");
	synth_file(&s, 5, 0, 0, 0100644, "pipe:[99]");
	synth_file(&s, 6, 0, 0, 0010600, "pipe:[]");
	f = synth_at(&s, synth_pipe_end(&s, 7, 0, UINT64_MAX, 0));
	f->f_flags = 2;
	synth_pipe(&s, 0, 4096, full, 4096);
	synth_pipe(&s, 6, 8192, full, 8191);
	synth_pipe(&s, UINT64_MAX, 1U << 30, NULL, 0);
	synth_small_memory(&s);
	CHECK_INT(parse_keep(s.buf, s.len, 7, &p), CKPT_OK);
	img = image_parser_image(p);
	CHECK_INT(img->nr_pipes, 3);
	if (img->nr_pipes == 3) {
		CHECK_INT(img->pipes[0].id, 0);
		CHECK_INT(img->pipes[0].size, 4096);
		CHECK_INT(img->pipes[0].nr_bytes, 4096);
		CHECK_INT(img->pipes[1].id, 6);
		CHECK_INT(img->pipes[1].nr_bytes, 8191);
		CHECK(img->pipes[2].id == UINT64_MAX);
		CHECK_INT(img->pipes[2].size, 1U << 30);
		CHECK_INT(img->pipes[2].nr_bytes, 0);
	}
	image_parser_free(p);
	CHECK_INT(parse_keep(s.buf, s.len, 1, NULL), CKPT_OK);
	synth_free(&s);
}

/* @n_files ends of pipes 1000.., at fds 3.., then @n_pipes pipe records. */
static void synth_many_pipes(struct synth *s, uint32_t n_files, uint32_t n_pipes)
{
	synth_init(s);
	synth_start(s);
	for (uint32_t i = 0; i < n_files; i++)
		synth_pipe_end(s, 3 + (int32_t)i, 0, 1000 + i, i % 2);
	for (uint32_t i = 0; i < n_pipes; i++)
		synth_pipe(s, 1000 + i, 4096, NULL, 0);
}

static void most_pipes_parse(const void *arg)
{
	struct image_parser *p;
	struct synth s;

	(void)arg;
	synth_many_pipes(&s, CKPT_IMAGE_MAX_PIPES, CKPT_IMAGE_MAX_PIPES);
	synth_small_memory(&s);
	CHECK_INT(parse_keep(s.buf, s.len, 65536, &p), CKPT_OK);
	CHECK_INT(image_parser_image(p)->nr_pipes, CKPT_IMAGE_MAX_PIPES);
	image_parser_free(p);
	synth_free(&s);
}

static void too_many_pipes(const void *arg)
{
	struct synth s;
	char want[160];

	(void)arg;
	synth_many_pipes(&s, CKPT_IMAGE_MAX_PIPES + 1, CKPT_IMAGE_MAX_PIPES + 1);
	synth_small_memory(&s);
	CHECK_INT(parse_keep(s.buf, s.len, 65536, NULL), CKPT_ECORRUPT);
	snprintf(want, sizeof(want), "img: record %u (CKPT_HDR_PIPE at image offset %zu): type: more than %u CKPT_HDR_PIPE records",
		 SYNTH_START_RECORDS + 2 * CKPT_IMAGE_MAX_PIPES + 1,
		 synth_find(&s, CKPT_HDR_PIPE, CKPT_IMAGE_MAX_PIPES),
		 CKPT_IMAGE_MAX_PIPES);
	CHECK_STR(ckpt_errmsg(), want);
	synth_free(&s);
}

/* The standard image with ITIMER_REAL armed (synth_start_itimers()). */
static void synth_itimers_image(struct synth *s)
{
	synth_init(s);
	synth_start_itimers(s);
	synth_std_files(s);
	synth_std_pipes(s);
	synth_standard_memory(s, 0);
}

static void itimers_parse(const void *arg)
{
	static const size_t pieces[] = { 1, 7, 56, 4096, 1 << 30 };
	struct synth s;

	(void)arg;
	synth_itimers_image(&s);
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++) {
		struct image_parser *p;
		const struct ckpt_image *img;
		int ret = parse_keep(s.buf, s.len, pieces[i], &p);

		tap_check(ret == CKPT_OK, __FILE__, __LINE__, "pieces of %zu: %s",
			  pieces[i], ckpt_errmsg());
		img = image_parser_image(p);
		CHECK(img->complete);
		CHECK_INT(img->nr_records, SYNTH_STD_RECORDS + 1);
		CHECK_INT(img->task.task_flags,
			  CKPT_TASK_NO_NEW_PRIVS | CKPT_TASK_ITIMERS);
		CHECK(img->has_itimers);
		CHECK_INT(img->itimers.h.type, CKPT_HDR_ITIMERS);
		CHECK_INT(img->itimers.timer[CKPT_ITIMER_REAL].value_ns,
			  SYNTH_ITIMER_VALUE);
		CHECK_INT(img->itimers.timer[CKPT_ITIMER_REAL].interval_ns,
			  SYNTH_ITIMER_INTERVAL);
		CHECK(all_zero_timers(&img->itimers.timer[CKPT_ITIMER_VIRTUAL], 2));
		/* What follows the timers is as in the standard image. */
		CHECK_INT(img->nr_pending, SYNTH_PENDING);
		CHECK_INT(img->nr_files, SYNTH_STD_FILES);
		CHECK_INT(img->nr_pipes, SYNTH_STD_PIPES);
		CHECK_INT(img->nr_vmas, SYNTH_STD_VMAS);
		image_parser_free(p);
	}
	synth_free(&s);
}

/* Without CKPT_TASK_ITIMERS there are no timers to keep. */
static void no_itimers_without_the_flag(const void *arg)
{
	struct image_parser *p;
	struct synth s;

	(void)arg;
	synth_standard(&s, 0);
	CHECK_INT(parse_keep(s.buf, s.len, s.len, &p), CKPT_OK);
	CHECK(!image_parser_image(p)->has_itimers);
	CHECK(all_zero_timers(image_parser_image(p)->itimers.timer,
			      CKPT_NR_ITIMERS));
	image_parser_free(p);
	synth_free(&s);
}

/*
 * Timers at the edges of validity: the longest value and interval, a
 * one-shot, one that expired with its SIGALRM pending (value 0, an
 * interval), all disarmed (a one-shot that expired while it was saved),
 * and the timers right after the signals record when no signal is
 * pending.
 */
static void itimers_at_their_edges_parse(const void *arg)
{
	static const uint64_t cases[][2] = {
		{ CKPT_ITIMER_MAX_NS, CKPT_ITIMER_MAX_NS },
		{ 1, 0 },
		{ 0, 1 },
		{ 0, CKPT_ITIMER_MAX_NS },
		{ 0, 0 },
	};

	(void)arg;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct image_parser *p;
		const struct ckpt_image *img;
		struct synth s;

		synth_init(&s);
		synth_header(&s);
		((struct ckpt_hdr_task *)synth_at(&s, synth_task(&s)))->task_flags =
			CKPT_TASK_ITIMERS;
		synth_fs(&s, SYNTH_UMASK, SYNTH_CWD);
		synth_cpu(&s);
		synth_xstate(&s);
		synth_signals(&s, 0);
		synth_itimers(&s, cases[i][0], cases[i][1]);
		synth_small_memory(&s);
		tap_check(parse_keep(s.buf, s.len, 3, &p) == CKPT_OK, __FILE__,
			  __LINE__, "value %llu interval %llu: %s",
			  (unsigned long long)cases[i][0],
			  (unsigned long long)cases[i][1], ckpt_errmsg());
		img = image_parser_image(p);
		CHECK(img->has_itimers);
		CHECK(img->itimers.timer[0].value_ns == cases[i][0]);
		CHECK(img->itimers.timer[0].interval_ns == cases[i][1]);
		image_parser_free(p);
		synth_free(&s);
	}
}

/* One nanosecond above CKPT_ITIMER_MAX_NS, in each field of ITIMER_REAL. */
static void itimers_just_above_max(const void *arg)
{
	static const char *const fields[] = { "value_ns", "interval_ns" };

	(void)arg;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		struct ckpt_hdr_itimers *it;
		struct synth s;
		char want[256];

		synth_itimers_image(&s);
		it = synth_at(&s, synth_find(&s, CKPT_HDR_ITIMERS, 0));
		if (i)
			it->timer[CKPT_ITIMER_REAL].interval_ns = CKPT_ITIMER_MAX_NS + 1;
		else
			it->timer[CKPT_ITIMER_REAL].value_ns = CKPT_ITIMER_MAX_NS + 1;
		snprintf(want, sizeof(want), "img: record %u (CKPT_HDR_ITIMERS at image offset %zu): timer[0].%s: %llu ns of ITIMER_REAL is above CKPT_ITIMER_MAX_NS (%llu)",
			 SYNTH_START_RECORDS, synth_find(&s, CKPT_HDR_ITIMERS, 0),
			 fields[i], CKPT_ITIMER_MAX_NS + 1, CKPT_ITIMER_MAX_NS);
		CHECK_INT(parse_keep(s.buf, s.len, 1, NULL), CKPT_ECORRUPT);
		CHECK_STR(ckpt_errmsg(), want);
		synth_free(&s);
	}
}

static void sniff(const void *arg)
{
	struct synth s;

	(void)arg;
	synth_standard(&s, 0);
	CHECK(image_sniff(s.buf, s.len));
	CHECK(!image_sniff(s.buf, 15));
	s.buf[8] ^= 1;
	CHECK(!image_sniff(s.buf, s.len));
	synth_free(&s);
}

/* ---------------------------------------------------------------- hostile */

struct hostile {
	const char *name;
	void (*build)(struct synth *s);
	int code;
	const char *message;
};

#define AT(s, type, n)	synth_at(s, synth_find(s, type, n))

static struct ckpt_hdr_header *header(struct synth *s)
{
	return AT(s, CKPT_HDR_HEADER, 0);
}

static struct ckpt_hdr_task *task(struct synth *s)
{
	return AT(s, CKPT_HDR_TASK, 0);
}

static struct ckpt_hdr_xstate *xstate(struct synth *s)
{
	return AT(s, CKPT_HDR_XSTATE, 0);
}

static struct ckpt_hdr_file *file(struct synth *s, int n)
{
	return AT(s, CKPT_HDR_FILE, n);
}

static struct ckpt_hdr_pipe *pipe_rec(struct synth *s, int n)
{
	return AT(s, CKPT_HDR_PIPE, n);
}

static struct ckpt_hdr_mm *mm(struct synth *s)
{
	return AT(s, CKPT_HDR_MM, 0);
}

static struct ckpt_hdr_vma *vma(struct synth *s, int n)
{
	return AT(s, CKPT_HDR_VMA, n);
}

static struct ckpt_hdr_pages *pages(struct synth *s, int n)
{
	return AT(s, CKPT_HDR_PAGES, n);
}

static struct ckpt_hdr_tail *tail(struct synth *s)
{
	return AT(s, CKPT_HDR_TAIL, 0);
}

static struct ckpt_hdr_fs *fs(struct synth *s)
{
	return AT(s, CKPT_HDR_FS, 0);
}

static struct ckpt_hdr_signals *signals(struct synth *s)
{
	return AT(s, CKPT_HDR_SIGNALS, 0);
}

static struct ckpt_sigaction *action(struct synth *s, int signo)
{
	return &signals(s)->action[signo - 1];
}

static struct ckpt_hdr_sigpending *pending(struct synth *s, int n)
{
	return AT(s, CKPT_HDR_SIGPENDING, n);
}

static struct ckpt_hdr_auxv *auxv(struct synth *s)
{
	return AT(s, CKPT_HDR_AUXV, 0);
}

#define STD(fn, body)							\
	static void fn(struct synth *s)					\
	{								\
		synth_standard(s, 0);					\
		body;							\
	}

/* Order, repetition, types, lengths */
static void no_header(struct synth *s)
{
	synth_init(s);
	synth_task(s);
}

static void cpu_before_task(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	synth_cpu(s);
}

static void task_twice(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	synth_task(s);
	synth_task(s);
}

static void header_again(struct synth *s)
{
	synth_init(s);
	synth_prologue(s);
	synth_header(s);
}

static void unknown_type(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	synth_record(s, 555, 16);
}

static void tail_early(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	synth_task(s);
	synth_tail(s);
}

STD(task_too_long, task(s)->h.len += 8)
STD(task_len_below_header, task(s)->h.len = 4)

/* Header */
STD(bad_magic, header(s)->magic[1] = 'X')
STD(version_2, header(s)->version = 2)

/* A later version with a longer header is still "unsupported version". */
static void version_2_longer(struct synth *s)
{
	size_t off;

	synth_init(s);
	off = synth_record(s, CKPT_HDR_HEADER, sizeof(struct ckpt_hdr_header) + 16);
	memcpy(((struct ckpt_hdr_header *)synth_at(s, off))->magic, CKPT_MAGIC,
	       CKPT_MAGIC_LEN);
	((struct ckpt_hdr_header *)synth_at(s, off))->version = 2;
	synth_task(s);
}

static void header_short(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	header(s)->h.len = 100;
}

static void header_long(struct synth *s)
{
	synth_init(s);
	synth_record(s, CKPT_HDR_HEADER, sizeof(struct ckpt_hdr_header) + 8);
	memcpy(header(s)->magic, CKPT_MAGIC, CKPT_MAGIC_LEN);
	header(s)->version = CKPT_VERSION;
}

static void header_tiny(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	header(s)->h.len = 16;
}
STD(arch_2, header(s)->arch = 2)
STD(unknown_flags, header(s)->flags = 0x10)
STD(release_unterminated, memset(header(s)->release, 'a', CKPT_RELEASE_LEN))
STD(header_reserved, header(s)->reserved[3] = 1)
STD(page_size_8k, header(s)->constants.page_size = 8192)
STD(comm_len_32, header(s)->constants.task_comm_len = 32)
STD(xstate_size_small, header(s)->constants.xstate_size = 512)
STD(task_size_unaligned, header(s)->constants.task_size += 1)
STD(const_reserved, header(s)->constants.reserved = 1)

/* Task */
STD(comm_unterminated, memset(task(s)->comm, 'c', 16))
STD(task_reserved, task(s)->reserved = 1)
STD(pid_zero, task(s)->pid = 0)
STD(restart_unknown, task(s)->restart = 6)
static void syscall_without_restart(struct synth *s)
{
	struct ckpt_hdr_task *t;

	synth_standard(s, 0);
	t = task(s);
	t->restart = CKPT_RESTART_NONE;
	t->restart_block_kind = CKPT_RESTART_BLOCK_NONE;
	t->nanosleep_clockid = 0;
	t->nanosleep_type = 0;
	t->nanosleep_rmtp = 0;
	t->nanosleep_expires = 0;
	t->nanosleep_now = 0;
}
STD(block_kind_without_block, task(s)->restart = CKPT_RESTART_SYS)
STD(nanosleep_fields_stray, task(s)->restart_block_kind = CKPT_RESTART_BLOCK_OTHER)

/* Task settings */
STD(pdeath_not_a_signal, task(s)->pdeath_signal = 65)
STD(task_flags_unknown, task(s)->task_flags |= 0x10)
STD(rlim_soft_above_hard, task(s)->rlim[7][0] = 600000)
STD(rlim_soft_infinite_hard_finite, task(s)->rlim[0][1] = 3600)

/* FS */
static void start_until(struct synth *s, uint32_t type)
{
	synth_init(s);
	synth_header(s);
	if (type == CKPT_HDR_TASK)
		return;
	synth_task(s);
	if (type == CKPT_HDR_FS)
		return;
	synth_fs(s, SYNTH_UMASK, SYNTH_CWD);
	if (type == CKPT_HDR_CPU)
		return;
	synth_cpu(s);
	if (type == CKPT_HDR_XSTATE)
		return;
	synth_xstate(s);
}

/* An image up to its mm record, which announces @nr_vmas VMAs. */
static void start_mm(struct synth *s, uint32_t nr_vmas)
{
	synth_init(s);
	synth_prologue(s);
	synth_mm(s, nr_vmas);
}

/* An image up to its one VMA, the heap at 0x600000-0x610000. */
static void start_heap(struct synth *s)
{
	start_mm(s, 1);
	synth_vma(s, 0x600000, 0x610000, CKPT_VMA_ANON, CKPT_VMA_READ, "[heap]");
}

/* The same, then the auxv and the first page of the heap. */
static void start_heap_pages(struct synth *s)
{
	start_heap(s);
	synth_auxv(s);
	synth_pages(s, 0x600000, 1);
}

static void fs_missing(struct synth *s)
{
	start_until(s, CKPT_HDR_FS);
	synth_cpu(s);
}

static void fs_twice(struct synth *s)
{
	start_until(s, CKPT_HDR_CPU);
	synth_fs(s, SYNTH_UMASK, SYNTH_CWD);
}

static void fs_before_task(struct synth *s)
{
	start_until(s, CKPT_HDR_TASK);
	synth_fs(s, SYNTH_UMASK, SYNTH_CWD);
}

static void fs_relative(struct synth *s)
{
	start_until(s, CKPT_HDR_FS);
	synth_fs(s, SYNTH_UMASK, "home/user");
}

static void fs_empty_cwd(struct synth *s)
{
	start_until(s, CKPT_HDR_FS);
	synth_fs(s, SYNTH_UMASK, "");
}

static void fs_len_beyond_path_max(struct synth *s)
{
	start_until(s, CKPT_HDR_FS);
	synth_record(s, CKPT_HDR_FS, sizeof(struct ckpt_hdr_fs) + CKPT_IMAGE_NAME_MAX + 8);
}

STD(fs_umask, fs(s)->umask = 01000)
STD(fs_cwd_len_zero, fs(s)->cwd_len = 0)
STD(fs_cwd_len_long, fs(s)->cwd_len = 20)
STD(fs_cwd_unterminated, fs(s)->cwd[10] = 'x')
STD(fs_cwd_inner_nul, fs(s)->cwd[5] = '\0')
STD(fs_padding, ((char *)fs(s))[fs(s)->h.len - 1] = 1)
STD(fs_len_odd, fs(s)->h.len += 4)

/* Signals */
static void signals_missing(struct synth *s)
{
	start_until(s, CKPT_HDR_SIGNALS);
	synth_std_files(s);
}

static void signals_twice(struct synth *s)
{
	start_until(s, CKPT_HDR_SIGNALS);
	synth_signals(s, 0);
	synth_signals(s, 0);
}

static void signals_before_xstate(struct synth *s)
{
	start_until(s, CKPT_HDR_XSTATE);
	synth_signals(s, 0);
}

STD(signals_len, signals(s)->h.len += 8)
STD(sigkill_handled, action(s, 9)->handler = SYNTH_SIGINT_HANDLER)
STD(sigstop_ignored, action(s, 19)->handler = 1)
STD(handler_above_task_size, action(s, 2)->handler = SYNTH_TASK_SIZE)
STD(restorer_above_task_size, action(s, 2)->restorer = ~0ULL)
STD(sa_flags_unknown, action(s, 15)->flags |= 0x20000000)
STD(ss_flags_onstack, signals(s)->ss_flags = 1)
STD(ss_flags_unknown, signals(s)->ss_flags = 1U << 31 | 4)
STD(ss_disabled_with_stack, signals(s)->ss_flags = 2)
STD(ss_no_size, signals(s)->ss_size = 0)
STD(ss_autodisarm_no_stack, signals(s)->ss_sp = 0; signals(s)->ss_size = 0)
STD(ss_too_small, signals(s)->ss_size = 1024)
STD(ss_above_task_size, signals(s)->ss_sp = SYNTH_TASK_SIZE)
STD(ss_size_above_task_size, signals(s)->ss_size = SYNTH_TASK_SIZE + 1)
STD(nr_pending_too_many, signals(s)->nr_pending = CKPT_IMAGE_MAX_PENDING + 1)

/* Pending signals */
STD(fewer_pending, signals(s)->nr_pending = 3)
STD(more_pending, signals(s)->nr_pending = 1)
STD(pending_signo_zero, pending(s, 0)->signo = 0;
	memset(pending(s, 0)->info, 0, 4))
STD(pending_signo_65, pending(s, 0)->signo = 65)
STD(pending_sigkill, pending(s, 1)->signo = 9; pending(s, 1)->info[0] = 9)
STD(pending_sigstop, pending(s, 0)->signo = 19; pending(s, 0)->info[0] = 19)
STD(pending_queue_unknown, pending(s, 1)->queue = 2)
STD(pending_private_after_shared, pending(s, 0)->queue = CKPT_SIGQUEUE_SHARED;
	pending(s, 1)->queue = CKPT_SIGQUEUE_PRIVATE)
STD(pending_si_signo, pending(s, 0)->info[0] = 11)
STD(pending_len, pending(s, 0)->h.len -= 8)

static void pending_after_files(struct synth *s)
{
	start_until(s, CKPT_HDR_SIGNALS);
	synth_signals(s, 0);
	synth_std_files(s);
	synth_sigpending(s, 10, CKPT_SIGQUEUE_PRIVATE, 0, 1, 0);
}

static void pending_before_signals(struct synth *s)
{
	start_until(s, CKPT_HDR_SIGNALS);
	synth_sigpending(s, 10, CKPT_SIGQUEUE_PRIVATE, 0, 1, 0);
}

/* Xstate */
STD(xstate_size_field, xstate(s)->size = 1024)
STD(xstate_reserved, xstate(s)->reserved = 1)
STD(xstate_features_outside, xstate(s)->xfeatures = 0x13;
	memcpy(xstate(s)->data + 512, &xstate(s)->xfeatures, 8))
STD(xstate_bv_mismatch, xstate(s)->xfeatures = 0x1)
STD(xstate_len, xstate(s)->h.len -= 8)

/* Files */
static void file_before_xstate(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	synth_task(s);
	synth_fs(s, SYNTH_UMASK, SYNTH_CWD);
	synth_cpu(s);
	synth_file(s, 0, 0, 0, 0020666, "/dev/null");
}

static void file_after_mm(struct synth *s)
{
	start_mm(s, 1);
	synth_file(s, 3, 0, 0, 0100644, "/etc/passwd");
}

static void file_after_pages(struct synth *s)
{
	start_heap_pages(s);
	synth_file(s, 3, 0, 0, 0100644, "/etc/passwd");
}

static void file_no_mm(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	synth_tail(s);
}

STD(file_fd_negative, file(s, 0)->fd = -1)
STD(file_fd_repeated, file(s, 2)->fd = 1)
STD(file_fd_descending, file(s, 1)->fd = 5)
STD(file_fd_flags, file(s, 1)->fd_flags = 0x80000002)
STD(file_name_unterminated, file(s, 0)->name[9] = 'x')
STD(file_name_inner_nul, file(s, 1)->name[4] = '\0')
STD(file_name_len_zero, file(s, 0)->name_len = 0)
STD(file_name_len_big, file(s, 0)->name_len = CKPT_IMAGE_NAME_MAX + 1)
STD(file_name_len_past_record, file(s, 0)->name_len = 20)
STD(file_name_len_short, file(s, 1)->name_len = 4)
STD(file_padding, ((char *)file(s, 2))[file(s, 2)->h.len - 1] = 1)
STD(file_len_odd, file(s, 0)->h.len += 3)
STD(file_len_fixed_only, file(s, 0)->h.len = sizeof(struct ckpt_hdr_file))
STD(file_len_long, file(s, 0)->h.len += 8)
STD(file_id_skips, file(s, 2)->file_id = 3)
STD(file_id_first_not_0, file(s, 0)->file_id = 1)
STD(file_flags_unknown, file(s, 1)->file_flags = 6)

/* Deleted files: their data, and what a deleted file must be */
static size_t start_deleted(struct synth *s)
{
	size_t off;

	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	off = synth_file(s, 6, 0, K_RDWR, 0100600, "/tmp/scratch");
	((struct ckpt_hdr_file *)synth_at(s, off))->file_flags = CKPT_FILE_DELETED;
	((struct ckpt_hdr_file *)synth_at(s, off))->size = 4096;
	return off;
}

static struct ckpt_hdr_file *deleted(struct synth *s)
{
	return synth_at(s, start_deleted(s));
}

static void file_data_not_deleted(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	synth_file_data(s, 2, 0, "x", 1);
}

static void file_data_after_dup(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	synth_deleted_file(s);
	synth_file_data(s, 5, 140000, "x", 1);
}

static void file_data_after_pipes(struct synth *s)
{
	start_deleted(s);
	synth_std_pipes(s);
	synth_file_data(s, 5, 0, "x", 1);
}

static void file_data_other_file(struct synth *s)
{
	start_deleted(s);
	synth_file_data(s, 3, 0, "x", 1);
}

static void file_data_descending(struct synth *s)
{
	start_deleted(s);
	synth_file_data(s, 5, 100, "x", 1);
	synth_file_data(s, 5, 50, "x", 1);
}

static void file_data_overlapping(struct synth *s)
{
	start_deleted(s);
	synth_file_data(s, 5, 0, "0123456789", 10);
	synth_file_data(s, 5, 9, "x", 1);
}

static void file_data_beyond_size(struct synth *s)
{
	start_deleted(s);
	synth_file_data(s, 5, 4095, "xy", 2);
}

static void file_data_offset_huge(struct synth *s)
{
	start_deleted(s);
	synth_file_data(s, 5, UINT64_MAX, "x", 1);
}

static void file_data_nr_bytes_zero(struct synth *s)
{
	size_t off;

	start_deleted(s);
	off = synth_file_data(s, 5, 0, "x", 1);
	((struct ckpt_hdr_file_data *)synth_at(s, off))->nr_bytes = 0;
}

static void file_data_len_mismatch(struct synth *s)
{
	size_t off;

	start_deleted(s);
	off = synth_file_data(s, 5, 0, "x", 1);
	((struct ckpt_hdr_file_data *)synth_at(s, off))->nr_bytes = 9;
}

static void file_data_too_long(struct synth *s)
{
	start_deleted(s);
	synth_record(s, CKPT_HDR_FILE_DATA, sizeof(struct ckpt_hdr_file_data) +
		     CKPT_FILE_DATA_MAX + 8);
}

static void file_data_padding(struct synth *s)
{
	size_t off;

	start_deleted(s);
	off = synth_file_data(s, 5, 0, "x", 1);
	((struct ckpt_hdr_file_data *)synth_at(s, off))->data[7] = 1;
}

static void deleted_not_regular(struct synth *s)
{
	deleted(s)->mode = 0040700;
}

static void deleted_o_path(struct synth *s)
{
	deleted(s)->f_flags = K_PATH;
}

static void deleted_accmode_3(struct synth *s)
{
	deleted(s)->f_flags = 3;
}

static void deleted_relative(struct synth *s)
{
	size_t off;

	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	off = synth_file(s, 6, 0, K_RDWR, 0100600, "scratch");
	((struct ckpt_hdr_file *)synth_at(s, off))->file_flags = CKPT_FILE_DELETED;
}

static void deleted_size_huge(struct synth *s)
{
	deleted(s)->size = 1ULL << 63;
}

static void file_len_beyond_path_max(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	synth_record(s, CKPT_HDR_FILE,
		     sizeof(struct ckpt_hdr_file) + CKPT_IMAGE_NAME_MAX + 8);
}

/* Pipes: order */
static void pipe_before_signals(struct synth *s)
{
	start_until(s, CKPT_HDR_SIGNALS);
	synth_std_pipes(s);
}

static void file_after_pipes(struct synth *s)
{
	synth_init(s);
	synth_prologue(s);
	synth_file(s, 10, 0, 0, 0100644, "/etc/passwd");
}

static void pipe_after_mm(struct synth *s)
{
	start_mm(s, 0);
	synth_std_pipes(s);
}

static void pipe_after_pages(struct synth *s)
{
	start_heap_pages(s);
	synth_std_pipes(s);
}

/* Pipe 500 at fd 0 does not need its record before pipe 777's. */
static void pipes_descending(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_pipe_end(s, 0, 0, 500, 0);
	synth_pipe_end(s, 3, 0, 777, 0);
	synth_pipe_end(s, 4, 0, 777, 1);
	synth_pipe(s, 777, 4096, NULL, 0);
	synth_pipe(s, 500, 4096, NULL, 0);
}

static void pipe_repeated(struct synth *s)
{
	synth_init(s);
	synth_prologue(s);
	synth_std_pipes(s);
}

static void too_many_pipes_build(struct synth *s)
{
	synth_many_pipes(s, CKPT_IMAGE_MAX_PIPES + 1, CKPT_IMAGE_MAX_PIPES + 1);
}

/* Pipes: fields, length, padding */
STD(pipe_size_zero, pipe_rec(s, 0)->size = 0)
STD(pipe_size_small, pipe_rec(s, 0)->size = 2048)
STD(pipe_size_unaligned, pipe_rec(s, 0)->size = SYNTH_PIPE_SIZE + 512)
STD(pipe_size_huge, pipe_rec(s, 0)->size = (1U << 30) + 4096)
STD(pipe_bytes_above_size, pipe_rec(s, 0)->nr_bytes = SYNTH_PIPE_SIZE + 1)
STD(pipe_bytes_fewer, pipe_rec(s, 0)->nr_bytes = 4)
STD(pipe_bytes_more, pipe_rec(s, 0)->nr_bytes = 20)
STD(pipe_len_long, pipe_rec(s, 0)->h.len += 8)
STD(pipe_len_odd, pipe_rec(s, 0)->h.len -= 4)
STD(pipe_len_short, pipe_rec(s, 0)->h.len = 16)
STD(pipe_padding_first, ((char *)pipe_rec(s, 0))[sizeof(struct ckpt_hdr_pipe) +
						  SYNTH_PIPE_BYTES] = 1)
STD(pipe_padding_last, ((char *)pipe_rec(s, 0))[pipe_rec(s, 0)->h.len - 1] = 1)
STD(pipe_cut_in_data, s->len = synth_find(s, CKPT_HDR_PIPE, 0) + 30)

static void pipe_len_huge(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	synth_std_pipes(s);
	pipe_rec(s, 0)->h.len = sizeof(struct ckpt_hdr_pipe) + (1U << 30) + 8;
}

/* Pipes: each is the inode of a FIFO named "pipe:[ID]" */
STD(pipe_of_no_file, pipe_rec(s, 0)->id = SYNTH_PIPE_ID - 1)

static void pipe_of_a_regular_file(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	((struct ckpt_hdr_file *)synth_at(s, synth_pipe_end(s, 3, 0, 777, 0)))->mode = 0100600;
	synth_pipe(s, 777, 4096, NULL, 0);
}

static void pipe_inode_differs(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	((struct ckpt_hdr_file *)synth_at(s, synth_pipe_end(s, 3, 0, 777, 0)))->ino = 778;
	synth_pipe(s, 777, 4096, NULL, 0);
}

/* The start of an image, then at fd 3 a FIFO of inode 777 named @name. */
static void fifo_777_named(struct synth *s, const char *name)
{
	struct ckpt_hdr_file *f;

	synth_init(s);
	synth_start(s);
	f = synth_at(s, synth_file(s, 3, 0, 0, 0010600, name));
	f->ino = 777;
}

/* "pipe:[0777]" is not how the kernel names pipe 777. */
static void pipe_name_zeroes(struct synth *s)
{
	fifo_777_named(s, "pipe:[0777]");
	synth_pipe(s, 777, 4096, NULL, 0);
}

static void pipe_name_other(struct synth *s)
{
	fifo_777_named(s, "pipe:[778]");
	synth_pipe(s, 777, 4096, NULL, 0);
}

/* Pipes: each FIFO named "pipe:[N]" above fd 2 has its pipe record */
/*
 * The standard files, at fd 6 an end of pipe @id (@write: which end),
 * then the standard pipes and a small memory.
 */
static void std_pipes_and_fd6(struct synth *s, uint64_t id, int write)
{
	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	synth_pipe_end(s, 6, 0, id, write);
	synth_std_pipes(s);
	synth_small_memory(s);
}

static void pipe_missing_at_mm(struct synth *s)
{
	std_pipes_and_fd6(s, 888, 0);
}

static void pipe_missing_before(struct synth *s)
{
	std_pipes_and_fd6(s, 500, 1);
}

static void pipe_missing_no_pipes(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_pipe_end(s, 3, 0, 5, 0);
	synth_small_memory(s);
}

/* A dup() above fd 2 of the pipe to the outside at fd 1. */
static void pipe_outside_dup(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_dup(s, 3, 0, synth_pipe_end(s, 1, 0, 5, 1));
	synth_small_memory(s);
}

static void pipe_zeroes_missing(struct synth *s)
{
	fifo_777_named(s, "pipe:[0777]");
	synth_small_memory(s);
}

/*
 * Ends of pipes above fd 2 without a pipe record lead outside: they
 * parse, and restart needs them handed over.  The image, and the fd of
 * the end to look at.
 */
static const struct {
	void (*build)(struct synth *s);
	int32_t fd;
} outside_pipes[] = {
	{ pipe_missing_at_mm, 6 },
	{ pipe_missing_before, 6 },
	{ pipe_missing_no_pipes, 3 },
	{ pipe_outside_dup, 3 },
	{ pipe_zeroes_missing, 3 },
};

static void pipes_to_the_outside_parse(const void *arg)
{
	(void)arg;
	for (size_t i = 0; i < ARRAY_SIZE(outside_pipes); i++) {
		const struct ckpt_image *img;
		struct image_parser *p;
		struct synth s;
		bool found = false;

		outside_pipes[i].build(&s);
		if (tap_check(parse_keep(s.buf, s.len, 3, &p) == CKPT_OK, __FILE__,
			      __LINE__, "image %zu: %s", i, ckpt_errmsg())) {
			img = image_parser_image(p);
			for (size_t k = 0; k < img->nr_files; k++) {
				if (img->files[k].fd != outside_pipes[i].fd)
					continue;
				found = true;
				CHECK(image_file_outside(img, &img->files[k]));
			}
			CHECK(found);
		}
		image_parser_free(p);
		synth_free(&s);
	}
}

static void pipe_name_huge(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_file(s, 3, 0, 0, 0010600, "pipe:[18446744073709551616]");
}

/* MM */
STD(mm_reserved, mm(s)->reserved = 1)
STD(mm_brk_above, mm(s)->brk = SYNTH_TASK_SIZE + 4096)
STD(mm_too_many_vmas, mm(s)->nr_vmas = CKPT_IMAGE_MAX_VMAS + 1)
STD(fewer_vmas, mm(s)->nr_vmas = SYNTH_STD_VMAS + 1)
STD(more_vmas, mm(s)->nr_vmas = SYNTH_STD_VMAS - 1)

/* Auxiliary vector */
static void auxv_missing(struct synth *s)
{
	start_heap(s);
	synth_pages(s, 0x600000, 1);
	synth_tail(s);
}

/* Where the uapi header's list of records puts it: not where ckpt.ko does. */
static void auxv_before_vmas(struct synth *s)
{
	start_mm(s, 1);
	synth_auxv(s);
	synth_vma(s, 0x600000, 0x610000, CKPT_VMA_ANON, CKPT_VMA_READ, "[heap]");
	synth_tail(s);
}

static void vma_after_auxv(struct synth *s)
{
	start_heap(s);
	synth_auxv(s);
	synth_vma(s, 0x700000, 0x710000, CKPT_VMA_ANON, CKPT_VMA_READ, "");
}

static void auxv_missing_no_vmas(struct synth *s)
{
	start_mm(s, 0);
	synth_tail(s);
}

static void auxv_twice(struct synth *s)
{
	start_heap(s);
	synth_auxv(s);
	synth_auxv(s);
}

static void auxv_before_mm(struct synth *s)
{
	synth_init(s);
	synth_prologue(s);
	synth_auxv(s);
}

static void auxv_len_beyond_bound(struct synth *s)
{
	start_mm(s, 0);
	synth_record(s, CKPT_HDR_AUXV, sizeof(struct ckpt_hdr_auxv) +
		     (CKPT_IMAGE_AUXV_MAX + 2) * sizeof(uint64_t));
}

STD(auxv_reserved, auxv(s)->reserved = 1)
STD(auxv_nr_odd, auxv(s)->nr_words = 2 * SYNTH_AUXV_PAIRS - 1)
STD(auxv_nr_zero, auxv(s)->nr_words = 0)
STD(auxv_nr_len, auxv(s)->nr_words = 2 * SYNTH_AUXV_PAIRS - 2)
STD(auxv_len_odd, auxv(s)->h.len -= 4)
STD(auxv_no_at_null, auxv(s)->words[2 * SYNTH_AUXV_PAIRS - 2] = 6)
STD(auxv_early_at_null, auxv(s)->words[4] = 0)

/* VMAs */
STD(vma_unaligned, vma(s, 2)->start += 1)
STD(vma_end_unaligned, vma(s, 2)->end -= 1)
STD(vma_empty, vma(s, 2)->end = vma(s, 2)->start)
STD(vma_above_task_size, vma(s, 5)->end = SYNTH_TASK_SIZE + 4096)
STD(vma_overlapping, vma(s, 3)->start = vma(s, 2)->end - 4096)
STD(vma_descending, vma(s, 4)->start = 0x500000;
	vma(s, 4)->end = 0x501000)
STD(vma_kind, vma(s, 2)->kind = 9)
STD(vma_flags, vma(s, 2)->flags |= 1U << 20)
STD(vma_anon_with_inode, vma(s, 2)->ino = 5)
STD(vma_name_len_zero, vma(s, 2)->name_len = 0)
STD(vma_name_len_big, vma(s, 2)->name_len = 5000)
STD(vma_len_mismatch, vma(s, 2)->name_len = 20)
STD(vma_name_unterminated, vma(s, 2)->name[6] = 'x')
STD(vma_name_inner_nul, vma(s, 2)->name[2] = '\0')
STD(vma_padding, ((char *)vma(s, 2))[vma(s, 2)->h.len - 1] = 1)
static void vma_file_no_name(struct synth *s)
{
	start_mm(s, 1);
	synth_vma(s, 0x400000, 0x401000, CKPT_VMA_FILE, CKPT_VMA_READ, "");
	synth_auxv(s);
	synth_tail(s);
}
STD(vma_deleted_anon, vma(s, 3)->flags |= CKPT_VMA_DELETED)
STD(vma_len_odd, vma(s, 2)->h.len += 3)

/* Pages */
STD(run_outside, pages(s, 0)->addr = 0x404000)
STD(run_past_end, pages(s, 2)->addr = 0x60f000)
STD(run_overlapping, pages(s, 2)->addr = 0x602000)
STD(run_nr_zero, pages(s, 1)->nr_pages = 0)
STD(run_nr_too_big, pages(s, 0)->nr_pages = CKPT_PAGES_MAX + 1)
STD(run_len_mismatch, pages(s, 1)->nr_pages = 2)
STD(run_unaligned, pages(s, 1)->addr += 8)
STD(run_reserved, pages(s, 1)->reserved = 1)
STD(run_in_shared, vma(s, 1)->flags |= CKPT_VMA_SHARED)

static void run_descending(struct synth *s)
{
	start_heap(s);
	synth_auxv(s);
	synth_pages(s, 0x608000, 2);
	synth_pages(s, 0x600000, 3);
	synth_tail(s);
}

static void run_in_vdso(struct synth *s)
{
	start_mm(s, 1);
	synth_vma(s, 0x7ffc00100000, 0x7ffc00102000, CKPT_VMA_SPECIAL,
		  CKPT_VMA_READ, "[vdso]");
	synth_auxv(s);
	synth_pages(s, 0x7ffc00100000, 1);
	synth_tail(s);
}

static void run_in_wipeonfork(struct synth *s)
{
	start_mm(s, 1);
	synth_vma(s, 0x10000000, 0x10010000, CKPT_VMA_ANON,
		  CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_WIPEONFORK, "");
	synth_auxv(s);
	synth_pages(s, 0x10000000, 1);
	synth_tail(s);
}

static void one_vma(struct synth *s, uint32_t kind, uint32_t flags)
{
	start_mm(s, 1);
	synth_vma(s, 0x10000000, 0x10010000, kind, CKPT_VMA_READ | flags,
		  kind == CKPT_VMA_FILE ? "/bin/true" : "");
	synth_auxv(s);
	synth_tail(s);
}

static void vma_thp_both(struct synth *s)
{
	one_vma(s, CKPT_VMA_ANON, CKPT_VMA_HUGEPAGE | CKPT_VMA_NOHUGEPAGE);
}

static void vma_seq_and_random(struct synth *s)
{
	one_vma(s, CKPT_VMA_ANON, CKPT_VMA_SEQ_READ | CKPT_VMA_RAND_READ);
}

static void vma_wipeonfork_file(struct synth *s)
{
	one_vma(s, CKPT_VMA_FILE, CKPT_VMA_WIPEONFORK);
}

static void run_too_long(struct synth *s)
{
	start_mm(s, 1);
	synth_vma(s, 0x10000000, 0x20000000, CKPT_VMA_ANON, CKPT_VMA_READ, "");
	synth_auxv(s);
	synth_pages(s, 0x10000000, CKPT_PAGES_MAX + 1);
	synth_tail(s);
}

static void vma_after_pages(struct synth *s)
{
	start_heap_pages(s);
	synth_vma(s, 0x700000, 0x710000, CKPT_VMA_ANON, CKPT_VMA_READ, "");
}

/* Tail and end of stream */
STD(tail_nr_records, tail(s)->nr_records += 1)
STD(tail_nr_vmas, tail(s)->nr_vmas -= 1)
STD(tail_nr_pages, tail(s)->nr_pages += 1)
STD(tail_image_len, tail(s)->image_len -= 8)
STD(tail_magic, tail(s)->magic[0] = 0)
STD(no_tail, s->len = synth_find(s, CKPT_HDR_TAIL, 0))
STD(cut_in_pages, s->len = synth_find(s, CKPT_HDR_PAGES, 3) + 5000)
STD(cut_in_record_header, s->len = synth_find(s, CKPT_HDR_TAIL, 0) + 4)
STD(cut_in_vma, s->len = synth_find(s, CKPT_HDR_VMA, 1) + 40)
STD(bytes_after_tail, s->buf[s->len++] = 0)

static void empty_image(struct synth *s)
{
	synth_init(s);
}

/* Interval timers */
static struct ckpt_hdr_itimers *itimers(struct synth *s)
{
	return AT(s, CKPT_HDR_ITIMERS, 0);
}

/* ITIMER_VIRTUAL and ITIMER_PROF, armed with ITIMER_REAL, read back. */
static void cpu_itimers_parse(const void *arg)
{
	struct image_parser *p;
	const struct ckpt_itimer *t;
	struct synth s;

	(void)arg;
	synth_itimers_image(&s);
	itimers(&s)->timer[CKPT_ITIMER_VIRTUAL].value_ns = 1000;
	itimers(&s)->timer[CKPT_ITIMER_VIRTUAL].interval_ns = 1;
	itimers(&s)->timer[CKPT_ITIMER_PROF].value_ns = CKPT_ITIMER_MAX_NS;
	CHECK_INT(parse_keep(s.buf, s.len, 5, &p), CKPT_OK);
	t = image_parser_image(p)->itimers.timer;
	CHECK_INT(t[CKPT_ITIMER_REAL].value_ns, SYNTH_ITIMER_VALUE);
	CHECK_INT(t[CKPT_ITIMER_VIRTUAL].value_ns, 1000);
	CHECK_INT(t[CKPT_ITIMER_VIRTUAL].interval_ns, 1);
	CHECK(t[CKPT_ITIMER_PROF].value_ns == CKPT_ITIMER_MAX_NS);
	CHECK_INT(t[CKPT_ITIMER_PROF].interval_ns, 0);
	image_parser_free(p);
	synth_free(&s);
}

#define ITM(fn, body)							\
	static void fn(struct synth *s)					\
	{								\
		synth_itimers_image(s);					\
		body;							\
	}

static void itimers_missing(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	task(s)->task_flags |= CKPT_TASK_ITIMERS;
	synth_std_files(s);
}

static void itimers_missing_at_mm(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	task(s)->task_flags |= CKPT_TASK_ITIMERS;
	synth_small_memory(s);
}

static void itimers_without_flag(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_itimers(s, SYNTH_ITIMER_VALUE, 0);
}

static void itimers_without_flag_after_files(struct synth *s)
{
	synth_init(s);
	synth_start(s);
	synth_std_files(s);
	synth_itimers(s, SYNTH_ITIMER_VALUE, 0);
}

static void itimers_twice(struct synth *s)
{
	synth_init(s);
	synth_start_itimers(s);
	synth_itimers(s, SYNTH_ITIMER_VALUE, 0);
}

static void itimers_after_files(struct synth *s)
{
	synth_init(s);
	synth_start_itimers(s);
	synth_std_files(s);
	synth_itimers(s, SYNTH_ITIMER_VALUE, 0);
}

/* With the flag, but before the last pending signal. */
static void itimers_before_pending(struct synth *s)
{
	start_until(s, CKPT_HDR_SIGNALS);
	task(s)->task_flags |= CKPT_TASK_ITIMERS;
	synth_signals(s, 1);
	synth_itimers(s, SYNTH_ITIMER_VALUE, 0);
}

static void pending_after_itimers(struct synth *s)
{
	start_until(s, CKPT_HDR_SIGNALS);
	task(s)->task_flags |= CKPT_TASK_ITIMERS;
	synth_signals(s, 1);
	synth_sigpending(s, 10, CKPT_SIGQUEUE_PRIVATE, 0, 1, 0);
	synth_itimers(s, SYNTH_ITIMER_VALUE, 0);
	synth_sigpending(s, 12, CKPT_SIGQUEUE_PRIVATE, 0, 1, 0);
}

static void itimers_before_task(struct synth *s)
{
	synth_init(s);
	synth_header(s);
	synth_itimers(s, SYNTH_ITIMER_VALUE, 0);
}

ITM(itimers_value_huge,
    itimers(s)->timer[CKPT_ITIMER_REAL].value_ns = UINT64_MAX)
ITM(itimers_interval_above_max,
    itimers(s)->timer[CKPT_ITIMER_REAL].interval_ns = UINT64_MAX)
ITM(itimers_prof_huge,
    itimers(s)->timer[CKPT_ITIMER_PROF].interval_ns = UINT64_MAX)
ITM(itimers_len_long, itimers(s)->h.len += 8)
ITM(itimers_len_short, itimers(s)->h.len -= 8)
ITM(itimers_len_header_only, itimers(s)->h.len = sizeof(struct ckpt_hdr))

static const struct hostile hostile[] = {
	{ "the first record is not the header", no_header, CKPT_ECORRUPT,
	  "img: record 0 (CKPT_HDR_TASK at image offset 0): type: out of order: CKPT_HDR_HEADER expected here" },
	{ "a record out of order", cpu_before_task, CKPT_ECORRUPT,
	  "record 1 (CKPT_HDR_CPU at image offset 144): type: out of order: CKPT_HDR_TASK expected here" },
	{ "a record repeated", task_twice, CKPT_ECORRUPT,
	  "record 2 (CKPT_HDR_TASK at image offset 560): type: repeated" },
	{ "the header repeated", header_again, CKPT_ECORRUPT, "type: repeated: an image has one CKPT_HDR_HEADER" },
	{ "an unknown record type", unknown_type, CKPT_ECORRUPT, "record 1 (type 555 at image offset 144): type: unknown record type 555" },
	{ "the tail too early", tail_early, CKPT_ECORRUPT, "record 2 (CKPT_HDR_TAIL at image offset 560): type: out of order: CKPT_HDR_FS expected" },
	{ "a record longer than its type", task_too_long, CKPT_ECORRUPT, "record 1 (CKPT_HDR_TASK at image offset 144): len: 424, expected 416" },
	{ "a length below the record header", task_len_below_header, CKPT_ECORRUPT, "len: 4, expected 416" },

	{ "a wrong magic", bad_magic, CKPT_EFORMAT, "magic: not a ckpt image" },
	{ "image version 2", version_2, CKPT_EFORMAT, "version: unsupported image version 2" },
	{ "image version 2 with a longer header", version_2_longer, CKPT_EFORMAT, "record 0 (CKPT_HDR_HEADER at image offset 0): version: unsupported image version 2" },
	{ "a header shorter than its version 1 structure", header_short, CKPT_ECORRUPT, "(CKPT_HDR_HEADER at image offset 0): len: 100, expected 144" },
	{ "a header longer than its version 1 structure", header_long, CKPT_ECORRUPT, "(CKPT_HDR_HEADER at image offset 0): len: 152, expected 144" },
	{ "a header too short to hold a version", header_tiny, CKPT_ECORRUPT, "len: 16, expected 144" },
	{ "another architecture", arch_2, CKPT_EFORMAT, "arch: unsupported architecture 2" },
	{ "unknown checkpoint flags", unknown_flags, CKPT_ECORRUPT, "flags: unknown flags 0x10" },
	{ "release not NUL-terminated", release_unterminated, CKPT_ECORRUPT, "release: not NUL-terminated" },
	{ "header reserved bytes", header_reserved, CKPT_ECORRUPT, "(CKPT_HDR_HEADER at image offset 0): reserved: must be zero" },
	{ "page size 8192", page_size_8k, CKPT_ECORRUPT, "constants.page_size: 8192" },
	{ "task_comm_len 32", comm_len_32, CKPT_ECORRUPT, "constants.task_comm_len: 32" },
	{ "xstate_size below an XSAVE area", xstate_size_small, CKPT_ECORRUPT, "constants.xstate_size: 512 is outside" },
	{ "task_size unaligned", task_size_unaligned, CKPT_ECORRUPT, "constants.task_size" },
	{ "constants reserved", const_reserved, CKPT_ECORRUPT, "constants.reserved: must be zero" },

	{ "comm not NUL-terminated", comm_unterminated, CKPT_ECORRUPT, "comm: not NUL-terminated" },
	{ "task reserved", task_reserved, CKPT_ECORRUPT, "(CKPT_HDR_TASK at image offset 144): reserved: must be zero" },
	{ "pid 0", pid_zero, CKPT_ECORRUPT, "pid: 0 is not a pid" },
	{ "an unknown restart kind", restart_unknown, CKPT_ECORRUPT, "restart: unknown value 6" },
	{ "a syscall number without a syscall", syscall_without_restart, CKPT_ECORRUPT, "syscall_nr: 230 does not agree with restart 0" },
	{ "a restart block kind without -ERESTART_RESTARTBLOCK", block_kind_without_block, CKPT_ECORRUPT, "restart_block_kind: 1 without restart CKPT_RESTART_BLOCK" },
	{ "nanosleep fields without nanosleep", nanosleep_fields_stray, CKPT_ECORRUPT, "nanosleep_*: must be zero" },

	{ "a parent-death signal above 64", pdeath_not_a_signal, CKPT_ECORRUPT, "record 1 (CKPT_HDR_TASK at image offset 144): pdeath_signal: 65 is not a signal (0 for none, or 1..64)" },
	{ "unknown task flags", task_flags_unknown, CKPT_ECORRUPT, "record 1 (CKPT_HDR_TASK at image offset 144): task_flags: unknown flags 0x10" },
	{ "a soft limit above its hard limit", rlim_soft_above_hard, CKPT_ECORRUPT, "record 1 (CKPT_HDR_TASK at image offset 144): rlim[7]: the soft limit 600000 of RLIMIT_NOFILE is above its hard limit 524288" },
	{ "an unlimited soft limit under a finite hard one", rlim_soft_infinite_hard_finite, CKPT_ECORRUPT, "rlim[0]: the soft limit unlimited of RLIMIT_CPU is above its hard limit 3600" },

	{ "no fs record", fs_missing, CKPT_ECORRUPT, "record 2 (CKPT_HDR_CPU at image offset 560): type: out of order: CKPT_HDR_FS expected here" },
	{ "the fs record repeated", fs_twice, CKPT_ECORRUPT, "record 3 (CKPT_HDR_FS at image offset 592): type: repeated: an image has one CKPT_HDR_FS" },
	{ "the fs record before the task", fs_before_task, CKPT_ECORRUPT, "record 1 (CKPT_HDR_FS at image offset 144): type: out of order: CKPT_HDR_TASK expected here" },
	{ "a relative working directory", fs_relative, CKPT_ECORRUPT, "record 2 (CKPT_HDR_FS at image offset 560): cwd: not an absolute path" },
	{ "an empty working directory", fs_empty_cwd, CKPT_ECORRUPT, "record 2 (CKPT_HDR_FS at image offset 560): cwd: not an absolute path" },
	{ "a umask above 0777", fs_umask, CKPT_ECORRUPT, "record 2 (CKPT_HDR_FS at image offset 560): umask: 01000 is not a umask (0..0777)" },
	{ "cwd_len 0", fs_cwd_len_zero, CKPT_ECORRUPT, "record 2 (CKPT_HDR_FS at image offset 560): cwd_len: 0 is outside 1..4096" },
	{ "a cwd_len past the record", fs_cwd_len_long, CKPT_ECORRUPT, "record 2 (CKPT_HDR_FS at image offset 560): len: 32, expected 40 for cwd_len 20" },
	{ "a cwd not NUL-terminated within cwd_len", fs_cwd_unterminated, CKPT_ECORRUPT, "cwd: not NUL-terminated within cwd_len 11" },
	{ "a NUL inside the cwd", fs_cwd_inner_nul, CKPT_ECORRUPT, "cwd: has a NUL byte before its end" },
	{ "non-zero padding after the cwd", fs_padding, CKPT_ECORRUPT, "(CKPT_HDR_FS at image offset 560): padding: must be zero" },
	{ "a fs record length not a multiple of 8", fs_len_odd, CKPT_ECORRUPT, "len: 36 is not the length of a fs record with a cwd of 1..4096 bytes" },
	{ "a fs record longer than a cwd of PATH_MAX", fs_len_beyond_path_max, CKPT_ECORRUPT, "len: 4120 is not the length of a fs record" },

	{ "no signals record", signals_missing, CKPT_ECORRUPT, "record 5 (CKPT_HDR_FILE at image offset 1672): type: out of order: CKPT_HDR_SIGNALS expected here" },
	{ "the signals record repeated", signals_twice, CKPT_ECORRUPT, "record 6 (CKPT_HDR_SIGNALS at image offset 3760): type: repeated: an image has one CKPT_HDR_SIGNALS" },
	{ "the signals record before the xstate", signals_before_xstate, CKPT_ECORRUPT, "record 4 (CKPT_HDR_SIGNALS at image offset 816): type: out of order: CKPT_HDR_XSTATE expected here" },
	{ "a signals record of the wrong length", signals_len, CKPT_ECORRUPT, "record 5 (CKPT_HDR_SIGNALS at image offset 1672): len: 2096, expected 2088" },
	{ "a handler for SIGKILL", sigkill_handled, CKPT_ECORRUPT, "record 5 (CKPT_HDR_SIGNALS at image offset 1672): action[8].handler: 0x401500: the disposition of SIGKILL cannot be changed, SIG_DFL (0) expected" },
	{ "SIGSTOP ignored", sigstop_ignored, CKPT_ECORRUPT, "action[18].handler: 0x1: the disposition of SIGSTOP cannot be changed" },
	{ "a handler at task_size", handler_above_task_size, CKPT_ECORRUPT, "action[1].handler: 0x7ffffffff000 for SIGINT is not SIG_DFL, SIG_IGN or an address below task_size 0x7ffffffff000" },
	{ "a restorer above task_size", restorer_above_task_size, CKPT_ECORRUPT, "action[1].restorer: 0xffffffffffffffff for SIGINT is not an address below task_size" },
	{ "unknown sigaction flags", sa_flags_unknown, CKPT_ECORRUPT, "action[14].flags: unknown flags 0x20000000 for SIGTERM" },
	{ "ss_flags SS_ONSTACK", ss_flags_onstack, CKPT_ECORRUPT, "ss_flags: 0x1 is not 0, SS_DISABLE (0x2) or SS_AUTODISARM (0x80000000)" },
	{ "an unknown ss_flags bit", ss_flags_unknown, CKPT_ECORRUPT, "ss_flags: 0x80000004 is not 0" },
	{ "SS_DISABLE with a stack", ss_disabled_with_stack, CKPT_ECORRUPT, "ss_sp: 0x7f0000200000, size 16384: a disabled alternate stack has no address or size" },
	{ "an alternate stack of 0 bytes", ss_no_size, CKPT_ECORRUPT, "ss_sp: 0x7f0000200000, size 0: an alternate stack of 0 bytes" },
	{ "SS_AUTODISARM without a stack", ss_autodisarm_no_stack, CKPT_ECORRUPT, "ss_flags: SS_AUTODISARM without an alternate stack" },
	{ "an alternate stack below MINSIGSTKSZ", ss_too_small, CKPT_ECORRUPT, "ss_size: 1024 is below MINSIGSTKSZ (2048)" },
	{ "an alternate stack at task_size", ss_above_task_size, CKPT_ECORRUPT, "ss_sp: 0x7ffffffff000 is not an address below task_size 0x7ffffffff000" },
	{ "an alternate stack larger than user space", ss_size_above_task_size, CKPT_ECORRUPT, "ss_size: 140737488351233 is above task_size 0x7ffffffff000" },
	{ "nr_pending beyond the bound", nr_pending_too_many, CKPT_ECORRUPT, "nr_pending: 65537 is more than 65536" },

	{ "fewer pending-signal records than nr_pending", fewer_pending, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): type: CKPT_HDR_SIGPENDING 3 of 3 expected: fewer pending-signal records than CKPT_HDR_SIGNALS.nr_pending" },
	{ "more pending-signal records than nr_pending", more_pending, CKPT_ECORRUPT, "record 7 (CKPT_HDR_SIGPENDING at image offset 3904): type: more pending-signal records than CKPT_HDR_SIGNALS.nr_pending (1)" },
	{ "a pending signal after the file records", pending_after_files, CKPT_ECORRUPT, "type: more pending-signal records than CKPT_HDR_SIGNALS.nr_pending (0), or one after the file records" },
	{ "a pending signal before the signals record", pending_before_signals, CKPT_ECORRUPT, "record 5 (CKPT_HDR_SIGPENDING at image offset 1672): type: out of order: CKPT_HDR_SIGNALS expected here" },
	{ "pending signal 0", pending_signo_zero, CKPT_ECORRUPT, "record 6 (CKPT_HDR_SIGPENDING at image offset 3760): signo: 0 is not a signal that can be pending (1..64 but SIGKILL and SIGSTOP)" },
	{ "pending signal 65", pending_signo_65, CKPT_ECORRUPT, "signo: 65 is not a signal that can be pending" },
	{ "SIGKILL pending", pending_sigkill, CKPT_ECORRUPT, "record 7 (CKPT_HDR_SIGPENDING at image offset 3904): signo: 9 is not a signal that can be pending" },
	{ "SIGSTOP pending", pending_sigstop, CKPT_ECORRUPT, "signo: 19 is not a signal that can be pending" },
	{ "an unknown signal queue", pending_queue_unknown, CKPT_ECORRUPT, "record 7 (CKPT_HDR_SIGPENDING at image offset 3904): queue: unknown queue 2" },
	{ "a private pending signal after a shared one", pending_private_after_shared, CKPT_ECORRUPT, "record 7 (CKPT_HDR_SIGPENDING at image offset 3904): queue: a private signal after a shared one" },
	{ "a siginfo of another signal", pending_si_signo, CKPT_ECORRUPT, "record 6 (CKPT_HDR_SIGPENDING at image offset 3760): info: si_signo 11 is not signo 10" },
	{ "a pending-signal record of the wrong length", pending_len, CKPT_ECORRUPT, "len: 136, expected 144" },

	{ "xstate size field", xstate_size_field, CKPT_ECORRUPT, "record 4 (CKPT_HDR_XSTATE at image offset 816): size: 1024, not constants.xstate_size 832" },
	{ "xstate reserved", xstate_reserved, CKPT_ECORRUPT, "record 4 (CKPT_HDR_XSTATE at image offset 816): reserved: must be zero" },
	{ "xfeatures outside the constants", xstate_features_outside, CKPT_ECORRUPT, "xfeatures: 0x13 has features outside constants.xfeatures 0x7" },
	{ "xfeatures not the XSTATE_BV", xstate_bv_mismatch, CKPT_ECORRUPT, "xfeatures: 0x1 differs from the XSTATE_BV 0x3" },
	{ "an xstate record of the wrong length", xstate_len, CKPT_ECORRUPT, "len: 848, expected 856" },

	{ "a file record before the xstate", file_before_xstate, CKPT_ECORRUPT, "record 4 (CKPT_HDR_FILE at image offset 816): type: out of order: CKPT_HDR_XSTATE expected here" },
	{ "a file record after the mm", file_after_mm, CKPT_ECORRUPT, "record 16 (CKPT_HDR_FILE at image offset 4816): type: out of order: the file records come before CKPT_HDR_MM" },
	{ "a file record after the pages", file_after_pages, CKPT_ECORRUPT, "record 19 (CKPT_HDR_FILE at image offset 9280): type: out of order: the file records come before CKPT_HDR_MM" },
	{ "the tail after the file records", file_no_mm, CKPT_ECORRUPT, "record 14 (CKPT_HDR_TAIL at image offset 4672): type: out of order: CKPT_HDR_FILE, CKPT_HDR_PIPE or CKPT_HDR_MM expected here" },
	{ "a negative fd", file_fd_negative, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): fd: -1 is not a descriptor" },
	{ "an fd repeated", file_fd_repeated, CKPT_ECORRUPT, "record 10 (CKPT_HDR_FILE at image offset 4256): fd: 1 is not above the fd 1 of the previous file record: repeated" },
	{ "fds not ascending", file_fd_descending, CKPT_ECORRUPT, "record 10 (CKPT_HDR_FILE at image offset 4256): fd: 2 is not above the fd 5 of the previous file record: not ascending" },
	{ "unknown fd_flags", file_fd_flags, CKPT_ECORRUPT, "record 9 (CKPT_HDR_FILE at image offset 4152): fd_flags: unknown flags 0x80000002" },
	{ "a file name not NUL-terminated within name_len", file_name_unterminated, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): name: not NUL-terminated within name_len 10" },
	{ "a NUL inside a file name", file_name_inner_nul, CKPT_ECORRUPT, "record 9 (CKPT_HDR_FILE at image offset 4152): name: has a NUL byte before its end" },
	{ "a file name_len 0", file_name_len_zero, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): name_len: 0 is outside 1..4096" },
	{ "a file name_len beyond PATH_MAX", file_name_len_big, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): name_len: 4097 is outside 1..4096" },
	{ "a file name_len past the record", file_name_len_past_record, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): len: 104, expected 112 for name_len 20" },
	{ "a file name_len short of the record", file_name_len_short, CKPT_ECORRUPT, "record 9 (CKPT_HDR_FILE at image offset 4152): len: 104, expected 96 for name_len 4" },
	{ "non-zero padding after a file name", file_padding, CKPT_ECORRUPT, "record 10 (CKPT_HDR_FILE at image offset 4256): padding: must be zero" },
	{ "a file record length not a multiple of 8", file_len_odd, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): len: 107 is not the length of a file record with a name of 1..4096 bytes" },
	{ "a file record without room for a name", file_len_fixed_only, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): len: 88 is not the length of a file record" },
	{ "a file record longer than its name", file_len_long, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): len: 112, expected 104 for name_len 10" },
	{ "a file_id that skips an id", file_id_skips, CKPT_ECORRUPT, "record 10 (CKPT_HDR_FILE at image offset 4256): file_id: 3 is neither the id of an earlier record nor the next new id 2" },
	{ "a first file_id other than 0", file_id_first_not_0, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): file_id: 1 is neither the id of an earlier record nor the next new id 0" },
	{ "unknown file_flags", file_flags_unknown, CKPT_ECORRUPT, "record 9 (CKPT_HDR_FILE at image offset 4152): file_flags: unknown flags 0x6" },
	{ "file data of a file not deleted", file_data_not_deleted, CKPT_ECORRUPT, "record 14 (CKPT_HDR_FILE_DATA at image offset 4672): type: out of order: CKPT_HDR_FILE_DATA follows only the first file record of a deleted file (CKPT_FILE_DELETED), or the file's data before it" },
	{ "file data after a dup of a deleted file", file_data_after_dup, CKPT_ECORRUPT, "record 18 (CKPT_HDR_FILE_DATA at image offset 5040): type: out of order: CKPT_HDR_FILE_DATA follows only the first file record of a deleted file (CKPT_FILE_DELETED), or the file's data before it" },
	{ "file data after the pipes", file_data_after_pipes, CKPT_ECORRUPT, "record 16 (CKPT_HDR_FILE_DATA at image offset 4816): type: out of order: CKPT_HDR_FILE_DATA follows only the first file record of a deleted file (CKPT_FILE_DELETED), or the file's data before it" },
	{ "file data of another file", file_data_other_file, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE_DATA at image offset 4776): file_id: 3, but the file record before is of file 5" },
	{ "file data not ascending", file_data_descending, CKPT_ECORRUPT, "record 16 (CKPT_HDR_FILE_DATA at image offset 4808): offset: 50 is below the end 101 of the file's data before it: not ascending" },
	{ "file data overlapping", file_data_overlapping, CKPT_ECORRUPT, "record 16 (CKPT_HDR_FILE_DATA at image offset 4816): offset: 9 is below the end 10 of the file's data before it: not ascending" },
	{ "file data beyond the file's size", file_data_beyond_size, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE_DATA at image offset 4776): offset: 2 bytes at 4095 are beyond the file's size 4096" },
	{ "file data at offset 2^64-1", file_data_offset_huge, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE_DATA at image offset 4776): offset: 1 bytes at 18446744073709551615 are beyond the file's size 4096" },
	{ "file data of 0 bytes", file_data_nr_bytes_zero, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE_DATA at image offset 4776): nr_bytes: 0 is not in 1..65536" },
	{ "file data nr_bytes not its length", file_data_len_mismatch, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE_DATA at image offset 4776): len: 32, expected 40 for nr_bytes 9" },
	{ "a file data record above the most", file_data_too_long, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE_DATA at image offset 4776): len: 65568 is not the length of a file data record with 1..65536 bytes of data" },
	{ "non-zero padding after file data", file_data_padding, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE_DATA at image offset 4776): padding: must be zero" },
	{ "a deleted directory", deleted_not_regular, CKPT_ECORRUPT, "record 14 (CKPT_HDR_FILE at image offset 4672): mode: 040700: a deleted file (CKPT_FILE_DELETED) is a regular file" },
	{ "a deleted file open O_PATH", deleted_o_path, CKPT_ECORRUPT, "record 14 (CKPT_HDR_FILE at image offset 4672): f_flags: 010000000: a deleted file (CKPT_FILE_DELETED) is open for reading or writing, without O_PATH or O_DIRECTORY" },
	{ "a deleted file of access mode 3", deleted_accmode_3, CKPT_ECORRUPT, "record 14 (CKPT_HDR_FILE at image offset 4672): f_flags: 03: a deleted file (CKPT_FILE_DELETED) is open for reading or writing, without O_PATH or O_DIRECTORY" },
	{ "a deleted file of a relative path", deleted_relative, CKPT_ECORRUPT, "record 14 (CKPT_HDR_FILE at image offset 4672): name: scratch: a deleted file (CKPT_FILE_DELETED) has an absolute path" },
	{ "a deleted file of 2^63 bytes", deleted_size_huge, CKPT_ECORRUPT, "record 14 (CKPT_HDR_FILE at image offset 4672): size: 9223372036854775808, or its position 0, is above 2^63-1" },
	{ "a file record longer than a name of PATH_MAX", file_len_beyond_path_max, CKPT_ECORRUPT, "record 14 (CKPT_HDR_FILE at image offset 4672): len: 4192 is not the length of a file record" },

	{ "a pipe record before the signals record", pipe_before_signals, CKPT_ECORRUPT, "record 5 (CKPT_HDR_PIPE at image offset 1672): type: out of order: CKPT_HDR_SIGNALS expected here" },
	{ "a file record after the pipe records", file_after_pipes, CKPT_ECORRUPT, "record 15 (CKPT_HDR_FILE at image offset 4712): type: out of order: the file records come before the pipe records" },
	{ "a pipe record after the mm", pipe_after_mm, CKPT_ECORRUPT, "record 16 (CKPT_HDR_PIPE at image offset 4816): type: out of order: the pipe records come before CKPT_HDR_MM" },
	{ "a pipe record after the pages", pipe_after_pages, CKPT_ECORRUPT, "record 19 (CKPT_HDR_PIPE at image offset 9280): type: out of order: the pipe records come before CKPT_HDR_MM" },
	{ "pipe ids not ascending", pipes_descending, CKPT_ECORRUPT, "record 12 (CKPT_HDR_PIPE at image offset 4384): id: 500 is not above the id 777 of the previous pipe record: not ascending" },
	{ "a pipe id repeated", pipe_repeated, CKPT_ECORRUPT, "record 15 (CKPT_HDR_PIPE at image offset 4712): id: 777 is not above the id 777 of the previous pipe record: repeated" },
	{ "pipe record 4097", too_many_pipes_build, CKPT_ECORRUPT, "record 8201 (CKPT_HDR_PIPE at image offset 528440): type: more than 4096 CKPT_HDR_PIPE records" },
	{ "a pipe of size 0", pipe_size_zero, CKPT_ECORRUPT, "record 14 (CKPT_HDR_PIPE at image offset 4672): size: 0 is not a pipe's capacity: a multiple of 4096 in 4096..1073741824" },
	{ "a pipe smaller than a page", pipe_size_small, CKPT_ECORRUPT, "size: 2048 is not a pipe's capacity" },
	{ "a pipe size not a multiple of the page size", pipe_size_unaligned, CKPT_ECORRUPT, "size: 66048 is not a pipe's capacity" },
	{ "a pipe larger than 1 GiB", pipe_size_huge, CKPT_ECORRUPT, "size: 1073745920 is not a pipe's capacity" },
	{ "a pipe holding more than its size", pipe_bytes_above_size, CKPT_ECORRUPT, "record 14 (CKPT_HDR_PIPE at image offset 4672): nr_bytes: 65537 is more than the pipe's size 65536" },
	{ "a pipe record longer than its nr_bytes", pipe_bytes_fewer, CKPT_ECORRUPT, "record 14 (CKPT_HDR_PIPE at image offset 4672): len: 40, expected 32 for nr_bytes 4" },
	{ "a pipe record shorter than its nr_bytes", pipe_bytes_more, CKPT_ECORRUPT, "len: 40, expected 48 for nr_bytes 20" },
	{ "a pipe record with a word too many", pipe_len_long, CKPT_ECORRUPT, "len: 48, expected 40 for nr_bytes 12" },
	{ "a pipe record length not a multiple of 8", pipe_len_odd, CKPT_ECORRUPT, "record 14 (CKPT_HDR_PIPE at image offset 4672): len: 36 is not the length of a pipe record with 0..1073741824 bytes of data" },
	{ "a pipe record shorter than its fields", pipe_len_short, CKPT_ECORRUPT, "len: 16 is not the length of a pipe record" },
	{ "a pipe record longer than 1 GiB of data", pipe_len_huge, CKPT_ECORRUPT, "len: 1073741856 is not the length of a pipe record" },
	{ "non-zero padding right after the pipe data", pipe_padding_first, CKPT_ECORRUPT, "record 14 (CKPT_HDR_PIPE at image offset 4672): padding: must be zero" },
	{ "non-zero padding at the end of a pipe record", pipe_padding_last, CKPT_ECORRUPT, "record 14 (CKPT_HDR_PIPE at image offset 4672): padding: must be zero" },
	{ "the end inside the data of a pipe", pipe_cut_in_data, CKPT_ETRUNC, "img: truncated: the image ends at offset 4702 inside record 14 (CKPT_HDR_PIPE at image offset 4672)" },
	{ "a pipe whose id is no file's inode", pipe_of_no_file, CKPT_ECORRUPT, "record 14 (CKPT_HDR_PIPE at image offset 4672): id: 776 is the inode of no CKPT_HDR_FILE record of a pipe (a FIFO named pipe:[776])" },
	{ "a pipe whose inode is a regular file", pipe_of_a_regular_file, CKPT_ECORRUPT, "record 9 (CKPT_HDR_PIPE at image offset 4152): id: 777 is the inode of no CKPT_HDR_FILE record of a pipe" },
	{ "a pipe named pipe:[777] of another inode", pipe_inode_differs, CKPT_ECORRUPT, "record 9 (CKPT_HDR_PIPE at image offset 4152): id: 777 is the inode of no CKPT_HDR_FILE record of a pipe" },
	{ "a pipe of inode 777 named pipe:[0777]", pipe_name_zeroes, CKPT_ECORRUPT, "record 9 (CKPT_HDR_PIPE at image offset 4152): id: 777 is the inode of no CKPT_HDR_FILE record of a pipe" },
	{ "a pipe of inode 777 named pipe:[778]", pipe_name_other, CKPT_ECORRUPT, "record 9 (CKPT_HDR_PIPE at image offset 4152): id: 777 is the inode of no CKPT_HDR_FILE record of a pipe" },
	{ "a pipe above fd 2 numbered above 2^64-1", pipe_name_huge, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): name: fd 3 holds pipe:[18446744073709551616], which can have no CKPT_HDR_PIPE record: its number is above 2^64-1" },

	{ "mm reserved", mm_reserved, CKPT_ECORRUPT, "record 15 (CKPT_HDR_MM at image offset 4712): reserved: must be zero" },
	{ "brk above task_size", mm_brk_above, CKPT_ECORRUPT, "brk: 0x800000000000 is above task_size" },
	{ "nr_vmas beyond the bound", mm_too_many_vmas, CKPT_ECORRUPT, "nr_vmas: 16777217 is more than" },
	{ "no auxv record", auxv_missing, CKPT_ECORRUPT, "record 17 (CKPT_HDR_PAGES at image offset 4904): type: out of order: CKPT_HDR_AUXV expected here" },
	{ "the auxv record before the VMAs", auxv_before_vmas, CKPT_ECORRUPT, "record 16 (CKPT_HDR_AUXV at image offset 4816): type: CKPT_HDR_VMA 1 of 1 expected: fewer VMA records than CKPT_HDR_MM.nr_vmas" },
	{ "a VMA after the auxv record", vma_after_auxv, CKPT_ECORRUPT, "record 18 (CKPT_HDR_VMA at image offset 5160): type: more VMA records than CKPT_HDR_MM.nr_vmas (1), or a VMA after CKPT_HDR_AUXV" },
	{ "no auxv record and no VMAs", auxv_missing_no_vmas, CKPT_ECORRUPT, "record 16 (CKPT_HDR_TAIL at image offset 4816): type: out of order: CKPT_HDR_AUXV expected here" },
	{ "the auxv record repeated", auxv_twice, CKPT_ECORRUPT, "record 18 (CKPT_HDR_AUXV at image offset 5160): type: repeated: an image has one CKPT_HDR_AUXV" },
	{ "the auxv record before the mm", auxv_before_mm, CKPT_ECORRUPT, "record 15 (CKPT_HDR_AUXV at image offset 4712): type: out of order: CKPT_HDR_PIPE or CKPT_HDR_MM expected here" },
	{ "auxv reserved", auxv_reserved, CKPT_ECORRUPT, "record 22 (CKPT_HDR_AUXV at image offset 5376): reserved: must be zero" },
	{ "an odd nr_words", auxv_nr_odd, CKPT_ECORRUPT, "record 22 (CKPT_HDR_AUXV at image offset 5376): nr_words: 29 is not an even number of words in 2..1024" },
	{ "nr_words 0", auxv_nr_zero, CKPT_ECORRUPT, "nr_words: 0 is not an even number of words in 2..1024" },
	{ "an auxv length that disagrees with nr_words", auxv_nr_len, CKPT_ECORRUPT, "record 22 (CKPT_HDR_AUXV at image offset 5376): len: 256, expected 240 for nr_words 28" },
	{ "an auxv length not a multiple of 8", auxv_len_odd, CKPT_ECORRUPT, "len: 252 is not the length of an auxiliary vector of 2..1024 words" },
	{ "an auxv longer than 1024 words", auxv_len_beyond_bound, CKPT_ECORRUPT, "len: 8224 is not the length of an auxiliary vector of 2..1024 words" },
	{ "an auxv without AT_NULL at its end", auxv_no_at_null, CKPT_ECORRUPT, "words: the last pair has type 6, not AT_NULL (0): the vector does not end" },
	{ "an auxv with AT_NULL before its end", auxv_early_at_null, CKPT_ECORRUPT, "words: AT_NULL at word 4 of 30: only the last pair may be AT_NULL" },

	{ "fewer VMA records than nr_vmas", fewer_vmas, CKPT_ECORRUPT, "record 22 (CKPT_HDR_AUXV at image offset 5376): type: CKPT_HDR_VMA 7 of 7 expected: fewer VMA records than CKPT_HDR_MM.nr_vmas" },
	{ "more VMA records than nr_vmas", more_vmas, CKPT_ECORRUPT, "record 21 (CKPT_HDR_VMA at image offset 5288): type: more VMA records than CKPT_HDR_MM.nr_vmas (5)" },

	{ "a VMA start not page aligned", vma_unaligned, CKPT_ECORRUPT, "record 18 (CKPT_HDR_VMA at image offset 5024): start: 0x600001 is not page aligned" },
	{ "a VMA end not page aligned", vma_end_unaligned, CKPT_ECORRUPT, "end: 0x60ffff is not page aligned" },
	{ "an empty VMA", vma_empty, CKPT_ECORRUPT, "end: 0x600000 is not above start 0x600000: empty VMA" },
	{ "a VMA above task_size", vma_above_task_size, CKPT_ECORRUPT, "end: 0x800000000000 is above task_size 0x7ffffffff000" },
	{ "overlapping VMAs", vma_overlapping, CKPT_ECORRUPT, "start: 0x60f000 is below the end 0x610000 of the previous VMA: overlapping" },
	{ "VMAs not ascending", vma_descending, CKPT_ECORRUPT, "start: 0x500000 is below the end 0x7f000011a000 of the previous VMA: not ascending" },
	{ "an unknown VMA kind", vma_kind, CKPT_ECORRUPT, "kind: unknown kind 9" },
	{ "an unknown VMA flag", vma_flags, CKPT_ECORRUPT, "flags: unknown flags 0x100000" },
	{ "an anonymous VMA with an inode", vma_anon_with_inode, CKPT_ECORRUPT, "pgoff..mtime_nsec: must be zero unless the kind is CKPT_VMA_FILE" },
	{ "name_len 0", vma_name_len_zero, CKPT_ECORRUPT, "name_len: 0 is outside 1..4096" },
	{ "name_len beyond PATH_MAX", vma_name_len_big, CKPT_ECORRUPT, "name_len: 5000 is outside 1..4096" },
	{ "a VMA length that does not fit name_len", vma_len_mismatch, CKPT_ECORRUPT, "record 18 (CKPT_HDR_VMA at image offset 5024): len: 88, expected 104 for name_len 20" },
	{ "a name not NUL-terminated within name_len", vma_name_unterminated, CKPT_ECORRUPT, "name: not NUL-terminated within name_len 7" },
	{ "a NUL inside the name", vma_name_inner_nul, CKPT_ECORRUPT, "name: has a NUL byte before its end" },
	{ "non-zero padding after the name", vma_padding, CKPT_ECORRUPT, "padding: must be zero" },
	{ "a file mapping without a path", vma_file_no_name, CKPT_ECORRUPT, "name: a file mapping needs a path" },
	{ "CKPT_VMA_DELETED on anonymous memory", vma_deleted_anon, CKPT_ECORRUPT, "flags: CKPT_VMA_DELETED without a file" },
	{ "a VMA length not a multiple of 8", vma_len_odd, CKPT_ECORRUPT, "is not the length of a VMA record" },

	{ "a page run outside every VMA", run_outside, CKPT_ECORRUPT, "record 23 (CKPT_HDR_PAGES at image offset 5632): addr: 0x404000 is not inside any VMA" },
	{ "a page run past the end of its VMA", run_past_end, CKPT_ECORRUPT, "nr_pages: the run 0x60f000-0x611000 ends past its VMA 0x600000-0x610000" },
	{ "overlapping page runs", run_overlapping, CKPT_ECORRUPT, "addr: 0x602000 is below the end 0x603000 of the previous run" },
	{ "descending page runs", run_descending, CKPT_ECORRUPT, "addr: 0x600000 is below the end 0x60a000 of the previous run: runs must ascend" },
	{ "nr_pages 0", run_nr_zero, CKPT_ECORRUPT, "nr_pages: 0 is outside 1..256" },
	{ "nr_pages above CKPT_PAGES_MAX", run_nr_too_big, CKPT_ECORRUPT, "nr_pages: 257 is outside 1..256" },
	{ "a run longer than CKPT_PAGES_MAX pages", run_too_long, CKPT_ECORRUPT, "len: 1052696 is not the length of a run of 1..256 pages" },
	{ "a run length that disagrees with nr_pages", run_len_mismatch, CKPT_ECORRUPT, "len: 12312 does not hold nr_pages 2" },
	{ "a run not page aligned", run_unaligned, CKPT_ECORRUPT, "addr: 0x600008 is not page aligned" },
	{ "page run reserved", run_reserved, CKPT_ECORRUPT, "reserved: must be zero" },
	{ "pages of a shared mapping", run_in_shared, CKPT_ECORRUPT, "addr: 0x402000 is in a shared, special or MADV_WIPEONFORK VMA" },
	{ "pages of [vdso]", run_in_vdso, CKPT_ECORRUPT, "is in a shared, special or MADV_WIPEONFORK VMA" },
	{ "pages of MADV_WIPEONFORK memory", run_in_wipeonfork, CKPT_ECORRUPT, "addr: 0x10000000 is in a shared, special or MADV_WIPEONFORK VMA" },
	{ "MADV_HUGEPAGE with MADV_NOHUGEPAGE", vma_thp_both, CKPT_ECORRUPT, "madvise() hints that exclude each other" },
	{ "MADV_SEQUENTIAL with MADV_RANDOM", vma_seq_and_random, CKPT_ECORRUPT, "madvise() hints that exclude each other" },
	{ "MADV_WIPEONFORK on a file mapping", vma_wipeonfork_file, CKPT_ECORRUPT, "flags: MADV_WIPEONFORK outside private anonymous memory" },
	{ "a VMA after the pages", vma_after_pages, CKPT_ECORRUPT, "more VMA records than CKPT_HDR_MM.nr_vmas (1), or a VMA after the pages" },

	{ "a tail whose nr_records disagrees", tail_nr_records, CKPT_ECORRUPT, "record 29 (CKPT_HDR_TAIL at image offset 1123984): nr_records: 30, but 29 records precede it" },
	{ "a tail whose nr_vmas disagrees", tail_nr_vmas, CKPT_ECORRUPT, "nr_vmas: 5, but there are 6 VMA records" },
	{ "a tail whose nr_pages disagrees", tail_nr_pages, CKPT_ECORRUPT, "nr_pages: 274, but 273 pages were saved" },
	{ "a tail whose image_len disagrees", tail_image_len, CKPT_ECORRUPT, "image_len: 1123976, but the tail is at offset 1123984" },
	{ "a tail without its magic", tail_magic, CKPT_ECORRUPT, "magic: not CKPT_MAGIC" },
	{ "no tail", no_tail, CKPT_ETRUNC, "img: truncated: the image ends at offset 1123984 after 29 records, before its tail" },
	{ "the end inside page data", cut_in_pages, CKPT_ETRUNC, "truncated: the image ends at offset" },
	{ "the end inside a record header", cut_in_record_header, CKPT_ETRUNC, "the image ends at offset 1123988 inside record 29 (its header at image offset 1123984)" },
	{ "the end inside a VMA record", cut_in_vma, CKPT_ETRUNC, "the image ends at offset 4960 inside record 17 (CKPT_HDR_VMA at image offset 4920)" },
	{ "an empty image", empty_image, CKPT_ETRUNC, "img: truncated: the image is empty" },
	{ "bytes after the tail", bytes_after_tail, CKPT_ECORRUPT, "img: data after the tail record (at image offset 1124024)" },

	{ "CKPT_TASK_ITIMERS without the timers record", itimers_missing, CKPT_ECORRUPT, "record 8 (CKPT_HDR_FILE at image offset 4048): type: out of order: CKPT_HDR_ITIMERS expected: CKPT_HDR_TASK.task_flags has CKPT_TASK_ITIMERS" },
	{ "CKPT_TASK_ITIMERS without the timers record, nor files", itimers_missing_at_mm, CKPT_ECORRUPT, "record 8 (CKPT_HDR_MM at image offset 4048): type: out of order: CKPT_HDR_ITIMERS expected: CKPT_HDR_TASK.task_flags has CKPT_TASK_ITIMERS" },
	{ "a timers record without CKPT_TASK_ITIMERS", itimers_without_flag, CKPT_ECORRUPT, "record 8 (CKPT_HDR_ITIMERS at image offset 4048): type: unexpected: CKPT_HDR_TASK.task_flags does not have CKPT_TASK_ITIMERS (0x2)" },
	{ "a timers record without CKPT_TASK_ITIMERS, after the files", itimers_without_flag_after_files, CKPT_ECORRUPT, "record 14 (CKPT_HDR_ITIMERS at image offset 4672): type: unexpected: CKPT_HDR_TASK.task_flags does not have CKPT_TASK_ITIMERS (0x2)" },
	{ "the timers record repeated", itimers_twice, CKPT_ECORRUPT, "record 9 (CKPT_HDR_ITIMERS at image offset 4104): type: repeated: an image has one CKPT_HDR_ITIMERS" },
	{ "the timers record after the files", itimers_after_files, CKPT_ECORRUPT, "record 15 (CKPT_HDR_ITIMERS at image offset 4728): type: repeated: an image has one CKPT_HDR_ITIMERS" },
	{ "the timers record before the last pending signal", itimers_before_pending, CKPT_ECORRUPT, "record 6 (CKPT_HDR_ITIMERS at image offset 3760): type: CKPT_HDR_SIGPENDING 1 of 1 expected: fewer pending-signal records than CKPT_HDR_SIGNALS.nr_pending" },
	{ "a pending signal after the timers record", pending_after_itimers, CKPT_ECORRUPT, "record 8 (CKPT_HDR_SIGPENDING at image offset 3960): type: more pending-signal records than CKPT_HDR_SIGNALS.nr_pending (1), or one after CKPT_HDR_ITIMERS" },
	{ "the timers record before the task", itimers_before_task, CKPT_ECORRUPT, "record 1 (CKPT_HDR_ITIMERS at image offset 144): type: out of order: CKPT_HDR_TASK expected here" },
	{ "an ITIMER_REAL value of 2^64 - 1 ns", itimers_value_huge, CKPT_ECORRUPT, "record 8 (CKPT_HDR_ITIMERS at image offset 4048): timer[0].value_ns: 18446744073709551615 ns of ITIMER_REAL is above CKPT_ITIMER_MAX_NS" },
	{ "an ITIMER_REAL interval of 2^64 - 1 ns", itimers_interval_above_max, CKPT_ECORRUPT, "record 8 (CKPT_HDR_ITIMERS at image offset 4048): timer[0].interval_ns: 18446744073709551615 ns of ITIMER_REAL is above CKPT_ITIMER_MAX_NS" },
	{ "an ITIMER_PROF interval of 2^64 - 1 ns", itimers_prof_huge, CKPT_ECORRUPT, "record 8 (CKPT_HDR_ITIMERS at image offset 4048): timer[2].interval_ns: 18446744073709551615 ns of ITIMER_PROF is above CKPT_ITIMER_MAX_NS" },
	{ "a timers record too long", itimers_len_long, CKPT_ECORRUPT, "record 8 (CKPT_HDR_ITIMERS at image offset 4048): len: 64, expected 56" },
	{ "a timers record too short", itimers_len_short, CKPT_ECORRUPT, "record 8 (CKPT_HDR_ITIMERS at image offset 4048): len: 48, expected 56" },
	{ "a timers record of its header only", itimers_len_header_only, CKPT_ECORRUPT, "record 8 (CKPT_HDR_ITIMERS at image offset 4048): len: 8, expected 56" },
};

static void hostile_image(const void *arg)
{
	const struct hostile *h = arg;
	struct synth s;
	int ret;

	h->build(&s);
	ret = parse(&s);
	CHECK_INT(ret, h->code);
	CHECK_HAS(ckpt_errmsg(), h->message);
	/* The same error byte by byte: the parser does not depend on pieces. */
	ret = parse_keep(s.buf, s.len, 1, NULL);
	CHECK_INT(ret, h->code);
	CHECK_HAS(ckpt_errmsg(), h->message);
	synth_free(&s);
}

/* A deterministic xorshift, so that a failure can be replayed. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Random damage to the records (not to page contents, which any byte
 * may be): every result must be a clean verdict, never a crash, and the
 * verdict must not depend on how the bytes were cut into pieces.
 */
static void random_damage(const void *arg)
{
	struct synth s;
	size_t records;
	unsigned char *copy;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	unsigned int verdicts[9] = { 0 };

	(void)arg;
	synth_standard(&s, 0);
	records = synth_find(&s, CKPT_HDR_PAGES, 0);
	copy = malloc(s.len);
	for (int round = 0; round < 400; round++) {
		int nr = 1 + next_random(&x) % 4, whole, pieces;
		size_t piece = 1 + next_random(&x) % 5000;

		memcpy(copy, s.buf, s.len);
		for (int i = 0; i < nr; i++) {
			uint64_t r = next_random(&x);
			/* The records before the pages, or the tail. */
			size_t at = r % 2 ? (r >> 8) % records :
				    s.len - 1 - (r >> 8) % sizeof(struct ckpt_hdr_tail);

			copy[at] ^= 1 + (r >> 40) % 255;
		}
		whole = parse_keep(copy, s.len, s.len, NULL);
		pieces = parse_keep(copy, s.len, piece, NULL);
		CHECK_INT(whole, pieces);
		CHECK(whole == CKPT_OK || whole == CKPT_ECORRUPT ||
		      whole == CKPT_ETRUNC || whole == CKPT_EFORMAT);
		if (whole >= 0 && whole < 9)
			verdicts[whole]++;
	}
	/* Most damage is caught; what is not changed nothing checked. */
	CHECK(verdicts[CKPT_ECORRUPT] > 200);
	printf("# verdicts: %u ok, %u corrupt, %u truncated, %u format\n",
	       verdicts[CKPT_OK], verdicts[CKPT_ECORRUPT], verdicts[CKPT_ETRUNC],
	       verdicts[CKPT_EFORMAT]);
	free(copy);
	synth_free(&s);
}

void register_image_tests(void)
{
	tap_add(standard_image_parses, NULL, "image: a valid image parses the same in pieces of any size");
	tap_add(many_runs_parse, NULL, "image: an image of 3273 pages in many runs");
	tap_add(no_vmas_is_valid, NULL, "image: an image without VMAs is valid");
	tap_add(no_files_is_valid, NULL, "image: an image without file records is valid");
	tap_add(pipes_to_the_outside_parse, NULL, "image: pipe ends above fd 2 without a pipe record lead outside");
	tap_add(deleted_file_parses, NULL, "image: a deleted file with its data, and a dup of it");
	tap_add(files_of_every_kind_parse, NULL, "image: descriptors of every kind, any informational values, names of 0 to 4095 bytes");
	tap_add(too_many_files, NULL, "image: refuses file record 2^20 + 1, streamed (exit 4)");
	tap_add(settings_at_their_edges_parse, NULL, "image: fs, signals, pending signals, shared files and auxv at the edges of validity");
	tap_add(most_pending_signals_parse, NULL, "image: 2^16 pending signals, streamed");
	tap_add(pipes_at_their_edges_parse, NULL, "image: pipes at the edges of validity, and FIFOs that need no pipe record");
	tap_add(most_pipes_parse, NULL, "image: 4096 pipes, streamed");
	tap_add(too_many_pipes, NULL, "image: refuses pipe record 4097, streamed (exit 4)");
	tap_add(itimers_parse, NULL, "image: an image with ITIMER_REAL armed parses the same in pieces of any size");
	tap_add(cpu_itimers_parse, NULL, "image: ITIMER_VIRTUAL and ITIMER_PROF parse and read back");
	tap_add(no_itimers_without_the_flag, NULL, "image: an image without CKPT_TASK_ITIMERS has no timers");
	tap_add(itimers_at_their_edges_parse, NULL, "image: timers at the edges of validity, right after the signals record");
	tap_add(itimers_just_above_max, NULL, "image: refuses a timer 1 ns above CKPT_ITIMER_MAX_NS (exit 4)");
	tap_add(sniff, NULL, "image: a plaintext image is told by its first 16 bytes");
	tap_add(random_damage, NULL, "image: 400 random damages get clean verdicts, the same in any pieces");
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++)
		tap_add(hostile_image, &hostile[i], "image: refuses %s (exit %d)",
			hostile[i].name, hostile[i].code);
}

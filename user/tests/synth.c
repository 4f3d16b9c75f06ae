// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic checkpoint images: see synth.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)

void synth_init(struct synth *s)
{
	memset(s, 0, sizeof(*s));
}

void synth_free(struct synth *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

size_t synth_record(struct synth *s, uint32_t type, size_t len)
{
	size_t off = s->len;
	struct ckpt_hdr h = { .type = type, .len = (uint32_t)len };

	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;

		while (cap < s->len + len)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		if (!s->buf)
			abort();
		s->cap = cap;
	}
	memset(s->buf + off, 0, len);
	memcpy(s->buf + off, &h, len < sizeof(h) ? len : sizeof(h));
	s->len += len;
	s->nr_records++;
	return off;
}

void *synth_at(struct synth *s, size_t off)
{
	return s->buf + off;
}

size_t synth_find(const struct synth *s, uint32_t type, unsigned int nth)
{
	size_t off = 0;

	while (off + sizeof(struct ckpt_hdr) <= s->len) {
		struct ckpt_hdr h;

		memcpy(&h, s->buf + off, sizeof(h));
		if (h.type == type && nth-- == 0)
			return off;
		if (h.len < sizeof(h))
			break;
		off += h.len;
	}
	return (size_t)-1;
}

size_t synth_header(struct synth *s)
{
	size_t off = synth_record(s, CKPT_HDR_HEADER, sizeof(struct ckpt_hdr_header));
	struct ckpt_hdr_header *h = synth_at(s, off);

	memcpy(h->magic, CKPT_MAGIC, CKPT_MAGIC_LEN);
	h->version = CKPT_VERSION;
	h->arch = CKPT_ARCH_X86_64;
	h->time = 1764185400;	/* 2025-11-26T19:30:00Z */
	strcpy(h->release, "6.1.0-test-amd64");
	h->constants.page_size = SYNTH_PAGE;
	h->constants.task_comm_len = 16;
	h->constants.xstate_size = SYNTH_XSTATE_SIZE;
	h->constants.xfeatures = SYNTH_XFEATURES;
	h->constants.task_size = SYNTH_TASK_SIZE;
	return off;
}

size_t synth_task(struct synth *s)
{
	size_t off = synth_record(s, CKPT_HDR_TASK, sizeof(struct ckpt_hdr_task));
	struct ckpt_hdr_task *t = synth_at(s, off);

	t->pid = 4242;
	t->ppid = 1;
	t->uid = t->euid = t->gid = t->egid = 1000;
	t->restart = CKPT_RESTART_BLOCK;
	t->syscall_nr = 230;		/* clock_nanosleep */
	t->syscall_ret = -516;		/* -ERESTART_RESTARTBLOCK */
	t->restart_block_kind = CKPT_RESTART_BLOCK_NANOSLEEP;
	t->nanosleep_clockid = 1;
	t->nanosleep_type = 1;
	t->nanosleep_rmtp = 0x7ffc00020f00;
	t->nanosleep_expires = 5500000000;
	t->nanosleep_now = 2000000000;
	t->pdeath_signal = 15;		/* SIGTERM */
	t->task_flags = CKPT_TASK_NO_NEW_PRIVS;
	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++)
		t->rlim[i][0] = t->rlim[i][1] = SYNTH_RLIM_INF;
	t->rlim[3][0] = 8 << 20;		/* RLIMIT_STACK */
	t->rlim[4][0] = 0;			/* RLIMIT_CORE */
	t->rlim[6][0] = t->rlim[6][1] = 63432;	/* RLIMIT_NPROC */
	t->rlim[7][0] = 1024;			/* RLIMIT_NOFILE */
	t->rlim[7][1] = 524288;
	t->rlim[8][0] = t->rlim[8][1] = 8 << 20;	/* RLIMIT_MEMLOCK */
	t->rlim[11][0] = t->rlim[11][1] = 63432;	/* RLIMIT_SIGPENDING */
	t->rlim[12][0] = t->rlim[12][1] = 819200;	/* RLIMIT_MSGQUEUE */
	t->rlim[13][0] = t->rlim[13][1] = 0;	/* RLIMIT_NICE */
	t->rlim[14][0] = t->rlim[14][1] = 0;	/* RLIMIT_RTPRIO */
	strcpy(t->comm, "sleeper");
	return off;
}

size_t synth_fs(struct synth *s, uint32_t umask, const char *cwd)
{
	size_t cwd_len = strlen(cwd) + 1;
	size_t off = synth_record(s, CKPT_HDR_FS,
				  ALIGN8(sizeof(struct ckpt_hdr_fs) + cwd_len));
	struct ckpt_hdr_fs *f = synth_at(s, off);

	f->umask = umask;
	f->cwd_len = (uint32_t)cwd_len;
	memcpy(f->cwd, cwd, cwd_len);
	return off;
}

size_t synth_cpu(struct synth *s)
{
	size_t off = synth_record(s, CKPT_HDR_CPU, sizeof(struct ckpt_hdr_cpu));
	struct ckpt_hdr_cpu *c = synth_at(s, off);

	c->ip = 0x401234;
	c->sp = 0x7ffc00020e00;
	c->ax = (uint64_t)-516;
	c->orig_ax = 230;
	c->cs = 0x33;
	c->ss = 0x2b;
	c->flags = 0x246;
	c->fs_base = 0x7f0000001000;
	return off;
}

size_t synth_xstate(struct synth *s)
{
	size_t off = synth_record(s, CKPT_HDR_XSTATE,
				  sizeof(struct ckpt_hdr_xstate) + SYNTH_XSTATE_SIZE);
	struct ckpt_hdr_xstate *x = synth_at(s, off);
	uint64_t bv = 0x3;

	x->xfeatures = bv;
	x->size = SYNTH_XSTATE_SIZE;
	memcpy(x->data + 512, &bv, sizeof(bv));
	return off;
}

size_t synth_signals(struct synth *s, uint32_t nr_pending)
{
	size_t off = synth_record(s, CKPT_HDR_SIGNALS, sizeof(struct ckpt_hdr_signals));
	struct ckpt_hdr_signals *g = synth_at(s, off);
	struct ckpt_sigaction *a;

	g->blocked = SYNTH_SIGBIT(10) | SYNTH_SIGBIT(12);	/* SIGUSR1, SIGUSR2 */
	g->ss_sp = 0x7f0000200000;
	g->ss_size = 0x4000;
	g->ss_flags = 1U << 31;				/* SS_AUTODISARM */
	g->nr_pending = nr_pending;
	a = &g->action[2 - 1];				/* SIGINT */
	a->handler = SYNTH_SIGINT_HANDLER;
	a->flags = SYNTH_SA_SIGINFO | SYNTH_SA_RESTART | SYNTH_SA_ONSTACK |
		   SYNTH_SA_RESTORER;
	a->restorer = SYNTH_RESTORER;
	a->mask = SYNTH_SIGBIT(15);
	a = &g->action[13 - 1];				/* SIGPIPE */
	a->handler = 1;					/* SIG_IGN */
	a->flags = SYNTH_SA_RESTORER;
	a->restorer = SYNTH_RESTORER;
	a = &g->action[15 - 1];				/* SIGTERM */
	a->handler = SYNTH_SIGTERM_HANDLER;
	a->flags = SYNTH_SA_RESETHAND | SYNTH_SA_RESTORER;
	a->restorer = SYNTH_RESTORER;
	return off;
}

size_t synth_sigpending(struct synth *s, uint32_t signo, uint32_t queue,
			int32_t code, int32_t pid, uint32_t uid)
{
	size_t off = synth_record(s, CKPT_HDR_SIGPENDING,
				  sizeof(struct ckpt_hdr_sigpending));
	struct ckpt_hdr_sigpending *p = synth_at(s, off);
	int32_t si_signo = (int32_t)signo;

	p->signo = signo;
	p->queue = queue;
	/* siginfo_t: si_signo, si_errno, si_code, then si_pid and si_uid. */
	memcpy(p->info, &si_signo, 4);
	memcpy(p->info + 8, &code, 4);
	memcpy(p->info + 16, &pid, 4);
	memcpy(p->info + 20, &uid, 4);
	return off;
}

size_t synth_itimers(struct synth *s, uint64_t value_ns, uint64_t interval_ns)
{
	size_t off = synth_record(s, CKPT_HDR_ITIMERS,
				  sizeof(struct ckpt_hdr_itimers));
	struct ckpt_hdr_itimers *it = synth_at(s, off);

	it->timer[CKPT_ITIMER_REAL].value_ns = value_ns;
	it->timer[CKPT_ITIMER_REAL].interval_ns = interval_ns;
	return off;
}

size_t synth_file(struct synth *s, int32_t fd, uint32_t fd_flags,
		  uint32_t f_flags, uint32_t mode, const char *name)
{
	size_t name_len = strlen(name) + 1;
	size_t off = synth_record(s, CKPT_HDR_FILE,
				  ALIGN8(sizeof(struct ckpt_hdr_file) + name_len));
	struct ckpt_hdr_file *f = synth_at(s, off);

	f->fd = fd;
	f->fd_flags = fd_flags;
	f->file_id = s->nr_file_ids++;
	f->f_flags = f_flags;
	f->mode = mode;
	f->dev = 5;			/* new_encode_dev(MKDEV(0, 5)) */
	f->ino = 1000 + (uint64_t)fd;
	f->mtime_sec = 1764185000;
	f->mtime_nsec = 123456789;
	f->name_len = (uint32_t)name_len;
	memcpy(f->name, name, name_len);
	s->nr_files++;
	return off;
}

size_t synth_dup(struct synth *s, int32_t fd, uint32_t fd_flags, size_t of)
{
	struct ckpt_hdr_file *f = synth_at(s, of);
	size_t len = f->h.len, off;

	off = synth_record(s, CKPT_HDR_FILE, len);
	/* The buffer may have moved. */
	memcpy(synth_at(s, off), synth_at(s, of), len);
	f = synth_at(s, off);
	f->fd = fd;
	f->fd_flags = fd_flags;
	s->nr_files++;
	return off;
}

size_t synth_file_data(struct synth *s, uint32_t file_id, uint64_t offset,
		       const void *data, uint32_t nr_bytes)
{
	size_t off = synth_record(s, CKPT_HDR_FILE_DATA,
				  ALIGN8(sizeof(struct ckpt_hdr_file_data) + nr_bytes));
	struct ckpt_hdr_file_data *d = synth_at(s, off);

	d->file_id = file_id;
	d->nr_bytes = nr_bytes;
	d->offset = offset;
	memcpy(d->data, data, nr_bytes);
	return off;
}

size_t synth_pipe_end(struct synth *s, int32_t fd, uint32_t fd_flags,
		      uint64_t id, int write)
{
	char name[32];
	struct ckpt_hdr_file *f;
	size_t off;

	snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)id);
	/* O_WRONLY; the kernel's S_IFIFO | 0600 */
	off = synth_file(s, fd, fd_flags, write ? 1 : 0, 0010600, name);
	f = synth_at(s, off);
	f->dev = 13;			/* pipefs */
	f->ino = id;
	return off;
}

size_t synth_pipe(struct synth *s, uint64_t id, uint32_t size,
		  const void *data, uint32_t nr_bytes)
{
	size_t off = synth_record(s, CKPT_HDR_PIPE,
				  ALIGN8(sizeof(struct ckpt_hdr_pipe) + nr_bytes));
	struct ckpt_hdr_pipe *p = synth_at(s, off);

	p->id = id;
	p->size = size;
	p->nr_bytes = nr_bytes;
	if (nr_bytes)
		memcpy(p->data, data, nr_bytes);
	return off;
}

/* The kernel's new_encode_dev() */
#define NEW_DEV(maj, min)	(((min) & 0xffU) | ((maj) << 8) | \
				 ((uint64_t)((min) & ~0xffU) << 12))

void synth_std_files(struct synth *s)
{
	struct ckpt_hdr_file *f;
	size_t pipe;

	f = synth_at(s, synth_file(s, 0, 0, K_LARGEFILE, 0020666, "/dev/null"));
	f->rdev = NEW_DEV(1, 3);
	pipe = synth_file(s, 1, 0, K_WRONLY | K_NONBLOCK, 0010600, "pipe:[1234]");
	f = synth_at(s, pipe);
	f->dev = 13;
	f->ino = 1234;
	f = synth_at(s, synth_file(s, 2, CKPT_FD_CLOEXEC,
				   K_RDWR | K_APPEND | K_LARGEFILE, 0020620,
				   "/dev/pts/0"));
	f->dev = 24;
	f->ino = 3;
	f->rdev = NEW_DEV(136, 0);
	synth_pipe_end(s, 3, 0, SYNTH_PIPE_ID, 0);
	pipe = synth_pipe_end(s, 4, 0, SYNTH_PIPE_ID, 1);
	synth_dup(s, 5, CKPT_FD_CLOEXEC, pipe);
}

void synth_std_pipes(struct synth *s)
{
	synth_pipe(s, SYNTH_PIPE_ID, SYNTH_PIPE_SIZE, SYNTH_PIPE_DATA,
		   SYNTH_PIPE_BYTES);
}

void synth_more_files(struct synth *s)
{
	struct ckpt_hdr_file *f;

	f = synth_at(s, synth_file(s, 6, CKPT_FD_CLOEXEC,
				   K_RDWR | K_APPEND | K_LARGEFILE, 0100644,
				   "/home/user/notes.txt"));
	f->pos = 12345;
	f->size = 20000;
	f->dev = (8 << 8) | 1;
	synth_file(s, 7, CKPT_FD_CLOEXEC, K_DIRECTORY | K_LARGEFILE, 0040755,
		   "/tmp");
	synth_file(s, 8, 0, K_RDWR | K_NONBLOCK, 0140777, "socket:[5678]");
	f = synth_at(s, synth_file(s, 9, 0, K_LARGEFILE, 0060660, "/dev/sda"));
	f->rdev = NEW_DEV(8, 0);
	synth_file(s, 10, CKPT_FD_CLOEXEC, K_RDWR | K_NONBLOCK, 0600,
		   "anon_inode:[eventfd]");
	synth_file(s, 11, 0, K_PATH | K_NOFOLLOW, 0120777, "/usr/lib/libc.so");
	f = synth_at(s, synth_file(s, 12, 0, K_WRONLY, 0100600,
				   "/tmp/\x1b[31mred\nname"));
	f->pos = 1ULL << 40;
	f->size = 1ULL << 40;
	f = synth_at(s, synth_file(s, 100, 0, 3 | K_NONBLOCK, 0020660, "/dev/ttyS0"));
	f->rdev = NEW_DEV(4, 64);
}

void synth_deleted_file(struct synth *s)
{
	static const char head[100] = "the head of a scratch file";
	struct ckpt_hdr_file *f;
	size_t off;

	off = synth_file(s, SYNTH_DELETED_FD, 0, K_RDWR | K_LARGEFILE, 0100600,
			 "/tmp/scratch");
	f = synth_at(s, off);
	f->file_flags = CKPT_FILE_DELETED;
	f->size = SYNTH_DELETED_SIZE;
	f->pos = 100;
	synth_file_data(s, f->file_id, 0, head, sizeof(head));
	synth_file_data(s, f->file_id, 131072, "tail", 4);
	synth_dup(s, SYNTH_DELETED_FD + 1, CKPT_FD_CLOEXEC, off);
}

size_t synth_mm(struct synth *s, uint32_t nr_vmas)
{
	size_t off = synth_record(s, CKPT_HDR_MM, sizeof(struct ckpt_hdr_mm));
	struct ckpt_hdr_mm *m = synth_at(s, off);

	m->nr_vmas = nr_vmas;
	m->start_code = 0x400000;
	m->end_code = 0x402000;
	m->start_data = 0x402000;
	m->end_data = 0x404000;
	m->start_brk = 0x600000;
	m->brk = 0x610000;
	m->start_stack = 0x7ffc00020ff0;
	m->arg_start = 0x7ffc00020f10;
	m->arg_end = 0x7ffc00020f20;
	m->env_start = 0x7ffc00020f20;
	m->env_end = 0x7ffc00020fe0;
	return off;
}

size_t synth_auxv(struct synth *s)
{
	static const uint64_t pairs[SYNTH_AUXV_PAIRS][2] = {
		{ 33, 0x7ffc00100000 },		/* AT_SYSINFO_EHDR */
		{ 16, 0x178bfbff },		/* AT_HWCAP */
		{ 6, SYNTH_PAGE },		/* AT_PAGESZ */
		{ 17, 100 },			/* AT_CLKTCK */
		{ 3, 0x400040 },		/* AT_PHDR */
		{ 4, 56 },			/* AT_PHENT */
		{ 5, 9 },			/* AT_PHNUM */
		{ 7, 0 },			/* AT_BASE */
		{ 9, SYNTH_ENTRY },		/* AT_ENTRY */
		{ 11, 1000 },			/* AT_UID */
		{ 12, 1000 },			/* AT_EUID */
		{ 23, 0 },			/* AT_SECURE */
		{ 25, SYNTH_AT_RANDOM },	/* AT_RANDOM */
		{ 31, 0x7ffc00020fe8 },		/* AT_EXECFN */
		{ 0, 0 },			/* AT_NULL */
	};
	size_t off = synth_record(s, CKPT_HDR_AUXV,
				  sizeof(struct ckpt_hdr_auxv) + sizeof(pairs));
	struct ckpt_hdr_auxv *a = synth_at(s, off);

	a->nr_words = 2 * SYNTH_AUXV_PAIRS;
	memcpy(a->words, pairs, sizeof(pairs));
	return off;
}

size_t synth_vma(struct synth *s, uint64_t start, uint64_t end, uint32_t kind,
		 uint32_t flags, const char *name)
{
	size_t name_len = strlen(name) + 1;
	size_t off = synth_record(s, CKPT_HDR_VMA,
				  ALIGN8(sizeof(struct ckpt_hdr_vma) + name_len));
	struct ckpt_hdr_vma *v = synth_at(s, off);

	v->start = start;
	v->end = end;
	v->kind = kind;
	v->flags = flags;
	if (kind == CKPT_VMA_FILE) {
		v->pgoff = 0x1000;
		v->dev = (8 << 8) | 1;	/* new_encode_dev(MKDEV(8, 1)) */
		v->ino = 131077;
		v->size = 0x5000;
		v->mtime_sec = 1700000000;
		v->mtime_nsec = 5;
	}
	v->name_len = (uint32_t)name_len;
	memcpy(v->name, name, name_len);
	s->nr_vmas++;
	return off;
}

size_t synth_pages(struct synth *s, uint64_t addr, uint32_t nr)
{
	size_t len = sizeof(struct ckpt_hdr_pages) + (size_t)nr * SYNTH_PAGE;
	size_t off = synth_record(s, CKPT_HDR_PAGES, len);
	struct ckpt_hdr_pages *p = synth_at(s, off);
	unsigned char *data = (unsigned char *)(p + 1);

	p->addr = addr;
	p->nr_pages = nr;
	for (size_t i = 0; i < (size_t)nr * SYNTH_PAGE; i++)
		data[i] = (unsigned char)((addr + i) * 2654435761u >> 13);
	s->nr_pages += nr;
	return off;
}

size_t synth_tail(struct synth *s)
{
	uint32_t before = s->nr_records;
	size_t image_len = s->len;
	size_t off = synth_record(s, CKPT_HDR_TAIL, sizeof(struct ckpt_hdr_tail));
	struct ckpt_hdr_tail *t = synth_at(s, off);

	t->nr_records = before;
	t->nr_vmas = s->nr_vmas;
	t->nr_pages = s->nr_pages;
	t->image_len = image_len;
	memcpy(t->magic, CKPT_MAGIC, CKPT_MAGIC_LEN);
	return off;
}

void synth_start(struct synth *s)
{
	synth_start_in(s, SYNTH_UMASK, SYNTH_CWD);
}

void synth_start_in(struct synth *s, uint32_t umask, const char *cwd)
{
	synth_header(s);
	synth_task(s);
	synth_fs(s, umask, cwd);
	synth_cpu(s);
	synth_xstate(s);
	synth_signals(s, SYNTH_PENDING);
	synth_sigpending(s, 10, CKPT_SIGQUEUE_PRIVATE, -6 /* SI_TKILL */, 4000, 1000);
	synth_sigpending(s, 12, CKPT_SIGQUEUE_SHARED, 0 /* SI_USER */, 4001, 1000);
}

void synth_start_itimers(struct synth *s)
{
	struct ckpt_hdr_task *t;

	synth_start(s);
	t = synth_at(s, synth_find(s, CKPT_HDR_TASK, 0));
	t->task_flags |= CKPT_TASK_ITIMERS;
	synth_itimers(s, SYNTH_ITIMER_VALUE, SYNTH_ITIMER_INTERVAL);
}

void synth_prologue(struct synth *s)
{
	synth_start(s);
	synth_std_files(s);
	synth_std_pipes(s);
}

void synth_standard(struct synth *s, uint32_t extra_pages)
{
	synth_init(s);
	synth_prologue(s);
	synth_standard_memory(s, extra_pages);
}

void synth_standard_memory(struct synth *s, uint32_t extra_pages)
{
	const uint64_t anon = 0x7f0000000000;
	uint64_t anon_pages = CKPT_PAGES_MAX + 10 + extra_pages + 16;

	synth_mm(s, SYNTH_STD_VMAS);
	synth_vma(s, 0x400000, 0x402000, CKPT_VMA_FILE,
		  CKPT_VMA_READ | CKPT_VMA_EXEC | CKPT_VMA_MAYREAD |
		  CKPT_VMA_MAYEXEC, "/usr/bin/sleeper");
	synth_vma(s, 0x402000, 0x404000, CKPT_VMA_FILE,
		  CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_MAYREAD |
		  CKPT_VMA_MAYWRITE, "/usr/bin/sleeper");
	synth_vma(s, 0x600000, 0x610000, CKPT_VMA_ANON,
		  CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_HEAP, "[heap]");
	synth_vma(s, anon, anon + anon_pages * SYNTH_PAGE, CKPT_VMA_ANON,
		  CKPT_VMA_READ | CKPT_VMA_WRITE, "");
	synth_vma(s, 0x7ffc00000000, 0x7ffc00021000, CKPT_VMA_ANON,
		  CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_GROWSDOWN |
		  CKPT_VMA_STACK, "[stack]");
	synth_vma(s, 0x7ffc00100000, 0x7ffc00102000, CKPT_VMA_SPECIAL,
		  CKPT_VMA_READ | CKPT_VMA_EXEC, "[vdso]");
	synth_auxv(s);

	synth_pages(s, 0x402000, 1);			/* a written file page */
	synth_pages(s, 0x600000, 3);			/* [heap] */
	synth_pages(s, 0x608000, 2);
	synth_pages(s, anon, CKPT_PAGES_MAX);		/* a full run */
	synth_pages(s, anon + (CKPT_PAGES_MAX + 5) * SYNTH_PAGE, 10);
	for (uint64_t done = 0; done < extra_pages; ) {
		uint32_t n = extra_pages - done > CKPT_PAGES_MAX ?
			     CKPT_PAGES_MAX : (uint32_t)(extra_pages - done);

		synth_pages(s, anon + (CKPT_PAGES_MAX + 16 + done) * SYNTH_PAGE, n);
		done += n;
	}
	synth_pages(s, 0x7ffc00020000, 1);		/* [stack] */
	synth_tail(s);
}

void synth_small_memory(struct synth *s)
{
	synth_mm(s, 1);
	synth_vma(s, 0x10000000, 0x10001000, CKPT_VMA_ANON,
		  CKPT_VMA_READ | CKPT_VMA_WRITE, "");
	synth_auxv(s);
	synth_pages(s, 0x10000000, 1);
	synth_tail(s);
}

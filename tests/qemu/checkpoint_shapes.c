// SPDX-License-Identifier: GPL-2.0
/*
 * Random process shapes, checkpointed and restarted: the checkpoint side
 * of the fuzzing.  Each shape, drawn from a seed, is a program that maps
 * many small areas and a few huge sparse ones, puts PROT_NONE guards
 * between them, splits areas with mprotect(), moves and grows some with
 * mremap(), maps a file privately and reads some of its pages and writes
 * to others, in any order, and grows its stack down by a random depth.  Every page it writes holds a
 * pattern of the seed and the address.  It notes its /proc/self/maps and
 * every page it wrote, is checkpointed, killed and restarted, and then
 * checks itself: the same maps, line for line once adjacent areas that
 * only the kernel tells apart are merged (restart may merge them, as
 * Documentation/design.rst says), every written page intact, every other
 * small anonymous page it can read still zero, every other page of the
 * file mapping still the file's.
 *
 * CKPT_SHAPES (default 6) shapes are drawn from CKPT_SHAPES_SEED (default:
 * the time), which a failure prints, so that any shape can be replayed.
 *
 * One shape is fixed: pages and holes on each side of the edges the
 * module's hole skipping walks over (page tables, a whole empty page
 * table, its window of CKPT_PAGES_MAX pages, a huge page, a run of
 * shared zero pages, the last page of a mapping).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "ckpt_test.h"
#include "ckpt_harness.h"

#define PAGE		4096UL
#define MAX_AREAS	256
#define MAX_WRITTEN	4096
#define MAX_READ	64
#define MAPS_MAX	(256 * 1024)

/* What the program remembers about itself, in its own memory. */
struct shape {
	unsigned long seed;
	unsigned int nr_areas, nr_written;
	char sink;
	struct {
		char *addr;
		unsigned long len;
		int prot;
		bool anon;
	} area[MAX_AREAS];
	char *written[MAX_WRITTEN];
	char *read[MAX_READ];		/* read, never written: still zero */
	unsigned int nr_read;
	char maps[MAPS_MAX];
};

/*
 * Shared with the test through a file: checkpoint refuses shared anon.
 * What the program notes of itself is kept here too, outside the image,
 * so that a program whose own notes did not come back cannot pass by
 * checking nothing.
 */
struct run_shared {
	volatile int ready;
	volatile int go;
	volatile int stage;
	volatile unsigned int nr_areas, nr_written, nr_read;
	volatile unsigned long sum;
};

#define S_SETUP		(1 << 0)
#define S_MAPS		(1 << 1)	/* /proc/self/maps differs */
#define S_DATA		(1 << 2)	/* a written page differs */
#define S_ZERO		(1 << 3)	/* an unwritten page is not zero */
#define S_FILE		(1 << 4)	/* an unwritten file page is not the file's */
#define S_SELF		(1 << 5)	/* the program's notes of itself differ */

/* Mapped privately; more than FILE_PAGES pages long. */
#define FILE_PATH	"/bin/true"
#define FILE_PAGES	8

static unsigned long rnd_state;

static unsigned long rnd(void)
{
	/* xorshift64*: the same shape from the same seed, on any libc. */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DUL;
}

static unsigned long pattern(unsigned long seed, const void *addr, int i)
{
	return seed * 0x9E3779B97F4A7C15UL ^ (unsigned long)addr ^ (unsigned long)i << 56;
}

static void write_page(struct shape *s, char *page)
{
	unsigned long *w = (unsigned long *)page;
	int i;

	for (i = 0; i < 8; i++)
		w[i * (PAGE / 8 / 8)] = pattern(s->seed, page, i);
	if (s->nr_written < MAX_WRITTEN)
		s->written[s->nr_written++] = page;
}

static bool page_ok(const struct shape *s, const char *page)
{
	const unsigned long *w = (const unsigned long *)page;
	int i;

	for (i = 0; i < 8; i++)
		if (w[i * (PAGE / 8 / 8)] != pattern(s->seed, page, i))
			return false;
	return true;
}

static int own_maps(char *buf, size_t size)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len < size - 1 ? 0 : -1;
}

static void add_area(struct shape *s, char *addr, unsigned long len, int prot,
		     bool anon)
{
	if (s->nr_areas < MAX_AREAS) {
		s->area[s->nr_areas].addr = addr;
		s->area[s->nr_areas].len = len;
		s->area[s->nr_areas].prot = prot;
		s->area[s->nr_areas].anon = anon;
		s->nr_areas++;
	}
}

/* Touch @pages random pages of an area mapped read-write. */
static void scatter(struct shape *s, char *addr, unsigned long len, int pages)
{
	while (pages--)
		write_page(s, addr + rnd() % (len / PAGE) * PAGE);
}

static int __attribute__((noinline)) grow_stack(struct shape *s, int depth)
{
	volatile char frame[PAGE];

	frame[0] = (char)depth;
	if (depth > 0)
		return grow_stack(s, depth - 1) + frame[0];
	return frame[0];
}

static int build(struct shape *s)
{
	int file = open(FILE_PATH, O_RDONLY);
	unsigned int i, n = 8 + rnd() % 48;

	if (file < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned long pages = 1 + rnd() % 16, len = pages * PAGE, off;
		int prot = PROT_READ | PROT_WRITE;
		bool anon = true;
		char *p;

		switch (rnd() % 6) {
		case 0:		/* huge and sparse */
			len = (64 + rnd() % 448) << 20;
			p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_NORESERVE, -1, 0);
			if (p == MAP_FAILED)
				return -1;
			madvise(p, len, MADV_NOHUGEPAGE);
			scatter(s, p, len, 1 + rnd() % 32);
			break;
		case 1:		/* split by mprotect() */
			p = mmap(NULL, len + 2 * PAGE, prot,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return -1;
			scatter(s, p, len + 2 * PAGE, 1 + rnd() % 4);
			if (mprotect(p + PAGE, PAGE, PROT_READ))
				return -1;
			len += 2 * PAGE;
			break;
		case 2: {	/* moved and grown by mremap() */
			char *q = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0);

			if (q == MAP_FAILED)
				return -1;
			memset(q, 0, PAGE);
			p = mremap(q, len, len + PAGE, MREMAP_MAYMOVE);
			if (p == MAP_FAILED)
				return -1;
			len += PAGE;
			scatter(s, p, len, 1 + rnd() % 4);
			break;
		}
		case 3:		/* a file, privately, some pages read, some written */
			len = (1 + rnd() % FILE_PAGES) * PAGE;
			p = mmap(NULL, len, prot, MAP_PRIVATE, file, 0);
			if (p == MAP_FAILED)
				return -1;
			anon = false;
			/* File pages and their copies, interleaved. */
			for (off = 0; off < len; off += PAGE)
				if (rnd() % 2)
					s->sink += *(volatile char *)(p + off);
			scatter(s, p, len, rnd() % (len / PAGE + 1));
			break;
		default:	/* small, maybe read-only, maybe never touched */
			p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
			if (p == MAP_FAILED)
				return -1;
			if (rnd() % 3)
				scatter(s, p, len, 1 + rnd() % pages);
			if (!(rnd() % 4)) {
				prot = PROT_READ;
				if (mprotect(p, len, prot))
					return -1;
			}
			break;
		}
		add_area(s, p, len, prot, anon);
		/* A guard after some: PROT_NONE, never readable. */
		if (!(rnd() % 3) &&
		    mmap(p + len, PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0) == MAP_FAILED && errno != EEXIST)
			return -1;
	}
	close(file);
	return 0;
}

/*
 * The fixed shape: one 2 MiB-aligned area of EDGE_LEN with these pages
 * written (offsets in pages), all else a hole, and a huge page at
 * EDGE_HUGE where the kernel gives one (MADV_HUGEPAGE).  After a hole
 * at page H the module looks at most CKPT_PAGES_MAX (256) pages on, from
 * H + 1.
 */
#define EDGE_LEN	(16UL << 20)
#define EDGE_HUGE	(8UL << 20)
#define EDGE_ZERO	(12UL << 20)	/* EDGE_ZERO_PAGES read, then one written */
#define EDGE_ZERO_PAGES	16

static const unsigned long edge_pages[] = {
	511, 512,	/* the last of a page table, the first of the next */
	769,		/* the first after the 256-page window from 513 */
	1025,		/* the last in the window from 770, in the next table */
			/* 1536-2047: a whole page table empty, then the huge page */
	2560 + 5,	/* a little after it */
	3072 + EDGE_ZERO_PAGES,	/* just after the zero pages */
	4095,		/* the last page */
};

static int build_edges(struct shape *s)
{
	unsigned long i, off;
	char *map, *p;

	map = mmap(NULL, EDGE_LEN + (2UL << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	/* An area of its own, 2 MiB-aligned: the rest is unmapped. */
	p = (char *)(((unsigned long)map + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	if (p > map && munmap(map, p - map))
		return -1;
	if (munmap(p + EDGE_LEN, map + EDGE_LEN + (2UL << 20) - (p + EDGE_LEN)))
		return -1;
	madvise(p, EDGE_LEN, MADV_NOHUGEPAGE);
	madvise(p + EDGE_HUGE, 2UL << 20, MADV_HUGEPAGE);
	for (off = 0; off < (2UL << 20); off += PAGE)
		write_page(s, p + EDGE_HUGE + off);
	for (i = 0; i < EDGE_ZERO_PAGES; i++) {
		s->sink += *(volatile char *)(p + EDGE_ZERO + i * PAGE);
		s->read[s->nr_read++] = p + EDGE_ZERO + i * PAGE;
	}
	for (i = 0; i < sizeof(edge_pages) / sizeof(edge_pages[0]); i++)
		write_page(s, p + edge_pages[i] * PAGE);
	add_area(s, p, EDGE_LEN, PROT_READ | PROT_WRITE, true);
	return 0;
}

/* Every page of the area it can read: its pattern if written, else 0. */
/* Is @page, at @off in a private mapping of FILE_PATH, the file's? */
static bool file_page_ok(const char *page, unsigned long off)
{
	static char buf[PAGE];
	int fd = open(FILE_PATH, O_RDONLY);
	bool ok;

	ok = fd >= 0 && pread(fd, buf, PAGE, off) == PAGE &&
	     !memcmp(page, buf, PAGE);
	if (fd >= 0)
		close(fd);
	return ok;
}

static int check_area(const struct shape *s, unsigned int a)
{
	const char *base = s->area[a].addr;
	unsigned long off;
	int failed = 0;

	if (!(s->area[a].prot & PROT_READ))
		return 0;
	for (off = 0; off < s->area[a].len; off += PAGE) {
		const char *page = base + off;
		bool written = false;
		unsigned int i;

		for (i = 0; i < s->nr_written && !written; i++)
			written = s->written[i] == page;
		if (written) {
			if (!page_ok(s, page))
				failed |= S_DATA;
		} else if (s->area[a].anon && s->area[a].len <= (1UL << 20)) {
			static const char zero[PAGE];

			if (memcmp(page, zero, PAGE))
				failed |= S_ZERO;
		} else if (!s->area[a].anon && !file_page_ok(page, off)) {
			failed |= S_FILE;
		}
	}
	return failed;
}

/* A digest of the program's notes of itself: its areas and pages. */
static unsigned long notes_sum(const struct shape *s)
{
	unsigned long sum = s->seed;
	unsigned int i;

	for (i = 0; i < s->nr_areas; i++)
		sum = sum * 31 + (unsigned long)s->area[i].addr + s->area[i].len +
		      (unsigned long)s->area[i].prot * 2 + s->area[i].anon;
	for (i = 0; i < s->nr_written; i++)
		sum = sum * 31 + (unsigned long)s->written[i];
	for (i = 0; i < s->nr_read; i++)
		sum = sum * 31 + (unsigned long)s->read[i];
	return sum;
}

/* For the test's log: the maps as they were and as they are. */
static void save_maps(unsigned long seed, const char *when, const char *maps)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/ckpt-shape-%#lx.%s", seed, when);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, maps, strlen(maps)) < 0)
			unlink(path);
		close(fd);
	}
}

static int program(struct run_shared *sh, struct shape *s,
		   int (*build)(struct shape *s))
{
	static const char zero[PAGE];
	char *maps = malloc(MAPS_MAX);
	int failed = 0;
	unsigned int a;

	if (!maps || build(s) || grow_stack(s, rnd() % 64) < -1000)
		return S_SETUP;
	if (own_maps(s->maps, sizeof(s->maps)))
		return S_SETUP;
	sh->nr_areas = s->nr_areas;
	sh->nr_written = s->nr_written;
	sh->nr_read = s->nr_read;
	sh->sum = notes_sum(s);
	sh->ready = 1;
	while (!sh->go)
		usleep(1000);

	if (s->nr_areas != sh->nr_areas || s->nr_written != sh->nr_written ||
	    s->nr_read != sh->nr_read || notes_sum(s) != sh->sum)
		return S_SELF;

	/*
	 * Adjacent areas that differ only in what the kernel keeps to itself
	 * (their anon_vma) come back as one: compare the maps merged.
	 */
	if (own_maps(maps, MAPS_MAX) ||
	    strcmp(maps_merged(maps), maps_merged(s->maps))) {
		failed |= S_MAPS;
		save_maps(s->seed, "before", s->maps);
		save_maps(s->seed, "after", maps);
	}
	for (a = 0; a < s->nr_areas; a++)
		failed |= check_area(s, a);
	for (a = 0; a < s->nr_read; a++)
		if (memcmp(s->read[a], zero, PAGE))
			failed |= S_ZERO;
	return failed;
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

/* One shape: its program checkpointed, killed, restarted, checking itself. */
static void one_shape(struct __test_metadata *_metadata, unsigned long seed,
		      int (*build)(struct shape *s))
{
	char path[] = "/tmp/ckpt-shape.XXXXXX";
	struct restart_result res;
	struct run_shared *sh;
	struct image img;
	int fd, i, status;
	pid_t pid;

	sh = map_shared_page(path);
	ASSERT_NE(MAP_FAILED, sh);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct shape *s = malloc(sizeof(*s));

		close_fds_above_2();
		if (!s)
			_exit(S_SETUP);
		memset(s, 0, sizeof(*s));
		s->seed = seed;
		rnd_state = seed | 1;
		_exit(program(sh, s, build));
	}
	for (i = 0; i < 3000 && !sh->ready; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(10000);
	}
	ASSERT_TRUE(sh->ready) TH_LOG("seed %#lx: the shape could not be built", seed);

	fd = checkpoint_image(pid, CKPT_CHECKPOINT_KILL, &img);
	ASSERT_LE(0, fd) TH_LOG("seed %#lx: checkpoint: %s", seed, strerror(errno));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, restart_image(&img, fd, -1, (uid_t)-1, &res));
	ASSERT_TRUE(res.started) TH_LOG("seed %#lx: restart failed: %s", seed, res.msg);
	sh->go = 1;
	ASSERT_EQ(res.pid, waitpid(res.pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status))
		TH_LOG("seed %#lx: died of signal %d", seed, WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("seed %#lx: the program found itself changed: %#x (maps %d, data %d, zero %d, file %d, its own notes %d)",
		       seed, WEXITSTATUS(status), !!(WEXITSTATUS(status) & S_MAPS),
		       !!(WEXITSTATUS(status) & S_DATA), !!(WEXITSTATUS(status) & S_ZERO),
		       !!(WEXITSTATUS(status) & S_FILE), !!(WEXITSTATUS(status) & S_SELF));
	if (WIFEXITED(status) && (WEXITSTATUS(status) & S_MAPS)) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "diff /tmp/ckpt-shape-%#lx.before /tmp/ckpt-shape-%#lx.after | head -40 >&2; rm -f /tmp/ckpt-shape-%#lx.*",
			 seed, seed, seed);
		if (system(cmd) < 0)
			TH_LOG("diff of the maps failed");
	}
	image_free(&img);
	close(fd);
	munmap(sh, 4096);
	unlink(path);
}

FIXTURE(shapes) {
};

FIXTURE_SETUP(shapes)
{
}

FIXTURE_TEARDOWN(shapes)
{
}

/* Slow under TCG: each shape is a checkpoint and a restart. */
TEST_F_TIMEOUT(shapes, random_shapes_come_back_whole, 600)
{
	unsigned long seed = env_ul("CKPT_SHAPES_SEED", (unsigned long)time(NULL));
	unsigned long n = env_ul("CKPT_SHAPES", 6), i;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	TH_LOG("CKPT_SHAPES_SEED=%#lx CKPT_SHAPES=%lu", seed, n);
	for (i = 0; i < n && _metadata->passed; i++)
		one_shape(_metadata, seed + i, build);
}

/*
 * The module skips holes by walking page tables: every written page on
 * either side of an edge of that walk comes back, and the shared zero
 * pages read before the checkpoint still read as zero.
 */
TEST_F_TIMEOUT(shapes, pages_at_the_edges_of_holes_come_back, 120)
{
	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	one_shape(_metadata, 0x5eed, build_edges);
}

TEST_HARNESS_MAIN
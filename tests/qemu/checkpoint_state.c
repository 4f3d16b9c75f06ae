// SPDX-License-Identifier: GPL-2.0
/*
 * What an image holds: a workload fills its heap, stack, an anonymous
 * mapping, a private file mapping, a PROT_NONE area and its TLS with
 * seeded patterns, and keeps known values in r12-r15 and ymm0-ymm15.
 * It is checkpointed while running, while blocked in read() and while in
 * nanosleep().  The image, read directly and as `ckpt info --json` shows
 * it, is then compared with /proc/PID/maps as it was at that moment, with
 * the patterns and with the register values; and the workload, released,
 * checks that it was left exactly as it was.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "ckpt_harness.h"

FIXTURE(workload) {
	struct shared *sh;
	char shared_path[64];
	pid_t pid;
	int wfd;
	int img;
	struct image image;
	char *maps;
	enum mode mode;
};

FIXTURE_VARIANT(workload) {
	enum mode mode;
};

FIXTURE_VARIANT_ADD(workload, running) { .mode = MODE_RUNNING };
FIXTURE_VARIANT_ADD(workload, blocked_in_read) { .mode = MODE_READ };
FIXTURE_VARIANT_ADD(workload, in_nanosleep) { .mode = MODE_NANOSLEEP };
FIXTURE_VARIANT_ADD(workload, in_pause) { .mode = MODE_PAUSE };

FIXTURE_SETUP(workload)
{
	const char *why;
	int p[2];

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (!have_avx())
		SKIP(return, "the CPU has no AVX (QEMU needs -cpu max)");
	self->mode = variant->mode;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->pid = workload_start(variant->mode, (uid_t)-1, p, &self->sh,
				   self->shared_path, sizeof(self->shared_path),
				   &why);
	ASSERT_LT(0, self->pid) TH_LOG("workload: %s", why);
	close(p[0]);
	self->wfd = p[1];

	self->maps = read_maps(self->pid);
	ASSERT_NE(NULL, self->maps);
	self->img = memfd_create("ckpt-image", MFD_CLOEXEC);
	ASSERT_LE(0, self->img);
	ASSERT_EQ(0, ckpt_checkpoint(self->pid, self->img, 0))
		TH_LOG("checkpoint: %s", strerror(errno));
	ASSERT_EQ(0, image_load(&self->image, self->img));
	ASSERT_TRUE(image_is_whole(&self->image));
}

FIXTURE_TEARDOWN(workload)
{
	kill_child(self->pid);
	workload_cleanup(self->sh, self->shared_path);
	image_free(&self->image);
	free(self->maps);
}

/* Release the workload and collect its own verdict. */
static int finish(FIXTURE_DATA(workload) *self)
{
	int status;

	if (write(self->wfd, "x", 1) != 1)
		return -1;
	self->sh->go = 1;
	if (self->mode == MODE_PAUSE && kill(self->pid, SIGUSR1))
		return -1;
	if (waitpid(self->pid, &status, 0) != self->pid)
		return -1;
	self->pid = 0;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) ? workload_failed(self->sh, status) : 0;
}

TEST_F(workload, memory_map_matches_proc_maps)
{
	char *maps = image_maps(&self->image);

	ASSERT_NE(NULL, maps);
	EXPECT_STREQ(self->maps, maps);
	free(maps);
	EXPECT_EQ(0, finish(self));
}

/* One line of /proc/PID/maps, its fields apart. */
struct map_line {
	unsigned long start, end, offset, inode;
	char perms[8], dev[16], name[4096];
};

/* Parse "start-end perms offset dev inode [name]"; false if malformed. */
static bool parse_map_line(const char *line, struct map_line *m)
{
	int n = 0;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%lx-%lx %7s %lx %15s %lu%n", &m->start, &m->end,
		   m->perms, &m->offset, m->dev, &m->inode, &n) < 6 || !n)
		return false;
	while (line[n] == ' ')
		n++;
	snprintf(m->name, sizeof(m->name), "%.*s", (int)strcspn(line + n, "\n"),
		 line + n);
	return true;
}

/*
 * `ckpt info --json` of the image, read by python3's json module: every
 * mapping of its "vmas" printed as /proc/PID/maps prints it, but with one
 * space before the name.  NULL if the command fails.
 */
static char *info_json_maps(int imgfd)
{
	static const char script[] =
		"import json, sys\n"
		"f = \"%x-%x %s %x %s %d %s\"\n"
		"k = (\"start\", \"end\", \"perms\", \"offset\", \"dev\", \"inode\", \"name\")\n"
		"for m in json.load(sys.stdin)[\"vmas\"]:\n"
		"    print(f % tuple(m[x] for x in k))\n";
	char cmd[1024];
	size_t len = 0, cap = 1 << 16;
	char *out = malloc(cap);
	FILE *p;

	/* The image is a memfd: its path in /proc opens it afresh. */
	snprintf(cmd, sizeof(cmd),
		 "ckpt info --json /proc/%d/fd/%d | python3 -c '%s'",
		 getpid(), imgfd, script);
	p = popen(cmd, "r");
	if (!p || !out) {
		if (p)
			pclose(p);
		free(out);
		return NULL;
	}
	for (;;) {
		size_t n = fread(out + len, 1, cap - len - 1, p);

		len += n;
		if (len < cap - 1)
			break;
		out = realloc(out, cap *= 2);
		if (!out)
			break;
	}
	if (pclose(p) || !out) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	return out;
}

/*
 * The acceptance's own words: `ckpt info --json` of the image matches
 * /proc/PID/maps at that moment, field by field, mapping by mapping.
 */
TEST_F(workload, info_json_matches_proc_maps)
{
	char *info = info_json_maps(self->img), *a, *b, *next_a, *next_b;
	struct map_line *m = malloc(2 * sizeof(*m));
	int line = 0;

	ASSERT_NE(NULL, info) TH_LOG("ckpt info --json | python3 failed");
	ASSERT_NE(NULL, m);
	for (a = self->maps, b = info; *a && *b; a = next_a, b = next_b) {
		next_a = strchr(a, '\n');
		next_a = next_a ? next_a + 1 : a + strlen(a);
		next_b = strchr(b, '\n');
		next_b = next_b ? next_b + 1 : b + strlen(b);
		line++;
		ASSERT_TRUE(parse_map_line(a, &m[0])) TH_LOG("maps: %s", a);
		ASSERT_TRUE(parse_map_line(b, &m[1])) TH_LOG("json: %s", b);
		EXPECT_EQ(m[0].start, m[1].start) TH_LOG("line %d", line);
		EXPECT_EQ(m[0].end, m[1].end) TH_LOG("line %d", line);
		EXPECT_STREQ(m[0].perms, m[1].perms) TH_LOG("line %d", line);
		EXPECT_EQ(m[0].offset, m[1].offset) TH_LOG("line %d", line);
		EXPECT_STREQ(m[0].dev, m[1].dev) TH_LOG("line %d", line);
		EXPECT_EQ(m[0].inode, m[1].inode) TH_LOG("line %d", line);
		EXPECT_STREQ(m[0].name, m[1].name) TH_LOG("line %d", line);
	}
	EXPECT_EQ(0, *a) TH_LOG("/proc/PID/maps has more: %s", a);
	EXPECT_EQ(0, *b) TH_LOG("ckpt info --json has more: %s", b);
	/* Heap, stack, the anonymous mapping and the file mapping at least. */
	EXPECT_LT(4, line);
	free(m);
	free(info);
	EXPECT_EQ(0, finish(self));
}

static bool region_saved(const struct image *img, uint64_t addr, size_t len,
			 uint64_t seed)
{
	unsigned char *buf = calloc(1, len);
	bool ok;

	ok = buf && image_read_mem(img, addr, buf, len) == len &&
	     check_pattern(buf, len, seed) < 0;
	free(buf);
	return ok;
}

TEST_F(workload, saves_every_written_page_and_no_other)
{
	const struct ckpt_hdr_tail *tail;
	unsigned char byte;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t seed = self->sh->seed;
	size_t off;

	EXPECT_TRUE(region_saved(&self->image, self->sh->heap, HEAP_LEN,
				 seed + S_HEAP));
	EXPECT_TRUE(region_saved(&self->image, self->sh->stack, STACK_LEN,
				 seed + S_STACK));
	EXPECT_TRUE(region_saved(&self->image, self->sh->anon, ANON_LEN,
				 seed + S_ANON));
	EXPECT_TRUE(region_saved(&self->image, self->sh->tls, TLS_LEN,
				 seed + S_TLS));
	/* PROT_NONE does not hide memory from a checkpoint. */
	EXPECT_TRUE(region_saved(&self->image, self->sh->guard, GUARD_LEN,
				 seed + S_GUARD));
	/* The written part of the file mapping, and only that part. */
	EXPECT_TRUE(region_saved(&self->image, self->sh->file, COW_LEN,
				 seed + S_COW));
	EXPECT_EQ(0, image_read_mem(&self->image, self->sh->file + COW_LEN,
				    &byte, 1));
	EXPECT_EQ(0, image_read_mem(&self->image,
				    self->sh->file + FILE_LEN - 1, &byte, 1));
	/* Memory never touched costs nothing. */
	for (off = 0; off < HOLE_LEN; off += page)
		EXPECT_EQ(0, image_read_mem(&self->image, self->sh->hole + off,
					    &byte, 1));

	/* The tail counts the pages saved. */
	tail = (const void *)(self->image.buf + self->image.len -
			      sizeof(*tail));
	EXPECT_LT(ANON_LEN / page, tail->nr_pages);
	EXPECT_EQ(0, finish(self));
}

TEST_F(workload, file_mapping_records_the_files_identity)
{
	const struct ckpt_hdr *h;
	struct stat st;
	size_t off = 0;
	int found = 0;

	ASSERT_EQ(0, stat(self->sh->file_path, &st));
	while ((h = image_next(&self->image, &off))) {
		const struct ckpt_hdr_vma *v = (const void *)h;

		if (h->type != CKPT_HDR_VMA || v->start != self->sh->file)
			continue;
		found++;
		EXPECT_EQ(CKPT_VMA_FILE, v->kind);
		EXPECT_EQ(self->sh->file + FILE_LEN, v->end);
		EXPECT_EQ(0, v->pgoff);
		EXPECT_STREQ(self->sh->file_path, v->name);
		EXPECT_EQ(st.st_dev, v->dev);
		EXPECT_EQ(st.st_ino, v->ino);
		EXPECT_EQ(st.st_size, v->size);
		EXPECT_EQ(st.st_mtim.tv_sec, v->mtime_sec);
		EXPECT_EQ(st.st_mtim.tv_nsec, v->mtime_nsec);
		EXPECT_EQ(CKPT_VMA_READ | CKPT_VMA_WRITE, v->flags &
			  (CKPT_VMA_READ | CKPT_VMA_WRITE | CKPT_VMA_EXEC |
			   CKPT_VMA_SHARED));
	}
	EXPECT_EQ(1, found);
	EXPECT_EQ(0, finish(self));
}

static unsigned int ymm_hi_offset(void)
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid_count(0xd, 2, eax, ebx, ecx, edx);
	return ebx;
}

TEST_F(workload, registers_and_syscall_state_are_saved)
{
	const struct ckpt_hdr_header *hdr = (const void *)self->image.buf;
	const struct ckpt_hdr_cpu *cpu = image_find(&self->image, CKPT_HDR_CPU);
	const struct ckpt_hdr_xstate *xs =
		image_find(&self->image, CKPT_HDR_XSTATE);
	const struct ckpt_hdr_task *task =
		image_find(&self->image, CKPT_HDR_TASK);
	unsigned char in[16][32];
	unsigned int hi = ymm_hi_offset();
	int i;

	ASSERT_NE(NULL, cpu);
	ASSERT_NE(NULL, xs);
	ASSERT_NE(NULL, task);
	EXPECT_EQ(hdr->constants.xstate_size, xs->size);
	EXPECT_EQ(sizeof(*xs) + xs->size, xs->h.len);
	EXPECT_EQ(self->pid, task->pid);
	EXPECT_EQ(getpid(), task->ppid);
	EXPECT_EQ(getuid(), task->uid);
	/* TLS: fs base is the thread pointer. */
	EXPECT_EQ(self->sh->tp, cpu->fs_base);

	switch (variant->mode) {
	case MODE_RUNNING:
		fill_pattern(in, sizeof(in), self->sh->seed + S_YMM);
		EXPECT_EQ(CKPT_RESTART_NONE, task->restart);
		EXPECT_EQ(-1, task->syscall_nr);
		EXPECT_EQ(gp_values[0], cpu->r12);
		EXPECT_EQ(gp_values[1], cpu->r13);
		EXPECT_EQ(gp_values[2], cpu->r14);
		EXPECT_EQ(gp_values[3], cpu->r15);
		/* XSTATE_BV has SSE and AVX. */
		EXPECT_EQ(6, xs->xfeatures & 6);
		ASSERT_LE(hi + 256, xs->size);
		for (i = 0; i < 16; i++) {
			EXPECT_EQ(0, memcmp(xs->data + 160 + 16 * i, in[i], 16))
				TH_LOG("xmm%d differs", i);
			EXPECT_EQ(0, memcmp(xs->data + hi + 16 * i, in[i] + 16, 16))
				TH_LOG("upper half of ymm%d differs", i);
		}
		break;
	case MODE_READ:
		EXPECT_EQ(CKPT_RESTART_SYS, task->restart);
		EXPECT_EQ(SYS_read, task->syscall_nr);
		EXPECT_EQ(SYS_read, cpu->orig_ax);
		EXPECT_EQ(-512 /* -ERESTARTSYS */, task->syscall_ret);
		break;
	case MODE_NANOSLEEP:
		EXPECT_EQ(CKPT_RESTART_BLOCK, task->restart);
		EXPECT_EQ(SYS_clock_nanosleep, task->syscall_nr);
		EXPECT_EQ(CKPT_RESTART_BLOCK_NANOSLEEP, task->restart_block_kind);
		/* A relative CLOCK_REALTIME sleep runs on CLOCK_MONOTONIC. */
		EXPECT_EQ(CLOCK_MONOTONIC, task->nanosleep_clockid);
		/* The sleep has time left, and less than all of it. */
		EXPECT_LT(task->nanosleep_now, task->nanosleep_expires);
		EXPECT_GT(task->nanosleep_now + 1500000000LL,
			  task->nanosleep_expires);
		break;
	case MODE_PAUSE:
		EXPECT_EQ(CKPT_RESTART_NOHAND, task->restart);
		EXPECT_EQ(SYS_pause, task->syscall_nr);
		break;
	}
	EXPECT_EQ(0, finish(self));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * What an image holds: a workload fills its heap, stack, an anonymous
 * mapping, a private file mapping, a PROT_NONE area and its TLS with
 * seeded patterns, and keeps known values in r12-r15 and ymm0-ymm15.
 * It is checkpointed while running, while blocked in read() and while in
 * nanosleep().  The image is then compared with /proc/PID/maps as it was
 * at that moment, with the patterns and with the register values; and
 * the workload, released, checks that it was left exactly as it was.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <pthread.h>
#include <sys/syscall.h>

#include "ckpt_test.h"
#include "kselftest_harness.h"

#define HEAP_LEN	(64 << 10)	/* below M_MMAP_THRESHOLD: from brk */
#define STACK_LEN	(16 << 10)
#define ANON_LEN	(1 << 20)
#define FILE_LEN	(64 << 10)
#define COW_LEN		(32 << 10)	/* the part of the file written */
#define GUARD_LEN	(64 << 10)	/* filled, then made PROT_NONE */
#define HOLE_LEN	(1 << 20)	/* mapped, never touched */
#define TLS_LEN		256

enum seed { S_HEAP = 1, S_STACK, S_ANON, S_FILE, S_COW, S_GUARD, S_TLS, S_YMM };

/* r12-r15 while the workload spins */
static const uint64_t gp_values[4] = {
	0x1212121234343434ULL, 0x5656565678787878ULL,
	0x9a9a9a9abcbcbcbcULL, 0xdededede0f0f0f0fULL,
};

enum mode { MODE_RUNNING, MODE_READ, MODE_NANOSLEEP };

/* Shared with the workload through a MAP_SHARED mapping of a file. */
struct shared {
	volatile int ready;
	volatile int go;
	uint64_t heap, stack, anon, file, guard, hole, tls, tp;
	int failed;		/* bits: what the workload found changed */
	char file_path[64];
};

static __thread unsigned char tls_buf[TLS_LEN];

static bool have_avx(void)
{
	return __builtin_cpu_supports("avx");
}

/*
 * Load ymm0-15 and r12-15, say so, spin until told to go, then store
 * what the registers hold.
 */
static void spin_with_registers(struct shared *sh, unsigned char in[16][32],
				unsigned char out[16][32], uint64_t gp[4])
{
	asm volatile(
		"vmovdqu 0(%[in]), %%ymm0\n\t"
		"vmovdqu 32(%[in]), %%ymm1\n\t"
		"vmovdqu 64(%[in]), %%ymm2\n\t"
		"vmovdqu 96(%[in]), %%ymm3\n\t"
		"vmovdqu 128(%[in]), %%ymm4\n\t"
		"vmovdqu 160(%[in]), %%ymm5\n\t"
		"vmovdqu 192(%[in]), %%ymm6\n\t"
		"vmovdqu 224(%[in]), %%ymm7\n\t"
		"vmovdqu 256(%[in]), %%ymm8\n\t"
		"vmovdqu 288(%[in]), %%ymm9\n\t"
		"vmovdqu 320(%[in]), %%ymm10\n\t"
		"vmovdqu 352(%[in]), %%ymm11\n\t"
		"vmovdqu 384(%[in]), %%ymm12\n\t"
		"vmovdqu 416(%[in]), %%ymm13\n\t"
		"vmovdqu 448(%[in]), %%ymm14\n\t"
		"vmovdqu 480(%[in]), %%ymm15\n\t"
		"movabs $0x1212121234343434, %%r12\n\t"
		"movabs $0x5656565678787878, %%r13\n\t"
		"movabs $0x9a9a9a9abcbcbcbc, %%r14\n\t"
		"movabs $0xdededede0f0f0f0f, %%r15\n\t"
		"movl $1, (%[ready])\n\t"
		"1: pause\n\t"
		"cmpl $0, (%[go])\n\t"
		"je 1b\n\t"
		"vmovdqu %%ymm0, 0(%[out])\n\t"
		"vmovdqu %%ymm1, 32(%[out])\n\t"
		"vmovdqu %%ymm2, 64(%[out])\n\t"
		"vmovdqu %%ymm3, 96(%[out])\n\t"
		"vmovdqu %%ymm4, 128(%[out])\n\t"
		"vmovdqu %%ymm5, 160(%[out])\n\t"
		"vmovdqu %%ymm6, 192(%[out])\n\t"
		"vmovdqu %%ymm7, 224(%[out])\n\t"
		"vmovdqu %%ymm8, 256(%[out])\n\t"
		"vmovdqu %%ymm9, 288(%[out])\n\t"
		"vmovdqu %%ymm10, 320(%[out])\n\t"
		"vmovdqu %%ymm11, 352(%[out])\n\t"
		"vmovdqu %%ymm12, 384(%[out])\n\t"
		"vmovdqu %%ymm13, 416(%[out])\n\t"
		"vmovdqu %%ymm14, 448(%[out])\n\t"
		"vmovdqu %%ymm15, 480(%[out])\n\t"
		"mov %%r12, 0(%[gp])\n\t"
		"mov %%r13, 8(%[gp])\n\t"
		"mov %%r14, 16(%[gp])\n\t"
		"mov %%r15, 24(%[gp])\n\t"
		"vzeroupper\n\t"
		:
		: [in] "r"(in), [out] "r"(out), [gp] "r"(gp),
		  [ready] "r"(&sh->ready), [go] "r"(&sh->go)
		: "memory", "r12", "r13", "r14", "r15",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		  "xmm14", "xmm15");
}

#define FAIL_HEAP	(1 << 0)
#define FAIL_STACK	(1 << 1)
#define FAIL_ANON	(1 << 2)
#define FAIL_FILE	(1 << 3)
#define FAIL_GUARD	(1 << 4)
#define FAIL_TLS	(1 << 5)
#define FAIL_REGS	(1 << 6)
#define FAIL_SYSCALL	(1 << 7)
#define FAIL_SETUP	(1 << 8)

static void workload(struct shared *sh, enum mode mode, int rfd)
{
	unsigned char stack[STACK_LEN], in[16][32], out[16][32];
	unsigned char *heap, *anon, *file, *guard, *hole, *expect;
	struct timespec t0, t1, nap = { 1, 500000000 };
	uint64_t gp[4];
	int fd, failed = 0;
	char c;

	heap = malloc(HEAP_LEN);
	expect = malloc(FILE_LEN);
	anon = mmap(NULL, ANON_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	guard = mmap(NULL, GUARD_LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, HOLE_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open(sh->file_path, O_RDWR);
	file = fd < 0 ? MAP_FAILED :
	       mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!heap || !expect || anon == MAP_FAILED || guard == MAP_FAILED ||
	    hole == MAP_FAILED || file == MAP_FAILED) {
		sh->failed = FAIL_SETUP;
		_exit(1);
	}
	close(fd);

	fill_pattern(heap, HEAP_LEN, S_HEAP);
	fill_pattern(stack, STACK_LEN, S_STACK);
	fill_pattern(anon, ANON_LEN, S_ANON);
	fill_pattern(file, COW_LEN, S_COW);
	fill_pattern(guard, GUARD_LEN, S_GUARD);
	mprotect(guard, GUARD_LEN, PROT_NONE);
	fill_pattern(tls_buf, TLS_LEN, S_TLS);
	fill_pattern(in, sizeof(in), S_YMM);

	sh->heap = (uintptr_t)heap;
	sh->stack = (uintptr_t)stack;
	sh->anon = (uintptr_t)anon;
	sh->file = (uintptr_t)file;
	sh->guard = (uintptr_t)guard;
	sh->hole = (uintptr_t)hole;
	sh->tls = (uintptr_t)tls_buf;
	sh->tp = (uintptr_t)pthread_self();

	switch (mode) {
	case MODE_RUNNING:
		spin_with_registers(sh, in, out, gp);
		if (memcmp(in, out, sizeof(in)) ||
		    memcmp(gp, gp_values, sizeof(gp)))
			failed |= FAIL_REGS;
		break;
	case MODE_READ:
		sh->ready = 1;
		if (read(rfd, &c, 1) != 1 || c != 'x')
			failed |= FAIL_SYSCALL;
		break;
	case MODE_NANOSLEEP:
		sh->ready = 1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (nanosleep(&nap, NULL))
			failed |= FAIL_SYSCALL;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* The whole sleep, no less: interrupted and resumed. */
		if ((t1.tv_sec - t0.tv_sec) * 1000000000LL +
		    (t1.tv_nsec - t0.tv_nsec) < 1500000000LL)
			failed |= FAIL_SYSCALL;
		break;
	}
	while (!sh->go)
		usleep(1000);

	if (check_pattern(heap, HEAP_LEN, S_HEAP) >= 0)
		failed |= FAIL_HEAP;
	if (check_pattern(stack, STACK_LEN, S_STACK) >= 0)
		failed |= FAIL_STACK;
	if (check_pattern(anon, ANON_LEN, S_ANON) >= 0)
		failed |= FAIL_ANON;
	/* Written part: the pattern; the rest: still the file's bytes. */
	fill_pattern(expect, FILE_LEN, S_FILE);
	if (check_pattern(file, COW_LEN, S_COW) >= 0 ||
	    memcmp(file + COW_LEN, expect + COW_LEN, FILE_LEN - COW_LEN))
		failed |= FAIL_FILE;
	mprotect(guard, GUARD_LEN, PROT_READ);
	if (check_pattern(guard, GUARD_LEN, S_GUARD) >= 0)
		failed |= FAIL_GUARD;
	if (check_pattern(tls_buf, TLS_LEN, S_TLS) >= 0 ||
	    sh->tp != (uintptr_t)pthread_self())
		failed |= FAIL_TLS;
	sh->failed = failed;
	_exit(failed ? 1 : 0);
}

FIXTURE(workload) {
	struct shared *sh;
	char shared_path[64];
	pid_t pid;
	int wfd;
	int img;
	struct image image;
	char *maps;
};

FIXTURE_VARIANT(workload) {
	enum mode mode;
};

FIXTURE_VARIANT_ADD(workload, running) { .mode = MODE_RUNNING };
FIXTURE_VARIANT_ADD(workload, blocked_in_read) { .mode = MODE_READ };
FIXTURE_VARIANT_ADD(workload, in_nanosleep) { .mode = MODE_NANOSLEEP };

static int make_file(char *path, size_t pathlen, const char *tmpl, size_t len,
		     uint64_t seed)
{
	void *buf = malloc(len);
	int fd;

	snprintf(path, pathlen, "%s", tmpl);
	fd = mkstemp(path);
	if (fd < 0 || !buf)
		return -1;
	if (seed)
		fill_pattern(buf, len, seed);
	else
		memset(buf, 0, len);
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		fd = -1;
	}
	free(buf);
	return fd;
}

FIXTURE_SETUP(workload)
{
	char file_path[64];
	int fd, p[2], i;

	if (!ckpt_available())
		SKIP(return, CKPT_DEV " is missing: ckpt.ko is not loaded");
	if (!have_avx())
		SKIP(return, "the CPU has no AVX (QEMU needs -cpu max)");

	fd = make_file(self->shared_path, sizeof(self->shared_path),
		       "/tmp/ckpt-shared.XXXXXX", 4096, 0);
	ASSERT_LE(0, fd);
	self->sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	close(fd);
	fd = make_file(file_path, sizeof(file_path), "/tmp/ckpt-file.XXXXXX",
		       FILE_LEN, S_FILE);
	ASSERT_LE(0, fd);
	close(fd);
	strcpy(self->sh->file_path, file_path);

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->pid = fork_child();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		close(p[1]);
		workload(self->sh, variant->mode, p[0]);
	}
	close(p[0]);
	self->wfd = p[1];

	for (i = 0; i < 3000 && !self->sh->ready; i++)
		usleep(10000);
	ASSERT_TRUE(self->sh->ready);
	if (variant->mode == MODE_READ)
		ASSERT_TRUE(wait_in_syscall(self->pid, SYS_read, 20000));
	if (variant->mode == MODE_NANOSLEEP)
		ASSERT_TRUE(wait_in_syscall(self->pid, SYS_clock_nanosleep,
					    20000));

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
	if (self->sh) {
		unlink(self->sh->file_path);
		munmap(self->sh, 4096);
	}
	unlink(self->shared_path);
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
	if (waitpid(self->pid, &status, 0) != self->pid)
		return -1;
	self->pid = 0;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) ? self->sh->failed : 0;
}

TEST_F(workload, memory_map_matches_proc_maps)
{
	char *maps = image_maps(&self->image);

	ASSERT_NE(NULL, maps);
	EXPECT_STREQ(self->maps, maps);
	free(maps);
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
	size_t off;

	EXPECT_TRUE(region_saved(&self->image, self->sh->heap, HEAP_LEN, S_HEAP));
	EXPECT_TRUE(region_saved(&self->image, self->sh->stack, STACK_LEN,
				 S_STACK));
	EXPECT_TRUE(region_saved(&self->image, self->sh->anon, ANON_LEN, S_ANON));
	EXPECT_TRUE(region_saved(&self->image, self->sh->tls, TLS_LEN, S_TLS));
	/* PROT_NONE does not hide memory from a checkpoint. */
	EXPECT_TRUE(region_saved(&self->image, self->sh->guard, GUARD_LEN,
				 S_GUARD));
	/* The written part of the file mapping, and only that part. */
	EXPECT_TRUE(region_saved(&self->image, self->sh->file, COW_LEN, S_COW));
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
		fill_pattern(in, sizeof(in), S_YMM);
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
	}
	EXPECT_EQ(0, finish(self));
}

TEST_HARNESS_MAIN

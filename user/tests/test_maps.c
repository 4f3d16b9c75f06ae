// SPDX-License-Identifier: GPL-2.0
/*
 * `ckpt info --maps` must print what /proc/PID/maps prints: compared with
 * the selftests' own image_maps() (tests/qemu/ckpt_test.h) on synthetic
 * images, and with this process's real /proc/self/maps, line by line.
 * Also the escaping of hostile strings in JSON and text output.
 */
#include <fcntl.h>
#include <grp.h>		/* ckpt_test.h calls setgroups() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ckpt_test.h"
#include "image.h"
#include "synth.h"
#include "tap.h"
#include "unit.h"
#include "util.h"

/* The kernel's new_encode_dev(), which the image uses. */
static uint64_t new_encode_dev(unsigned int maj, unsigned int min)
{
	return (min & 0xff) | (maj << 8) | ((uint64_t)(min & ~0xffu) << 12);
}

/* Our --maps output for the image in @s. */
static char *our_maps(const struct synth *s)
{
	struct image_parser *p = image_parser_new("synth");
	const struct ckpt_image *img;
	char line[CKPT_MAPS_LINE_MAX], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (image_feed(p, s->buf, s->len) || image_finish(p))
		tap_check(false, __FILE__, __LINE__, "parse: %s", ckpt_errmsg());
	img = image_parser_image(p);
	for (size_t i = 0; i < img->nr_vmas; i++)
		fwrite(line, 1, image_maps_line(&img->vmas[i], line, sizeof(line)), f);
	fclose(f);
	image_parser_free(p);
	return out;
}

static void same_as_selftests(const struct synth *s)
{
	struct image timg = { .buf = s->buf, .len = s->len };
	char *ours = our_maps(s), *theirs = image_maps(&timg);

	CHECK(ours && theirs);
	if (ours && theirs)
		CHECK_STR(ours, theirs);
	free(ours);
	free(theirs);
}

static void maps_match_selftests_standard(const void *arg)
{
	struct synth s;

	(void)arg;
	synth_standard(&s, 0);
	same_as_selftests(&s);
	synth_free(&s);
}

/*
 * Headers of every width: short, exactly at the pad column, and longer
 * (a 3-digit major, a 5-digit minor, a 20-digit inode).
 */
static void maps_match_selftests_widths(const void *arg)
{
	static const struct {
		uint64_t start, end, pgoff, ino;
		unsigned int maj, min;
		uint32_t kind, flags;
		const char *name;
	} vmas[] = {
		{ 0x1000, 0x2000, 0, 0, 0, 0, CKPT_VMA_ANON, 0, "" },
		{ 0x2000, 0x3000, 0, 0, 0, 0, CKPT_VMA_ANON, CKPT_VMA_READ, "[anon:x]" },
		{ 0x10000000, 0x10001000, 0x1000, 1, 8, 1, CKPT_VMA_FILE,
		  CKPT_VMA_READ | CKPT_VMA_SHARED, "/a" },
		{ 0x7ffff0000000, 0x7ffff0001000, 0xfffffffff000, 18446744073709551615ULL,
		  0xfff, 0xfffff, CKPT_VMA_FILE, CKPT_VMA_READ | CKPT_VMA_EXEC,
		  "/a/long/path/with spaces/and-more-than-seventy-three-columns-of-header" },
		{ 0x7ffff0001000, 0x7ffff0002000, 0, 123456789, 0x1f, 0x100,
		  CKPT_VMA_FILE, CKPT_VMA_WRITE | CKPT_VMA_DELETED, "/tmp/x (deleted)" },
		{ 0x7ffff0002000, 0x7ffff0003000, 0, 0, 0, 0, CKPT_VMA_SPECIAL,
		  CKPT_VMA_READ | CKPT_VMA_EXEC, "[vdso]" },
	};
	const size_t nr = ARRAY_SIZE(vmas);
	struct synth s;

	(void)arg;
	synth_init(&s);
	synth_prologue(&s);
	synth_mm(&s, nr);
	for (size_t i = 0; i < nr; i++) {
		struct ckpt_hdr_vma *v;
		size_t off = synth_vma(&s, vmas[i].start, vmas[i].end, vmas[i].kind,
				       vmas[i].flags, vmas[i].name);

		v = synth_at(&s, off);
		if (vmas[i].kind == CKPT_VMA_FILE) {
			v->pgoff = vmas[i].pgoff;
			v->ino = vmas[i].ino;
			v->dev = new_encode_dev(vmas[i].maj, vmas[i].min);
		}
	}
	synth_auxv(&s);
	synth_tail(&s);
	same_as_selftests(&s);
	{
		char *ours = our_maps(&s);

		/* Spot checks of the layout itself. */
		CHECK_HAS(ours, "00001000-00002000 ---p 00000000 00:00 0 \n");
		CHECK_HAS(ours, "10000000-10001000 r--s 00001000 08:01 1");
		/* Past column 72: the header's own space and one more. */
		CHECK_HAS(ours, "7ffff0000000-7ffff0001000 r-xp fffffffff000 fff:fffff 18446744073709551615  /a/long");
		free(ours);
	}
	synth_free(&s);
}

/* Parse one line of /proc/PID/maps back into what an image would hold. */
static bool parse_maps_line(const char *line, struct image_vma *v, char *name,
			    size_t name_size)
{
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	char perms[5];
	int n = 0;
	size_t j = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perms,
		   &off, &maj, &min, &ino, &n) != 7 || !n)
		return false;
	/* The kernel shows a newline in a path as \012. */
	for (const char *p = line + n; *p && *p != '\n' && j + 1 < name_size; p++) {
		if (!strncmp(p, "\\012", 4)) {
			name[j++] = '\n';
			p += 3;
		} else {
			name[j++] = *p;
		}
	}
	name[j] = '\0';
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = end;
	v->kind = ino || maj || min || off ? CKPT_VMA_FILE : CKPT_VMA_ANON;
	v->pgoff = off;
	v->dev = new_encode_dev(maj, min);
	v->ino = ino;
	v->flags = (perms[0] == 'r' ? CKPT_VMA_READ : 0) |
		   (perms[1] == 'w' ? CKPT_VMA_WRITE : 0) |
		   (perms[2] == 'x' ? CKPT_VMA_EXEC : 0) |
		   (perms[3] == 's' ? CKPT_VMA_SHARED : 0);
	v->name = name;
	return true;
}

static void maps_match_proc_self(const void *arg)
{
	char *dir = unit_tmpdir(), *path, line[CKPT_MAPS_LINE_MAX];
	char out[CKPT_MAPS_LINE_MAX], name[CKPT_IMAGE_NAME_MAX];
	size_t lines = 0, newline_names = 0;
	void *shared = NULL, *odd = NULL;
	FILE *maps;
	int fd;

	(void)arg;
	/* A shared mapping, and a file whose name holds a newline. */
	if (asprintf(&path, "%s/odd\nname", dir) < 0)
		abort();
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd >= 0 && ftruncate(fd, 4096) == 0) {
		odd = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	maps = fopen("/proc/self/maps", "r");
	CHECK(maps != NULL);
	while (maps && fgets(line, sizeof(line), maps)) {
		struct image_vma v;

		if (!parse_maps_line(line, &v, name, sizeof(name))) {
			tap_check(false, __FILE__, __LINE__, "unparsed: %s", line);
			continue;
		}
		image_maps_line(&v, out, sizeof(out));
		CHECK_STR(out, line);
		lines++;
		newline_names += strchr(name, '\n') != NULL;
	}
	if (maps)
		fclose(maps);
	CHECK(lines > 5);
	CHECK_INT(newline_names, odd && odd != MAP_FAILED ? 2 : 0);
	if (odd && odd != MAP_FAILED)
		munmap(odd, 4096);
	if (shared && shared != MAP_FAILED)
		munmap(shared, 4096);
	if (fd >= 0)
		close(fd);
	free(path);
	unit_rmdir(dir);
}

static char *json(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ckpt_json_string(f, s);
	fclose(f);
	return out;
}

static void json_strings_escape(const void *arg)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/usr/bin/sleep", "\"/usr/bin/sleep\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "tab\there\nnl\r\b\f", "\"tab\\there\\nnl\\r\\b\\f\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
		{ "\x80", "\"\\ufffd\"" },				/* lone continuation */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },			/* overlong */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },			/* cut short */
		{ "\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "", "\"\"" },
	};

	(void)arg;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = json(cases[i].in);

		CHECK_STR(got, cases[i].out);
		free(got);
	}
}

static void text_strings_escape(const void *arg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)arg;
	ckpt_print_safe(f, "ok \x1b[31mred\n\xff\\ caf\xc3\xa9");
	fclose(f);
	CHECK_STR(out, "ok \\033[31mred\\012\\377\\134 caf\xc3\xa9");
	free(out);
}

void register_maps_tests(void)
{
	tap_add(maps_match_selftests_standard, NULL, "maps: --maps lines equal the selftests' image_maps() (standard image)");
	tap_add(maps_match_selftests_widths, NULL, "maps: --maps lines equal image_maps() at every header width");
	tap_add(maps_match_proc_self, NULL, "maps: --maps formats every line of the real /proc/self/maps identically");
	tap_add(json_strings_escape, NULL, "json: strings are escaped, invalid UTF-8 becomes U+FFFD");
	tap_add(text_strings_escape, NULL, "info: control characters in text output are escaped");
}

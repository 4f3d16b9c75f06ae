// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt info: validate an image, plaintext or encrypted, and describe it:
 * as text, as one JSON object (--json), or as its memory map in the exact
 * format of /proc/PID/maps (--maps).
 *
 * Nothing is printed until the whole image has been read and found
 * valid: a report on half an image would be a report on a lie.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ckpt.h"
#include "imgio.h"

static int info(int argc, char **argv);

const struct ckpt_cmd cmd_info = {
	.name = "info",
	.fn = info,
	.help =
	"check an image and describe it\n"
	"\n"
	"Usage: ckpt info [KEY OPTIONS] [--json | --maps] FILE|-\n"
	"\n"
	"Reads the image FILE (or standard input), decrypting it if it is\n"
	"encrypted, validates all of it, and prints its header, task,\n"
	"registers, xstate, open file descriptors, mm fields and memory map with\n"
	"what was saved of it.\n"
	"\n"
	"Options:\n"
	"      --json                  print one JSON object instead\n"
	"      --maps                  print only the memory map, in the format of\n"
	"                              /proc/PID/maps\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Key options (for an encrypted image only):\n"
	"  -i, --identity FILE         an identity file (repeatable)\n"
	"  -k, --key-file FILE         a symmetric key file\n"
	"      --passphrase            ask for the passphrase (the default when the\n"
	"                              image needs one and no key option is given)\n"
	"      --passphrase-file FILE  read the passphrase from the first line of FILE\n",
};

/* ---------------------------------------------------------------- names */

static const char *const vma_flag_names[] = {
	"read", "write", "exec", "shared", "mayread", "maywrite", "mayexec",
	"growsdown", "locked", "dontfork", "dontdump", "heap", "stack",
	"deleted", "noreserve",
};

static const char *const xfeature_names[] = {
	"x87", "sse", "avx", "bndregs", "bndcsr", "opmask", "zmm_hi256",
	"hi16_zmm", "pt", "pkru", "pasid", "cet_u", "cet_s", "hdc", "uintr",
	"lbr", "hwp", "xtilecfg", "xtiledata", "apx",
};

/*
 * The open flags in ckpt_hdr_file.f_flags, by bit: the kernel's values
 * (x86-64), which are not all the C library's (O_LARGEFILE is 0 there).
 * Bits 0 and 1 are the access mode, shown apart.
 */
static const char *const open_flag_names[] = {
	[6] = "creat", [7] = "excl", [8] = "noctty", [9] = "trunc",
	[10] = "append", [11] = "nonblock", [12] = "dsync", [13] = "async",
	[14] = "direct", [15] = "largefile", [16] = "directory",
	[17] = "nofollow", [18] = "noatime", [19] = "cloexec", [20] = "sync",
	[21] = "path", [22] = "tmpfile",
};

#define KO_ACCMODE	00000003
#define KO_APPEND	00002000
#define KO_NONBLOCK	00004000
#define KO_PATH		010000000

/* The file's type, from the S_IFMT bits of its mode. */
static const char *file_type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFCHR:
		return "chr";
	case S_IFBLK:
		return "blk";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "sock";
	case S_IFLNK:
		return "link";
	}
	return "?";
}

/* "r", "w", "rw"; "-" for neither (3, for ioctls), "path" for O_PATH. */
static const char *file_access_name(uint32_t f_flags)
{
	static const char *const names[] = { "r", "w", "rw", "-" };

	return f_flags & KO_PATH ? "path" : names[f_flags & KO_ACCMODE];
}

static const char *vma_kind_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_VMA_ANON:
		return "anon";
	case CKPT_VMA_FILE:
		return "file";
	case CKPT_VMA_SPECIAL:
		return "special";
	}
	return "?";
}

static const char *restart_name(uint32_t restart)
{
	static const char *const names[] = {
		[CKPT_RESTART_NONE] = "none",
		[CKPT_RESTART_RETURN] = "return",
		[CKPT_RESTART_SYS] = "ERESTARTSYS",
		[CKPT_RESTART_NOINTR] = "ERESTARTNOINTR",
		[CKPT_RESTART_NOHAND] = "ERESTARTNOHAND",
		[CKPT_RESTART_BLOCK] = "ERESTART_RESTARTBLOCK",
	};

	return restart < ARRAY_SIZE(names) ? names[restart] : "?";
}

static const char *restart_block_name(uint32_t kind)
{
	switch (kind) {
	case CKPT_RESTART_BLOCK_NONE:
		return "none";
	case CKPT_RESTART_BLOCK_NANOSLEEP:
		return "nanosleep";
	case CKPT_RESTART_BLOCK_OTHER:
		return "other";
	}
	return "?";
}

/* The syscalls a process is usually found sleeping in (x86-64 numbers). */
static const char *syscall_name(int64_t nr)
{
	static const struct {
		int nr;
		const char *name;
	} names[] = {
		{ 0, "read" }, { 1, "write" }, { 7, "poll" }, { 23, "select" },
		{ 34, "pause" }, { 35, "nanosleep" }, { 43, "accept" },
		{ 45, "recvfrom" }, { 47, "recvmsg" }, { 61, "wait4" },
		{ 128, "rt_sigtimedwait" }, { 130, "rt_sigsuspend" },
		{ 202, "futex" }, { 230, "clock_nanosleep" },
		{ 232, "epoll_wait" }, { 247, "waitid" }, { 270, "pselect6" },
		{ 271, "ppoll" }, { 281, "epoll_pwait" }, { 288, "accept4" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes < 1024)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", bytes / 1024.0);
	else if (bytes < 1024ULL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", bytes / 1048576.0);
	else
		snprintf(buf, size, "%.1f GiB", bytes / 1073741824.0);
}

static void print_bits(FILE *f, uint64_t bits, const char *const *names,
		       size_t nr, const char *sep)
{
	const char *s = "";

	for (size_t i = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (i < nr && names[i])
			fprintf(f, "%s%s", s, names[i]);
		else
			fprintf(f, "%sbit%zu", s, i);
		s = sep;
	}
}

static uint64_t vma_bytes(const struct ckpt_image *img)
{
	uint64_t total = 0;

	for (size_t i = 0; i < img->nr_vmas; i++)
		total += img->vmas[i].end - img->vmas[i].start;
	return total;
}

/* ---------------------------------------------------------------- text */

static void text_container(FILE *f, const char *name,
			   const struct stream_info *si)
{
	char hex[17];

	fprintf(f, "file:        ");
	ckpt_print_safe(f, name);
	if (!si) {
		fprintf(f, " (plaintext)\n");
		return;
	}
	fprintf(f, " (encrypted, container version %u, %u KiB chunks)\n",
		si->version, si->chunk_size / 1024);
	switch (si->mode) {
	case CKPT_MODE_RECIPIENTS:
		fprintf(f, "encryption:  %u recipient%s, key ids", si->nr_recipients,
			si->nr_recipients == 1 ? "" : "s");
		for (uint32_t i = 0; i < si->nr_recipients; i++) {
			ckpt_keyid_hex(si->recipient_ids + (size_t)i * CKPT_ENC_RECIPIENT_LEN,
				       hex);
			fprintf(f, " %s", hex);
		}
		fputc('\n', f);
		break;
	case CKPT_MODE_SYMMETRIC:
		ckpt_keyid_hex(si->keyid, hex);
		fprintf(f, "encryption:  symmetric key, key id %s\n", hex);
		break;
	case CKPT_MODE_PASSPHRASE:
		fprintf(f, "encryption:  passphrase, Argon2id opslimit %" PRIu64 " memlimit %" PRIu64 " MiB\n",
			si->opslimit, si->memlimit >> 20);
		break;
	}
}

static void text_header(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_header *h = &img->header;
	const struct ckpt_const *c = &h->constants;
	char when[32];

	ckpt_rfc3339(h->time, when);
	fprintf(f, "image:       version %u, x86_64, %" PRIu64 " bytes in %" PRIu64 " records\n",
		h->version, img->length, img->nr_records);
	fprintf(f, "taken:       %s, flags 0x%" PRIx64 "%s\n", when,
		(uint64_t)h->flags,
		h->flags & CKPT_CHECKPOINT_KILL ? " (kill)" : "");
	fprintf(f, "kernel:      ");
	ckpt_print_safe(f, h->release);
	fprintf(f, " (informational)\n");
	fprintf(f, "constants:   page_size %u, task_comm_len %u, xstate_size %u,\n"
		   "             xfeatures 0x%" PRIx64 ", task_size 0x%" PRIx64 "\n",
		c->page_size, c->task_comm_len, c->xstate_size,
		(uint64_t)c->xfeatures, (uint64_t)c->task_size);
}

static void text_syscall(FILE *f, const struct ckpt_hdr_task *t)
{
	const char *name = syscall_name(t->syscall_nr);

	fprintf(f, "syscall:     ");
	if (t->restart == CKPT_RESTART_NONE) {
		fprintf(f, "none (stopped in user mode)\n");
		return;
	}
	fprintf(f, "%" PRId64 "%s%s%s, ", (int64_t)t->syscall_nr,
		name ? " (" : "", name ? name : "", name ? ")" : "");
	if (t->restart == CKPT_RESTART_RETURN) {
		fprintf(f, "returns %" PRId64 "\n", (int64_t)t->syscall_ret);
		return;
	}
	fprintf(f, "interrupted: -%s", restart_name(t->restart));
	if (t->restart == CKPT_RESTART_BLOCK) {
		fprintf(f, ", restart block %s",
			restart_block_name(t->restart_block_kind));
		if (t->restart_block_kind == CKPT_RESTART_BLOCK_NANOSLEEP)
			fprintf(f, " (clock %d, %.3f s left)",
				t->nanosleep_clockid,
				(t->nanosleep_expires - t->nanosleep_now) / 1e9);
	}
	fputc('\n', f);
}

static void text_task(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_task *t = &img->task;

	fprintf(f, "task:        pid %d, comm \"", t->pid);
	ckpt_print_safe(f, t->comm);
	fprintf(f, "\", personality 0x%x\n", t->personality);
	fprintf(f, "ids:         ppid %d, uid %u, euid %u, gid %u, egid %u (informational)\n",
		t->ppid, t->uid, t->euid, t->gid, t->egid);
	text_syscall(f, t);
}

static void text_cpu(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_cpu *r = &img->cpu;

	fprintf(f, "registers:   ip 0x%016" PRIx64 " sp 0x%016" PRIx64 " flags 0x%" PRIx64 "\n"
		   "             ax 0x%016" PRIx64 " orig_ax %" PRId64 " cs 0x%" PRIx64 " ss 0x%" PRIx64 "\n"
		   "             fs_base 0x%" PRIx64 " gs_base 0x%" PRIx64 "\n",
		(uint64_t)r->ip, (uint64_t)r->sp, (uint64_t)r->flags,
		(uint64_t)r->ax, (int64_t)r->orig_ax, (uint64_t)r->cs,
		(uint64_t)r->ss, (uint64_t)r->fs_base, (uint64_t)r->gs_base);
	fprintf(f, "xstate:      %u bytes, features 0x%" PRIx64 " (", img->xstate_size,
		img->xstate_features);
	print_bits(f, img->xstate_features, xfeature_names,
		   ARRAY_SIZE(xfeature_names), " ");
	fprintf(f, ")\n");
}

static void text_files(FILE *f, const struct ckpt_image *img)
{
	fprintf(f, "files:       %zu open descriptor%s\n", img->nr_files,
		img->nr_files == 1 ? "" : "s");
	if (!img->nr_files)
		return;
	fprintf(f, "  %5s %-7s %-4s %-18s %10s  %s\n", "FD", "FLAGS", "TYPE",
		"ACCESS", "POS", "NAME");
	for (size_t i = 0; i < img->nr_files; i++) {
		const struct image_file *fi = &img->files[i];
		char access[32];

		snprintf(access, sizeof(access), "%s%s%s",
			 file_access_name(fi->f_flags),
			 fi->f_flags & KO_APPEND ? ",append" : "",
			 fi->f_flags & KO_NONBLOCK ? ",nonblock" : "");
		fprintf(f, "  %5d %-7s %-4s %-18s %10" PRIu64 "  ", fi->fd,
			fi->fd_flags & CKPT_FD_CLOEXEC ? "cloexec" : "-",
			file_type_name(fi->mode), access, fi->pos);
		ckpt_print_safe(f, fi->name);
		fputc('\n', f);
	}
}

static void text_mm(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_mm *m = &img->mm;

	fprintf(f, "mm:          code 0x%" PRIx64 "-0x%" PRIx64 ", data 0x%" PRIx64 "-0x%" PRIx64 ", brk 0x%" PRIx64 "-0x%" PRIx64 "\n"
		   "             stack 0x%" PRIx64 ", args 0x%" PRIx64 "-0x%" PRIx64 ", env 0x%" PRIx64 "-0x%" PRIx64 "\n",
		(uint64_t)m->start_code, (uint64_t)m->end_code,
		(uint64_t)m->start_data, (uint64_t)m->end_data,
		(uint64_t)m->start_brk, (uint64_t)m->brk,
		(uint64_t)m->start_stack, (uint64_t)m->arg_start,
		(uint64_t)m->arg_end, (uint64_t)m->env_start,
		(uint64_t)m->env_end);
}

static void text_vmas(FILE *f, const struct ckpt_image *img)
{
	char saved[32], mapped[32];

	human_size(vma_bytes(img), mapped, sizeof(mapped));
	human_size(img->nr_pages * CKPT_IMAGE_PAGE_SIZE, saved, sizeof(saved));
	fprintf(f, "memory map:  %zu VMAs, %s mapped, %" PRIu64 " pages saved (%s) in %" PRIu64 " records\n",
		img->nr_vmas, mapped, img->nr_pages, saved,
		img->nr_page_records);
	fprintf(f, "  %-33s %-4s %-8s %-5s %-8s %-7s %7s  %s\n", "START-END",
		"PERM", "OFFSET", "DEV", "INODE", "KIND", "SAVED", "NAME");
	for (size_t i = 0; i < img->nr_vmas; i++) {
		const struct image_vma *v = &img->vmas[i];
		char range[40], perms[5];

		snprintf(range, sizeof(range), "%016" PRIx64 "-%016" PRIx64,
			 v->start, v->end);
		image_vma_perms(v, perms);
		fprintf(f, "  %-33s %-4s %08" PRIx64 " %02x:%02x %-8" PRIu64 " %-7s %7" PRIu64,
			range, perms, v->pgoff, major(v->dev), minor(v->dev),
			v->ino, vma_kind_name(v->kind), v->saved_pages);
		if (v->name[0]) {
			fputs("  ", f);
			ckpt_print_safe(f, v->name);
		}
		fputc('\n', f);
	}
}

static void text_tail(FILE *f, const struct ckpt_image *img)
{
	const struct ckpt_hdr_tail *t = &img->tail;

	fprintf(f, "tail:        %u records, %u VMAs, %" PRIu64 " pages, image_len %" PRIu64 ": consistent\n",
		t->nr_records, t->nr_vmas, (uint64_t)t->nr_pages,
		(uint64_t)t->image_len);
}

static void print_text(FILE *f, const char *name, const struct stream_info *si,
		       const struct ckpt_image *img)
{
	text_container(f, name, si);
	text_header(f, img);
	text_task(f, img);
	text_cpu(f, img);
	text_files(f, img);
	text_mm(f, img);
	text_vmas(f, img);
	text_tail(f, img);
}

/* ---------------------------------------------------------------- json */

/* The separator before the next member: "{" has none, others a comma. */
struct json {
	FILE *f;
	bool first;
};

static void jkey(struct json *j, const char *key)
{
	fprintf(j->f, "%s\"%s\":", j->first ? "" : ",", key);
	j->first = false;
}

static void jopen(struct json *j, const char *key, char brace)
{
	if (key)
		jkey(j, key);
	fputc(brace, j->f);
	j->first = true;
}

static void jclose(struct json *j, char brace)
{
	fputc(brace, j->f);
	j->first = false;
}

static void jint(struct json *j, const char *key, int64_t v)
{
	jkey(j, key);
	fprintf(j->f, "%" PRId64, v);
}

static void juint(struct json *j, const char *key, uint64_t v)
{
	jkey(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

/* Bit patterns (registers, masks) as hex strings: exact in any parser. */
static void jhex(struct json *j, const char *key, uint64_t v)
{
	jkey(j, key);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

static void jstr(struct json *j, const char *key, const char *s)
{
	jkey(j, key);
	ckpt_json_string(j->f, s);
}

static void jbool(struct json *j, const char *key, bool v)
{
	jkey(j, key);
	fputs(v ? "true" : "false", j->f);
}

static void jbits(struct json *j, const char *key, uint64_t bits,
		  const char *const *names, size_t nr)
{
	jkey(j, key);
	fputc('[', j->f);
	for (size_t i = 0, n = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (i < nr && names[i])
			fprintf(j->f, "%s\"%s\"", n++ ? "," : "", names[i]);
		else
			fprintf(j->f, "%s\"bit%zu\"", n++ ? "," : "", i);
	}
	fputc(']', j->f);
}

static void json_container(struct json *j, const struct stream_info *si)
{
	char hex[17];

	if (!si) {
		jkey(j, "encryption");
		fputs("null", j->f);
		return;
	}
	jopen(j, "encryption", '{');
	juint(j, "container_version", si->version);
	jstr(j, "mode", si->mode == CKPT_MODE_RECIPIENTS ? "recipients" :
			si->mode == CKPT_MODE_SYMMETRIC ? "symmetric" :
			"passphrase");
	juint(j, "chunk_size", si->chunk_size);
	juint(j, "header_len", si->header_len);
	if (si->mode == CKPT_MODE_RECIPIENTS) {
		jopen(j, "recipient_key_ids", '[');
		for (uint32_t i = 0; i < si->nr_recipients; i++) {
			ckpt_keyid_hex(si->recipient_ids + (size_t)i * CKPT_ENC_RECIPIENT_LEN,
				       hex);
			fprintf(j->f, "%s\"%s\"", i ? "," : "", hex);
		}
		jclose(j, ']');
	} else {
		ckpt_keyid_hex(si->keyid, hex);
		jstr(j, "key_id", hex);
	}
	if (si->mode == CKPT_MODE_PASSPHRASE) {
		juint(j, "argon2id_opslimit", si->opslimit);
		juint(j, "argon2id_memlimit", si->memlimit);
	}
	jclose(j, '}');
}

static void json_header(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_header *h = &img->header;
	const struct ckpt_const *c = &h->constants;
	char when[32];

	ckpt_rfc3339(h->time, when);
	jopen(j, "header", '{');
	juint(j, "version", h->version);
	jstr(j, "arch", "x86_64");
	jhex(j, "flags", h->flags);
	jbool(j, "kill", h->flags & CKPT_CHECKPOINT_KILL);
	jint(j, "time", h->time);
	jstr(j, "time_utc", when);
	jstr(j, "release", h->release);
	jopen(j, "constants", '{');
	juint(j, "page_size", c->page_size);
	juint(j, "task_comm_len", c->task_comm_len);
	juint(j, "xstate_size", c->xstate_size);
	jhex(j, "xfeatures", c->xfeatures);
	jhex(j, "task_size", c->task_size);
	jclose(j, '}');
	jclose(j, '}');
}

static void json_task(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_task *t = &img->task;
	const char *name = syscall_name(t->syscall_nr);

	jopen(j, "task", '{');
	jint(j, "pid", t->pid);
	jstr(j, "comm", t->comm);
	jint(j, "ppid", t->ppid);
	juint(j, "uid", t->uid);
	juint(j, "euid", t->euid);
	juint(j, "gid", t->gid);
	juint(j, "egid", t->egid);
	jhex(j, "personality", t->personality);
	jstr(j, "restart", restart_name(t->restart));
	jint(j, "syscall_nr", t->syscall_nr);
	jkey(j, "syscall_name");
	if (name)
		ckpt_json_string(j->f, name);
	else
		fputs("null", j->f);
	jint(j, "syscall_ret", t->syscall_ret);
	jstr(j, "restart_block", restart_block_name(t->restart_block_kind));
	if (t->restart_block_kind == CKPT_RESTART_BLOCK_NANOSLEEP) {
		jint(j, "nanosleep_clockid", t->nanosleep_clockid);
		juint(j, "nanosleep_type", t->nanosleep_type);
		jhex(j, "nanosleep_rmtp", t->nanosleep_rmtp);
		jint(j, "nanosleep_expires", t->nanosleep_expires);
		jint(j, "nanosleep_now", t->nanosleep_now);
	}
	jclose(j, '}');
}

static void json_cpu(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_cpu *r = &img->cpu;
	const struct {
		const char *name;
		uint64_t v;
	} regs[] = {
		{ "r15", r->r15 }, { "r14", r->r14 }, { "r13", r->r13 },
		{ "r12", r->r12 }, { "bp", r->bp }, { "bx", r->bx },
		{ "r11", r->r11 }, { "r10", r->r10 }, { "r9", r->r9 },
		{ "r8", r->r8 }, { "ax", r->ax }, { "cx", r->cx },
		{ "dx", r->dx }, { "si", r->si }, { "di", r->di },
		{ "orig_ax", r->orig_ax }, { "ip", r->ip }, { "cs", r->cs },
		{ "flags", r->flags }, { "sp", r->sp }, { "ss", r->ss },
		{ "fs_base", r->fs_base }, { "gs_base", r->gs_base },
		{ "ds", r->ds }, { "es", r->es }, { "fs", r->fs },
		{ "gs", r->gs },
	};

	jopen(j, "cpu", '{');
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		jhex(j, regs[i].name, regs[i].v);
	jclose(j, '}');
	jopen(j, "xstate", '{');
	juint(j, "size", img->xstate_size);
	jhex(j, "xfeatures", img->xstate_features);
	jbits(j, "features", img->xstate_features, xfeature_names,
	      ARRAY_SIZE(xfeature_names));
	jclose(j, '}');
}

/* Everything the record gives; the mode in octal, as modes are written. */
static void json_file(struct json *j, const struct image_file *fi)
{
	char mode[16], dev[32];

	snprintf(mode, sizeof(mode), "0%o", fi->mode);
	snprintf(dev, sizeof(dev), "%02x:%02x", major(fi->dev), minor(fi->dev));
	jopen(j, NULL, '{');
	jint(j, "fd", fi->fd);
	jhex(j, "fd_flags", fi->fd_flags);
	jbool(j, "cloexec", fi->fd_flags & CKPT_FD_CLOEXEC);
	jhex(j, "f_flags", fi->f_flags);
	jstr(j, "access", file_access_name(fi->f_flags));
	jbits(j, "open_flags", fi->f_flags & ~(uint64_t)KO_ACCMODE,
	      open_flag_names, ARRAY_SIZE(open_flag_names));
	jstr(j, "mode", mode);
	jstr(j, "type", file_type_name(fi->mode));
	juint(j, "pos", fi->pos);
	jstr(j, "dev", dev);
	juint(j, "inode", fi->ino);
	juint(j, "size", fi->size);
	jint(j, "mtime_sec", fi->mtime_sec);
	juint(j, "mtime_nsec", fi->mtime_nsec);
	jstr(j, "name", fi->name);
	jclose(j, '}');
}

static void json_mm(struct json *j, const struct ckpt_image *img)
{
	const struct ckpt_hdr_mm *m = &img->mm;

	jopen(j, "mm", '{');
	juint(j, "nr_vmas", m->nr_vmas);
	juint(j, "start_code", m->start_code);
	juint(j, "end_code", m->end_code);
	juint(j, "start_data", m->start_data);
	juint(j, "end_data", m->end_data);
	juint(j, "start_brk", m->start_brk);
	juint(j, "brk", m->brk);
	juint(j, "start_stack", m->start_stack);
	juint(j, "arg_start", m->arg_start);
	juint(j, "arg_end", m->arg_end);
	juint(j, "env_start", m->env_start);
	juint(j, "env_end", m->env_end);
	jclose(j, '}');
}

static void json_vma(struct json *j, const struct image_vma *v)
{
	bool file = v->kind == CKPT_VMA_FILE;
	char perms[5], dev[32];

	image_vma_perms(v, perms);
	snprintf(dev, sizeof(dev), "%02x:%02x", file ? major(v->dev) : 0,
		 file ? minor(v->dev) : 0);
	jopen(j, NULL, '{');
	juint(j, "start", v->start);
	juint(j, "end", v->end);
	jstr(j, "perms", perms);
	juint(j, "offset", file ? v->pgoff : 0);
	jstr(j, "dev", dev);
	juint(j, "inode", file ? v->ino : 0);
	jstr(j, "name", v->name);
	jstr(j, "kind", vma_kind_name(v->kind));
	jbits(j, "flags", v->flags, vma_flag_names, ARRAY_SIZE(vma_flag_names));
	if (file) {
		juint(j, "file_size", v->size);
		jint(j, "mtime_sec", v->mtime_sec);
		juint(j, "mtime_nsec", v->mtime_nsec);
	}
	juint(j, "saved_pages", v->saved_pages);
	jclose(j, '}');
}

static void print_json(FILE *f, const char *name, const struct stream_info *si,
		       const struct ckpt_image *img)
{
	struct json j = { .f = f, .first = true };

	jopen(&j, NULL, '{');
	jstr(&j, "file", name);
	json_container(&j, si);
	json_header(&j, img);
	json_task(&j, img);
	json_cpu(&j, img);
	jopen(&j, "files", '[');
	for (size_t i = 0; i < img->nr_files; i++) {
		if (i)
			fputc(',', f);
		json_file(&j, &img->files[i]);
	}
	jclose(&j, ']');
	json_mm(&j, img);
	jopen(&j, "vmas", '[');
	for (size_t i = 0; i < img->nr_vmas; i++) {
		if (i)
			fputc(',', f);
		json_vma(&j, &img->vmas[i]);
	}
	jclose(&j, ']');
	jopen(&j, "totals", '{');
	juint(&j, "files", img->nr_files);
	juint(&j, "vmas", img->nr_vmas);
	juint(&j, "mapped_bytes", vma_bytes(img));
	juint(&j, "saved_pages", img->nr_pages);
	juint(&j, "saved_bytes", img->nr_pages * CKPT_IMAGE_PAGE_SIZE);
	juint(&j, "page_records", img->nr_page_records);
	juint(&j, "records", img->nr_records);
	juint(&j, "image_bytes", img->length);
	jclose(&j, '}');
	jopen(&j, "tail", '{');
	juint(&j, "nr_records", img->tail.nr_records);
	juint(&j, "nr_vmas", img->tail.nr_vmas);
	juint(&j, "nr_pages", img->tail.nr_pages);
	juint(&j, "image_len", img->tail.image_len);
	jclose(&j, '}');
	jclose(&j, '}');
	fputc('\n', f);
}

/* ---------------------------------------------------------------- maps */

static void print_maps(FILE *f, const struct ckpt_image *img)
{
	char line[CKPT_MAPS_LINE_MAX];

	for (size_t i = 0; i < img->nr_vmas; i++) {
		size_t n = image_maps_line(&img->vmas[i], line, sizeof(line));

		fwrite(line, 1, n, f);
	}
}

/* ---------------------------------------------------------------- command */

enum { OPT_JSON = 0x100, OPT_MAPS };

static int info_run(const char *path, const struct key_opts *ko, int format)
{
	struct image_parser *p;
	struct source src;
	int ret;

	ret = source_open(&src, path, ko, SOURCE_ANY);
	if (ret)
		return ret;
	p = image_parser_new(src.name);
	ret = p ? source_pump(&src, p, NULL, NULL) : CKPT_EFAIL;
	if (!ret) {
		const struct ckpt_image *img = image_parser_image(p);

		if (format == OPT_JSON)
			print_json(stdout, src.name, source_info(&src), img);
		else if (format == OPT_MAPS)
			print_maps(stdout, img);
		else
			print_text(stdout, src.name, source_info(&src), img);
		if (fflush(stdout) || ferror(stdout))
			ret = ckpt_fail(CKPT_EFAIL, "standard output: write failed");
	}
	image_parser_free(p);
	source_close(&src);
	return ret;
}

static int info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "maps", no_argument, NULL, OPT_MAPS },
		{ "help", no_argument, NULL, 'h' },
		KEY_OPTIONS_DECRYPT,
		{ 0 }
	};
	struct key_opts ko = { 0 };
	int c, format = 0, ret = CKPT_OK;

	/* A filter: when the reader of its output goes away, so does it. */
	signal(SIGPIPE, SIG_DFL);
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":hi:k:", options, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
		case OPT_MAPS:
			if (format && format != c)
				ret = ckpt_usage(&cmd_info, "--json and --maps exclude each other");
			format = c;
			break;
		case 'h':
			key_opts_free(&ko);
			return ckpt_cmd_help(&cmd_info);
		default:
			ret = key_opts_option(&ko, c, optarg);
			if (ret < 0)
				ret = ckpt_bad_option(&cmd_info, c, argv);
		}
	}
	if (!ret && argc - optind != 1)
		ret = ckpt_usage(&cmd_info, argc == optind ? "which image? give FILE, or - for standard input" :
				 "one image at a time");
	if (!ret)
		ret = info_run(argv[optind], &ko, format);
	key_opts_free(&ko);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The part of the samples/lsm/ loaders they all share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <linux/checkpoint.h>

#include "loader.h"

static volatile sig_atomic_t stop;
static bool verbose;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Handle @opt if it is a common option: 1 if it was, 0 if not. */
static int common_opt(struct lsm_common *c, int opt, const char *arg,
		      const char *usage)
{
	char *end;

	switch (opt) {
	case 't':
		errno = 0;
		c->seconds = strtod(arg, &end);
		if (errno || *end || c->seconds <= 0) {
			fprintf(stderr, "%s: -t: '%s' is not a positive number of seconds\n",
				prog, arg);
			exit(LSM_EXIT_USAGE);
		}
		return 1;
	case 'v':
		c->verbose = true;
		return 1;
	case 'h':
		fputs(usage, stdout);
		exit(LSM_EXIT_OK);
	case '?':
		fputs(usage, stderr);
		exit(LSM_EXIT_USAGE);
	default:
		return 0;
	}
}

int lsm_getopt(struct lsm_common *c, int argc, char **argv,
	       const char *shortopts, const struct option *longopts,
	       const char *usage)
{
	int opt;

	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if (!common_opt(c, opt, optarg, usage))
			break;
	return opt;
}

int lsm_errno_arg(const char *arg)
{
	int err = atoi(arg);

	if (err <= 0 || err > 4095) {
		fprintf(stderr, "%s: -e: '%s' is no errno\n", prog, arg);
		exit(LSM_EXIT_USAGE);
	}
	return err;
}

int lsm_check_comm(const char *comm)
{
	if (strlen(comm) >= CKPT_LSM_COMM_LEN) {
		fprintf(stderr, "%s: '%s': a comm has at most %d characters\n",
			prog, comm, CKPT_LSM_COMM_LEN - 1);
		return -1;
	}
	return 0;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	fprintf(stderr, "%s: libbpf: ", prog);
	return vfprintf(stderr, fmt, ap);
}

void lsm_setup(const struct lsm_common *c)
{
	struct sigaction sa = { .sa_handler = on_signal };

	verbose = c->verbose;
	libbpf_set_print(print_libbpf);
	/* No SA_RESTART: a signal ends the wait in ring_buffer__poll(). */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Line by line, even into a pipe: tests and logs read it as it comes. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int lsm_bpf_lsm_active(char *list, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "r");
	char buf[512] = "", *tok, *save = NULL;
	int active = 0;

	if (list && len)
		list[0] = '\0';
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (list && len)
		snprintf(list, len, "%s", buf);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			active = 1;
	return active;
}

int lsm_check_target(bool need_ckpt, bool need_bpf_lsm)
{
	char list[512];
	int ret = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "%s: loading BPF programs needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN); you are uid %u\n",
			prog, geteuid());
		return -1;
	}
	if (need_ckpt && access("/sys/module/ckpt", F_OK)) {
		fprintf(stderr, "%s: ckpt.ko is not loaded: its security_ckpt_* hooks do not exist (insmod build/$(uname -r)/ckpt.ko)\n",
			prog);
		ret = -1;
	} else if (need_ckpt && access("/sys/kernel/btf/ckpt", F_OK)) {
		fprintf(stderr, "%s: ckpt.ko has no BTF (no /sys/kernel/btf/ckpt): BPF programs cannot attach to its hooks; rebuild it with 'make' (the build says why BTF could not be made)\n",
			prog);
		ret = -1;
	}
	if (need_bpf_lsm) {
		switch (lsm_bpf_lsm_active(list, sizeof(list))) {
		case 0:
			fprintf(stderr, "%s: BPF LSM is not active (the active LSMs are \"%s\"): lsm/* programs would never run; boot with \"bpf\" in lsm=\n",
				prog, list);
			ret = -1;
			break;
		case -1:
			fprintf(stderr, "%s: warning: cannot read /sys/kernel/security/lsm (mount -t securityfs securityfs /sys/kernel/security): cannot tell whether BPF LSM is active\n",
				prog);
			break;
		}
	}
	return ret;
}

void lsm_explain(const char *what, int err)
{
	if (err < 0)
		err = -err;
	fprintf(stderr, "%s: %s failed: %s (%s)\n", prog, what, strerror(err),
		lsm_errname(-err));
	if (err == EPERM)
		fprintf(stderr, "%s: hint: loading BPF programs needs root\n", prog);
	else if (err == ESRCH || err == ENOENT)
		fprintf(stderr, "%s: hint: a function to attach to was not found in the kernel's or ckpt.ko's BTF (is ckpt.ko loaded, with BTF?)\n",
			prog);
	else if (err == EINVAL)
		fprintf(stderr, "%s: hint: the verifier or the attach was refused: see libbpf's messages above (-v for more)\n",
			prog);
}

int lsm_ident_of(const char *path, struct ckpt_lsm_ident *id)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	id->dev = CKPT_LSM_KDEV(major(st.st_dev), minor(st.st_dev));
	id->ino = st.st_ino;
	return 0;
}

int lsm_map_comm(struct bpf_map *map, const char *comm)
{
	char key[CKPT_LSM_COMM_LEN] = {};
	__u8 one = 1;
	int err;

	strncpy(key, comm, sizeof(key) - 1);
	err = bpf_map__update_elem(map, key, sizeof(key), &one, sizeof(one),
				   BPF_ANY);
	if (err) {
		lsm_explain("filling the comm map", err);
		return -1;
	}
	return 0;
}

int lsm_map_file(struct bpf_map *map, const char *map_name, const char *path,
		 struct ckpt_lsm_ident *id)
{
	char what[64];
	__u8 one = 1;
	int err;

	if (lsm_ident_of(path, id)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	err = bpf_map__update_elem(map, id, sizeof(*id), &one, sizeof(one),
				   BPF_ANY);
	if (err) {
		snprintf(what, sizeof(what), "filling the %s", map_name);
		lsm_explain(what, err);
		return -1;
	}
	lsm_name_ident(id, path);
	return 0;
}

void lsm_appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	*off += vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
}

/* Paths given on the command line, to name files in events. */
static struct {
	struct ckpt_lsm_ident id;
	char *path;
} names[256];
static unsigned int nr_names;

void lsm_name_ident(const struct ckpt_lsm_ident *id, const char *path)
{
	if (nr_names < sizeof(names) / sizeof(names[0])) {
		names[nr_names].id = *id;
		names[nr_names].path = strdup(path);
		nr_names++;
	}
}

static const char *ident_name(const struct ckpt_lsm_ident *id)
{
	unsigned int i;

	for (i = 0; i < nr_names; i++)
		if (names[i].id.dev == id->dev && names[i].id.ino == id->ino)
			return names[i].path;
	return NULL;
}

const char *lsm_errname(int err)
{
	static char buf[16];
	const char *name;

	if (!err)
		return "ok";
	name = strerrorname_np(err < 0 ? -err : err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

const char *lsm_hook_name(unsigned int hook)
{
	static const char *const names[CKPT_LSM_HOOK_MAX] = {
		[CKPT_LSM_HOOK_NONE] = "none",
		[CKPT_LSM_HOOK_CHECKPOINT] = "security_ckpt_checkpoint",
		[CKPT_LSM_HOOK_CHECKPOINT_VMA] = "security_ckpt_checkpoint_vma",
		[CKPT_LSM_HOOK_RESTART] = "security_ckpt_restart",
		[CKPT_LSM_HOOK_RESTORE_VMA] = "security_ckpt_restore_vma",
		[CKPT_LSM_HOOK_RESTART_COMMIT] = "security_ckpt_restart_commit",
		[CKPT_LSM_HOOK_PTRACE_ACCESS_CHECK] = "lsm/ptrace_access_check",
		[CKPT_LSM_HOOK_FILE_OPEN] = "lsm/file_open",
		[CKPT_LSM_HOOK_MMAP_FILE] = "lsm/mmap_file",
	};

	return hook < CKPT_LSM_HOOK_MAX ? names[hook] : "?";
}

const char *lsm_prot(char *buf, __u64 flags)
{
	buf[0] = flags & CKPT_VMA_READ ? 'r' : '-';
	buf[1] = flags & CKPT_VMA_WRITE ? 'w' : '-';
	buf[2] = flags & CKPT_VMA_EXEC ? 'x' : '-';
	buf[3] = flags & CKPT_VMA_SHARED ? 's' : 'p';
	buf[4] = '\0';
	return buf;
}

const char *lsm_clean(char *buf, size_t len, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i + 1 < len && i < max && s[i]; i++)
		buf[i] = (s[i] > ' ' && s[i] < 127 && s[i] != '"') ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* "pid 123 uid 0 (comm)" of the caller */
static const char *caller(char *buf, size_t len, const struct ckpt_lsm_event *e)
{
	char comm[CKPT_LSM_COMM_LEN + 1];

	snprintf(buf, len, "pid %u uid %u (%s)", e->pid, e->uid,
		 lsm_clean(comm, sizeof(comm), e->comm, sizeof(e->comm)));
	return buf;
}

/* "dev 0:25 ino 1234 (/path)" */
static const char *ident(char *buf, size_t len, const struct ckpt_lsm_ident *id)
{
	const char *name = ident_name(id);

	snprintf(buf, len, "dev %u:%u ino %" PRIu64 "%s%s%s",
		 (unsigned int)(id->dev >> 20), (unsigned int)(id->dev & 0xfffff),
		 (uint64_t)id->ino, name ? " (" : "", name ? name : "",
		 name ? ")" : "");
	return buf;
}

void lsm_print_event(const struct ckpt_lsm_event *e)
{
	char who[96], comm[CKPT_LSM_COMM_LEN + 1], path[CKPT_LSM_PATH_LEN + 1];
	char file[CKPT_LSM_PATH_LEN + 64], prot[5];

	caller(who, sizeof(who), e);
	switch (e->hook) {
	case CKPT_LSM_HOOK_CHECKPOINT:
		printf("%s: refused (%s) checkpoint of pid %d (%s) by %s: %s\n",
		       prog, lsm_hook_name(e->hook), e->target_pid,
		       lsm_clean(comm, sizeof(comm), e->target_comm, sizeof(e->target_comm)),
		       who, lsm_errname(e->verdict));
		break;
	case CKPT_LSM_HOOK_CHECKPOINT_VMA:
		printf("%s: refused (%s) checkpoint of pid %d (%s) by %s: area %" PRIx64 "-%" PRIx64 " %s: %s\n",
		       prog, lsm_hook_name(e->hook), e->target_pid,
		       lsm_clean(comm, sizeof(comm), e->target_comm, sizeof(e->target_comm)),
		       who, (uint64_t)e->start, (uint64_t)e->end,
		       lsm_prot(prot, e->flags), lsm_errname(e->verdict));
		break;
	case CKPT_LSM_HOOK_RESTORE_VMA:
		printf("%s: refused (%s) restart by %s: area %" PRIx64 "-%" PRIx64 " %s \"%s\"%s%s: %s\n",
		       prog, lsm_hook_name(e->hook), who, (uint64_t)e->start,
		       (uint64_t)e->end, lsm_prot(prot, e->flags),
		       lsm_clean(path, sizeof(path), e->path, sizeof(e->path)),
		       e->ident.ino ? " " : "",
		       e->ident.ino ? ident(file, sizeof(file), &e->ident) : "",
		       lsm_errname(e->verdict));
		break;
	case CKPT_LSM_HOOK_PTRACE_ACCESS_CHECK:
		printf("%s: refused (%s) attach to pid %d (%s) by %s: %s\n",
		       prog, lsm_hook_name(e->hook), e->target_pid,
		       lsm_clean(comm, sizeof(comm), e->target_comm, sizeof(e->target_comm)),
		       who, lsm_errname(e->verdict));
		break;
	case CKPT_LSM_HOOK_FILE_OPEN:
	case CKPT_LSM_HOOK_MMAP_FILE:
		printf("%s: refused (%s) %s of %s by %s: %s\n", prog,
		       lsm_hook_name(e->hook),
		       e->hook == CKPT_LSM_HOOK_FILE_OPEN ? "open" : "mmap",
		       ident(file, sizeof(file), &e->ident), who,
		       lsm_errname(e->verdict));
		break;
	default:
		printf("%s: refused (%s) by %s: %s\n", prog,
		       lsm_hook_name(e->hook), who, lsm_errname(e->verdict));
	}
}

int lsm_on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len >= sizeof(struct ckpt_lsm_event))
		lsm_print_event(data);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int lsm_run(const struct lsm_common *c, struct bpf_map *events,
	    ring_buffer_sample_fn on_event, const char *what)
{
	double end = c->seconds ? now() + c->seconds : 0;
	struct ring_buffer *rb;
	int ret = 0;

	rb = ring_buffer__new(bpf_map__fd(events), on_event, NULL, NULL);
	if (!rb) {
		lsm_explain("opening the ring buffer", -errno);
		return -1;
	}
	printf("%s: attached: %s\n", prog, what);
	while (!stop) {
		int timeout = 200;

		if (end) {
			double left = end - now();

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		ret = ring_buffer__poll(rb, timeout);
		if (ret == -EINTR || (ret < 0 && errno == EINTR))
			ret = 0;
		if (ret < 0) {
			fprintf(stderr, "%s: reading the ring buffer failed: %s\n",
				prog, strerror(-ret));
			ring_buffer__free(rb);
			return -1;
		}
	}
	/* What came in before the signal. */
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return 0;
}

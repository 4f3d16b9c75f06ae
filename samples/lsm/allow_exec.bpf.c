// SPDX-License-Identifier: GPL-2.0
/*
 * Policy (c): only known code comes back.  Restart is allowed only of
 * images whose executable file mappings are files on an allow-list, by
 * identity (device and inode of the file restart opened and checked to
 * be the one checkpointed), not by path.
 *
 * fmod_ret on security_ckpt_restore_vma(): @file is the file restart has
 * opened by the image's path and checked against the image's device,
 * inode, size and mtime; @file->f_inode is what is compared.  With
 * --deny-anon-exec, executable areas without a file are refused too
 * (except the kernel's own [vdso]): otherwise an image could carry its
 * code in anonymous memory.
 */
#include "ckpt_lsm.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* What refuses: minus an errno, set by the loader (-e). */
const volatile int deny_ret = -EPERM;
const volatile bool deny_anon_exec;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ckpt_lsm_ident);
	__type(value, __u8);
} allowed SEC(".maps");

__u64 nr_refused;

static __always_inline bool is_vdso(const char *path)
{
	char name[8] = {};

	bpf_probe_read_kernel_str(name, sizeof(name), path);
	return name[0] == '[' && name[1] == 'v' && name[2] == 'd' &&
	       name[3] == 's' && name[4] == 'o' && name[5] == ']' && !name[6];
}

SEC("fmod_ret/security_ckpt_restore_vma")
int BPF_PROG(allow_exec, unsigned long start, unsigned long end, u32 flags,
	     struct file *file, const char *path, int ret)
{
	struct ckpt_lsm_ident id = {};
	struct ckpt_lsm_event *e;

	if (!(flags & CKPT_VMA_EXEC))
		return 0;
	if (file) {
		file_ident(file, &id);
		if (bpf_map_lookup_elem(&allowed, &id))
			return 0;
	} else if (!deny_anon_exec || is_vdso(path)) {
		return 0;
	}

	__sync_fetch_and_add(&nr_refused, 1);
	e = event_new(CKPT_LSM_OP_REFUSED, CKPT_LSM_HOOK_RESTORE_VMA);
	if (e) {
		e->verdict = e->hook_ret = deny_ret;
		e->start = start;
		e->end = end;
		e->flags = flags;
		e->ident = id;
		bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
		bpf_ringbuf_submit(e, 0);
	}
	return deny_ret;
}

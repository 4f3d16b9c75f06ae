// SPDX-License-Identifier: GPL-2.0
/*
 * Policy (b): W^X on restart.  An image with a memory area that is both
 * writable and executable is refused, whoever restarts it.
 *
 * fmod_ret on security_ckpt_restore_vma(), which ckpt.ko calls for each
 * area of the image's memory map before the point of no return: the
 * restart fails with EACCES and the caller is left as it was.
 */
#include "ckpt_lsm.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* What refuses: minus an errno, set by the loader (-e). */
const volatile int deny_ret = -EACCES;

/* Also refuse areas that may become writable and executable (--strict). */
const volatile bool strict;

__u64 nr_refused;

#define WX	(CKPT_VMA_WRITE | CKPT_VMA_EXEC)
#define MAY_WX	(CKPT_VMA_MAYWRITE | CKPT_VMA_MAYEXEC)

SEC("fmod_ret/security_ckpt_restore_vma")
int BPF_PROG(wx, unsigned long start, unsigned long end, u32 flags,
	     struct file *file, const char *path, int ret)
{
	struct ckpt_lsm_event *e;

	if ((flags & WX) != WX && !(strict && (flags & MAY_WX) == MAY_WX))
		return 0;

	__sync_fetch_and_add(&nr_refused, 1);
	e = event_new(CKPT_LSM_OP_REFUSED, CKPT_LSM_HOOK_RESTORE_VMA);
	if (e) {
		e->verdict = e->hook_ret = deny_ret;
		e->start = start;
		e->end = end;
		e->flags = flags;
		if (file)
			file_ident(file, &e->ident);
		bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
		bpf_ringbuf_submit(e, 0);
	}
	return deny_ret;
}

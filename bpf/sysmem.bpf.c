// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: keep data in system memory; devices map it in place.
 *
 * The placement users ask CUDA for with preferred=CPU, accessed-by=GPU: no
 * migration at all, every device access goes over the host link.  Right for
 * data the CPU and a device take turns on (ping-pong), and a simple, visible
 * proof that a BPF policy decides: with sysmem loaded, no page moves.
 *
 * params.window_kb: how much to map around a fault (power of two, 4 .. 2048
 * KiB; 0 = the whole 2 MiB chunk).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "keep data in system memory; devices map it in place";

struct sysmem_params {
	__u32 window_kb;
	__u32 _pad;
};

/* what svmctl load writes before --set: map the whole chunk */
SVM_EXT_PARAMS(struct sysmem_params, .window_kb = 0);

SEC("struct_ops")
int BPF_PROG(sysmem_fault, struct svm_ext_fault_ctx *f)
{
	struct sysmem_params *p = svm_ext_params();
	__u64 size = SVM_EXT_CHUNK_SIZE, start, len;

	if (p && p->window_kb && !(p->window_kb & (p->window_kb - 1)) &&
	    p->window_kb >= 4 && p->window_kb <= 2048)
		size = (__u64)p->window_kb << 10;
	svm_ext_window(f, size, &start, &len);
	svm_ext_fault_map(f, start, len);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops sysmem_ops = {
	.fault = (void *)sysmem_fault,
	.name = "sysmem",
};

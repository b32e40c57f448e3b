// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: asks for access-counter notifications and ignores them.
 * Every fault maps in place, so the device keeps accessing system memory
 * and its counters keep firing; with no decision on a notification the
 * mapping must simply stay.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: map in place, ignore access-counter notifications";

SEC("struct_ops")
int BPF_PROG(counter_probe_fault, struct svm_ext_fault_ctx *f)
{
	if (!(f->flags & SVM_EXT_FAULT_COUNTER))
		svm_ext_fault_map(f, f->range_start,
				  f->range_end - f->range_start);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops counter_probe_ops = {
	.fault = (void *)counter_probe_fault,
	.flags = SVM_EXT_OPS_ACCESS_COUNTERS,
	.name = "counter_probe",
};

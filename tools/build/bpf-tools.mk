# SPDX-License-Identifier: GPL-2.0
#
# The BPF tools everything here uses: the kernel tree's own bpftool and a
# static libbpf, which tools/build/kernel.sh builds from the cached kernel's
# tools/bpf/bpftool and tools/lib/bpf into $(KDIR)/svm_ext-tools.  Nothing
# uses a bpftool from PATH or a libbpf from /usr: when these are missing the
# build stops and says why.  Include this file with KDIR set (an empty KDIR
# is fine for targets that do not need the tools).
#
#   BPFTOOL        $(KDIR)/svm_ext-tools/bin/bpftool
#   LIBBPF_A       $(KDIR)/svm_ext-tools/lib/libbpf.a
#   LIBBPF_CFLAGS  its headers, and the tree's uapi they include
#                  (<linux/bpf.h>, <linux/btf.h>), not the host's older ones
#   LIBBPF_LIBS    libbpf.a and what it needs (libelf and zlib, shared:
#                  the VM shares the host's root file system)
#
# Make a target that needs a tool depend on $(BPFTOOL) or $(LIBBPF_A): the
# rule below turns a missing one into a clear error.

SVM_BPF_TOOLS := $(KDIR)/svm_ext-tools
BPFTOOL := $(SVM_BPF_TOOLS)/bin/bpftool
LIBBPF_A := $(SVM_BPF_TOOLS)/lib/libbpf.a
LIBBPF_CFLAGS := -I$(SVM_BPF_TOOLS)/include -I$(KDIR)/usr/include
LIBBPF_LIBS := $(LIBBPF_A) -lelf -lz

ifeq ($(strip $(KDIR)),)
SVM_BPF_TOOLS_MISSING = KDIR is not set, so the kernel tree's bpftool and libbpf \
	cannot be found: use the top-level make build, or pass KDIR=<cached kernel tree>
else
SVM_BPF_TOOLS_MISSING = $@ is missing: tools/build/kernel.sh builds the kernel \
	tree's bpftool and libbpf into $(SVM_BPF_TOOLS) with the kernel; \
	make kernel (with the same FLAVOR) rebuilds a cache that lacks them
endif
$(SVM_BPF_TOOLS)/%:
	@echo "error: $(SVM_BPF_TOOLS_MISSING)" >&2; exit 2

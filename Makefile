# SPDX-License-Identifier: GPL-2.0
#
# svm_ext top-level build.  `make help` lists the targets.
#
# Everything that needs the kernel tree is built against the cached kernel
# (tools/build/kernel.sh); targets that need it set it up first, so on a
# fresh Debian 12 machine `make check` and `make demo` do everything.

FLAVOR ?= base
KNOWN_FLAVORS := base debug
ifeq ($(filter $(FLAVOR),$(KNOWN_FLAVORS)),)
$(error FLAVOR=$(FLAVOR) is not known; use one of: $(KNOWN_FLAVORS))
endif
V ?= 0
ifeq ($(filter $(V),0 1),)
$(error V=$(V): use V=0 or V=1)
endif

ROOT := $(abspath .)
OUT := $(ROOT)/build
BPF_OUT := $(OUT)/bpf
export SVM_EXT_CACHE ?= /var/cache/svm_ext

CLANG ?= clang-19
CC ?= gcc
# bpftool and libbpf: the kernel tree's, from $(KDIR)/svm_ext-tools (BPFTOOL,
# LIBBPF_A, LIBBPF_CFLAGS, LIBBPF_LIBS), built with the kernel by kernel.sh
include tools/build/bpf-tools.mk
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE

POLICIES := $(basename $(basename $(notdir $(wildcard bpf/*.bpf.c))))
TEST_POLICIES := $(basename $(basename $(notdir $(wildcard selftests/bpf/*.bpf.c))))

# Run a VM command: VM_ARGS may add --mem/--cpus/--timeout.
VM := tools/vm/run.sh
VM_ARGS ?=

.PHONY: all help deps kernel build modules bpf svmctl selftests svmbench svmfuzz check demo \
	peer clean distclean _build _check _demo _peer

all: build

help:
	@echo 'svm_ext targets:'
	@echo '  make check     set up, build everything, run all tests in a VM (README)'
	@echo '  make demo      set up, build, show the emulated GPUs and a policy at work'
	@echo '  make peer      run the kernel HMM suite (hmm-tests + test_hmm) in the VM'
	@echo '  make bench     policies vs the offline optimum in the VM; docs/bench/'
	@echo '  make bench-fit the cost model vs real UVM on an H100 (VM); docs/bench/fit.md'
	@echo '  make bench-overhead  cost of a BPF policy on the fault path (VM; BENCH_ARGS=--json)'
	@echo '  make fuzz      svmfuzz (1M calls) and trinity on the render nodes in the VM (FUZZ_ARGS)'
	@echo '  make stress    svmstress: data-integrity stress with a shadow model in the VM (STRESS_ARGS)'
	@echo '  make build     build modules, BPF policies, svmctl, selftests'
	@echo '  make docs      kernel-doc of kernel/ and include/uapi/ into docs/kernel-api/ (no kernel build)'
	@echo '  make kernel    build (or reuse) the cached kernel, FLAVOR=base|debug'
	@echo '  make deps      install the Debian packages svm_ext needs'
	@echo '  make clean     remove build/ and module objects (not the kernel cache)'
	@echo 'variables: FLAVOR=$(FLAVOR) SVM_EXT_CACHE=$(SVM_EXT_CACHE) V=0|1 T=<test>'
	@echo 'bpftool and libbpf: the kernel tree'"'"'s, in <cached kernel>/svm_ext-tools/ (bin/bpftool, lib/libbpf.a)'

deps:
	@tools/build/deps.sh

# deps only when something is missing: a warm machine does not touch apt
define ensure_deps
	@tools/build/deps.sh --check >/dev/null 2>&1 || tools/build/deps.sh
endef

kernel:
	$(ensure_deps)
	@tools/build/kernel.sh $(FLAVOR) >/dev/null

# Public targets set up (packages, cached kernel), build everything and then
# re-enter make for their private step (_check, _demo, ...) with KDIR known.
define with_kernel
	$(ensure_deps)
	@KDIR=$$(tools/build/kernel.sh $(FLAVOR)) && \
		$(MAKE) --no-print-directory _build KDIR=$$KDIR && \
		$(if $(1),$(MAKE) --no-print-directory $(1) KDIR=$$KDIR,true)
endef

build:
	$(call with_kernel)

check:
	$(call with_kernel,_check)

demo:
	$(call with_kernel,_demo)

peer:
	$(ensure_deps)
	@KDIR=$$(tools/build/kernel.sh $(FLAVOR)) && \
		tools/build/peer.sh --kdir $$KDIR

# Every kernel-doc comment and DOC: section of kernel/ and include/uapi/,
# rendered with the cached kernel tree's scripts/kernel-doc into
# docs/kernel-api/ (tools/build/docs.sh; KDIR=DIR takes another tree).  It
# never builds a kernel: without a built tree it says so and fails.  _check
# runs it with --check (kernel-doc warnings, stale pages) before any VM.
.PHONY: docs
docs:
	@tools/build/docs.sh $(if $(KDIR),--kdir $(KDIR)) --flavor $(FLAVOR)

# ---- below: KDIR is set ----

_build: modules bpf svmctl selftests svmbench svmfuzz svmstress

modules:
	@test -n "$(KDIR)" || { echo 'use make build (KDIR unset)'; exit 2; }
	$(MAKE) -C $(KDIR) M=$(ROOT)/kernel W=1 V=$(V) modules
	@tools/build/layers.sh kernel/core kernel/emu
	@mkdir -p $(OUT)/modules
	@cp kernel/core/svm_ext.ko kernel/emu/svm_emu.ko $(OUT)/modules/

# BPF: kernel types come from the cached vmlinux's BTF plus svm_ext.ko's
# split BTF; dumping the module against its base gives both in one header.
$(BPF_OUT)/vmlinux.h: kernel/core/svm_ext.ko $(KDIR)/vmlinux $(BPFTOOL)
	@mkdir -p $(BPF_OUT)
	$(BPFTOOL) btf dump file kernel/core/svm_ext.ko --base-btf $(KDIR)/vmlinux \
		format c > $@.tmp && mv $@.tmp $@

# 7.3 is built with -fms-extensions: its BTF has anonymous members of named
# struct and union types, which vmlinux.h reproduces and clang accepts
# only with the same extension.  libbpf's BPF headers are the tree's.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-fms-extensions -Wno-microsoft-anon-tag \
	-I$(BPF_OUT) -I$(ROOT)/include -I$(SVM_BPF_TOOLS)/include
# what policies include: every shared BPF header
BPF_HDRS := $(wildcard include/svm_ext/*.bpf.h) include/svm_ext/stats.h

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BPF_OUT)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/tests/%.bpf.o: selftests/bpf/%.bpf.c $(BPF_HDRS) $(BPF_OUT)/vmlinux.h
	@mkdir -p $(BPF_OUT)/tests
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

bpf: modules $(POLICIES:%=$(BPF_OUT)/%.bpf.o) $(TEST_POLICIES:%=$(BPF_OUT)/tests/%.bpf.o)

# The per-range statistics collector: not a policy (outside bpf/*.bpf.c),
# embedded into svmctl, which finds it at $(BPF_OUT)/collect/stats.bpf.o.
$(BPF_OUT)/collect/stats.bpf.o: bpf/collect/stats.bpf.c $(BPF_HDRS) $(BPF_OUT)/vmlinux.h
	@mkdir -p $(BPF_OUT)/collect
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

bpf: $(BPF_OUT)/collect/stats.bpf.o

# The trace recorder of `svmctl record`, embedded the same way
# ($(BPF_OUT)/collect/record.bpf.o); its record layout is trace_file.h's.
$(BPF_OUT)/collect/record.bpf.o: bpf/collect/record.bpf.c include/svm_ext/trace_file.h \
		$(BPF_HDRS) $(BPF_OUT)/vmlinux.h
	@mkdir -p $(BPF_OUT)/collect
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

bpf: $(BPF_OUT)/collect/record.bpf.o

svmctl: bpf
	$(MAKE) -C tools/svmctl KDIR=$(KDIR) BPF_OUT=$(BPF_OUT) POLICIES="$(POLICIES)" \
		OUT=$(OUT)/svmctl CC=$(CC)

# the tests load policies with libsvmctl, which svmctl's build makes
selftests: svmctl
	$(MAKE) -C selftests KDIR=$(KDIR) OUT=$(OUT)/selftests CC=$(CC) \
		LIBSVMCTL=$(OUT)/svmctl/libsvmctl.a

svmbench:
	$(MAKE) -C tools/svmbench KDIR=$(KDIR) OUT=$(OUT)/svmbench CC=$(CC)

svmfuzz:
	$(MAKE) -C tools/svmfuzz KDIR=$(KDIR) OUT=$(OUT)/svmfuzz CC=$(CC)

# The kernel's own HMM suite (hmm-tests on test_hmm) runs first, so its
# result stands beside ours; its failures are upstream's and are reported,
# not counted.  Our summary line is the last line of the run.
PEER ?= $(if $(T),0,1)
# The whole suite takes about 10 min in the VM on base, about ten times that
# on debug (lockdep, KASAN, kmemleak): the VM's limit follows.
CHECK_VM_TIMEOUT := $(if $(filter debug,$(FLAVOR)),14400,1800)
_check:
	@tools/build/docs.sh --check --kdir $(KDIR)
	@if [ "$(PEER)" = 1 ]; then \
		setsid tools/build/peer.sh --kdir $(KDIR) --json $(OUT)/peer.json \
			</dev/null >$(OUT)/peer.log 2>&1 || \
			echo "peer: the kernel HMM suite could not run (see $(OUT)/peer.log)"; \
		tail -n 1 $(OUT)/peer.log; \
	fi
	@{ setsid $(VM) --kdir $(KDIR) --timeout $(CHECK_VM_TIMEOUT) $(VM_ARGS) -- \
		$(ROOT)/selftests/run.sh --bindir $(OUT)/selftests $(foreach t,$(T),-t $(t)) \
		</dev/null; echo $$? >$(OUT)/check.rc; } | tee $(OUT)/check.log
	@selftests/finish.sh $(OUT)/check.log "$$(cat $(OUT)/check.rc)"

_demo:
	@setsid $(VM) --kdir $(KDIR) $(VM_ARGS) -- $(ROOT)/tools/demo/demo.sh </dev/null

# The fuzzers (tools/svmfuzz/fuzz.sh): svmfuzz over every ioctl and sysfs
# file while every policy takes its turn, then trinity's ioctl fuzzing on the
# render nodes as nobody.  FUZZ_ARGS go to fuzz.sh (--calls, --seed, --no-chaos,
# --trinity-calls, --trinity-seconds, --seconds); a kernel report fails the
# run (tools/vm/run.sh).
.PHONY: fuzz _fuzz
FUZZ_ARGS ?=
fuzz:
	$(call with_kernel,_fuzz)

_fuzz:
	@setsid $(VM) --kdir $(KDIR) --timeout 5400 $(VM_ARGS) -- \
		$(ROOT)/tools/svmfuzz/fuzz.sh $(FUZZ_ARGS) </dev/null

# Migration speed: svm_emu beside test_hmm and memcpy, 64 and 256 MiB
# (tools/svmbench/migrate-speed.sh); the 1 GiB rows need about 6.8 GiB.
.PHONY: bench-migrate _bench-migrate
bench-migrate:
	$(call with_kernel,_bench-migrate)

_bench-migrate:
	@setsid $(VM) --kdir $(KDIR) --mem 8G $(VM_ARGS) -- \
		$(ROOT)/tools/svmbench/migrate-speed.sh --kdir $(KDIR) </dev/null

# Placement policies against Belady's MIN and the cost model's optimum
# (tools/svmbench/bench.sh, docs/bench.md): the full matrix in the VM (about
# 500 runs: 30-40 min under TCG, hence the VM's 90 min), charts drawn on the
# host, and the table, CSV and PNGs copied to docs/bench/ for the README.
# BENCH_ARGS go to svmbench suite.
.PHONY: bench _bench
BENCH_ARGS ?=
bench:
	$(call with_kernel,_bench)

_bench:
	@mkdir -p $(OUT)/bench
	@setsid $(VM) --kdir $(KDIR) --rwdir $(OUT)/bench --timeout 5400 $(VM_ARGS) -- \
		$(ROOT)/tools/svmbench/bench.sh --out $(OUT)/bench -- $(BENCH_ARGS) </dev/null
	gnuplot -e "dir='$(OUT)/bench'" tools/svmbench/charts.gp
	@mkdir -p docs/bench
	cp $(OUT)/bench/faults_vs_min.png $(OUT)/bench/modeled_ms.png \
		$(OUT)/bench/modeled_vs_opt.png $(OUT)/bench/results.md \
		$(OUT)/bench/results.csv docs/bench/

# The cost model against real UVM on an H100 (tools/svmbench/h100-uvm.csv):
# the same plans, device memory (512 chunks: mem_mb=1024) and ratios in the
# VM, under `uvm` (the real driver's emulation), `none` and the plan's
# hints; `svmbench fit` writes docs/bench/fit.md and fails when a device
# time or cliff of `uvm` is more than 1.5x off the real one.
.PHONY: bench-fit _bench-fit
FIT_RUN = --workloads sweep,random,zipf,stencil,gather,pingpong-cpu \
	--ratios 1,1.5,3 --policies uvm,none,hints --write-words
bench-fit:
	$(call with_kernel,_bench-fit)

_bench-fit:
	@mkdir -p $(OUT)/fit docs/bench
	@setsid $(VM) --kdir $(KDIR) --mem 6G --rwdir $(OUT)/fit $(VM_ARGS) -- \
		$(ROOT)/tools/svmbench/bench.sh --out $(OUT)/fit --mem-mb 1024 \
		--ndevices 1 -- $(FIT_RUN) </dev/null
	tools/svmbench/fit-table.sh $(OUT)/svmbench/svmbench $(OUT)/fit/results.csv \
		docs/bench/fit.md

# What the 'default' BPF policy costs on the fault path beside no policy,
# interleaved in one VM session (svmbench overhead); fails above 3%.
.PHONY: bench-overhead _bench-overhead
bench-overhead:
	$(call with_kernel,_bench-overhead)

_bench-overhead:
	@setsid $(VM) --kdir $(KDIR) $(VM_ARGS) -- /bin/sh -c \
		'$(ROOT)/selftests/setup.sh >&2 && $(OUT)/svmbench/svmbench overhead $(BENCH_ARGS)' \
		</dev/null

# Data-integrity stress (tools/svmstress): processes x threads x every
# emulated GPU, 3x oversubscribed, checked word by word against a shadow;
# 600 s unless STRESS_ARGS say otherwise (svmstress --help).  On the debug
# kernel STRESS_INJECT=PCT fails PCT% of our error-injectable calls
# (fail_function) while it runs.
.PHONY: stress _stress svmstress
STRESS_ARGS ?=
STRESS_INJECT ?=
stress:
	$(call with_kernel,_stress)

_stress:
	@setsid $(VM) --kdir $(KDIR) --timeout 5400 $(VM_ARGS) -- \
		$(ROOT)/tools/svmstress/stress.sh $(if $(STRESS_INJECT),--inject $(STRESS_INJECT)) \
		-- $(STRESS_ARGS) </dev/null

svmstress:
	$(MAKE) -C tools/svmstress KDIR=$(KDIR) OUT=$(OUT)/svmstress CC=$(CC)

clean:
	rm -rf $(OUT)
	-find kernel \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
		-o -name 'Module.symvers' -o -name 'modules.order' \) -delete 2>/dev/null

distclean: clean
	@echo "the kernel cache stays in $(SVM_EXT_CACHE) (remove it by hand to rebuild)"

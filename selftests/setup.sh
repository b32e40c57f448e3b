#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest-side set-up before the selftests (and the demo and benchmarks): load
# svm_ext and svm_emu (two emulated GPUs, 64 MiB each), make sure bpffs is
# there for pinned policies.  SVM_EXT_MODULES (default build/modules) and
# SVM_EMU_PARAMS (default "ndevices=2 mem_mb=64") change what is loaded.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MOD=${SVM_EXT_MODULES:-$ROOT/build/modules}

grep -q "^svm_ext " /proc/modules || insmod "$MOD/svm_ext.ko"
# shellcheck disable=SC2086
insmod "$MOD/svm_emu.ko" ${SVM_EMU_PARAMS:-ndevices=2 mem_mb=64}
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# a few 2 MiB pages for the hugetlbfs tests (they skip, saying so, without)
echo 4 > /proc/sys/vm/nr_hugepages || true
# the last device's render node: renderD128 + ndevices - 1
PARAMS=${SVM_EMU_PARAMS:-ndevices=2 mem_mb=64}
NDEV=2
[[ $PARAMS =~ ndevices=([0-9]+) ]] && NDEV=${BASH_REMATCH[1]}
LAST=/dev/dri/renderD$((127 + NDEV))
for i in $(seq 50); do
	[ -e "$LAST" ] && break
	sleep 0.1
done
[ -e "$LAST" ] || { echo "setup: render nodes did not appear (no $LAST)" >&2; exit 1; }
echo "setup: svm_ext and svm_emu loaded: $(ls /sys/kernel/svm_ext/devices | wc -l) devices"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`, guest side: load the modules, show the emulated GPUs, run a
# small workload with the built-in default and then with a BPF policy loaded
# through svmctl, and show what changed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SVMCTL=$ROOT/build/svmctl/svmctl
BENCH=$ROOT/build/svmbench/svmbench

"$ROOT/selftests/setup.sh"
echo
echo "== emulated GPUs"
for d in /sys/kernel/svm_ext/devices/*; do
	printf '  device %s: %s, %d MiB, peers %s\n' "$(basename "$d")" \
		"$(cat "$d/name")" $(( $(cat "$d/mem_total") >> 20 )) "$(cat "$d/peers")"
done
ls -l /dev/dri/
echo
echo "== svmctl status (no policy: the built-in default decides)"
"$SVMCTL" status
echo
echo "== workload: a GPU writes 32 MiB, then the CPU reads it back"
"$BENCH" --size 32 writeback
echo
echo "== svmctl load sysmem (keep data in system memory, map it in place)"
"$SVMCTL" load sysmem
"$SVMCTL" status
echo
echo "== same workload under sysmem"
"$BENCH" --size 32 writeback
echo
"$SVMCTL" unload
echo "== device counters"
cat /sys/kernel/svm_ext/devices/0/counters

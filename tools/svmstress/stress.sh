#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress, guest side: load svm_ext and svm_emu, run svmstress, then
# check that every device got all its memory back.  See usage().
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STRESS=$ROOT/build/svmstress/svmstress

usage() {
	cat <<EOF2
usage: tools/svmstress/stress.sh [--emu-params 'PARAMS'] [--swap MIB] [--inject PCT]
                                 [-- SVMSTRESS_ARGS...]

Run inside the VM as root (make stress does, through tools/vm/run.sh).
Loads svm_ext and svm_emu with selftests/setup.sh - svm_emu with PARAMS
(default 'ndevices=3 mem_mb=16 peers=0-1': three small GPUs, so 3x
oversubscription stays small, and both linked and unlinked device pairs) -
turns on MIB MiB of swap (default 256; 0: none) with swap.sh so that
MADV_PAGEOUT really reclaims anonymous and shmem pages, then runs build/svmstress/svmstress --duration 600 SVMSTRESS_ARGS (later
arguments win; svmstress --help lists them).  Afterwards every device's
free memory must equal its total again: a chunk missing is lost for good.

--inject PCT (debug kernel): PCT percent of the calls the workers make to
our error-injectable functions fail (fail_function, tools/lib/inject.sh:
the hmm fault, the copy engines, 2 MiB device folios, read-mostly copies)
and svmstress runs with --inject: an access may then fail with ENOMEM or
EIO, but every word must still read right and no memory may be lost.

Exit status: svmstress's (0 clean, 1 mismatches or errors, 2 usage, 3 set-up
failed), 1 also when device memory was not returned; 2 usage error here.
EOF2
}

say() { printf 'stress: %s\n' "$*" >&2; }

EMU_PARAMS='ndevices=3 mem_mb=16 peers=0-1'
SWAP_MB=256
INJECT=
need() { [ $# -ge 2 ] || { say "$1 needs a value"; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--emu-params) need "$@"; EMU_PARAMS=$2; shift 2 ;;
	--swap) need "$@"; SWAP_MB=$2; shift 2 ;;
	--inject) need "$@"; INJECT=$2; shift 2 ;;
	--) shift; break ;;
	-h | --help) usage; exit 0 ;;
	*) say "unknown argument '$1'"; usage >&2; exit 2 ;;
	esac
done
[[ $SWAP_MB =~ ^[0-9]+$ ]] || { say "bad --swap '$SWAP_MB'"; exit 2; }
[ -z "$INJECT" ] || [[ $INJECT =~ ^([0-9]|[1-9][0-9]|100)$ ]] || { say "bad --inject '$INJECT' (0..100)"; exit 2; }
[ -x "$STRESS" ] || { say "no $STRESS (make build)"; exit 3; }

SVM_EMU_PARAMS=$EMU_PARAMS "$ROOT/selftests/setup.sh" >&2 || { say "setup failed"; exit 3; }
if [ "$SWAP_MB" -gt 0 ]; then
	"$ROOT/tools/svmstress/swap.sh" on "$SWAP_MB" || { say "no swap"; exit 3; }
	trap '"$ROOT/tools/svmstress/swap.sh" off' EXIT
fi
say "kernel $(uname -r); svm_emu $EMU_PARAMS; swap $SWAP_MB MiB"

set +e
if [ -n "$INJECT" ]; then
	# shellcheck source=../lib/inject.sh
	. "$ROOT/tools/lib/inject.sh"
	inject_on "$INJECT" fail_function || exit 3
	say "fail_function: $INJECT% of our injectable calls fail"
	# make-it-fail goes to the workers svmstress forks (not to svmctl)
	/bin/sh -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' svmstress \
		"$STRESS" --duration 600 --inject "$@"
	rc=$?
	inject_off
else
	"$STRESS" --duration 600 "$@"
	rc=$?
fi
set -e

# the devices' memory must all come back once the workers are gone
lost=
for _ in $(seq 20); do
	lost=
	for d in /sys/kernel/svm_ext/devices/*/; do
		free=$(cat "$d/mem_free") total=$(cat "$d/mem_total")
		[ "$free" = "$total" ] || lost="$lost dev$(basename "$d"): free $free of $total"
	done
	[ -z "$lost" ] && break
	sleep 0.5
done
if [ -n "$lost" ]; then
	say "device memory not returned after the run:$lost"
	[ "$rc" -ne 0 ] || rc=1
fi
say "svmstress exit status $rc"
exit "$rc"

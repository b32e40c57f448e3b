#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, guest side: the placement-policy matrix (svmbench suite) on
# freshly loaded emulated GPUs.  See usage().
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$ROOT/build/svmbench/svmbench

usage() {
	cat <<EOF2
usage: tools/svmbench/bench.sh --out DIR [--mem-mb MIB] [--ndevices N]
                               [-- SUITE_ARGS...]

Run inside the VM as root (make bench does: tools/vm/run.sh --rwdir DIR).
Loads svm_ext and svm_emu (--ndevices GPUs, default 2, of --mem-mb MiB
each, default 32) with
selftests/setup.sh, then runs
  svmbench suite --csv DIR/results.csv --md DIR/results.md --plot-dir DIR
with SUITE_ARGS appended (default: every workload, ratios 1, 1.5 and 3,
every installed policy and none).  The table goes to the terminal and to
DIR/table.txt; gnuplot -e "dir='DIR'" tools/svmbench/charts.gp draws the PNGs
(make bench does, on the host).

Exit status: svmbench's (0 all runs done, 1 a run or policy load failed,
3 no device); 2 usage error.
EOF2
}

say() { printf 'bench: %s\n' "$*" >&2; }

OUT=
MEM_MB=32
NDEV=2
need() { [ $# -ge 2 ] || { say "$1 needs a value"; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--out) need "$@"; OUT=$2; shift 2 ;;
	--mem-mb) need "$@"; MEM_MB=$2; shift 2 ;;
	--ndevices) need "$@"; NDEV=$2; shift 2 ;;
	--) shift; break ;;
	-h | --help) usage; exit 0 ;;
	*) say "unknown argument '$1'"; usage >&2; exit 2 ;;
	esac
done
[ -n "$OUT" ] || { say "--out is required"; usage >&2; exit 2; }
[[ $MEM_MB =~ ^[0-9]+$ ]] && [ $((MEM_MB % 2)) = 0 ] && [ "$MEM_MB" -ge 4 ] ||
	{ say "--mem-mb: '$MEM_MB' must be even and >= 4"; exit 2; }
[[ $NDEV =~ ^[1-8]$ ]] || { say "--ndevices: '$NDEV' must be 1..8"; exit 2; }
[ "$(id -u)" = 0 ] || { say "run me as root inside the VM (make bench)"; exit 2; }
[ -x "$BENCH" ] || { say "no $BENCH (make build)"; exit 2; }

mkdir -p "$OUT"
SVM_EMU_PARAMS="ndevices=$NDEV mem_mb=$MEM_MB" "$ROOT/selftests/setup.sh" >&2
set +e
"$BENCH" suite --csv "$OUT/results.csv" --md "$OUT/results.md" \
	--plot-dir "$OUT" "$@" | tee "$OUT/table.txt"
rc=${PIPESTATUS[0]}
set -e
say "results in $OUT (exit $rc)"
exit "$rc"

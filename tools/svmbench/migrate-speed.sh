#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-migrate, guest side: migration speed of svm_emu beside the
# kernel's test_hmm and a plain memcpy, same VM, same run.  See usage().
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$ROOT/build/svmbench/svmbench
MOD=$ROOT/build/modules

usage() {
	cat <<EOF
usage: tools/svmbench/migrate-speed.sh [--kdir DIR] [--sizes "MIB..."] [--repeat N]
                                       [--mem-mb MIB] [--modules DIR] [--json]

Run inside the VM as root (tools/vm/run.sh --mem 4G -- ...; make bench-migrate
does that).  Loads svm_ext + svm_emu (2 GPUs, as selftests/setup.sh, with
enough device memory for the largest size) and \$KDIR/lib/test_hmm.ko, then for
each size runs
  svmbench migrate                                   svm_emu, fault both ways
  svmbench migrate --to explicit --back explicit     svm_emu, PREFETCH both ways
  svmbench migrate-hmm                               test_hmm MIGRATE_TO_DEV, CPU faults back
  svmbench migrate-hmm --back explicit               test_hmm MIGRATE_TO_DEV / MIGRATE_TO_SYS
and prints one table: MB/s each way (medians of --repeat round trips), the
memcpy MB/s measured in the same process (a memcpy of the same size right
before and right after each round trip), and the ratios to memcpy (medians
of each round trip's own ratios: host load drifts between rounds).

  --kdir DIR     kernel tree with lib/test_hmm.ko (default: tools/build/kernel.sh
                 --print-dir \${FLAVOR:-base})
  --sizes LIST   sizes in MiB (default "64 256")
  --repeat N     round trips per row (default 5)
  --mem-mb MIB   svm_emu device memory per GPU (default: 2 x the largest
                 size, at least 64: an unaligned buffer spans one more 2 MiB
                 chunk, and nothing should be evicted during a run)
  --modules DIR  where svm_ext.ko and svm_emu.ko are (default build/modules;
                 to compare a modified kernel/ side by side)
  --json         also print each row's JSON line (svmbench --json)

Exit status: 0 all rows ran with data intact and every page moved; 1 a row
failed or moved less than all pages; 2 usage error.
EOF
}

say() { printf 'migrate-speed: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

KDIR=
SIZES="64 256"
REPEAT=5
MEM_MB=
JSON=0
need() { [ $# -ge 2 ] || { say "$1 needs a value"; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) need "$@"; KDIR=$2; shift 2 ;;
	--sizes) need "$@"; SIZES=$2; shift 2 ;;
	--repeat) need "$@"; REPEAT=$2; shift 2 ;;
	--mem-mb) need "$@"; MEM_MB=$2; shift 2 ;;
	--modules) need "$@"; MOD=$2; shift 2 ;;
	--json) JSON=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) say "unknown argument '$1'"; usage >&2; exit 2 ;;
	esac
done
max=0
for s in $SIZES; do
	[[ $s =~ ^[1-9][0-9]*$ ]] || { say "--sizes: '$s' is not a size in MiB"; exit 2; }
	if [ "$s" -gt "$max" ]; then max=$s; fi
done
[ "$max" -gt 0 ] || { say "--sizes: empty"; exit 2; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { say "--repeat: '$REPEAT' is not a count"; exit 2; }
if [ -z "$MEM_MB" ]; then
	MEM_MB=$((2 * max))
	[ "$MEM_MB" -ge 64 ] || MEM_MB=64
fi
[[ $MEM_MB =~ ^[0-9]+$ ]] && [ $((MEM_MB % 2)) = 0 ] && [ "$MEM_MB" -ge 4 ] ||
	{ say "--mem-mb: '$MEM_MB' must be even and >= 4"; exit 2; }
[ "$(id -u)" = 0 ] || die "run me as root inside the VM (make bench-migrate)"
if [ -z "$KDIR" ]; then
	KDIR=$("$ROOT/tools/build/kernel.sh" --print-dir "${FLAVOR:-base}") ||
		die "cannot determine the kernel dir"
fi
[ -f "$KDIR/lib/test_hmm.ko" ] || die "$KDIR/lib/test_hmm.ko not found"
[ -x "$BENCH" ] || die "$BENCH not built (make build)"
[ -f "$MOD/svm_ext.ko" ] && [ -f "$MOD/svm_emu.ko" ] || die "no svm_ext.ko/svm_emu.ko in $MOD (make build)"

# --- modules ----------------------------------------------------------------
if grep -q '^svm_emu ' /proc/modules; then
	have=$(cat /sys/module/svm_emu/parameters/mem_mb)
	[ "$have" -ge "$MEM_MB" ] ||
		die "svm_emu is loaded with mem_mb=$have, need $MEM_MB (rmmod svm_emu first)"
else
	SVM_EXT_MODULES=$MOD SVM_EMU_PARAMS="ndevices=2 mem_mb=$MEM_MB" \
		"$ROOT/selftests/setup.sh" >&2 ||
		die "loading svm_ext/svm_emu with mem_mb=$MEM_MB failed (VM memory? it takes 2 x $MEM_MB MiB)"
fi

HMM_LOADED=0
"$ROOT/tools/vm/load-test-hmm.sh" "$KDIR" && HMM_LOADED=1 || [ $? = 3 ] ||
	die "could not load test_hmm"
trap '[ $HMM_LOADED = 0 ] || rmmod test_hmm 2>/dev/null || true' EXIT

thp=$(sed -E 's/.*\[([a-z]+)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)
say "kernel $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo) RAM, THP $thp"
say "modules from $MOD"
say "svm_emu: 2 GPUs x $(cat /sys/module/svm_emu/parameters/mem_mb) MiB; test_hmm: /dev/hmm_dmirror0; sizes $SIZES MiB, median of $REPEAT"

# --- runs -------------------------------------------------------------------
# jget KEY JSON: a scalar from svmbench's flat one-line JSON
jget() { sed -nE "s/.*\"$1\":\"?([^,\"}]*)\"?[,}].*/\1/p" <<<"$2"; }

ROWS=()
FAILED=0
row() { # LABEL svmbench-args...
	local label=$1 out rc=0
	shift
	out=$("$BENCH" --json --repeat "$REPEAT" "$@") || rc=$?
	[ $JSON = 0 ] || printf '%s\n' "$out"
	if [ $rc != 0 ] || [ -z "$out" ]; then
		say "svmbench $* failed (exit $rc)"
		FAILED=1
		ROWS+=("$(printf '%-5s %-18s %s' "$size" "$label" "FAILED (exit $rc)")")
		return
	fi
	local np to back note=
	np=$(jget npages "$out")
	to=$(jget pages_to_dev "$out")
	back=$(jget pages_back "$out")
	[ "$(jget data_ok "$out")" = true ] || { note+=" DATA-CORRUPT"; FAILED=1; }
	[ "$to" = "$np" ] || { note+=" only $to/$np pages reached the device"; FAILED=1; }
	[ "$back" = "$np" ] || { note+=" only $back/$np pages came back"; FAILED=1; }
	ROWS+=("$(printf '%-5s %-18s %9s %9s %9s  %5.2fx  %5.2fx %s' "$size" "$label" \
		"$(jget to_dev_mbps "$out")" "$(jget to_sys_mbps "$out")" \
		"$(jget memcpy_mbps "$out")" "$(jget to_dev_ratio "$out")" \
		"$(jget to_sys_ratio "$out")" "$note")")
}

for size in $SIZES; do
	say "$size MiB ..."
	row "svm_emu fault"    migrate --size "$size" --to fault --back fault
	row "svm_emu prefetch" migrate --size "$size" --to explicit --back explicit
	row "test_hmm ioctl/cpu" migrate-hmm --size "$size" --to explicit --back fault
	row "test_hmm ioctl"   migrate-hmm --size "$size" --to explicit --back explicit
done

echo
printf '%-5s %-18s %9s %9s %9s  %6s  %6s\n' MiB path "to MB/s" "back MB/s" \
	"memcpy" "to/cp" "back/cp"
for r in "${ROWS[@]}"; do echo "$r"; done
cat <<EOF

svm_emu fault:      to = device reads 1 word/page (2 MiB chunks fault in); back = CPU reads 1 word/page
svm_emu prefetch:   PREFETCH ioctl to the device / to SVM_EXT_LOC_SYSTEM
test_hmm ioctl/cpu: HMM_DMIRROR_MIGRATE_TO_DEV (includes its copy-out of SIZE to verify);
                    back = CPU reads 1 word/page (test_hmm migrates 1 page per fault)
test_hmm ioctl:     MIGRATE_TO_DEV / HMM_DMIRROR_MIGRATE_TO_SYS (64-page windows)
memcpy: same process, same size, populated buffers, right before and after each round trip;
MB/s: medians of $REPEAT round trips; ratios: medians of each round trip's memcpy time / move time
EOF
exit $FAILED

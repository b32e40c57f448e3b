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
usage: tools/svmbench/migrate-speed.sh [--kdir DIR] [--sizes "MIB..."]
                                       [--sizes-4k "MIB..."] [--repeat N]
                                       [--mem-mb MIB] [--modules DIR] [--json]

Run inside the VM as root (tools/vm/run.sh --mem 8G -- ...; make
bench-migrate does that).  Loads svm_ext + svm_emu (2 GPUs, as
selftests/setup.sh, with device memory for the largest size) and
\$KDIR/lib/test_hmm.ko, then for each size, on THP-backed buffers
(MADV_HUGEPAGE) and then on 4 KiB-backed ones (MADV_NOHUGEPAGE), runs
  svmbench migrate                                   svm_emu, fault both ways
  svmbench migrate --to explicit --back explicit     svm_emu, PREFETCH both ways
  svmbench migrate-hmm                               test_hmm MIGRATE_TO_DEV, CPU faults back
  svmbench migrate-hmm --back explicit               test_hmm MIGRATE_TO_DEV / MIGRATE_TO_SYS
and prints one table: MB/s each way (medians of --repeat round trips), the
memcpy MB/s measured in the same process (a memcpy of the same size right
before and right after each round trip), the ratios to memcpy (medians of
each round trip's own ratios: host load drifts between rounds), and how
much of the data was in 2 MiB pages on the way.

  --kdir DIR      kernel tree with lib/test_hmm.ko (default: tools/build/kernel.sh
                  --print-dir \${FLAVOR:-base})
  --sizes LIST    THP-backed sizes in MiB, multiples of 2 (default "64 256 1024";
                  "" for none)
  --sizes-4k LIST 4 KiB-backed sizes in MiB (default "64 256"; "" for none)
  --repeat N      round trips per row (default 5)
  --mem-mb MIB    svm_emu device memory per GPU (default: the largest size
                  + 64, even: buffers are 2 MiB aligned, and nothing should
                  be evicted during a run; a row where not every page
                  reached the device fails)
  --modules DIR   where svm_ext.ko and svm_emu.ko are (default build/modules;
                  to compare a modified kernel/ side by side)
  --json          also print each row's JSON line (svmbench --json)

Exit status: 0 all rows ran with data intact, every page moved and the
buffers backed as the row says; 1 otherwise; 2 usage error.
EOF
}

say() { printf 'migrate-speed: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

KDIR=
SIZES="64 256 1024"
SIZES_4K="64 256"
REPEAT=5
MEM_MB=
JSON=0
need() { [ $# -ge 2 ] || { say "$1 needs a value"; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) need "$@"; KDIR=$2; shift 2 ;;
	--sizes) need "$@"; SIZES=$2; shift 2 ;;
	--sizes-4k) need "$@"; SIZES_4K=$2; shift 2 ;;
	--repeat) need "$@"; REPEAT=$2; shift 2 ;;
	--mem-mb) need "$@"; MEM_MB=$2; shift 2 ;;
	--modules) need "$@"; MOD=$2; shift 2 ;;
	--json) JSON=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) say "unknown argument '$1'"; usage >&2; exit 2 ;;
	esac
done
max=0
for s in $SIZES $SIZES_4K; do
	[[ $s =~ ^[1-9][0-9]*$ ]] || { say "sizes: '$s' is not a size in MiB"; exit 2; }
	if [ "$s" -gt "$max" ]; then max=$s; fi
done
for s in $SIZES; do
	[ $((s % 2)) = 0 ] || { say "--sizes: $s: a THP-backed size is a multiple of 2 MiB"; exit 2; }
done
[ "$max" -gt 0 ] || { say "--sizes and --sizes-4k: both empty"; exit 2; }
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { say "--repeat: '$REPEAT' is not a count"; exit 2; }
if [ -z "$MEM_MB" ]; then
	MEM_MB=$(((max + 64 + 1) / 2 * 2))
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

# What a row holds at its peak, roughly: svm_emu's backing (2 GPUs x
# MEM_MB, allocated at load), the buffer and memcpy's destination, and for
# test_hmm its own backing of the buffer plus its copy-out's vmalloc.
mem_mib=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
need_mib=$((2 * MEM_MB + 4 * max + 512))
[ "$mem_mib" -ge "$need_mib" ] ||
	say "warning: the VM has $mem_mib MiB, these sizes need about $need_mib MiB (run.sh --mem; make bench-migrate VM_ARGS='--mem 8G')"

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
defrag=$(sed -E 's/.*\[([a-z+]+)\].*/\1/' /sys/kernel/mm/transparent_hugepage/defrag 2>/dev/null || echo n/a)
folios=no
grep -qs '^folios_to_dev ' /sys/kernel/svm_ext/devices/0/counters && folios=yes
say "kernel $(uname -r), $(nproc) vCPUs, $mem_mib MiB RAM, THP enabled=$thp defrag=$defrag"
say "modules from $MOD (core counts 2 MiB folios: $folios)"
say "svm_emu: 2 GPUs x $(cat /sys/module/svm_emu/parameters/mem_mb) MiB; test_hmm: /dev/hmm_dmirror0"
say "sizes: THP ${SIZES:-none}, 4 KiB ${SIZES_4K:-none} MiB; median of $REPEAT"

# --- runs -------------------------------------------------------------------
# jget KEY JSON: a scalar from svmbench's flat one-line JSON
jget() { sed -nE "s/.*\"$1\":\"?([^,\"}]*)\"?[,}].*/\1/p" <<<"$2"; }
# pct PAGES NPAGES: a share in percent, or - when not known
pct() { if [ "$1" -lt 0 ]; then echo -; else echo $((100 * $1 / $2)); fi; }

ROWS=()
FAILED=0
row() { # LABEL svmbench-args...
	local label=$1 out rc=0 t0=$SECONDS
	shift
	out=$("$BENCH" --json --repeat "$REPEAT" --backing "$backing" "$@") || rc=$?
	[ $JSON = 0 ] || printf '%s\n' "$out"
	if [ $rc != 0 ] || [ -z "$out" ]; then
		say "svmbench $* failed (exit $rc)"
		FAILED=1
		ROWS+=("$(printf '%-5s %-4s %-18s %s' "$size" "$backing" "$label" "FAILED (exit $rc)")")
		return
	fi
	local np to back src net folios note=
	np=$(jget npages "$out")
	to=$(jget pages_to_dev "$out")
	back=$(jget pages_back "$out")
	src=$(jget thp_src "$out")
	[ "$(jget data_ok "$out")" = true ] || { note+=" DATA-CORRUPT"; FAILED=1; }
	[ "$to" = "$np" ] || { note+=" only $to/$np pages reached the device"; FAILED=1; }
	[ "$back" = "$np" ] || { note+=" only $back/$np pages came back"; FAILED=1; }
	if [ "$backing" = thp ] && [ "$src" != "$np" ]; then
		note+=" source only $src/$np pages THP"
		FAILED=1
	fi
	if [ "$backing" = 4k ] && [ "$src" != 0 ]; then
		note+=" source has $src THP pages"
		FAILED=1
	fi
	net=-
	if [ "$(jget to_net_ratio "$out")" != -1.000 ]; then
		net=$(printf '%.2fx' "$(jget to_net_ratio "$out")")
		# rounds whose copy-out took longer than the whole move are left out
		[ "$(jget net_rounds "$out")" = "$(jget repeat "$out")" ] ||
			net+="($(jget net_rounds "$out"))"
	fi
	folios=-
	if [ "$(jget folios_to_dev "$out")" -ge 0 ]; then
		folios="$(jget folios_to_dev "$out")/$(jget folios_back "$out")"
	fi
	ROWS+=("$(printf '%-5s %-4s %-18s %8s %8s %9s  %5.2fx  %5.2fx  %8s  %4s %4s %4s  %9s %4ss%s' \
		"$size" "$backing" "$label" \
		"$(jget to_dev_mbps "$out")" "$(jget to_sys_mbps "$out")" \
		"$(printf '%.0f/%.0f' "$(jget memcpy_before_mbps "$out")" "$(jget memcpy_after_mbps "$out")")" \
		"$(jget to_dev_ratio "$out")" \
		"$(jget to_sys_ratio "$out")" "$net" \
		"$(pct "$src" "$np")" "$(pct "$(jget huge_dev "$out")" "$np")" \
		"$(pct "$(jget thp_back "$out")" "$np")" "$folios" \
		$((SECONDS - t0)) "$note")")
}

rows_for() {
	say "$size MiB, $backing ..."
	row "svm_emu fault"      migrate --size "$size" --to fault --back fault
	row "svm_emu prefetch"   migrate --size "$size" --to explicit --back explicit
	row "test_hmm ioctl/cpu" migrate-hmm --size "$size" --to explicit --back fault
	row "test_hmm ioctl"     migrate-hmm --size "$size" --to explicit --back explicit
}

START=$SECONDS
backing=thp
for size in $SIZES; do rows_for; done
backing=4k
for size in $SIZES_4K; do rows_for; done

echo
printf '%-5s %-4s %-18s %8s %8s %9s  %6s  %6s  %8s  %14s  %9s %5s\n' MiB pages path \
	"to MB/s" "back" "cp bf/af" "to/cp" "back/cp" "to-cp/cp" "2M% src dev bk" \
	"folios" "time"
for r in "${ROWS[@]}"; do echo "$r"; done
cat <<EOF

svm_emu fault:      to = EXEC: the device reads 1 word/page (each 2 MiB chunk faults in whole);
                    back = the CPU reads 1 word/page (each CPU fault brings its chunk home)
svm_emu prefetch:   PREFETCH ioctl to the device / to SVM_EXT_LOC_SYSTEM
test_hmm ioctl/cpu: HMM_DMIRROR_MIGRATE_TO_DEV (2 MiB windows; includes its copy-out of SIZE
                    for verification: vmalloc, a copy of every page, copy_to_user);
                    back = the CPU reads 1 word/page (each fault moves its folio: 2 MiB or 4 KiB)
test_hmm ioctl:     MIGRATE_TO_DEV / HMM_DMIRROR_MIGRATE_TO_SYS (2 MiB windows, no copy-out)
to-cp/cp:           test_hmm to the device less its copy-out (MIGRATE_TO_DEV time minus an
                    HMM_DMIRROR_READ of the same range right after, which does the same copy-out);
                    (N): only N rounds had a READ shorter than the MIGRATE_TO_DEV
memcpy: same process, same size, same backing, populated buffers, right before the round
trip (from the fresh buffer: bf) and right after it (from the buffer moved back: af);
MB/s: medians of $REPEAT round trips; ratios: medians of each round trip's
mean memcpy time (bf and af) / move time
2M%: of the buffer's pages (fewest in a round), in PMD-mapped THPs before the move (src),
under 2 MiB device-private entries once on the device (dev), in PMD-mapped THPs once back (bk)
folios: svm_ext's counters, 2 MiB folios moved to the device / back per round (fewest)
time: the row's wall time (all rounds, set-up and checks included)
total: $((SECONDS - START)) s
EOF
exit $FAILED

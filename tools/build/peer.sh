#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make peer: build the kernel's own HMM test suite (hmm-tests + test_hmm.ko)
# from the test kernel tree and run it in the VM, as a reference point for
# svm_ext's results.  See usage().
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELF="$ROOT/tools/build/peer.sh"

usage() {
	cat <<EOF
usage: tools/build/peer.sh [--kdir DIR] [--json FILE] [--timeout SECS] [--build-only]
                           [--vm-opt OPT]...

Builds \$KDIR/tools/testing/selftests/mm/hmm-tests.c (with vm_util.c and
hugepage_settings.c beside it) into build/peer/hmm-tests,
then boots the VM (tools/vm/run.sh), loads \$KDIR/lib/test_hmm.ko, runs
hmm-tests and prints its TAP and a last line
  peer hmm-tests: N passed, N failed, N skipped

  --kdir DIR       kernel tree (default: tools/build/kernel.sh --print-dir \${FLAVOR:-base})
  --json FILE      also write {"pass":N,"fail":N,"skip":N} to FILE
  --timeout SECS   VM timeout (default 900)
  --build-only     only build build/peer/hmm-tests
  --vm-opt OPT     pass OPT to tools/vm/run.sh (repeatable, e.g. --vm-opt --no-kvm)

Exit status: 0 when the suite ran (its own failures are reported, not
fatal: they are the upstream test's business); 1 when it could not be
built or run; 2 usage error.  Kernel problem reports during the run are
printed (run.sh --allow-warn) but do not change the status.
EOF
}

say() { printf 'peer: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# --- guest side: tools/vm/run.sh -- peer.sh --in-guest KDIR BIN ------------
if [ "${1:-}" = --in-guest ]; then
	KDIR=$2 BIN=$3
	"$ROOT/tools/vm/load-test-hmm.sh" "$KDIR" || [ $? = 3 ] ||
		die "could not load test_hmm"
	LOG=$(mktemp /tmp/peer-hmm.XXXXXX)
	set +e
	(cd "$(dirname "$BIN")" && exec "$BIN") </dev/null 2>&1 | tee "$LOG"
	rc=${PIPESTATUS[0]}
	set -e
	rmmod test_hmm 2>/dev/null || say "rmmod test_hmm failed (module busy?)"
	totals=$(grep -a '^# Totals:' "$LOG" | tail -n1 || true)
	[ -n "$totals" ] || die "hmm-tests printed no Totals line (exit $rc): it did not run to the end"
	# xfail counts as passed; xpass and error as failed (as selftests/run.sh does)
	echo "$totals" | sed -E 's/.*pass:([0-9]+) fail:([0-9]+) xfail:([0-9]+) xpass:([0-9]+) skip:([0-9]+) error:([0-9]+).*/\1 \2 \3 \4 \5 \6/' |
		{ read -r p f xf xp s e; echo "# peer-totals: pass:$((p + xf)) fail:$((f + xp + e)) skip:$s exit:$rc"; }
	exit 0
fi

# --- host side ---------------------------------------------------------------
KDIR=
JSON=
TIMEOUT=900
BUILD_ONLY=0
VMOPTS=()
need() { [ $# -ge 2 ] || { say "$1 needs a value"; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) need "$@"; KDIR=$2; shift 2 ;;
	--json) need "$@"; JSON=$2; shift 2 ;;
	--timeout) need "$@"; TIMEOUT=$2; shift 2 ;;
	--build-only) BUILD_ONLY=1; shift ;;
	--vm-opt) need "$@"; VMOPTS+=("$2"); shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) say "unknown argument '$1'"; usage >&2; exit 2 ;;
	esac
done

if [ -z "$KDIR" ]; then
	KDIR=$("$ROOT/tools/build/kernel.sh" --print-dir "${FLAVOR:-base}") || die "cannot determine the kernel dir"
	[ -f "$KDIR/.svm_ext-stamp" ] || die "kernel not built: $KDIR (run: make kernel${FLAVOR:+ FLAVOR=$FLAVOR})"
fi
[ -d "$KDIR" ] || die "kernel dir $KDIR does not exist"
KDIR=$(cd "$KDIR" && pwd)
SRC=$KDIR/tools/testing/selftests/mm/hmm-tests.c
[ -f "$SRC" ] || die "$SRC not found (is $KDIR a full kernel tree?)"
[ -f "$KDIR/lib/test_hmm.ko" ] || die "$KDIR/lib/test_hmm.ko not found (kernel built without CONFIG_TEST_HMM=m?)"
[ -d "$KDIR/usr/include/linux" ] || die "$KDIR/usr/include has no uapi headers (make headers_install missing)"

# Since 7.x hmm-tests uses the mm selftests' helpers: vm_util.c (pagemap,
# read_pmd_pagesize()) and hugepage_settings.c (HUGETLB_SETUP_DEFAULT_PAGES,
# hugetlb_free_default_pages()), with their headers found through
# tools/testing/selftests (kselftest_harness.h, mm/vm_util.h).
MMDIR=$KDIR/tools/testing/selftests/mm
HELPERS=()
for f in vm_util.c hugepage_settings.c; do
	[ -f "$MMDIR/$f" ] || die "$MMDIR/$f not found: hmm-tests of this tree needs it (is $KDIR a Linux 7.x tree?)"
	HELPERS+=("$MMDIR/$f")
done

OUT=$ROOT/build/peer
BIN=$OUT/hmm-tests
mkdir -p "$OUT"
# Flags of tools/testing/selftests/mm/Makefile: the tree root for the private
# uapi headers (lib/test_hmm_uapi.h, mm/gup_test.h), the selftests dir for
# kselftest_harness.h and mm/vm_util.h, the installed uapi headers of this
# kernel and the tools uapi headers as system headers (-isystem, as lib.mk
# has them: <linux/mman.h> redefines what <sys/mman.h> defined).  Always
# rebuilt: three files, seconds.
say "building $BIN from $SRC"
gcc -Wall -O2 -U_FORTIFY_SOURCE -I"$KDIR" -I"$KDIR/tools/testing/selftests" \
	-isystem "$KDIR/usr/include" -isystem "$KDIR/tools/include/uapi" \
	-o "$BIN.tmp" "$SRC" "${HELPERS[@]}" -lrt -lpthread -lm || die "building hmm-tests failed"
mv "$BIN.tmp" "$BIN"
[ $BUILD_ONLY = 0 ] || exit 0

RES=$(mktemp /tmp/peer-out.XXXXXX)
trap 'rm -f "$RES"' EXIT
set +e
"$ROOT/tools/vm/run.sh" --kdir "$KDIR" --timeout "$TIMEOUT" --allow-warn "${VMOPTS[@]}" \
	-- "$SELF" --in-guest "$KDIR" "$BIN" | tee "$RES"
rc=${PIPESTATUS[0]}
set -e
line=$(grep -a '^# peer-totals:' "$RES" | tail -n1 || true)
[ -n "$line" ] || die "hmm-tests did not run to the end in the VM (tools/vm/run.sh exit $rc)"
read -r p f s hrc < <(echo "$line" | sed -E 's/.*pass:([0-9]+) fail:([0-9]+) skip:([0-9]+) exit:([0-9]+).*/\1 \2 \3 \4/')
if [ -n "$JSON" ]; then
	mkdir -p "$(dirname "$JSON")"
	printf '{"pass":%d,"fail":%d,"skip":%d}\n' "$p" "$f" "$s" >"$JSON" || die "cannot write $JSON"
fi
[ "$rc" = 0 ] || say "note: tools/vm/run.sh exited $rc (hmm-tests exited $hrc)"
echo "peer hmm-tests: $p passed, $f failed, $s skipped"
exit 0

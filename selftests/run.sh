#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the svm_ext selftest binaries (kselftest harness, TAP output) and sums
# up their results.  Runs inside the test VM, as root:
#   tools/vm/run.sh -- selftests/run.sh [OPTIONS]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
	cat <<EOF
usage: selftests/run.sh [--bindir DIR] [-t NAME]... [--filter GLOB] [--timeout SECS]

Runs every executable file in DIR (default: build/selftests in the repo),
in sorted order, or only those named with -t (repeatable) and/or whose
name matches GLOB.  Each binary gets SECS seconds (default 300; 1200 on
a kernel with lockdep, the debug flavor, which runs about 15x slower).  Before
the tests, selftests/setup.sh is run if it exists; if it fails, nothing
runs and every selected test counts as failed.

Each binary's TAP output is printed as it runs.  Counts come from its
"# Totals:" line (xfail counts as passed, xpass and error as failed); a
binary that crashes, times out or exits non-zero without a Totals line
adds one failure (exit 4, kselftest's KSFT_SKIP, counts as one skip).
The last line is "N passed, N failed, N skipped".

Exit status: 0 all passed or skipped, 1 any failure or nothing ran,
2 usage error.
EOF
}

BINDIR=$ROOT/build/selftests
TIMEOUT=
FILTER=
NAMES=()
need() { [ $# -ge 2 ] || { echo "selftests/run.sh: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--bindir) need "$@"; BINDIR=$2; shift 2 ;;
	-t) need "$@"; NAMES+=("$2"); shift 2 ;;
	--filter) need "$@"; FILTER=$2; shift 2 ;;
	--timeout) need "$@"; TIMEOUT=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "selftests/run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
if [ -z "$TIMEOUT" ]; then
	TIMEOUT=300
	# the debug kernel is about 10x slower (svm_harness.h scales each test)
	[ -e /proc/lockdep ] && TIMEOUT=3600
fi
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "selftests/run.sh: bad --timeout '$TIMEOUT'" >&2; exit 2; }

PASS=0 FAIL=0 SKIP=0
finish() {
	[ $((PASS + FAIL + SKIP)) -gt 0 ] || echo "# selftests/run.sh: nothing ran at all"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
	[ $FAIL -eq 0 ] && [ $((PASS + FAIL + SKIP)) -gt 0 ] && exit 0
	exit 1
}

# --- selection -------------------------------------------------------------
TESTS=()
if [ ! -d "$BINDIR" ]; then
	echo "# selftests/run.sh: no test directory $BINDIR (build the selftests first)"
	finish
fi
BINDIR=$(cd "$BINDIR" && pwd)
if [ ${#NAMES[@]} -gt 0 ]; then
	CANDIDATES=("${NAMES[@]}")
else
	mapfile -t CANDIDATES < <(cd "$BINDIR" && for f in *; do
		[ -f "$f" ] && [ -x "$f" ] && echo "$f"; done | LC_ALL=C sort)
fi
for name in "${CANDIDATES[@]}"; do
	# shellcheck disable=SC2053 # GLOB is a pattern on purpose
	[ -z "$FILTER" ] || [[ $name == $FILTER ]] || continue
	if [ ! -f "$BINDIR/$name" ] || [ ! -x "$BINDIR/$name" ]; then
		echo "# FAIL $name: no executable $BINDIR/$name"
		FAIL=$((FAIL + 1))
		continue
	fi
	TESTS+=("$name")
done
if [ ${#TESTS[@]} -eq 0 ]; then
	echo "# selftests/run.sh: no test binaries selected in $BINDIR${FILTER:+ (filter '$FILTER')}"
	finish
fi
echo "# selftests/run.sh: ${#TESTS[@]} binaries in $BINDIR: ${TESTS[*]}"

# --- setup hook ------------------------------------------------------------
SETUP=$ROOT/selftests/setup.sh
if [ -f "$SETUP" ]; then
	echo "# selftests/run.sh: running setup hook $SETUP"
	set +e
	SELFTESTS_BINDIR=$BINDIR bash "$SETUP"
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "# selftests/run.sh: setup hook failed (exit $rc): no test was run"
		for name in "${TESTS[@]}"; do echo "# FAIL $name: not run (setup failed)"; done
		FAIL=$((FAIL + ${#TESTS[@]}))
		finish
	fi
fi

# --- run ---------------------------------------------------------------------
LOG=$(mktemp /tmp/selftests-run.XXXXXX)
trap 'rm -f "$LOG"' EXIT

# count_tap LOG: "pass fail skip" from the ok / not ok lines of LOG.
count_tap() {
	awk '
		/^(not )?ok [0-9]+/ {
			dir = ""
			if (match($0, /#[ \t]*[A-Za-z]+/)) dir = toupper(substr($0, RSTART, RLENGTH))
			if (dir ~ /SKIP/) s++
			else if ($1 == "not") { if (dir ~ /TODO/) s++; else f++ }
			else if (dir ~ /XPASS/) f++
			else p++
		}
		END { printf "%d %d %d\n", p, f, s }' "$1"
}

# device_memory_lost: " devN: free F of T bytes (used U)" for each svm_ext
# device whose free memory is not its total.  Processes that just exited
# may still be releasing theirs, so it waits up to 5 s for that.
device_memory_lost() {
	local tries d out
	for tries in 1 2 3 4 5 6 7 8 9 10; do
		out=
		for d in /sys/kernel/svm_ext/devices/*/; do
			[ -r "$d/mem_free" ] || continue
			local free total used
			free=$(cat "$d/mem_free") total=$(cat "$d/mem_total") used=$(cat "$d/mem_used")
			[ "$free" = "$total" ] ||
				out="$out dev$(basename "$d"): free $free of $total bytes (used $used)"
		done
		[ -n "$out" ] || return 0
		sleep 0.5
	done
	echo "$out"
}

for name in "${TESTS[@]}"; do
	echo "# selftest: $name"
	t0=$SECONDS
	set +e
	# timeout signals the whole process group: harness children die too.
	# The outer 2>/dev/null only silences bash's own "Segmentation fault"
	# notice; the test's stderr goes through the pipe.
	{
		(cd "$BINDIR" && exec timeout --kill-after=10 "$TIMEOUT" "./$name") </dev/null 2>&1 | tee "$LOG"
		rc=${PIPESTATUS[0]}
	} 2>/dev/null
	set -e
	took=$((SECONDS - t0))
	totals=$(grep -a '^# Totals:' "$LOG" | tail -n1 || true)
	why=
	if [ -n "$totals" ]; then
		# shellcheck disable=SC2046
		set -- $(echo "$totals" | sed -E 's/.*pass:([0-9]+) fail:([0-9]+) xfail:([0-9]+) xpass:([0-9]+) skip:([0-9]+) error:([0-9]+).*/\1 \2 \3 \4 \5 \6/')
		if [ $# -eq 6 ]; then
			p=$(($1 + $3)) f=$(($2 + $4 + $6)) s=$5
		else
			read -r p f s < <(count_tap "$LOG")
			why="unparsable Totals line"
			f=$((f + 1))
		fi
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$rc" -ne 4 ]; then
			f=1 why="exit status $rc despite a clean Totals line"
		fi
	else
		read -r p f s < <(count_tap "$LOG")
		case $rc in
		0) [ $((p + f + s)) -gt 0 ] || p=1 ;; # plain program: success
		4) [ $((p + f + s)) -gt 0 ] || s=1 ;; # KSFT_SKIP
		124 | 137) f=$((f + 1)) why="timed out after ${TIMEOUT}s" ;;
		*) f=$((f + 1))
			if [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
			else why="exit status $rc without a Totals line"; fi ;;
		esac
	fi
	# With every process of the binary gone, each device must have all its
	# memory back: a chunk missing here is lost to the device for good.
	lost=$(device_memory_lost)
	if [ -n "$lost" ]; then
		f=$((f + 1))
		why="${why:+$why; }device memory not returned after the test:$lost"
	fi
	[ -z "$why" ] || echo "# FAIL $name: $why"
	echo "# $name: pass:$p fail:$f skip:$s (exit $rc, ${took}s)"
	PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
	# a test that died with a policy attached must not fail the next
	# binary too: say so and detach it (its own failure is counted above)
	left=$(cat /sys/kernel/svm_ext/policy 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "# $name left policy '$left' attached: unloading it"
		"$BINDIR/../svmctl/svmctl" unload >/dev/null 2>&1 || true
	fi
done
finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make fuzz`: load svm_ext and svm_emu, run svmfuzz while
# every policy takes its turn, then trinity's ioctl fuzzing on the render
# nodes (as nobody, only DRM file descriptors).  Kernel reports are the VM
# runner's to catch (tools/vm/run.sh exits 126 on one).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/inject.sh
. "$ROOT/tools/lib/inject.sh"

usage() {
	cat <<EOF
usage: tools/svmfuzz/fuzz.sh [--calls N] [--seconds S] [--seed N]
                             [--trinity-calls N] [--trinity-seconds S]
                             [--policies LIST] [--inject PCT] [--no-chaos]

Inside the test VM (make fuzz runs it there): svmfuzz for N calls (default
1000000) or S seconds, switching every 2 s between LIST (default: every
built policy), then trinity -c ioctl for --trinity-calls syscalls (default
200000; 0 skips it) or --trinity-seconds (default 300), whichever ends
first, on the svm_emu render nodes (and trinity's own test files: with DRM
fds alone Debian 12's trinity stalls); it must make calls and exit cleanly.  The seed (default: the
clock) is printed and reproduces the svmfuzz run.  --inject PCT (debug kernel
only) makes PCT percent of svmfuzz's slab and page allocations fail
(failslab and fail_page_alloc with their task filter; svmctl is spared),
and PCT percent of the calls to our own error-injectable functions
(fail_function: svm_ext's hmm fault, copy, 2 MiB device folio and
read-mostly copy, svm_emu's copy engine): every call must then still give
an errno or succeed, never a report or a leak.  --no-chaos runs svmfuzz
without its chaos thread (no remaps, forks or kills under the calls), so its
errno oracle is exact and it makes calls many times faster: the way to a
million calls on the debug kernel.

Exit status: 0 both clean; 1 svmfuzz found oracle violations or trinity
failed; 2 usage; 3 set-up failed.
EOF
}

CALLS=1000000 SECONDS_LIMIT="" SEED=$(date +%s) TRINITY_CALLS=200000 TRINITY_SECONDS=300
POLICIES="" INJECT="" CHAOS=1
need() { [ $# -ge 2 ] || { echo "fuzz.sh: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--calls) need "$@"; CALLS=$2; shift 2 ;;
	--seconds) need "$@"; SECONDS_LIMIT=$2; shift 2 ;;
	--seed) need "$@"; SEED=$2; shift 2 ;;
	--trinity-calls) need "$@"; TRINITY_CALLS=$2; shift 2 ;;
	--trinity-seconds) need "$@"; TRINITY_SECONDS=$2; shift 2 ;;
	--policies) need "$@"; POLICIES=$2; shift 2 ;;
	--inject) need "$@"; INJECT=$2; shift 2 ;;
	--no-chaos) CHAOS=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "fuzz.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
for v in "$CALLS" "$SEED" "$TRINITY_CALLS" "$TRINITY_SECONDS" ${SECONDS_LIMIT:+"$SECONDS_LIMIT"} ${INJECT:+"$INJECT"}; do
	[[ $v =~ ^[0-9]+$ ]] || { echo "fuzz.sh: '$v' is not a number" >&2; exit 2; }
done

"$ROOT/selftests/setup.sh" >&2 || exit 3
export SVMCTL=$ROOT/build/svmctl/svmctl
if [ -z "$POLICIES" ]; then
	POLICIES=$(cd "$ROOT/build/bpf" && ls ./*.bpf.o | sed 's|^\./||; s|\.bpf\.o$||' | paste -sd,)
fi

run_svmfuzz() {
	# --verbose: a line every 100,000 calls (a debug-kernel run takes hours)
	local args=(--calls "$CALLS" --seed "$SEED" --policies "$POLICIES" --svmctl "$SVMCTL"
		--verbose)
	[ -n "$SECONDS_LIMIT" ] && args+=(--seconds "$SECONDS_LIMIT")
	[ "$CHAOS" = 0 ] && args+=(--no-chaos)
	if [ -n "$INJECT" ]; then
		# make-it-fail is inherited by the threads and children svmfuzz makes
		/bin/sh -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' svmfuzz \
			"$ROOT/build/svmfuzz/svmfuzz" --inject "${args[@]}"
	else
		"$ROOT/build/svmfuzz/svmfuzz" "${args[@]}"
	fi
}

mode=${INJECT:+, $INJECT% of allocations failing}
[ "$CHAOS" = 0 ] && mode="$mode, no chaos"
echo "fuzz: svmfuzz, $CALLS calls${SECONDS_LIMIT:+ or $SECONDS_LIMIT s}, seed $SEED, policies $POLICIES$mode"
[ -n "$INJECT" ] && { inject_on "$INJECT" failslab fail_page_alloc fail_function || exit 3; }
start=$(date +%s)
run_svmfuzz
fuzz_rc=$?
[ -n "$INJECT" ] && inject_off
echo "fuzz: svmfuzz exited $fuzz_rc after $(( $(date +%s) - start )) s"

trinity_rc=0
if [ "$TRINITY_CALLS" -gt 0 ]; then
	# trinity refuses to fuzz as root; -X drops to nobody, who may open the
	# render nodes (as on a desktop, where the render group has them)
	chmod 0666 /dev/dri/renderD*
	tdir=$(mktemp -d)
	chmod 0777 "$tdir"
	start=$(date +%s)
	echo "fuzz: trinity -c ioctl on the DRM nodes, $TRINITY_CALLS calls or $TRINITY_SECONDS s, seed $SEED"
	# With the drm fd provider alone, Debian 12's trinity (2023.01) starts
	# its children and they never make a system call again (strace: they
	# spin in user space); with its test files beside it, it runs (2,000
	# ioctls in 26 s in the base VM), the render nodes among its fds.  The
	# time bound ends it with SIGINT, after which it prints its counts.
	(cd "$tdir" && timeout -s INT -k 30 "$TRINITY_SECONDS" \
		trinity -q -l off -X -C 2 -N "$TRINITY_CALLS" -s "$SEED" -c ioctl \
		--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,memfd \
		--enable-fds=drm,testfile --stats) >"$tdir/trinity.log" 2>&1
	trinity_rc=$?
	calls=$(grep -o 'attempted:[0-9]*' "$tdir/trinity.log" | cut -d: -f2 |
		awk '{ n += $1 } END { print n + 0 }')
	grep -iE 'ioctl|completed|taint|error' "$tdir/trinity.log" | tail -n 15
	echo "fuzz: trinity exited $trinity_rc after $(( $(date +%s) - start )) s, $calls ioctls"
	# 124: stopped by the time bound, which is how a long run ends
	if [ "$trinity_rc" = 124 ] && [ "$calls" -gt 0 ]; then
		trinity_rc=0
	elif [ "$calls" = 0 ]; then
		echo "fuzz: trinity made no ioctl" >&2
		trinity_rc=1
	fi
	[ "$trinity_rc" = 0 ] || tail -n 30 "$tdir/trinity.log"
	# its ioctls may have made its test files immutable (FS_IOC_SETFLAGS)
	chattr -R -i "$tdir" 2>/dev/null
	rm -rf "$tdir"
fi
[ "$fuzz_rc" = 0 ] && [ "$trinity_rc" = 0 ] && exit 0
[ "$fuzz_rc" = 3 ] && exit 3
exit 1

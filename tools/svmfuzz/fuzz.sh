#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make fuzz`: load svm_ext and svm_emu, run svmfuzz while
# every policy takes its turn, then trinity's ioctl fuzzing on the render
# nodes (as nobody, only DRM file descriptors).  Kernel reports are the VM
# runner's to catch (tools/vm/run.sh exits 126 on one).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

usage() {
	cat <<EOF
usage: tools/svmfuzz/fuzz.sh [--calls N] [--seconds S] [--seed N]
                             [--trinity-calls N] [--policies LIST]

Inside the test VM (make fuzz runs it there): svmfuzz for N calls (default
1000000) or S seconds, switching every 2 s between LIST (default: every
built policy), then trinity -c ioctl for --trinity-calls syscalls (default
200000; 0 skips it) on the svm_emu render nodes.  The seed (default: the
clock) is printed and reproduces the svmfuzz run.

Exit status: 0 both clean; 1 svmfuzz found oracle violations or trinity
failed; 2 usage; 3 set-up failed.
EOF
}

CALLS=1000000 SECONDS_LIMIT="" SEED=$(date +%s) TRINITY_CALLS=200000 POLICIES=""
need() { [ $# -ge 2 ] || { echo "fuzz.sh: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
	case "$1" in
	--calls) need "$@"; CALLS=$2; shift 2 ;;
	--seconds) need "$@"; SECONDS_LIMIT=$2; shift 2 ;;
	--seed) need "$@"; SEED=$2; shift 2 ;;
	--trinity-calls) need "$@"; TRINITY_CALLS=$2; shift 2 ;;
	--policies) need "$@"; POLICIES=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "fuzz.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
for v in "$CALLS" "$SEED" "$TRINITY_CALLS" ${SECONDS_LIMIT:+"$SECONDS_LIMIT"}; do
	[[ $v =~ ^[0-9]+$ ]] || { echo "fuzz.sh: '$v' is not a number" >&2; exit 2; }
done

"$ROOT/selftests/setup.sh" >&2 || exit 3
export SVMCTL=$ROOT/build/svmctl/svmctl
if [ -z "$POLICIES" ]; then
	POLICIES=$(cd "$ROOT/build/bpf" && ls ./*.bpf.o | sed 's|^\./||; s|\.bpf\.o$||' | paste -sd,)
fi

echo "fuzz: svmfuzz, $CALLS calls${SECONDS_LIMIT:+ or $SECONDS_LIMIT s}, seed $SEED, policies $POLICIES"
start=$(date +%s)
"$ROOT/build/svmfuzz/svmfuzz" --calls "$CALLS" ${SECONDS_LIMIT:+--seconds "$SECONDS_LIMIT"} \
	--seed "$SEED" --policies "$POLICIES" --svmctl "$SVMCTL"
fuzz_rc=$?
echo "fuzz: svmfuzz exited $fuzz_rc after $(( $(date +%s) - start )) s"

trinity_rc=0
if [ "$TRINITY_CALLS" -gt 0 ]; then
	# trinity refuses to fuzz as root; -X drops to nobody, who may open the
	# render nodes (as on a desktop, where the render group has them)
	chmod 0666 /dev/dri/renderD*
	tdir=$(mktemp -d)
	chmod 0777 "$tdir"
	start=$(date +%s)
	echo "fuzz: trinity -c ioctl on the DRM nodes, $TRINITY_CALLS calls, seed $SEED"
	(cd "$tdir" && trinity -q -l off -X -C 2 -N "$TRINITY_CALLS" -s "$SEED" -c ioctl \
		--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,testfile,memfd \
		--enable-fds=drm --stats) >"$tdir/trinity.log" 2>&1
	trinity_rc=$?
	grep -iE 'ioctl|completed|taint|error' "$tdir/trinity.log" | tail -n 15
	echo "fuzz: trinity exited $trinity_rc after $(( $(date +%s) - start )) s"
	[ "$trinity_rc" = 0 ] || tail -n 30 "$tdir/trinity.log"
	rm -rf "$tdir"
fi
[ "$fuzz_rc" = 0 ] && [ "$trinity_rc" = 0 ] && exit 0
[ "$fuzz_rc" = 3 ] && exit 3
exit 1

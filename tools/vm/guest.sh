#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/vm/run.sh: runs inside the VM as root.
#
#   guest.sh STATE_DIR CWD -- CMD [ARGS...]
#
# STATE_DIR is the run's writable directory shared with the host.  The host
# tells a QEMU abort apart from a failing command by what is found there:
#   started   written before CMD runs
#   status    CMD's exit status, written as soon as CMD returns
#   dmesg     the kernel log after CMD (kmemleak    the kmemleak report, if any)
#   done      everything above is complete
# Exits with CMD's status.
set -euo pipefail

[ $# -ge 3 ] && [ "$3" = "--" ] || { echo "usage: guest.sh STATE_DIR CWD -- CMD [ARGS...]" >&2; exit 125; }
STATE=$1
CWD=$2
shift 3

note() { printf 'guest.sh: %s\n' "$*" >&2; }

# Everything the host learns about CMD comes through STATE: if it cannot be
# written, say so plainly (run.sh finds this line in the console) and stop.
if ! err=$( { echo "started $(date +%s)" >"$STATE/started"; } 2>&1); then
	note "the state dir $STATE is not writable in the guest (${err##*: }): CMD not run"
	exit 125
fi

# Filesystems tests and tools expect; virtme-init mounts some but not bpffs.
mnt() { # TYPE DIR
	mountpoint -q "$2" 2>/dev/null && return 0
	mkdir -p "$2" 2>/dev/null || true
	mount -t "$1" "$1" "$2" 2>/dev/null || note "cannot mount $1 at $2 (continuing)"
}
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
mnt bpf /sys/fs/bpf

# vng keeps the host cwd unless the guest user is switched with `su -`;
# cd explicitly so both ways behave the same.
cd "$CWD" 2>/dev/null || { note "cannot cd to $CWD, staying in $(pwd)"; }

export SVM_EXT_VM=1
# bpftool on PATH is the booted tree's own (run.sh names the tree): the one
# svmctl's policies are built with, and the one the README's examples use
KDIR=$(cat "$STATE/kdir" 2>/dev/null || true)
if [ -n "$KDIR" ] && [ -x "$KDIR/svm_ext-tools/bin/bpftool" ]; then
	export PATH="$KDIR/svm_ext-tools/bin:$PATH"
fi

set +e
"$@"
rc=$?
set -e
echo "$rc" >"$STATE/status"

# kmemleak reports an object only once it is older than 5 s and was seen
# unchanged by two scans: wait, then scan twice so leaks of this run show up.
if [ -e /sys/kernel/debug/kmemleak ]; then
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak 2>/dev/null || true
	echo scan >/sys/kernel/debug/kmemleak 2>/dev/null || true
	cat /sys/kernel/debug/kmemleak >"$STATE/kmemleak" 2>/dev/null || true
fi
dmesg >"$STATE/dmesg" 2>/dev/null || note "dmesg failed"
sync
echo "done" >"$STATE/done"
exit "$rc"

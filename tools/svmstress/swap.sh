#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# swap.sh on MIB | off: swap for the stress runs, in the VM, as root.
#
# The test VM has no disk: without swap, MADV_PAGEOUT cannot reclaim
# anonymous or shmem pages at all, and the paths that must write device
# data back before a page leaves memory would never run.  "on" puts a swap
# area of MIB MiB on a loop device over a file in /tmp (memory-backed, but
# reclaim does not know that) and turns it on; "off" undoes it.  Both are
# idempotent.  Exit 0, 1 when a step failed, 2 usage error.
set -euo pipefail

IMG=/tmp/svmstress.swap
say() { printf 'swap.sh: %s\n' "$*" >&2; }

loopdev() { losetup -j "$IMG" 2>/dev/null | cut -d: -f1 | head -n1; }

case "${1:-}" in
on)
	[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { say "usage: swap.sh on MIB | off"; exit 2; }
	dev=$(loopdev)
	if [ -z "$dev" ]; then
		rm -f "$IMG"
		truncate -s "${2}M" "$IMG"
		dev=$(losetup -f --show "$IMG")
		mkswap "$dev" >/dev/null
	fi
	grep -q "^$dev " /proc/swaps || swapon "$dev"
	say "swap on $dev ($2 MiB)"
	;;
off)
	dev=$(loopdev)
	if [ -n "$dev" ]; then
		! grep -q "^$dev " /proc/swaps || swapoff "$dev"
		losetup -d "$dev"
	fi
	rm -f "$IMG"
	;;
*)
	say "usage: swap.sh on MIB | off"
	exit 2
	;;
esac

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side: load the kernel's test_hmm.ko from KDIR (if not loaded) and make
# sure /dev/hmm_dmirror0 and 1 exist.  devtmpfs normally makes the nodes; the
# fallback is mknod, as the kernel's old test_hmm.sh did.  Only the two
# device-private mirrors always exist (2 and 3, device coherent, need both
# spm_addr_dev0 and spm_addr_dev1): so in 6.12's lib/test_hmm.c and in
# 7.3's, whose module parameters and chrdev name are unchanged.
# Usage: load-test-hmm.sh KDIR.  Exit 0 loaded now, 3 was already loaded,
# 1 on failure (with a message).
set -euo pipefail
KDIR=$1
rc=3
if ! grep -q '^test_hmm ' /proc/modules; then
	insmod "$KDIR/lib/test_hmm.ko" || { echo "insmod $KDIR/lib/test_hmm.ko failed" >&2; exit 1; }
	rc=0
fi
command -v udevadm >/dev/null && udevadm settle -t 10 2>/dev/null || true
major=$(awk '$2 == "HMM_DMIRROR" { print $1 }' /proc/devices)
[ -n "$major" ] || { echo "test_hmm loaded but HMM_DMIRROR is not in /proc/devices" >&2; exit 1; }
for i in 0 1; do
	[ -e /dev/hmm_dmirror$i ] || mknod /dev/hmm_dmirror$i c "$major" $i ||
		{ echo "cannot create /dev/hmm_dmirror$i" >&2; exit 1; }
done
exit $rc

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host side, after the VM: repeat the selftests' summary as the very last
# line (run.sh's own messages come after the guest's output), and make it
# agree with the exit status: a VM that failed for a reason of its own
# (kernel splat 126, QEMU abort 125, timeout 124) counts as one failure.
# Usage: finish.sh LOG RC
LOG=$1 RC=$2
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1)
if [ -z "$line" ]; then
	echo "0 passed, 1 failed, 0 skipped"
	[ "$RC" != 0 ] || RC=1
	exit "$RC"
fi
read -r pass _ fail _ skip _ <<<"${line//,/}"
if [ "$RC" != 0 ] && [ "$fail" = 0 ]; then
	case "$RC" in
	124) why="the VM timed out" ;;
	125) why="the VM could not run the tests" ;;
	126) why="the kernel log reported problems (see above)" ;;
	*) why="the run exited $RC" ;;
	esac
	echo "# $why: counted as 1 failure"
	fail=1
fi
echo "$pass passed, $fail failed, ${skip:-0} skipped"
exit "$RC"

# SPDX-License-Identifier: GPL-2.0
# Fault injection for the fuzzers and the stress tool (sourced, in the VM,
# on the debug kernel): only tasks that wrote 1 to /proc/self/make-it-fail
# see failures (task-filter); their children inherit it.
#
#   inject_on PCT KIND...   KIND: failslab, fail_page_alloc, fail_function
#   inject_off
#
# fail_function makes our functions marked ALLOW_ERROR_INJECTION return the
# error given here (svm_ext's hmm fault, copy, 2 MiB device folio and
# read-mostly copy; svm_emu's copy engine), PCT percent of the time.

INJECT_DEBUGFS=/sys/kernel/debug
INJECT_KINDS=""
INJECT_FUNCTIONS="svm_ext_hmm_fault_locked:-12 svm_ext_copy_pages:-5
		  svm_ext_devmem_alloc_folio:0 svm_ext_replicate_window:-12
		  svm_emu_copy:-5"

inject_on() {
	local pct=$1 d=$INJECT_DEBUGFS k fn ret
	shift
	for k in "$@"; do
		[ -d "$d/$k" ] || { echo "inject: no $d/$k (the debug kernel has it: FLAVOR=debug)" >&2; return 1; }
	done
	INJECT_KINDS="$*"
	for k in "$@"; do
		echo Y >"$d/$k/task-filter"
		echo "$pct" >"$d/$k/probability"
		echo 1 >"$d/$k/interval"
		echo -1 >"$d/$k/times"
		echo 0 >"$d/$k/verbose"
		case $k in
		failslab) echo N >"$d/$k/ignore-gfp-wait" ;;
		fail_page_alloc)
			echo N >"$d/$k/ignore-gfp-wait"
			echo N >"$d/$k/ignore-gfp-highmem" ;;
		fail_function)
			for fn in $INJECT_FUNCTIONS; do
				ret=${fn#*:} fn=${fn%%:*}
				echo "$fn" >"$d/$k/inject" ||
					{ echo "inject: fail_function refuses $fn (not ALLOW_ERROR_INJECTION, or its module not loaded)" >&2; return 1; }
				# a u64 in the file: -12 is written as 0xfff...f4
				printf '%#x\n' "$ret" >"$d/$k/$fn/retval"
			done ;;
		esac
	done
}

inject_off() {
	local k
	for k in $INJECT_KINDS; do
		echo 0 >"$INJECT_DEBUGFS/$k/probability"
	done
	case " $INJECT_KINDS " in
	*" fail_function "*) echo >"$INJECT_DEBUGFS/fail_function/inject" ;;
	esac
	INJECT_KINDS=""
}

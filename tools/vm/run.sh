#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The one VM runner (make check, make demo, make peer, benchmarks): boots the
# svm_ext test kernel with virtme-ng and runs a command inside it as root.
# See usage() for options and exit codes.
set -euo pipefail

# --- QEMU wrapper mode ----------------------------------------------------
# vng is given this script as its QEMU binary (--qemu) so that how QEMU ended
# (exit status, or 128+signal) is recorded: virtme-run reports 255 for both
# a guest panic and a QEMU crash.  Only the real boot (-kernel) is recorded,
# not virtme's `qemu --version` probe.
if [ -n "${SVM_EXT_QEMU_REAL:-}" ]; then
	case " $* " in
	*" -kernel "*) ;;
	*) exec "$SVM_EXT_QEMU_REAL" "$@" ;;
	esac
	set +e
	"$SVM_EXT_QEMU_REAL" "$@"
	rc=$?
	echo "$rc" >"$SVM_EXT_QEMU_STATUS"
	exit "$rc"
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELF="$ROOT/tools/vm/run.sh"
CACHE=${SVM_EXT_CACHE:-/var/cache/svm_ext}

usage() {
	cat <<EOF
usage: tools/vm/run.sh [OPTIONS] -- CMD [ARGS...]

Boot the svm_ext test kernel (virtme-ng, host root fs read-only with
overlays) and run CMD inside as root, in the current directory.  CMD's
stdout/stderr are passed through; the kernel console is kept out of the
way (shown only when something goes wrong).

Options:
  --kdir DIR       built kernel tree (default: tools/build/kernel.sh
                   --print-dir \${FLAVOR:-base})
  --mem SIZE       guest memory, QEMU syntax (default 2G)
  --cpus N         guest vCPUs (default 2)
  --timeout SECS   kill the VM after SECS seconds, boot included (default 1800)
  --kvm            use KVM without probing
  --no-kvm         use TCG (--disable-kvm)
                   default: probe KVM once per kernel image (boot + true),
                   cached in \$SVM_EXT_CACHE/kvm-probe; TCG if it fails
  --rwdir DIR      also share host DIR writable at the same path in the
                   guest (repeatable; best outside /tmp /var /etc /usr /home
                   /opt /srv /lib, which the guest overlays; refused inside
                   a directory shared read-only, see below)
  --allow-warn     print kernel problem reports but do not fail on them
  --keep           keep the run's state dir (console log, dmesg) and print it
  -h, --help       this text

Exit status:
  CMD's exit status when it ran and the kernel reported no problems
  124  timeout (QEMU killed)
  125  the VM could not run CMD: bad kernel dir or paths, vng/QEMU missing
       or failing, the guest unable to run CMD or to hand back its status
       (the message says which), or QEMU aborted twice (a QEMU abort, such
       as TCG's iotlb_to_section assertion, is retried once and reported)
  126  the kernel reported problems (BUG, WARNING, lockdep, KASAN, kmemleak,
       panic...) during the run, even if CMD passed (not with --allow-warn)

The guest sees the host's root read-only.  Paths it would not see (below
the tmpfs mounts virtme-ng makes on /var/cache, /var/tmp, /run, ...) are
shared read-only when needed: the kernel dir (or its parent when vng
refuses its name), the checkout, the working directory.  The run's state
dir is then moved to /var/tmp/svm_ext-vm-state in the guest if it would be
inside such a share (vng mounts read-only shares after writable ones).

Environment: FLAVOR (kernel flavor for the default --kdir), SVM_EXT_CACHE
(KVM probe cache dir, default /var/cache/svm_ext), SVM_EXT_VM_STATE (where
per-run state dirs go, default build/vm in the repo).
EOF
}

say() { printf 'run.sh: %s\n' "$*" >&2; }
fail() { say "$*"; exit 125; }

KDIR=
MEM=2G
CPUS=2
TIMEOUT=1800
ACCEL=auto
ALLOW_WARN=0
KEEP=0
RWDIRS=()
need() { [ $# -ge 2 ] || fail "option $1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) need "$@"; KDIR=$2; shift 2 ;;
	--mem) need "$@"; MEM=$2; shift 2 ;;
	--cpus) need "$@"; CPUS=$2; shift 2 ;;
	--timeout) need "$@"; TIMEOUT=$2; shift 2 ;;
	--rwdir) need "$@"; RWDIRS+=("$2"); shift 2 ;;
	--kvm) ACCEL=kvm; shift ;;
	--no-kvm) ACCEL=tcg; shift ;;
	--allow-warn) ALLOW_WARN=1; shift ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; fail "unknown option '$1' (the command goes after --)" ;;
	esac
done
[ $# -gt 0 ] || { usage >&2; fail "no command given"; }
[[ $MEM =~ ^[0-9]+[KMGT]?$ ]] || fail "bad --mem '$MEM'"
[[ $CPUS =~ ^[1-9][0-9]*$ ]] || fail "bad --cpus '$CPUS'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || fail "bad --timeout '$TIMEOUT'"

if [ -z "$KDIR" ]; then
	KDIR=$("$ROOT/tools/build/kernel.sh" --print-dir "${FLAVOR:-base}") ||
		fail "cannot determine the kernel dir (tools/build/kernel.sh --print-dir failed)"
	[ -f "$KDIR/.svm_ext-stamp" ] ||
		fail "kernel not built: $KDIR has no .svm_ext-stamp (run: make kernel${FLAVOR:+ FLAVOR=$FLAVOR})"
fi
[ -d "$KDIR" ] || fail "kernel dir $KDIR does not exist"
KDIR=$(cd "$KDIR" && pwd)
[ -f "$KDIR/arch/x86/boot/bzImage" ] || fail "no arch/x86/boot/bzImage in $KDIR (kernel not built?)"
[ -f "$KDIR/.config" ] || fail "no .config in $KDIR (vng needs a built kernel tree)"
command -v vng >/dev/null || fail "vng (virtme-ng) not found (run: make deps)"
QEMU_REAL=$(command -v qemu-system-x86_64) || fail "qemu-system-x86_64 not found (run: make deps)"

# vng pastes paths into a shell command line unquoted, and accepts only
# [A-Za-z0-9_+/.-] in --rwdir/--rodir paths: refuse what would break.
vng_safe() { [[ $1 =~ ^/[A-Za-z0-9_./+-]*$ ]]; }
safe_path() { vng_safe "$1" || fail "$2 path '$1' must be absolute and use only A-Z a-z 0-9 _ + / . -"; }
[[ $KDIR =~ ^/[A-Za-z0-9_./~+-]*$ ]] || fail "kernel dir '$KDIR' must be absolute and use only A-Z a-z 0-9 _ + / . - ~"

# --- what the guest sees ---------------------------------------------------
# The guest's root is the host's, read-only, with overlays on /etc /lib /home
# /opt /srv /usr /var /tmp; host paths are visible at the same place except
# below the tmpfs mounts virtme-init (virtme-ng 1.35) makes on top.  What we
# need inside and is hidden there (a kernel tree cached in /var/cache: its
# test_hmm.ko, and the modules modprobe uses, which vng links from
# $KDIR/.virtme_mods; a checkout there) is shared read-only at the same path.
#
# virtme-init mounts every --rwdir before every --rodir.  A read-only share
# that contains a writable one therefore hides it: the guest then writes
# into a read-only file system.  So nothing is shared that is not hidden
# (with the kernel tree and the checkout side by side in one directory that
# directory is visible anyway and stays unshared), the run's own state dir
# moves to a guest path outside every read-only share when it would be
# inside one, and a --rwdir inside one is refused with the reason.
GUEST_TMPFS="/run /dev/shm /var/cache /var/tmp /var/log /var/spool/rsyslog
/var/lib/apt /var/lib/sudo /var/lib/private /var/lib/machines /var/lib/portables
/var/lib/snapd/cookie"
is_under() { [ "$2" = / ] || [ "$1" = "$2" ] || [[ $1 == "$2"/* ]]; }
HIDDEN_BY=
hidden_in_guest() { # PATH: sets HIDDEN_BY
	local d
	for d in $GUEST_TMPFS; do
		if is_under "$1" "$d"; then HIDDEN_BY=$d; return 0; fi
	done
	return 1
}
RODIRS=()
ro_covering() { # PATH: print the read-only share PATH is in, if any
	local d
	for d in "${RODIRS[@]}"; do
		if is_under "$1" "$d"; then echo "$d"; return 0; fi
	done
	return 1
}
add_rodir() { # DIR: share DIR read-only, dropping shares it contains
	local d keep=()
	ro_covering "$1" >/dev/null && return 0
	for d in "${RODIRS[@]}"; do is_under "$d" "$1" || keep+=("$d"); done
	RODIRS=("${keep[@]}" "$1")
}
# share_hidden WHAT PATH NEED: share PATH (or, when vng refuses its name, its
# parent) if the guest would not see it; NEED=1 makes failure fatal.
share_hidden() {
	local what=$1 p
	p=$(cd "$2" && pwd -P) || fail "$what $2: cannot resolve it"
	hidden_in_guest "$p" || return 0
	ro_covering "$p" >/dev/null && return 0
	if vng_safe "$p"; then
		add_rodir "$p"
	elif vng_safe "${p%/*}" && [ -n "${p%/*}" ] && [ "${p%/*}" != "$HIDDEN_BY" ]; then
		add_rodir "${p%/*}"	# the ~ of Debian versions in a cached tree's name
	elif [ "$3" = 1 ]; then
		fail "$what $p is hidden in the guest (virtme-init mounts a tmpfs on $HIDDEN_BY) and vng cannot share it (only A-Z a-z 0-9 _ + / . - in paths): move it"
	else
		say "warning: $what $p is hidden in the guest (tmpfs on $HIDDEN_BY) and vng cannot share it (path): files there are missing inside"
	fi
}
share_hidden "kernel dir" "$KDIR" 0
share_hidden "checkout" "$ROOT" 1
share_hidden "working directory" "$PWD" 0

for i in "${!RWDIRS[@]}"; do
	[ -d "${RWDIRS[$i]}" ] || fail "--rwdir ${RWDIRS[$i]}: not a directory"
	RWDIRS[i]=$(cd "${RWDIRS[$i]}" && pwd -P)
	safe_path "${RWDIRS[$i]}" "--rwdir"
	if r=$(ro_covering "${RWDIRS[$i]}"); then
		fail "--rwdir ${RWDIRS[$i]} is inside $r, which is shared read-only (the guest hides it under a tmpfs), and vng mounts read-only shares last: it would not be writable in the guest; use a directory outside $r"
	fi
done

# Guest stdin is our stdin, but never a terminal: QEMU would take it over
# (raw mode), and a background job reading it would be stopped.
if [ -t 0 ] || ! { true <&0; } 2>/dev/null; then exec </dev/null; fi

# The run's state dir is shared writable with the guest, at the same path
# when that path is not inside a read-only share (see above), else at the
# first of STATE_GUEST_ALT that is not (a fixed path is fine: each VM has
# its own).  It lives in the repo's build/ by default: vng needs the guest
# path to exist or to be inside an overlaid directory, and under /tmp
# (overlaid in the guest, mounted in the background by virtme-init) the
# share could end up hidden below the overlay; /var/tmp and /var/log are
# tmpfs mounts virtme-init makes before the shares.
STATE_GUEST_ALT="/var/tmp/svm_ext-vm-state /var/log/svm_ext-vm-state"
STATE_PARENT=${SVM_EXT_VM_STATE:-$ROOT/build/vm}
if ! mkdir -p "$STATE_PARENT" 2>/dev/null || [ ! -w "$STATE_PARENT" ]; then
	say "note: state dir parent $STATE_PARENT is not writable here: using ${TMPDIR:-/tmp}"
	STATE_PARENT=${TMPDIR:-/tmp}
fi
STATE=$(mktemp -d "$STATE_PARENT/run.XXXXXX") || fail "cannot create a state dir under $STATE_PARENT"
STATE=$(cd "$STATE" && pwd -P)
# the guest puts this tree's bpftool first on PATH (guest.sh)
echo "$KDIR" >"$STATE/kdir"
safe_path "$STATE" "state dir"
STATE_GUEST=$STATE
if r=$(ro_covering "$STATE"); then
	STATE_GUEST=
	for g in $STATE_GUEST_ALT; do
		ro_covering "$g" >/dev/null || { STATE_GUEST=$g; break; }
	done
	[ -n "$STATE_GUEST" ] ||
		fail "state dir $STATE is inside the read-only share $r, and so is every fallback ($STATE_GUEST_ALT): set SVM_EXT_VM_STATE to a directory outside $r"
	say "note: state dir $STATE is inside $r, shared read-only: the guest sees it at $STATE_GUEST"
fi
VPID=
# QEMU reopens /proc/self/fd/1 for the guest's output; when our stdout is a
# regular file that new open file has its own offset and overwrites what was
# written before (the build log, a first VM's output).  vng gets a pipe; this
# cat copies it to our stdout, and cleanup waits for it to drain.
exec {OUTFD}> >(cat)
OUTPID=$!
cleanup() {
	if [ -n "$VPID" ]; then kill -KILL -- "-$VPID" 2>/dev/null || true; fi
	if [ "$KEEP" = 1 ]; then say "state kept in $STATE"; else rm -rf "$STATE"; fi
	exec {OUTFD}>&-
	wait "$OUTPID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'say "interrupted: killing the VM"; exit 130' INT TERM HUP

# POSIX single-quoting, so the command survives vng's script round trip.
shquote() {
	local a out=
	for a in "$@"; do out+="'${a//\'/\'\\\'\'}' "; done
	printf '%s' "$out"
}

# The VM's stderr carries the kernel console (vng --verbose), the boot
# decompressor's and virtme-init's chatter, QEMU's messages and CMD's stderr.
# All of it goes to the console log; shown live are QEMU's messages and,
# once the guest wrapper has started CMD, everything but kernel lines
# (timestamped) and poweroff's goodbye.  On failures the log's tail is shown.
AWK_LIVE=(awk)
if awk -W version 2>&1 | grep -qi mawk; then AWK_LIVE=(awk -W interactive); fi
console_filter() { # LOG EOF_MARKER STARTED_MARKER
	trap '' INT TERM # drain until EOF: the VM's last words matter
	"${AWK_LIVE[@]}" -v logf="$1" -v startf="$3" '
		function started(  x) {
			if (!st && (getline x < startf) >= 0) { st = 1; close(startf) }
			return st
		}
		{ sub(/\r+$/, ""); print > logf; fflush(logf) }
		/^qemu-system/ || (started() && $0 !~ /^\[ *[0-9]+\.[0-9]+\]/ && $0 != "Powering off.") {
			print > "/dev/stderr"; fflush("/dev/stderr")
		}' || true
	: >"$2"
}

# boot ACCEL TIMEOUT QUIET CMD...: one VM run; leaves its traces in $STATE.
boot() {
	local accel=$1 tmo=$2 quiet=$3 i
	shift 3
	find "$STATE" -mindepth 1 -delete
	# --rwdir/--rodir in guest=host form: vng 1.35 turns a bare absolute path
	# into a relative one and then rejects it.
	local -a args=(--run "$KDIR" --memory "$MEM" --cpus "$CPUS" --verbose
		--append printk.time=1 --qemu "$SELF")
	# Writable shares in the order virtme-init mounts them: a parent before
	# what it contains (shorter guest paths first), else it would hide it.
	while read -r i; do
		args+=(--rwdir "$i")
	done < <( { for i in "${RWDIRS[@]}"; do echo "$i=$i"; done
		    echo "$STATE_GUEST=$STATE"; } |
		  awk -F= '{ print length($1), $0 }' | sort -n -s -k1,1 | cut -d' ' -f2-)
	for i in "${RODIRS[@]}"; do args+=(--rodir "$i=$i"); done
	[ "$accel" = tcg ] && args+=(--disable-kvm)
	args+=(--exec "$(shquote "$ROOT/tools/vm/guest.sh" "$STATE_GUEST" "$PWD" -- "$@")")
	export SVM_EXT_QEMU_REAL="$QEMU_REAL" SVM_EXT_QEMU_STATUS="$STATE/qemu-status"
	# Own process group (set -m) so a timeout can kill vng, QEMU and virtiofsd.
	set -m
	if [ "$quiet" = 1 ]; then
		vng "${args[@]}" >"$STATE/stdout.log" 2> >(console_filter "$STATE/console.log" "$STATE/console.eof" "$STATE/started" 2>/dev/null) &
	else
		vng "${args[@]}" >&"$OUTFD" 2> >(console_filter "$STATE/console.log" "$STATE/console.eof" "$STATE/started") &
	fi
	VPID=$!
	set +m
	unset SVM_EXT_QEMU_REAL SVM_EXT_QEMU_STATUS
	local deadline=$((SECONDS + tmo))
	while kill -0 "$VPID" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ] ||
			{ [ "$accel" = kvm ] && grep -qs 'KVM internal error' "$STATE/console.log"; }; then
			# the KVM check: QEMU pauses the VM on that error instead of exiting
			[ $SECONDS -ge $deadline ] && : >"$STATE/timed-out"
			kill -TERM -- "-$VPID" 2>/dev/null || true
			for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$VPID" 2>/dev/null || break; sleep 1; done
			kill -KILL -- "-$VPID" 2>/dev/null || true
			break
		fi
		sleep 1
	done
	VRC=0
	wait "$VPID" 2>/dev/null || VRC=$?
	VPID=
	for i in $(seq 50); do [ -e "$STATE/console.eof" ] && break; sleep 0.2; done
	touch "$STATE/console.log"
}

# Kernel problem reports.  kmemleak's own init/scan-thread lines are not
# reports; its "N new suspected memory leaks" and the report file are.
PROBLEMS='BUG:|WARNING:|Oops|kernel BUG at|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|KASAN:|kmemleak:.*suspected memory leak|unreferenced object|general protection fault|Kernel panic|UBSAN:|INFO: task .* blocked for more than|rcu: INFO: .* detected stall'

# scan_problems FILE...: print each report with context; status 1 if any.
scan_problems() {
	awk -v pat="$PROBLEMS" -v maxl=60 -v maxr=20 '
		function endrep() { print "run.sh: ----- end of report -----"; left = 0 }
		FNR == 1 { if (left > 0) endrep(); npre = 0 }
		left > 0 {
			print; left--
			if ($0 ~ /---\[ end / || left == 0) endrep()
			next
		}
		$0 ~ pat {
			n++
			if (n <= maxr) {
				print "run.sh: ----- kernel problem report " n " (from " FILENAME ") -----"
				for (i = 1; i <= npre; i++)
					if (pre[i] ~ /cut here|=====|-----|\] *$/) print pre[i]
				npre = 0
				print; left = maxl - 1
				if ($0 ~ /---\[ end /) endrep()
				next
			}
		}
		{ # lead-in of a report: "cut here", lockdep "=====" banners
			if (npre == 2) { pre[1] = pre[2]; npre = 1 }
			pre[++npre] = $0
		}
		END {
			if (left > 0) endrep()
			if (n > maxr) print "run.sh: ... " n - maxr " more reports not shown"
			exit n > 0
		}' "$@" >&2
}

# classify: sets OUTCOME (ran|timeout|panic|abort|fatal), RC, REASON.
# Only QEMU itself dying (a signal, such as the SIGABRT of the
# iotlb_to_section assertion under TCG, or an assertion message) is an
# abort, which is retried.  A guest that powered off cleanly (QEMU exit 0)
# without CMD's status never is: something in the guest went wrong, and the
# reason is looked for in what the guest printed.
classify() {
	local qs="" line
	[ -f "$STATE/qemu-status" ] && qs=$(cat "$STATE/qemu-status")
	RC=
	REASON=
	if [ -e "$STATE/timed-out" ]; then
		OUTCOME=timeout
	elif [ -s "$STATE/status" ]; then
		OUTCOME=ran
		RC=$(cat "$STATE/status")
	elif grep -qsE '^\[ *[0-9]+\.[0-9]+\] Kernel panic' "$STATE/console.log"; then
		OUTCOME=panic
	elif grep -qs 'cannot find script I/O ports' "$STATE/console.log"; then
		OUTCOME=fatal
		REASON="the guest found no script I/O ports (is udev installed on the host?)"
	elif [ -z "$qs" ]; then
		OUTCOME=fatal
		# vng's own complaint is its last words on stderr
		line=$(grep -av '^\[ *[0-9]' "$STATE/console.log" | grep -a . | tail -n1 || true)
		REASON="vng failed before starting QEMU (exit $VRC)${line:+: $line}"
	elif grep -qs 'KVM internal error' "$STATE/console.log"; then
		OUTCOME=fatal
		REASON="KVM internal error: this host's KVM cannot run the guest (use --no-kvm)"
	elif line=$(grep -a -m1 'guest.sh: the state dir .* is not writable' "$STATE/console.log"); then
		OUTCOME=fatal
		REASON=${line#*guest.sh: }
	elif line=$(grep -a -m1 -E "$(printf '%s' "$STATE_GUEST" | sed 's/[.+]/\\&/g')/[a-z]+: (Read-only file system|Permission denied)" "$STATE/console.log"); then
		OUTCOME=fatal
		REASON="the state dir $STATE_GUEST is not writable in the guest, so CMD's exit status cannot come back (${line##*: })"
	else
		local assert sig
		# the assertion, else QEMU's first message that is not a warning
		assert=$( { grep -a -m1 'Assertion .* failed' "$STATE/console.log" ||
			grep -a '^qemu-system' "$STATE/console.log" | grep -v -m1 'warning:'; } |
			sed 's/^qemu-system[^:]*: //' || true)
		if [ "$qs" -gt 128 ]; then
			OUTCOME=abort
			sig=$(kill -l $((qs - 128)) 2>/dev/null || echo "$((qs - 128))")
			REASON="QEMU killed by signal SIG$sig${assert:+: $assert}"
		elif [ -n "$assert" ] && [[ $assert == *Assertion* ]]; then
			OUTCOME=abort
			REASON="$assert (QEMU exit $qs)"
		elif [ "$qs" != 0 ]; then
			OUTCOME=fatal
			REASON="QEMU failed (exit $qs)${assert:+: $assert}"
		elif [ ! -e "$STATE/started" ]; then
			OUTCOME=fatal
			REASON="the guest shut down cleanly (QEMU exit 0) without starting the command"
			line=$(grep -a -m1 -E 'guest\.sh|virtme-init:.*(fail|error|cannot)|No such file or directory' "$STATE/console.log" || true)
			[ -z "$line" ] || REASON+=": $line"
		else
			OUTCOME=fatal
			REASON="the guest shut down cleanly (QEMU exit 0) after starting the command, but its exit status never reached $STATE_GUEST"
		fi
	fi
}

# kernel lines of the console log (CMD's stderr is in there too)
kernel_console() {
	grep -aE '^\[ *[0-9]+\.[0-9]+\]' "$STATE/console.log" >"$STATE/console.kernel" || true
	echo "$STATE/console.kernel"
}

console_tail() {
	say "last lines of the kernel console / VM output:"
	tail -n "${1:-40}" "$STATE/console.log" | sed 's/^/  | /' >&2
}

# --- accelerator ----------------------------------------------------------
probe_kvm() {
	local key line cached=
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		ACCEL=tcg
		ACCEL_WHY="/dev/kvm not available"
		return
	fi
	key=$(sha256sum "$KDIR/arch/x86/boot/bzImage" | cut -d' ' -f1)
	if mkdir -p "$CACHE" 2>/dev/null && exec 9>>"$CACHE/kvm-probe.lock"; then
		flock 9 || true # parallel runs: one probes, the others read its answer
	fi
	cached=$(awk -v k="$key" '$1 == k { a = $2 } END { print a }' "$CACHE/kvm-probe" 2>/dev/null || true)
	if [ "$cached" = kvm ] || [ "$cached" = tcg ]; then
		ACCEL=$cached
		ACCEL_WHY="cached KVM probe of this bzImage: $([ "$cached" = kvm ] && echo works || echo fails)"
	else
		say "probing KVM (boot + true, up to 120 s)..."
		local t0=$SECONDS
		boot kvm 120 1 true
		if [ -e "$STATE/status" ] && [ "$(cat "$STATE/status")" = 0 ]; then
			ACCEL=kvm
		else
			ACCEL=tcg
			line=$(grep -m1 -E 'KVM internal error|kvm' "$STATE/console.log" || true)
			say "KVM probe failed after $((SECONDS - t0)) s${line:+: $line}"
		fi
		ACCEL_WHY="KVM probe $([ "$ACCEL" = kvm ] && echo passed || echo failed)"
		echo "$key $ACCEL" >>"$CACHE/kvm-probe" 2>/dev/null ||
			say "cannot write $CACHE/kvm-probe: the probe will be repeated next time"
	fi
	exec 9>&-
}

case "$ACCEL" in
kvm) ACCEL_WHY="--kvm" ;;
tcg) ACCEL_WHY="--no-kvm" ;;
auto) probe_kvm ;;
esac
ACCEL_NAME=TCG
[ "$ACCEL" = kvm ] && ACCEL_NAME=KVM
say "booting $KDIR with $ACCEL_NAME ($ACCEL_WHY), $CPUS vCPUs, $MEM, timeout ${TIMEOUT}s"

# --- run, retrying one QEMU abort ----------------------------------------
attempt=1
while :; do
	t0=$SECONDS
	boot "$ACCEL" "$TIMEOUT" 0 "$@"
	classify
	[ "$OUTCOME" = abort ] || break
	if [ $attempt -ge 2 ]; then
		console_tail 30
		fail "QEMU aborted again ($REASON): giving up"
	fi
	say "QEMU aborted ($REASON), retrying once"
	attempt=2
done
took=$((SECONDS - t0))

case "$OUTCOME" in
fatal)
	console_tail 30
	fail "$REASON"
	;;
timeout)
	say "timeout: CMD did not finish within ${TIMEOUT}s (boot included); QEMU killed"
	scan_problems "$(kernel_console)" || say "kernel reported problems (see above)"
	console_tail 20
	exit 124
	;;
panic)
	scan_problems "$(kernel_console)" || true
	if [ -e "$STATE/started" ]; then
		say "kernel panicked while running the command (after ${took}s)"
	else
		say "kernel panicked before the command started (after ${took}s)"
	fi
	say "kernel reported problems (see above)"
	exit 126
	;;
esac

# OUTCOME=ran
say "command exited $RC after ${took}s in the VM"
files=()
if [ -e "$STATE/done" ] && [ -e "$STATE/dmesg" ]; then
	files+=("$STATE/dmesg")
	[ -s "$STATE/kmemleak" ] && files+=("$STATE/kmemleak")
else
	say "guest did not save dmesg: scanning the console log instead"
	files+=("$(kernel_console)")
fi
if ! scan_problems "${files[@]}"; then
	if [ $ALLOW_WARN = 1 ]; then
		say "kernel reported problems (see above; ignored: --allow-warn)"
	else
		say "kernel reported problems (see above)"
		exit 126
	fi
fi
exit "$RC"

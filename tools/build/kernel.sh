#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) and cache the svm_ext test kernel from Debian's linux-source-7.3
# (trixie-backports), with the tree's own bpftool and libbpf beside it.
#
#   tools/build/kernel.sh [--print-dir] FLAVOR
#
# The tree lands in $SVM_EXT_CACHE/kernel/<srcver>-<flavor>-<fraghash>-k<patchhash>/
# and is reused while its stamp verifies.  A tree without a stamp
# (interrupted build) or whose stamp no longer matches (corrupt cache) is
# rebuilt.  The kernel fixes we carry (kernel/patches/*.patch, each saying
# why) go on before configuring.  When only those patches changed, a cached
# tree of the same version, flavor and config is copied, its patches swapped
# and the copy rebuilt incrementally (minutes, not a first build's half hour).
# With --print-dir only the cache directory is printed (nothing is built).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SVM_EXT_CACHE:-/var/cache/svm_ext}
PRINT_DIR=0
if [ "${1:-}" = "--print-dir" ]; then PRINT_DIR=1; shift; fi
FLAVOR=${1:-base}

say() { printf 'kernel: %s\n' "$*" >&2; }
die() { printf 'kernel: error: %s\n' "$*" >&2; exit 1; }

case "$FLAVOR" in
base) FRAGS="$ROOT/kernel/config/base.config" ;;
debug) FRAGS="$ROOT/kernel/config/base.config $ROOT/kernel/config/debug.config" ;;
*) die "unknown FLAVOR '$FLAVOR' (known: base, debug)" ;;
esac

KSERIES=7.3
TARBALL=/usr/src/linux-source-$KSERIES.tar.xz
SRCVER=$(dpkg-query -W -f='${Version}' linux-source-$KSERIES 2>/dev/null) ||
	die "linux-source-$KSERIES is not installed (run: make deps)"
[ -f "$TARBALL" ] || die "$TARBALL missing although linux-source-$KSERIES is installed; reinstall it"
FRAGHASH=$(cat $FRAGS | sha256sum | cut -c1-12)
KPATCHES=$(ls "$ROOT"/kernel/patches/*.patch 2>/dev/null || true)
kpatches_body() { [ -z "$KPATCHES" ] || cat $KPATCHES; }
KPHASH=$(kpatches_body | sha256sum | cut -c1-12)
KDIR="$CACHE/kernel/${SRCVER}-${FLAVOR}-${FRAGHASH}-k${KPHASH}"

if [ $PRINT_DIR = 1 ]; then
	echo "$KDIR"
	exit 0
fi

# The stamp records hashes of the artefacts everything else is built against.
stamp_body() {
	( cd "$1" && sha256sum arch/x86/boot/bzImage vmlinux Module.symvers .config \
		lib/test_hmm.ko usr/include/linux/bpf.h 2>/dev/null )
}

# The BPF tools come from the same tree: Debian's bpftool 7.5 crashes on
# `struct_ops list` once a module-defined struct_ops is loaded, and libbpf
# must understand this kernel's BTF.  The tree's bpftool 7.8 crashes there
# too, so our patches (tools/build/patches/) go on first.  Static libbpf,
# so nothing on the host links against it by accident.  The tools have a
# stamp of their own, which covers the patches: changing a patch rebuilds
# the tools (under a minute), not the kernel.
PATCHES=$(ls "$ROOT"/tools/build/patches/*.patch 2>/dev/null || true)
tools_stamp_body() {
	{ [ -z "$PATCHES" ] || cat $PATCHES; } | sha256sum | cut -c1-64
	( cd "$1" && sha256sum svm_ext-tools/bin/bpftool svm_ext-tools/lib/libbpf.a 2>/dev/null )
}

build_tools() {
	local tree=$1 log=$1/tools.log p
	local tools="$tree/svm_ext-tools"

	say "building the tree's libbpf and bpftool into $tools"
	: >"$log"
	for p in $PATCHES; do
		# already applied (a rebuild of the tools): leave it
		if patch -d "$tree" -p1 -R --dry-run --force -s <"$p" >/dev/null 2>&1; then
			continue
		fi
		patch -d "$tree" -p1 --forward --batch <"$p" >>"$log" 2>&1 ||
			die "$(basename "$p") does not apply to $SRCVER (log: $log)"
	done
	rm -rf "$tools"
	make -C "$tree/tools/lib/bpf" -j"$JOBS" BUILD_STATIC_ONLY=1 prefix= \
		DESTDIR="$tools" install >>"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "libbpf build failed (log: $log)"; }
	[ -f "$tools/lib64/libbpf.a" ] && [ ! -e "$tools/lib" ] && mv "$tools/lib64" "$tools/lib"
	[ -f "$tools/lib/libbpf.a" ] || die "libbpf built but $tools/lib/libbpf.a is missing"
	make -C "$tree/tools/bpf/bpftool" clean >>"$log" 2>&1 || true
	make -C "$tree/tools/bpf/bpftool" -j"$JOBS" LLVM_CONFIG=llvm-config-19 \
		>>"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "bpftool build failed (log: $log)"; }
	mkdir -p "$tools/bin"
	cp "$tree/tools/bpf/bpftool/bpftool" "$tools/bin/bpftool"
	"$tools/bin/bpftool" version >>"$log" 2>&1 || die "the built bpftool does not run"
	tools_stamp_body "$tree" >"$tree/.svm_ext-tools-stamp"
}

JOBS=$(( $(nproc) + 1 ))
mkdir -p "$CACHE/kernel" || die "cannot create $CACHE (set SVM_EXT_CACHE to a writable directory)"
# One run per tree at a time: a second one (another checkout, another
# terminal) waits for the first to finish instead of building beside it
# and deleting its half-built tree.
exec 9>"$KDIR.lock"
if ! flock -n 9; then
	say "another run is building $KDIR: waiting for it"
	flock 9
fi
if [ -f "$KDIR/.svm_ext-stamp" ]; then
	if [ "$(stamp_body "$KDIR")" = "$(cat "$KDIR/.svm_ext-stamp")" ]; then
		if [ "$(tools_stamp_body "$KDIR")" != "$(cat "$KDIR/.svm_ext-tools-stamp" 2>/dev/null)" ]; then
			say "cached kernel $KDIR: its bpftool/libbpf are missing or older than tools/build/patches/"
			build_tools "$KDIR"
		fi
		say "cached: $KDIR"
		echo "$KDIR"
		exit 0
	fi
	say "cache at $KDIR is corrupt (stamp does not match its files): rebuilding"
elif [ -d "$KDIR" ]; then
	say "cache at $KDIR is incomplete (no stamp: interrupted build?): rebuilding"
fi

for t in vng make gcc pahole flex bison bc; do
	command -v $t >/dev/null || die "$t not found (run: make deps)"
done

BUILD="$KDIR.tmp"
rm -rf "$BUILD" "$KDIR"

# A verified tree of this version, flavor and config that differs only in
# kernel/patches: the newest one seeds an incremental build.  Trees from
# before kernel/patches existed (no -k suffix) carry none.
seed_tree() {
	local d
	for d in $(ls -dt "$CACHE/kernel/${SRCVER}-${FLAVOR}-${FRAGHASH}" \
			"$CACHE/kernel/${SRCVER}-${FLAVOR}-${FRAGHASH}"-k* 2>/dev/null); do
		case "$d" in *.tmp | *.lock) continue ;; esac
		[ -d "$d" ] && [ -f "$d/.svm_ext-stamp" ] || continue
		[ "$(stamp_body "$d")" = "$(cat "$d/.svm_ext-stamp")" ] || continue
		echo "$d"
		return 0
	done
	return 1
}

# Swap the tree's kernel patches for ours: the old ones come off in reverse
# order (they are recorded in the tree as applied), then ours go on.
apply_kpatches() {
	local tree=$1 log=$1/kpatches.log p
	: >"$log"
	if [ -s "$tree/.svm_ext-kpatches" ]; then
		patch -d "$tree" -p1 -R --batch <"$tree/.svm_ext-kpatches" >>"$log" 2>&1 ||
			die "the seed tree's kernel patches do not come off (log: $log)"
	fi
	for p in $KPATCHES; do
		patch -d "$tree" -p1 --forward --batch <"$p" >>"$log" 2>&1 ||
			die "$(basename "$p") does not apply to $SRCVER (log: $log)"
	done
	# recorded reversed, so that taking them off later is one patch -R
	: >"$tree/.svm_ext-kpatches"
	for p in $(printf '%s\n' $KPATCHES | tac); do
		cat "$p" >>"$tree/.svm_ext-kpatches"
	done
}

configure_tree() {
	say "configuring: virtme-ng minimal config + $(for f in $FRAGS; do basename "$f"; done | tr '\n' ' ')"
	vng --kconfig $(for f in $FRAGS; do printf -- '--config %s ' "$f"; done) >config.log 2>&1 ||
		{ cat config.log >&2; die "vng --kconfig failed"; }
	# Check every fragment option really made it into .config: a silently
	# dropped dependency would otherwise surface only as a mysterious test skip.
	bad=0
	for f in $FRAGS; do
		while IFS= read -r line; do
			case "$line" in CONFIG_*=*) ;; *) continue ;; esac
			grep -qxF "$line" .config || { say "option not applied: $line"; bad=1; }
		done <"$f"
	done
	[ $bad = 0 ] || die "kernel config fragment not fully applied (see above)"
}

SEED=""
if [ "${SVM_EXT_NO_SEED:-0}" != 1 ]; then
	SEED=$(seed_tree || true)
fi
if [ -n "$SEED" ]; then
	say "seeding from $SEED (same config, other kernel patches): incremental build"
	cp -a --reflink=auto "$SEED" "$BUILD" || die "cannot copy $SEED"
	rm -f "$BUILD/.svm_ext-stamp" "$BUILD/build.rc"
	cd "$BUILD"
	apply_kpatches "$BUILD"
else
	mkdir -p "$BUILD"
	say "unpacking $TARBALL ($SRCVER) into $BUILD"
	tar -C "$BUILD" --strip-components=1 -xf "$TARBALL"
	cd "$BUILD"
	apply_kpatches "$BUILD"
	configure_tree
fi

say "building bzImage and modules with -j$JOBS; a first build takes about 20-25 minutes on 2 cores"
LOG="$BUILD/build.log"
( make -j"$JOBS" bzImage modules >"$LOG" 2>&1; echo $? >"$BUILD/build.rc" ) &
pid=$!
start=$(date +%s)
while kill -0 $pid 2>/dev/null; do
	sleep 30
	n=$(grep -c '^  CC' "$LOG" 2>/dev/null || true)
	say "$(( ($(date +%s) - start) / 60 )) min: $n objects compiled, last: $(tail -n1 "$LOG" | cut -c1-70)"
done
wait $pid || true
if [ "$(cat "$BUILD/build.rc")" != 0 ]; then
	tail -n 40 "$LOG" >&2
	die "kernel build failed (full log: $LOG)"
fi
say "installing uapi headers"
make headers_install INSTALL_HDR_PATH="$BUILD/usr" >>"$LOG" 2>&1 || die "headers_install failed"

[ -n "$SEED" ] && [ "$(tools_stamp_body "$BUILD")" = "$(cat "$BUILD/.svm_ext-tools-stamp" 2>/dev/null)" ] ||
	build_tools "$BUILD"
# keep the tree lean: object files of the kernel proper are not needed for
# external modules, but Module.symvers, scripts and headers are.
stamp_body "$BUILD" >"$BUILD/.svm_ext-stamp"
mv "$BUILD" "$KDIR"
say "built in $(( ($(date +%s) - start) / 60 )) min: $KDIR"
echo "$KDIR"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) and cache the svm_ext test kernel from Debian's linux-source-6.12.
#
#   tools/build/kernel.sh [--print-dir] FLAVOR
#
# The tree lands in $SVM_EXT_CACHE/kernel/<srcver>-<flavor>-<fraghash>/ and is
# reused while its stamp verifies.  A tree without a stamp (interrupted build)
# or whose stamp no longer matches (corrupt cache) is rebuilt from scratch.
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

TARBALL=/usr/src/linux-source-6.12.tar.xz
SRCVER=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
	die "linux-source-6.12 is not installed (run: make deps)"
[ -f "$TARBALL" ] || die "$TARBALL missing although linux-source-6.12 is installed; reinstall it"
FRAGHASH=$(cat $FRAGS | sha256sum | cut -c1-12)
KDIR="$CACHE/kernel/${SRCVER}-${FLAVOR}-${FRAGHASH}"

if [ $PRINT_DIR = 1 ]; then
	echo "$KDIR"
	exit 0
fi

# The stamp records hashes of the artefacts everything else is built against.
stamp_body() {
	( cd "$1" && sha256sum arch/x86/boot/bzImage vmlinux Module.symvers .config \
		lib/test_hmm.ko usr/include/linux/bpf.h 2>/dev/null )
}

if [ -f "$KDIR/.svm_ext-stamp" ]; then
	if [ "$(stamp_body "$KDIR")" = "$(cat "$KDIR/.svm_ext-stamp")" ]; then
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

mkdir -p "$CACHE/kernel" || die "cannot create $CACHE (set SVM_EXT_CACHE to a writable directory)"
BUILD="$KDIR.tmp"
rm -rf "$BUILD" "$KDIR"
mkdir -p "$BUILD"
say "unpacking $TARBALL ($SRCVER) into $BUILD"
tar -C "$BUILD" --strip-components=1 -xf "$TARBALL"

cd "$BUILD"
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

JOBS=$(( $(nproc) + 1 ))
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
# keep the tree lean: object files of the kernel proper are not needed for
# external modules, but Module.symvers, scripts and headers are.
stamp_body "$BUILD" >"$BUILD/.svm_ext-stamp"
mv "$BUILD" "$KDIR"
say "built in $(( ($(date +%s) - start) / 60 )) min: $KDIR"
echo "$KDIR"

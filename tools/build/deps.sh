#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what svm_ext needs on a Debian 12 (bookworm) host.  Idempotent:
# apt sources and pins are written only when they differ, packages are
# installed only when missing.  Exit codes: 0 ok, 2 unsupported host,
# 3 package registry unreachable, 4 install failed.
set -euo pipefail

say() { printf 'deps: %s\n' "$*"; }
die() { local rc=$1; shift; printf 'deps: error: %s\n' "$*" >&2; exit "$rc"; }

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die 2 "not root and sudo is not installed"
	SUDO=sudo
fi


# Debian packages, by source: bookworm, bookworm-backports, trixie (pinned),
# trixie-backports (pinned: linux-source-7.3 only).  bpftool and libbpf are
# not packages: tools/build/kernel.sh builds them from the kernel tree.
MAIN_PKGS="clang-19 llvm-19 llvm-19-dev lld-19 dwarves build-essential flex bison bc
libelf-dev zlib1g-dev libzstd-dev libssl-dev libcap-dev rsync cpio kmod busybox-static udev zstd
xz-utils python3 gnuplot-nox trinity bpftrace"
BPO_PKGS="qemu-system-x86"
TRIXIE_PKGS="virtme-ng"
TRIXIE_BPO_PKGS="linux-source-7.3"

missing=()
for p in $MAIN_PKGS $BPO_PKGS $TRIXIE_PKGS $TRIXIE_BPO_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${1:-}" = "--check" ]; then
	if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
	say "missing: ${missing[*]}"
	exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
	say "all packages present"
	exit 0
fi
# Only an install needs the right distribution; a host that already has
# everything is used as it is.
# shellcheck disable=SC1091
. /etc/os-release 2>/dev/null || die 2 "cannot read /etc/os-release"
if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
	die 2 "svm_ext set-up supports Debian 12 (bookworm) only; this is ${PRETTY_NAME:-unknown}"
fi
say "installing: ${missing[*]}"

write_if_changed() {
	local path=$1 content=$2
	if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then
		return 0
	fi
	say "writing $path"
	printf '%s\n' "$content" | $SUDO tee "$path" >/dev/null
}

write_if_changed /etc/apt/sources.list.d/svm_ext-backports.sources "Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

write_if_changed /etc/apt/sources.list.d/svm_ext-trixie.sources "Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

write_if_changed /etc/apt/sources.list.d/svm_ext-trixie-backports.sources "Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

# trixie only for virtme-ng: never let it upgrade anything else (libc!).
write_if_changed /etc/apt/preferences.d/svm_ext-trixie "Package: *
Pin: release n=trixie
Pin-Priority: 100"

# trixie-backports only for the kernel source: nothing else may come from it.
write_if_changed /etc/apt/preferences.d/svm_ext-trixie-backports "Package: *
Pin: release n=trixie-backports
Pin-Priority: -1

Package: linux-source-7.3
Pin: release n=trixie-backports
Pin-Priority: 500"

say "apt-get update"
if ! $SUDO apt-get update -q >/tmp/svm_ext-apt-update.log 2>&1 ||
   grep -qE '^(Err|W: Failed)' /tmp/svm_ext-apt-update.log; then
	cat /tmp/svm_ext-apt-update.log >&2
	die 3 "cannot reach the Debian package registry (see above)"
fi

export DEBIAN_FRONTEND=noninteractive
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends"
$APT $MAIN_PKGS || die 4 "installing bookworm packages failed"
$APT -t bookworm-backports $BPO_PKGS || die 4 "installing backports packages failed"
# "pkg/trixie", never "-t trixie": -t raises all of trixie to priority 990
# for the dependencies too and drags libc6 and base-files along.
$APT $(printf '%s/trixie ' $TRIXIE_PKGS) || die 4 "installing virtme-ng from trixie failed"
$APT $(printf '%s/trixie-backports ' $TRIXIE_BPO_PKGS) ||
	die 4 "installing $TRIXIE_BPO_PKGS from trixie-backports failed"

libc=$(dpkg-query -W -f='${Version}' libc6)
case "$libc" in
2.36-*) ;;
*) die 4 "libc6 moved to $libc: the trixie pin did not hold" ;;
esac
say "done (libc6 $libc, linux-source-7.3 $(dpkg-query -W -f='${Version}' linux-source-7.3))"

#!/bin/bash
# scripts/deps.sh - install what building and testing ckpt needs.
#
# Usage: scripts/deps.sh [--packages-only | --files-only]
#
# 1. Debian packages: installs only the missing ones (checked with
#    dpkg-query), running apt-get update first when anything is missing.
# 2. Files taken from Debian's linux-source-6.1 package, extracted into
#    build/ (never into the source tree, never committed):
#      build/ksft/kselftest_harness.h, build/ksft/kselftest.h
#      build/tools/checkpatch.pl, spelling.txt, const_structs.checkpatch,
#      build/tools/extract-vmlinux
#    The package is downloaded (apt-get download, ~140 MB) only when one of
#    those files is missing, and deleted afterwards.
#
# Needs root for step 1 (and for apt-get download when apt's lists are
# missing). Safe to run again: it does nothing when everything is there.
set -euo pipefail

prog=deps
die() { echo "$prog: error: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=${CKPT_BUILD:-$REPO/build}

PACKAGES=(
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	qemu-system-x86 busybox-static kmod cpio
	libsodium-dev libelf-dev pkg-config sparse criu
	gcc make perl python3 util-linux xz-utils zstd binutils
	clang llvm libbpf-dev bpftool pahole
	libclang-rt-14-dev
)

# apt must never run twice at once; wait for a lock held by someone else.
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
apt_updated=0

apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	note "apt-get update"
	apt-get "${APT_OPTS[@]}" -q update >&2 || die "apt-get update failed"
	apt_updated=1
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		note "all ${#PACKAGES[@]} packages are installed"
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root"
	note "installing: ${missing[*]}"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" -q -y \
		install "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}

# path inside linux-source-6.1/ -> destination under build/
SRC_FILES=(
	"tools/testing/selftests/kselftest_harness.h ksft/kselftest_harness.h"
	"tools/testing/selftests/kselftest.h ksft/kselftest.h"
	"scripts/checkpatch.pl tools/checkpatch.pl"
	"scripts/spelling.txt tools/spelling.txt"
	"scripts/const_structs.checkpatch tools/const_structs.checkpatch"
	"scripts/extract-vmlinux tools/extract-vmlinux"
)

extract_source_files() {
	local need=0 ent src dst tmp deb paths=()
	for ent in "${SRC_FILES[@]}"; do
		dst=${ent#* }
		[ -s "$BUILD/$dst" ] || need=1
	done
	if [ "$need" = 0 ]; then
		note "kselftest headers and checkpatch are in $BUILD"
		return 0
	fi
	tmp=$(mktemp -d /tmp/ckpt-deps.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	# apt-get download writes as the _apt user when it can.
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	if ! apt-cache show linux-source-6.1 >/dev/null 2>&1; then
		apt_update
	fi
	note "downloading linux-source-6.1 (for kselftest_harness.h, checkpatch.pl, extract-vmlinux)"
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" -q download linux-source-6.1 >&2) ||
		die "apt-get download linux-source-6.1 failed"
	deb=
	for f in "$tmp"/linux-source-6.1_*.deb; do [ -f "$f" ] && deb=$f; done
	[ -n "$deb" ] || die "apt-get download left no linux-source-6.1_*.deb in $tmp"
	for ent in "${SRC_FILES[@]}"; do
		paths+=("linux-source-6.1/${ent%% *}")
	done
	note "extracting ${#paths[@]} files from $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJf - -C "$tmp" "${paths[@]}" ||
		die "extracting ${paths[*]} from $deb failed"
	for ent in "${SRC_FILES[@]}"; do
		src=${ent%% *}
		dst=${ent#* }
		mkdir -p "$BUILD/$(dirname "$dst")"
		cp "$tmp/linux-source-6.1/$src" "$BUILD/$dst"
	done
	chmod +x "$BUILD/tools/checkpatch.pl" "$BUILD/tools/extract-vmlinux"
	rm -rf "$tmp"
	trap - EXIT
	note "installed kselftest headers in $BUILD/ksft, tools in $BUILD/tools"
}

case ${1:-} in
--packages-only) install_packages ;;
--files-only) extract_source_files ;;
"") install_packages; extract_source_files ;;
-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
*) die "unknown option '$1' (see --help)" ;;
esac

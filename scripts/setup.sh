#!/usr/bin/env bash
# setup.sh: installs heapsnap's Debian build dependencies when missing, then
# configures and builds in the source tree. Safe to run again.
#   scripts/setup.sh [--werror] [--quiet]
set -euo pipefail
cd "$(dirname "$0")/.."

werror=
quiet=
for arg in "$@"; do
	case "$arg" in
	--werror) werror=--enable-werror ;;
	--quiet) quiet=1 ;;
	-h|--help) sed -n '2,4p' "$0"; exit 0 ;;
	*) echo "setup.sh: unknown argument '$arg' (accepted: --werror, --quiet)" >&2; exit 2 ;;
	esac
done

# Build tools, the libraries (jemalloc's PIC archive, sqlite's static
# archive, libiberty's static archive for the demangler, libunwind and libdw
# headers), check, and the sqlite3 CLI and strace
# used by the tests; libunwind8 and libdw1 are what the preload dlopen()s at
# run time; gdb prints the threads of a torture test's program that hangs;
# GLib for the wrapper rule's test program; the last line: real programs that
# tests/compat/ runs under the preload; zlib for the tools' pprof export; the
# clients the export tests open the exports in: go tool pprof (golang-go),
# flamegraph.pl (libdevel-nytprof-perl) and headless chromium; tmux, the
# terminal the live view's test (heapsnap top) types into and reads.
# libjemalloc2: the program a meta test runs on jemalloc (its stats.* in meta).
packages="build-essential autoconf automake libtool pkg-config binutils g++
  libjemalloc-dev libjemalloc2 libsqlite3-dev sqlite3 libunwind-dev libunwind8 libdw-dev libdw1 libiberty-dev
  check python3 strace gdb libglib2.0-dev
  nodejs git xz-utils clang jq bc
  zlib1g-dev golang-go libdevel-nytprof-perl chromium tmux"
missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup.sh: installing:$missing"
	if [ "$(id -u)" != 0 ]; then
		echo "setup.sh: need root to install packages (run with sudo or as root)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# --quiet: a step's output is shown only when it fails.
run() {
	if [ -z "$quiet" ]; then
		"$@"
		return
	fi
	local log
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "setup.sh: '$*' failed" >&2
		return 1
	fi
	rm -f "$log"
}
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	run autoreconf -fi
fi
# Reconfigure when never configured, or when the flags asked for changed.
if [ ! -f Makefile ] || [ "$(cat .setup-flags 2>/dev/null)" != "configure $werror" ]; then
	# shellcheck disable=SC2086
	run ./configure $werror
	echo "configure $werror" > .setup-flags
fi
run make -j"$(nproc)"

# lib.sh: shared setup for tests/tools/*.sh, sourced by each test.
#
# Provides $HEAPDIFF, $HEAPSNAP, $SCHEMA, a private $tmp (removed at exit),
# fixture NAME (builds $tmp/NAME.db with mkfixture.sh) and the automake
# exit-code helpers: fail (1), skip (77), harness_error (99).
# Reads top_builddir, top_srcdir, srcdir from the environment (set by
# tests/Makefile.am's AM_TESTS_ENVIRONMENT); run by hand from a built tree,
# it guesses them from its own location.

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
harness_error() { echo "ERROR: $*" >&2; exit 99; }

tools_dir=$(cd "$(dirname "$0")" && pwd) || harness_error "cannot find the test directory"
: "${srcdir:=$tools_dir/..}"
: "${top_srcdir:=$tools_dir/../..}"
: "${top_builddir:=$top_srcdir}"
# Absolute, so tests may cd.
srcdir=$(cd "$srcdir" && pwd) || harness_error "bad srcdir"
top_srcdir=$(cd "$top_srcdir" && pwd) || harness_error "bad top_srcdir"
top_builddir=$(cd "$top_builddir" && pwd) || harness_error "bad top_builddir"

HEAPDIFF=$top_builddir/tools/heapdiff
HEAPSNAP=$top_builddir/tools/heapsnap
SCHEMA=$top_srcdir/src/schema.sql
MKFIXTURE=$srcdir/tools/mkfixture.sh
GOLDEN=$srcdir/golden

[ -x "$HEAPDIFF" ] || harness_error "'$HEAPDIFF' not built"
[ -x "$HEAPSNAP" ] || harness_error "'$HEAPSNAP' not built"
[ -r "$SCHEMA" ] || harness_error "'$SCHEMA' missing"
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 command-line tool is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/heapsnap-test.XXXXXX") || harness_error "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

fixture() {
	sh "$MKFIXTURE" "$SCHEMA" "$tmp/$1.db" "$1" || harness_error "cannot build fixture '$1'"
}

# expect_rc WANT CMD...: runs CMD (stdout to $tmp/out, stderr to $tmp/err)
# and fails unless it exits WANT.
expect_rc() {
	want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || {
		cat "$tmp/err" >&2
		fail "'$*' exited $got, expected $want"
	}
}

# expect_err TEXT: stderr of the last expect_rc contains TEXT (fixed string).
expect_err() {
	grep -qF -- "$1" "$tmp/err" || {
		echo "stderr was:" >&2; cat "$tmp/err" >&2
		fail "stderr lacks '$1'"
	}
}

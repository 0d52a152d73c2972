# sanitizer-tree.sh: sourced by test-sanitizers.sh and test-tsan.sh.
#   sanitizer_tree DIR "SANITIZER FLAGS": installs clang and its sanitizer
# runtimes when missing, copies the tree (tracked and new, not ignored,
# files: no build products) into DIR, configures it with clang and the
# flags, builds what the unit tests link from src/, and leaves the shell
# in DIR.
sanitizer_tree() {
	local dir=$1 flags=$2 p
	for p in clang libclang-rt-14-dev; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			[ "$(id -u)" = 0 ] || { echo "$(basename "$0"): need root to install $p" >&2; exit 1; }
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null || {
				apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
		fi
	done
	rm -rf "$dir"
	mkdir "$dir"
	git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$dir"
	cd "$dir"
	autoreconf -fi >/dev/null 2>&1
	./configure --enable-werror CC=clang CXX=clang++ CFLAGS="$flags -fno-omit-frame-pointer -g -O1" \
		LDFLAGS="$flags" >/dev/null
	make -C src schema_sql.h libjemalloc_private.a libiberty_private.a >/dev/null
}

#!/bin/sh
# The preload exports the 11 malloc-family hooks, dlopen (which keeps
# RTLD_DEEPBIND libraries on the hooks), dlclose (which remembers the
# modules it unmaps) and heapsnap_* and nothing else, and depends on none of the libraries it must keep out of the host.
. "$(dirname "$0")/lib.sh"
command -v nm >/dev/null && command -v readelf >/dev/null || { echo "skip: nm/readelf missing"; exit 77; }
nm -D --defined-only "$LIB" | awk '{ print $NF }' | sed 's/@.*//' | sort -u >"$WORK/exports" ||
	{ echo "harness: nm failed"; exit 99; }
printf '%s\n' aligned_alloc calloc dlclose dlopen free malloc malloc_usable_size memalign posix_memalign \
	pvalloc realloc reallocarray valloc | sort >"$WORK/hooks"
missing=$(comm -23 "$WORK/hooks" "$WORK/exports" | tr '\n' ' ')
[ -z "$missing" ] || fail "hooks not exported: $missing"
extra=$(comm -13 "$WORK/hooks" "$WORK/exports" | grep -v '^heapsnap_' | tr '\n' ' ')
[ -z "$extra" ] || fail "exported beyond the hooks, dlopen, dlclose and heapsnap_*: $extra"
grep -q '^heapsnap_snapshot$' "$WORK/exports" || fail "heapsnap_snapshot not exported"
readelf -d "$LIB" >"$WORK/dynamic" || { echo "harness: readelf failed"; exit 99; }
grep -q NEEDED "$WORK/dynamic" || { echo "harness: no NEEDED entries read"; exit 99; }
bad=$(grep NEEDED "$WORK/dynamic" | grep -E 'libunwind|libdw|libelf|libsqlite3|libjemalloc|libstdc\+\+')
[ -z "$bad" ] || fail "the preload depends on a library it must load privately: $bad"
echo "ok: $(wc -l <"$WORK/exports") exports; needed: $(grep NEEDED "$WORK/dynamic" | sed 's/.*\[\(.*\)\]/\1/' | tr '\n' ' ')"

#!/bin/sh
# jq: parses, transforms, groups and re-serializes a generated 2 MB JSON.
. "$(dirname "$0")/lib.sh"
need jq jq
setup() {
	awk 'BEGIN { printf "["; for (i = 1; i <= 20000; i++) printf "%s{\"id\":%d,\"name\":\"n%d\",\"tags\":[\"t%d\",\"u%d\"],\"v\":%d.5}", (i > 1 ? "," : ""), i, i, i % 13, i % 7, i % 1000; printf "]\n" }' >in.json
}
compat_run jq sh -c '
	jq -c "group_by(.tags[0]) | map({tag: .[0].tags[0], n: length, sum: (map(.v) | add)})" in.json
	jq -S ".[1234]" in.json
	jq "[.[] | select(.v > 990) | .name] | length" in.json
	jq -r ".[] | [.id, .name] | @tsv" in.json | tail -n 2
	jq . in.json | md5sum'

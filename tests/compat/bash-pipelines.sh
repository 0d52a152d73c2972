#!/bin/sh
# bash: fork/exec heavy scripts: pipelines, command substitutions,
# subshells, process substitution, background jobs and wait.
. "$(dirname "$0")/lib.sh"
need bash bash
setup() {
	cat >work.bash <<'SH'
set -o pipefail
seq 1 3000 | while read -r n; do echo $((n * n % 97)); done | sort -n | uniq -c | sort -k1,1nr -k2,2n | head -n 5
total=0
for i in $(seq 1 10); do total=$((total + $(echo "$i" | tr 0-9 a-j | wc -c))); done
echo "total $total"
for i in 1 2 3 4; do ( sleep 0.0$i; echo "job $i $(seq 1 $((i * 1000)) | paste -sd+ | bc)" ) & done | sort
wait
diff <(seq 1 50) <(seq 1 50 | sed 's/^25$/x/') | head -n 4
echo "status ${PIPESTATUS[*]}"
cat /etc/passwd >/dev/null | true
yes abc | head -n 20000 | tail -n 1
x=$( (exit 3) ); echo "subshell $?"
SH
}
compat_run bash-pipelines bash work.bash

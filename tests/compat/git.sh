#!/bin/sh
# git: init, add, commit (three commits with a fixed author and date, so
# the hashes are the same every run), log, diff, a branch, a merge, gc and
# fsck; every child git runs is traced too.
. "$(dirname "$0")/lib.sh"
need git git
GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=t@example.org GIT_AUTHOR_DATE='2020-01-01T00:00:00Z'
GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=t@example.org GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_PAGER=cat
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
	GIT_COMMITTER_DATE GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL GIT_PAGER
setup() {
	mkdir -p src doc
	seq 1 2000 | sed 's/^/line /' >src/a.txt
	seq 1 500 | sed 's/$/ doc/' >doc/b.txt
	cat >work.sh <<'SH'
set -e
git -c init.defaultBranch=main init -q repo
cd repo
cp -r ../src ../doc .
git add -A
git commit -q -m first
sed -i 's/^line 1000$/line one thousand/' src/a.txt
echo new >doc/c.txt
git add -A
git commit -q -m second
git checkout -q -b topic
seq 1 100 >src/topic.txt
git add src/topic.txt
git commit -q -m topic
git checkout -q main
git merge -q --no-ff -m merge topic
git log --format='%H %an %ad %s' --date=iso-strict
git diff --stat HEAD~2 HEAD
git show --stat --format=%s HEAD~1
git gc -q
git fsck --no-progress 2>&1
git count-objects -v | grep -v size
git ls-files | sort
SH
}
compat_run git sh work.sh

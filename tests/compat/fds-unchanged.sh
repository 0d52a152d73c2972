#!/bin/sh
# A traced program starts with the same open file descriptors as an
# untraced one: ls lists its own /proc/self/fd, and make, told by MAKEFLAGS
# that its jobserver is on fds 3 and 4 (as a sub-make of a make -j is),
# finds them closed and says so ("jobserver unavailable"). Descriptors
# from 64 up are left out: the tracker's log keeps a copy of stderr there
# by design (src/log.c, F_DUPFD_CLOEXEC 64).
. "$(dirname "$0")/lib.sh"
need make make
setup() {
	printf 'all:\n\t@echo built\n' >mk.mk
	cat >work.sh <<'SH'
exec 3>&- 4>&- 5>&-
ls /proc/self/fd | awk '$1 < 64'
MAKEFLAGS=" -j2 --jobserver-auth=3,4" MAKELEVEL=1 make -s -f mk.mk
SH
}
compat_run fds-unchanged sh work.sh

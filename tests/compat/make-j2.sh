#!/bin/sh
# make -j2: a generated tree of 12 C files in 3 directories, built in
# parallel (make, gcc, cc1, as, ld all traced), then the program runs.
. "$(dirname "$0")/lib.sh"
need make make
need gcc gcc
setup() {
	for d in 1 2 3; do
		mkdir "d$d"
		for f in 1 2 3 4; do
			printf 'int f%s_%s(int x) { return x * %s + %s; }\n' "$d" "$f" "$d" "$f" >"d$d/f$f.c"
			echo "int f${d}_$f(int);" >>decls.h
		done
	done
	{
		echo '#include <stdio.h>'
		echo '#include "decls.h"'
		echo 'int main(void) { long s = 0;'
		for d in 1 2 3; do for f in 1 2 3 4; do echo "s += f${d}_$f($d$f);"; done; done
		printf '%s\n' 'printf("%ld\n", s); return 0; }'
	} >main.c
	cat >Makefile <<'MK'
SRCS := $(wildcard d*/f*.c) main.c
OBJS := $(SRCS:.c=.o)
prog: $(OBJS)
	$(CC) -o $@ $(OBJS)
	ar rcs libf.a $(filter d%,$(OBJS))
%.o: %.c
	$(CC) -O1 -c $< -o $@
MK
}
COMPAT_FILES="libf.a"
compat_run make-j2 sh -c 'make -s -j2 --no-print-directory && ./prog && make -s -q prog; echo "up to date: $?"'

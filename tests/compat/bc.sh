#!/bin/sh
# bc: 800 digits of pi and e with the math library, big factorials and a
# recursive function (bc's arbitrary-precision numbers live on the heap).
. "$(dirname "$0")/lib.sh"
need bc bc
setup() {
	cat >work.bc <<'BC'
scale = 800
4 * a(1)
e(1)
define f(n) { if (n < 2) return 1; return n * f(n - 1); }
scale = 0
f(400)
define fib(n) { auto a, b, t, i; a = 0; b = 1; for (i = 0; i < n; i++) { t = a + b; a = b; b = t; }; return a; }
fib(3000)
sqrt(2 ^ 4001)
BC
}

compat_run bc sh -c 'BC_LINE_LENGTH=0 bc -lq work.bc </dev/null'

#!/bin/sh
# python3 with four threads building dicts, lists and JSON under a lock,
# then a queue between a producer and consumers: output identical traced.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
need "$PY" python3
setup() {
	cat >work.py <<'PY'
import threading, queue, json, hashlib, collections

lock = threading.Lock()
results = {}

def build(n):
    d = {}
    for i in range(20000):
        d["k%d-%d" % (n, i)] = [i, str(i) * (i % 7), {"n": n}]
    blob = json.dumps(sorted(d.items())[:2000])
    h = hashlib.sha256(blob.encode()).hexdigest()
    with lock:
        results[n] = (len(d), len(blob), h)

ts = [threading.Thread(target=build, args=(n,)) for n in range(4)]
for t in ts: t.start()
for t in ts: t.join()
for n in sorted(results):
    print(n, *results[n])

q = queue.Queue(maxsize=64)
counts = collections.Counter()
def consume():
    while True:
        item = q.get()
        if item is None:
            return
        with lock:
            counts[item % 10] += len(bytearray(item % 1000))
cs = [threading.Thread(target=consume) for _ in range(3)]
for c in cs: c.start()
for i in range(30000):
    q.put(i)
for _ in cs: q.put(None)
for c in cs: c.join()
print(sorted(counts.items()))
PY
}
compat_run python3 "$PY" work.py

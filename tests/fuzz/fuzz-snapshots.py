#!/usr/bin/env python3
"""fuzz-snapshots.py OUTDIR SEED.db... : a mutation fuzzer of the tools'
snapshot reader (tools/snapread.c) and everything behind it.

Each case takes one seed snapshot and corrupts it the ways files get
corrupted: random bytes flipped, a 4 KiB page zeroed, filled with noise,
swapped with or copied over another, the file truncated at a page or byte
boundary, a header field of the SQLite file (page size, counts, schema
cookie) overwritten, or an interesting integer (0, -1, 2^31, 2^63-1...)
written at random offsets. It then runs on the mutant, each under a
timeout: heapdiff (text and --json, mutant as old and as new against a
clean seed), heapdiff --folded and --svg, heapsnap info, and heapsnap export
--pprof/--heapprofile. A run "crashes" when it dies of a signal (exit
status >= 128, or negative from Python) or times out; the mutant is then
kept in OUTDIR as crash-<sha1>.db, which tests/fuzz/corpus/ holds for
replay (fuzz-replay-corpus.sh). Exit 0 when nothing crashed, 1 otherwise.
Environment: FUZZ_SECONDS (default 20), FUZZ_SEED (default: random,
printed), HEAPDIFF, HEAPSNAP (the binaries), FUZZ_TIMEOUT (per run, 10 s)."""
import hashlib, os, random, shutil, struct, subprocess, sys, tempfile, time

PAGE = 4096
INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000,
               0xffffffff, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff]

def mutate(rng, data, seeds):
    b = bytearray(data)
    npages = max(1, len(b) // PAGE)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        if op == 0:      # flip random bytes
            for _ in range(rng.randint(1, 16)):
                i = rng.randrange(len(b)); b[i] ^= 1 << rng.randrange(8)
        elif op == 1:    # random bytes
            for _ in range(rng.randint(1, 64)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 2:    # zero a page (not the header page, else it is just "not SQLite")
            p = rng.randrange(1, npages) if npages > 1 else 0
            b[p * PAGE:(p + 1) * PAGE] = bytes(len(b[p * PAGE:(p + 1) * PAGE]))
        elif op == 3:    # noise in a page
            p = rng.randrange(npages)
            lo = p * PAGE + rng.randrange(PAGE)
            for i in range(lo, min(len(b), lo + rng.randint(1, 512))):
                b[i] = rng.randrange(256)
        elif op == 4:    # copy one page over another
            a, c = rng.randrange(npages), rng.randrange(npages)
            b[c * PAGE:(c + 1) * PAGE] = b[a * PAGE:(a + 1) * PAGE]
        elif op == 5:    # truncate
            if rng.random() < 0.5 and npages > 1:
                del b[rng.randrange(1, npages) * PAGE:]
            else:
                del b[rng.randrange(100, len(b)) if len(b) > 100 else len(b):]
        elif op == 6:    # an SQLite header field
            off = rng.choice([16, 18, 19, 20, 21, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 92, 96])
            b[off:off + 4] = struct.pack(">I", rng.choice(INTERESTING) & 0xffffffff)
        elif op == 7:    # an interesting integer at a random place
            v = rng.choice(INTERESTING)
            n = rng.choice([1, 2, 4, 8])
            i = rng.randrange(max(1, len(b) - n))
            b[i:i + n] = (v & ((1 << (8 * n)) - 1)).to_bytes(n, rng.choice(["big", "little"]))
        else:            # splice a page of another seed
            other = seeds[rng.randrange(len(seeds))]
            p = rng.randrange(max(1, len(other) // PAGE))
            q = rng.randrange(npages)
            b[q * PAGE:(q + 1) * PAGE] = other[p * PAGE:(p + 1) * PAGE]
        if len(b) < 16:
            break
    return bytes(b)

def commands(heapdiff, heapsnap, mutant, clean, work):
    o = lambda name: os.path.join(work, name)
    return [
        [heapdiff, clean, mutant],
        [heapdiff, "--json", "--all", mutant, clean],
        [heapdiff, "--folded", clean, mutant],
        [heapdiff, "--svg", o("g.svg"), mutant, clean],
        [heapsnap, "info", "--top", "0", mutant],
        [heapsnap, "export", "--pprof", o("p.pb.gz"), "--heapprofile", o("h.heapprofile"),
         "--base", clean, mutant],
    ]

def run_case(cmds, timeout):
    """None when all ran, else (command, why)."""
    for c in cmds:
        try:
            p = subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return c, "timed out after %d s" % timeout
        if p.returncode < 0 or p.returncode >= 128:
            return c, "exit status %d\n%s" % (p.returncode, p.stderr.decode(errors="replace")[-2000:])
    return None

def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    outdir, seed_paths = sys.argv[1], sys.argv[2:]
    heapdiff, heapsnap = os.environ["HEAPDIFF"], os.environ["HEAPSNAP"]
    budget = float(os.environ.get("FUZZ_SECONDS", "20"))
    timeout = int(os.environ.get("FUZZ_TIMEOUT", "10"))
    seed = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
    rng = random.Random(seed)
    seeds = [open(p, "rb").read() for p in seed_paths]
    work = tempfile.mkdtemp(prefix="heapsnap-fuzz.")
    crashes = execs = cases = 0
    start = time.monotonic()
    try:
        while time.monotonic() - start < budget:
            k = rng.randrange(len(seeds))
            data = mutate(rng, seeds[k], seeds)
            mutant = os.path.join(work, "mutant.db")
            with open(mutant, "wb") as f:
                f.write(data)
            cmds = commands(heapdiff, heapsnap, mutant, seed_paths[k], work)
            cases += 1
            execs += len(cmds)
            bad = run_case(cmds, timeout)
            if bad:
                crashes += 1
                name = "crash-%s.db" % hashlib.sha1(data).hexdigest()[:16]
                os.makedirs(outdir, exist_ok=True)
                shutil.copy(mutant, os.path.join(outdir, name))
                print("CRASH %s: %s: %s" % (name, " ".join(bad[0]), bad[1]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - start
    print("fuzz: seed %d: %d cases, %d executions in %.1f s (%.0f exec/s), %d crashes"
          % (seed, cases, execs, took, execs / took if took else 0, crashes))
    return 1 if crashes else 0

sys.exit(main())

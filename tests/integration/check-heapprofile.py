#!/usr/bin/env python3
"""check-heapprofile.py FILE [TYPES.json]: FILE must be a Chrome DevTools
sampling heap profile, HeapProfiler.SamplingHeapProfile of the DevTools
protocol: {head: SamplingHeapProfileNode, samples: [SamplingHeapProfileSample]}.
The types are taken from TYPES.json (devtools-protocol's js_protocol.json)
when given, else from the built-in copy below (the same properties).
Prints the node with the largest selfSize as 'functionName url:line'."""
import json, sys

BUILTIN = {
    "SamplingHeapProfile": {"head": "SamplingHeapProfileNode", "samples": ["SamplingHeapProfileSample"]},
    "SamplingHeapProfileNode": {"callFrame": "CallFrame", "selfSize": "number", "id": "integer",
                                "children": ["SamplingHeapProfileNode"]},
    "SamplingHeapProfileSample": {"size": "number", "nodeId": "integer", "ordinal": "number"},
    "CallFrame": {"functionName": "string", "scriptId": "string", "url": "string",
                  "lineNumber": "integer", "columnNumber": "integer"},
}

def load_types(path):
    proto = json.load(open(path))
    types = {}
    for dom in proto["domains"]:
        for t in dom.get("types", []):
            if t["id"] in BUILTIN and dom["domain"] in ("HeapProfiler", "Runtime"):
                props = {}
                for p in t["properties"]:
                    if p.get("optional"):
                        continue
                    ref = p.get("$ref", p.get("type"))
                    if ref == "array":
                        ref = [p["items"].get("$ref", p["items"].get("type")).split(".")[-1]]
                    else:
                        ref = ref.split(".")[-1]
                    props[p["name"]] = ref
                types[t["id"]] = props
    assert set(types) == set(BUILTIN), "types missing from %s" % path
    return types

def check(v, t, types, where):
    if isinstance(t, list):
        assert isinstance(v, list), "%s: not an array" % where
        for i, x in enumerate(v):
            check(x, t[0], types, "%s[%d]" % (where, i))
    elif t == "string":
        assert isinstance(v, str), "%s: not a string" % where
    elif t == "integer":
        assert isinstance(v, int) and not isinstance(v, bool), "%s: not an integer" % where
    elif t == "number":
        assert isinstance(v, (int, float)) and not isinstance(v, bool), "%s: not a number" % where
    else:
        assert isinstance(v, dict), "%s: not an object" % where
        for k, kt in types[t].items():
            assert k in v, "%s: no '%s'" % (where, k)
            check(v[k], kt, types, "%s.%s" % (where, k))

def main():
    prof = json.load(open(sys.argv[1]))
    types = load_types(sys.argv[2]) if len(sys.argv) > 2 else BUILTIN
    check(prof, "SamplingHeapProfile", types, "profile")
    ids, best = {}, None
    stack = [prof["head"]]
    cf = prof["head"]["callFrame"]
    assert cf["functionName"] == "(root)" and cf["lineNumber"] == -1, "root is %r" % cf
    while stack:
        n = stack.pop()
        assert n["id"] not in ids, "id %d twice" % n["id"]
        ids[n["id"]] = n
        assert n["selfSize"] >= 0, "negative selfSize at %d" % n["id"]
        assert n["selfSize"] > 0 or n["children"], "node %d would be pruned" % n["id"]
        if best is None or n["selfSize"] > best["selfSize"]:
            best = n
        stack.extend(n["children"])
    ordinals = set()
    for s in prof["samples"]:
        assert s["nodeId"] in ids, "sample names node %d, not in the tree" % s["nodeId"]
        assert s["ordinal"] not in ordinals, "ordinal %r twice" % s["ordinal"]
        ordinals.add(s["ordinal"])
        assert s["size"] > 0
    cf = best["callFrame"]
    print("%s %s:%d %d" % (cf["functionName"], cf["url"], cf["lineNumber"] + 1, best["selfSize"]))

main()

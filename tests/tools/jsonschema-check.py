#!/usr/bin/env python3
"""jsonschema-check.py SCHEMA.json DOC.json: validates DOC against SCHEMA.

Uses python3-jsonschema when installed; otherwise a minimal validator of
the keywords doc/heapdiff.schema.json uses (type, properties, required,
additionalProperties, items, minimum, enum, oneOf, $ref to #/$defs/...). An
unknown keyword in the schema is an error, so the fallback never passes a
document it did not check. Exit 0 valid, 1 invalid (the reasons on
stderr), 2 usage or unreadable input. JSONSCHEMA_BUILTIN=1 in the
environment forces the built-in validator."""
import json, os, sys

KNOWN = {"$schema", "$id", "title", "description", "type", "properties", "required",
         "additionalProperties", "items", "minimum", "enum", "oneOf", "$ref", "$defs"}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}

def validate(root, schema, v, where, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        raise SystemExit("jsonschema-check: unsupported keywords %s" % sorted(unknown))
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        validate(root, root["$defs"][ref[len("#/$defs/"):]], v, where, errors)
    if "oneOf" in schema:
        tries = []
        for sub in schema["oneOf"]:
            e = []
            validate(root, sub, v, where, e)
            tries.append(e)
        ok = sum(1 for e in tries if not e)
        if ok != 1:
            errors.append("%s: matches %d of the oneOf schemas, not exactly one (%s)" %
                          (where, ok, "; ".join(e[0] for e in tries if e) or "all match"))
    if "type" in schema:
        ts = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](v) for t in ts):
            errors.append("%s: %r is not of type %s" % (where, v, ts))
            return
    if "enum" in schema and v not in schema["enum"]:
        errors.append("%s: %r not in %r" % (where, v, schema["enum"]))
    if "minimum" in schema and TYPES["number"](v) and v < schema["minimum"]:
        errors.append("%s: %r < minimum %r" % (where, v, schema["minimum"]))
    if isinstance(v, dict):
        for k in schema.get("required", []):
            if k not in v:
                errors.append("%s: required property '%s' missing" % (where, k))
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                validate(root, props[k], x, "%s.%s" % (where, k), errors)
            elif extra is False:
                errors.append("%s: unexpected property '%s'" % (where, k))
            elif isinstance(extra, dict):
                validate(root, extra, x, "%s.%s" % (where, k), errors)
    if isinstance(v, list) and "items" in schema:
        for i, x in enumerate(v):
            validate(root, schema["items"], x, "%s[%d]" % (where, i), errors)

def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        schema = json.load(open(sys.argv[1]))
        doc = json.load(open(sys.argv[2]))
    except (OSError, ValueError) as e:
        print("jsonschema-check: %s" % e, file=sys.stderr)
        return 2
    try:
        if os.environ.get("JSONSCHEMA_BUILTIN"):
            raise ImportError("built-in validator asked for")
        import jsonschema
        errs = ["%s: %s" % ("/".join(map(str, e.path)), e.message)
                for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
        how = "python3-jsonschema"
    except ImportError:
        errs = []
        validate(schema, schema, doc, "$", errs)
        how = "built-in validator"
    for e in errs:
        print("invalid: " + e, file=sys.stderr)
    print("%s: %s (%s)" % (sys.argv[2], "invalid" if errs else "valid", how))
    return 1 if errs else 0

sys.exit(main())

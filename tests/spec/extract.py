#!/usr/bin/python3
"""Trim the official OpenAI OpenAPI spec down to the request schemas igny8 sends.

Usage: tests/spec/extract.py [SPEC.yaml] [OUT.json]
Defaults: /work/shared/spec/openai-openapi.yaml -> tests/spec/openai-requests.json

The output keeps the named request schemas plus everything they reference
(transitively), rewritten for a JSON Schema draft 2020-12 validator:
  * OpenAPI 3.0 style `nullable: true` becomes a type list with "null" (or an
    anyOf with {"type": "null"} when the node has no plain `type`);
  * vendor extensions (x-*), `example`, `discriminator` and long
    `description`s are dropped; `$ref`s stay "#/components/schemas/X".
Run it again after updating the upstream spec and commit the result.
"""
import json
import os
import sys

import yaml

ROOTS = [
    "CreateChatCompletionRequest",
    "CreateEmbeddingRequest",
    "CreateImageRequest",
    "CreateModerationRequest",
    "CreateBatchRequest",
]

# Upstream identity, as recorded in shared/reference/api-contracts.md section 0 (row OAS).
SOURCE = ("openai/openai-openapi, branch main, commit "
          "f85dbe223d40e1a31cba812ab2d755c7e98a92a3 (2026-08-21), openapi.yaml; "
          "trimmed by tests/spec/extract.py to the request schemas listed in _roots "
          "and their $ref closure; nullable rewritten for JSON Schema 2020-12")

DROP = {"example", "examples", "discriminator", "description", "title",
        "deprecated", "dataDescription"}
PREFIX = "#/components/schemas/"


def refs_in(node, out):
    if isinstance(node, dict):
        r = node.get("$ref")
        if isinstance(r, str) and r.startswith(PREFIX):
            out.add(r[len(PREFIX):])
        for v in node.values():
            refs_in(v, out)
    elif isinstance(node, list):
        for v in node:
            refs_in(v, out)


def convert(node):
    """Return a JSON-Schema-2020-12-friendly copy of an OpenAPI schema node."""
    if isinstance(node, list):
        return [convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k.startswith("x-") or k in DROP or k == "nullable":
            continue
        if k in ("properties", "patternProperties", "$defs", "definitions"):
            out[k] = {pk: convert(pv) for pk, pv in v.items()}
        elif k in ("enum", "const", "default", "required"):
            out[k] = v
        else:
            out[k] = convert(v)
    if node.get("nullable") is True:
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = list(out["enum"]) + [None]
        elif isinstance(t, list):
            if "null" not in t:
                out["type"] = t + ["null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/spec/openai-openapi.yaml"
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "openai-requests.json")
    with open(src, encoding="utf-8") as f:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        spec = yaml.load(f, Loader=loader)
    allschemas = spec["components"]["schemas"]
    keep, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        if name not in allschemas:
            sys.exit("extract: missing schema %s" % name)
        keep.add(name)
        found = set()
        refs_in(allschemas[name], found)
        todo.extend(sorted(found - keep))
    doc = {
        "_source": SOURCE,
        "_openapi": spec.get("openapi"),
        "_roots": ROOTS,
        "components": {"schemas": {n: convert(allschemas[n]) for n in sorted(keep)}},
    }
    tmp = dst + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, dst)
    print("extract: %d schemas -> %s" % (len(keep), dst))


if __name__ == "__main__":
    main()

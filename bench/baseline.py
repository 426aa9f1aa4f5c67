#!/usr/bin/env python3
"""baseline.py: the old way, for comparison: one request at a time, in
Python with the standard library only.

    baseline.py --url URL --db WS --template T.json --prompt ideas.md --count N ID...

For each cluster id, in order: read the cluster and its keywords from the
workspace, render the same user prompt igny8-ideas renders (the body of
prompts/ideas.md), build the same request body (system message, model,
response_format from T.json, taken once from an igny8 --dry-run record),
POST it with urllib, parse the answer and its JSON content, and save the
ideas in a table of its own, committing per record as a web framework's
autocommit would.  Idea records go to stdout.  The key is read from
OPENAI_API_KEY.
"""
import argparse
import json
import os
import sqlite3
import sys
import urllib.request


def render(template, cluster, desc, keywords, count):
    user = template
    for k, v in (("[IGNY8_COUNT]", str(count)), ("[IGNY8_CLUSTER]", cluster),
                 ("[IGNY8_DESCRIPTION]", desc or ""),
                 ("[IGNY8_KEYWORDS]", json.dumps(keywords, separators=(",", ":"))),
                 ("[IGNY8_EXISTING]", "(none)"), ("{sector}", "general"),
                 ("{audience}", "general readers"), ("{context}", "")):
        user = user.replace(k, v)
    return user


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("ids", nargs="+", type=int)
    a = ap.parse_args()

    tpl = json.load(open(a.template))
    text = open(a.prompt, encoding="utf-8").read()
    body_tpl = text.split("\n---\n", 1)[1]
    key = os.environ["OPENAI_API_KEY"]
    db = sqlite3.connect(a.db)
    db.execute("CREATE TABLE IF NOT EXISTS baseline_ideas (id INTEGER PRIMARY KEY,"
               " cluster_id INTEGER, title TEXT, data TEXT)")
    out = sys.stdout
    for cid in a.ids:
        name, desc = db.execute("SELECT name, description FROM clusters WHERE id = ?",
                                (cid,)).fetchone()
        kws = [r[0] for r in db.execute(
            "SELECT keyword FROM keywords WHERE cluster_id = ? ORDER BY volume DESC", (cid,))]
        body = dict(tpl)
        body["messages"] = [tpl["messages"][0],
                            {"role": "user", "content": render(body_tpl, name, desc, kws,
                                                               a.count)}]
        req = urllib.request.Request(
            a.url + "/chat/completions", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
        with urllib.request.urlopen(req, timeout=300) as r:
            ans = json.loads(r.read())
        ideas = json.loads(ans["choices"][0]["message"]["content"])["ideas"]
        for idea in ideas:
            cur = db.execute("INSERT INTO baseline_ideas (cluster_id, title, data)"
                             " VALUES (?, ?, ?)", (cid, idea["title"], json.dumps(idea)))
            rec = {"type": "idea", "id": cur.lastrowid, "cluster_id": cid}
            rec.update(idea)
            out.write(json.dumps(rec, separators=(",", ":")) + "\n")
        db.commit()
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

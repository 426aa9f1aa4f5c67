#!/usr/bin/env python3
"""baseline.py: the old way, for comparison: one request at a time, in
Python with the standard library only.

    baseline.py --url URL --db WS --requests REQ.jsonl

REQ.jsonl holds one igny8-ideas --dry-run record per cluster (the request
body igny8 would send, so both ways ask exactly the same; rendering the
prompt is a small share of either).  For each, in order: POST the body
with urllib, parse the answer and its JSON content, and save the ideas in
a table of its own, committing per record as a web framework's
autocommit would.  Idea records go to stdout.  The key is read from
OPENAI_API_KEY.
"""
import argparse
import json
import os
import sqlite3
import sys
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--requests", required=True)
    a = ap.parse_args()

    key = os.environ["OPENAI_API_KEY"]
    db = sqlite3.connect(a.db)
    db.execute("CREATE TABLE IF NOT EXISTS baseline_ideas (id INTEGER PRIMARY KEY,"
               " cluster_id INTEGER, title TEXT, data TEXT)")
    out = sys.stdout
    for line in open(a.requests, encoding="utf-8"):
        rq = json.loads(line)
        cid = int(rq["record"].split(":", 1)[1])
        req = urllib.request.Request(
            a.url + "/chat/completions", data=json.dumps(rq["body"]).encode(),
            method="POST",
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

#!/usr/bin/env python3
"""cluster-check.py: checks of igny8-cluster --emit keywords output for
1210-cluster-ai-reconcile.t.

  cluster-check.py score GOLD OUT [CFG LOG]
      prints "ARI CLUSTERS TOPICS" (ARI over GOLD's keywords; unclustered
      keywords are singletons), then with the script CFG and the fake's LOG
      the ARI of the model's own partition: its answers replayed, joined
      by true topic, the second parts of split topics by their names (the
      best a reconcile can do)
  cluster-check.py kept CFG LOG OUT
      replays the scripted model (tests/fakeapi/topics.py, script CFG) on
      every request in the fake's LOG and prints each pair of groups one
      request separated that OUT has in one cluster, one per line
"""
import json
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakeapi"))
import topics  # noqa: E402
from fakeapi import first_string_array  # noqa: E402


def clusters(out):
    got = {}
    for line in open(out, encoding="utf-8"):
        d = json.loads(line)
        got[topics.norm(d["keyword"])] = d.get("cluster_id")
    return got


def ari(pred, gold):
    def c2(x):
        return x * (x - 1) / 2
    pairs = Counter(zip(pred, gold))
    sij = sum(c2(v) for v in pairs.values())
    sa = sum(c2(v) for v in Counter(pred).values())
    sb = sum(c2(v) for v in Counter(gold).values())
    exp = sa * sb / c2(len(gold))
    return (sij - exp) / ((sa + sb) / 2 - exp)


def answers(cfg_path, log, truth=None):
    """The scripted model's answer to each request of the log (truth: see
    topics.answer)."""
    cfg = json.load(open(cfg_path))["cluster"]
    for line in open(log, encoding="utf-8"):
        e = json.loads(line)
        if e.get("path") != "/v1/chat/completions" or e.get("status") != 200:
            continue
        user = "\n".join(m["content"] for m in e["body"]["messages"] if m["role"] == "user")
        yield cfg, topics.answer(cfg, first_string_array(user), truth)["clusters"]


def score(gold_path, out, cfg_path=None, log=None):
    got = clusters(out)
    rows = [json.loads(line) for line in open(gold_path, encoding="utf-8")]
    pred = []
    for i, r in enumerate(rows):
        c = got.get(topics.norm(r["keyword"]))
        pred.append(c if c is not None else ("single", i))
    gold = [r["gold"] for r in rows]
    made = len({c for c in pred if not isinstance(c, tuple)})
    line = "%.4f %d %d" % (ari(pred, gold), made, len(set(gold)))
    if cfg_path:
        label = {}
        for _ in answers(cfg_path, log, label):
            pass
        line += " %.4f" % ari([label.get(topics.norm(r["keyword"])) for r in rows], gold)
    print(line)


def kept(cfg_path, log, out):
    got = clusters(out)
    for _, groups in answers(cfg_path, log):
        ids = [{got.get(topics.norm(k)) for k in g["keywords"]} - {None} for g in groups]
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if ids[i] & ids[j]:
                    print("%s | %s" % (groups[i]["name"], groups[j]["name"]))


if __name__ == "__main__":
    if sys.argv[1] == "score":
        score(*sys.argv[2:6])
    else:
        kept(sys.argv[2], sys.argv[3], sys.argv[4])

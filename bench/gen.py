#!/usr/bin/env python3
"""gen.py: fixed-seed data for the benchmarks.

    gen.py clusters N      SQL adding N clusters of three keywords each
                           (for a workspace the igny8 tools created)
    gen.py keywords N      N distinct keyword lines, JSON lines
"""
import json
import random
import sys

HEADS = ("best", "cheap", "how to", "what is", "top", "buy", "diy", "easy",
         "review", "guide to", "compare", "fix", "install", "clean", "choose")
NOUNS = ("coffee grinder", "road bike", "tent", "laptop stand", "running shoes",
         "air fryer", "standing desk", "espresso machine", "hiking boots",
         "mechanical keyboard", "yoga mat", "water filter", "robot vacuum",
         "electric kettle", "camping stove", "office chair", "backpack")
TAILS = ("for beginners", "2025", "under 100", "at home", "for small spaces",
         "for kids", "near me", "vs", "reddit", "tips", "problems", "price",
         "alternatives", "for travel", "for seniors")


def clusters(n):
    print("BEGIN;")
    for i in range(1, n + 1):
        kws = [("best topic%d gear" % i, 900, "commercial"),
               ("how to use topic%d" % i, 400, "informational"),
               ("topic%d for beginners" % i, 200, "informational")]
        print("INSERT INTO clusters (id, name, name_norm, description, created_at, updated_at)"
              " VALUES (%d, 'Topic %d', 'topic %d', 'All about topic %d', 'now', 'now');"
              % (i, i, i, i))
        for k, vol, intent in kws:
            print("INSERT INTO keywords (keyword, norm, volume, intent, cluster_id, created_at,"
                  " updated_at) VALUES ('%s', '%s', %d, '%s', %d, 'now', 'now');"
                  % (k, k, vol, intent, i))
    print("COMMIT;")


def keywords(n):
    rnd = random.Random(8)
    out = sys.stdout
    for i in range(n):
        kw = "%s %s %s %d" % (rnd.choice(HEADS), rnd.choice(NOUNS), rnd.choice(TAILS), i)
        out.write(json.dumps({"type": "keyword", "keyword": kw,
                              "volume": rnd.randint(10, 50000),
                              "difficulty": rnd.randint(1, 100)}) + "\n")


if __name__ == "__main__":
    what, n = sys.argv[1], int(sys.argv[2])
    {"clusters": clusters, "keywords": keywords}[what](n)

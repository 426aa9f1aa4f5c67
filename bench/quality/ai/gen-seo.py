#!/usr/bin/env python3
"""gen-seo.py: a labelled SEO keyword set for measuring the ai reconcile.

Usage: gen-seo.py [-n 2000] [--topics 740] [--seed 1] > set.jsonl

One {"keyword", "gold", "name", "synonym"} a line.  Topics are the kinds an
e-commerce keyword export is full of, and the kinds that trip a reconcile
step: a product ("Running Shoes"), a brand's product ("Norvik Running
Shoes"), that product for an audience ("Norvik Running Shoes for Women"),
a product for an audience and a product task ("Running Shoes Repair").
Brands are made up.  Each topic has a synonym name (the product's other
name), and its keywords use both names, so a model may call the group
either.  Topic sizes are Zipf-like (many of one to three keywords, a few of
thirty), scaled to about n keywords; keywords are unique across topics.
Same arguments, same bytes out.
"""
import argparse
import json
import random

PRODUCTS = [
    ("running shoes", "sneakers"), ("laptop", "notebook computer"),
    ("sofa", "couch"), ("coffee maker", "coffee machine"),
    ("vacuum cleaner", "hoover"), ("backpack", "rucksack"),
    ("headphones", "headset"), ("smartwatch", "fitness watch"),
    ("yoga mat", "exercise mat"), ("water bottle", "drinking flask"),
    ("tent", "camping shelter"), ("bike helmet", "cycling helmet"),
    ("office chair", "desk chair"), ("mattress", "bed mattress"),
    ("blender", "smoothie maker"), ("rain jacket", "waterproof jacket"),
    ("hiking boots", "trekking boots"), ("electric toothbrush", "power toothbrush"),
    ("dog bed", "pet bed"), ("stroller", "pushchair"),
    ("phone case", "phone cover"), ("standing desk", "sit stand desk"),
    ("garden hose", "hosepipe"), ("kitchen knife", "chef knife"),
    ("winter coat", "parka"), ("sunglasses", "shades"),
    ("earbuds", "in ear headphones"), ("robot vacuum", "robotic cleaner"),
    ("car seat", "child seat"), ("duvet", "comforter"),
]
BRANDS = ["norvik", "altavo", "brennic", "calder", "dovetta", "elmund",
          "farrow", "gristo", "halvard", "irsen", "jorvo", "kestrel"]
AUDIENCES = [("women", "womens"), ("men", "mens"), ("kids", "childrens")]
TASKS = ["repair", "cleaning", "size chart", "accessories", "replacement parts",
         "warranty"]
MODS = ["best {}", "cheap {}", "{} sale", "{} 2025", "{} reviews", "top rated {}",
        "{} near me", "affordable {}", "how to choose {}", "{} price", "{} deals",
        "lightweight {}", "{} comparison", "buy {} online", "{} for sale", "used {}",
        "{} uk", "{} discount code", "premium {}", "{} black friday", "new {}",
        "{} clearance", "is {} worth it", "{} vs", "{} amazon", "{} outlet",
        "{} colours", "{} best price", "where to buy {}", "{} in stock"]


def title(s):
    return " ".join(w if w in ("for", "and") else w.capitalize() for w in s.split())


def topics(rng):
    """(kind, name, synonym, [phrasings]) for every candidate topic."""
    out = []
    for p, syn in PRODUCTS:
        out.append(("product", p, syn, [p, syn]))
        for t in TASKS:
            out.append(("task", "%s %s" % (p, t), "%s %s" % (syn, t),
                        ["%s %s" % (p, t), "%s %s" % (syn, t)]))
        for a, a2 in AUDIENCES:
            out.append(("audience", "%s for %s" % (p, a), "%s for %s" % (syn, a),
                        ["%s for %s" % (p, a), "%s %s" % (a2, p), "%s %s" % (p, a),
                         "%s for %s" % (syn, a)]))
        for b in BRANDS:
            out.append(("brand", "%s %s" % (b, p), "%s %s" % (b, syn),
                        ["%s %s" % (b, p), "%s %s" % (b, syn)]))
            for a, a2 in AUDIENCES:
                out.append(("brand-audience", "%s %s for %s" % (b, p, a),
                            "%s %s for %s" % (b, syn, a),
                            ["%s %s %s" % (b, p, a), "%s %s %s" % (a2, b, p),
                             "%s %s for %s" % (b, p, a), "%s %s %s" % (a2, b, syn)]))
    rng.shuffle(out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--topics", type=int, default=740)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    pool = [t for t in topics(rng) if t[0] in ("product", "audience")]
    pool += [t for t in topics(rng) if t[0] not in ("product", "audience")]
    pool = pool[:a.topics]
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(pool))]
    rng.shuffle(weights)
    scale = a.n / sum(weights)
    used, rows = set(), []
    for (kind, name, syn, phr), w in zip(pool, weights):
        want = max(1, min(40, round(w * scale * (3 if kind == "product" else 1))))
        cands = list(phr) + [m.format(p) for m in MODS for p in phr]
        rng.shuffle(cands)
        got = 0
        for k in [phr[0]] + cands:
            if got >= want:
                break
            if k in used:
                continue
            used.add(k)
            rows.append({"keyword": k, "gold": name, "name": title(name),
                         "synonym": title(syn)})
            got += 1
    rng.shuffle(rows)
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()

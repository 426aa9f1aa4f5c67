#!/usr/bin/python3
"""eval.py: quality of `igny8-cluster --method local` against a sklearn baseline.

Usage: bench/quality/eval.py [--bin build/bench/cluster-local] [--sweep]
           [-t THRESHOLD] [-o knob=value ...] [SET.tsv ...]

Each set is TSV: keyword<TAB>gold label (default: every *.tsv beside this
script).  For each set it runs the C engine through the bench driver with
its defaults (or -t/-o), then the baseline: sklearn TfidfVectorizer (default
settings) + AgglomerativeClustering with a distance threshold, average link
on cosine and Ward on the L2-normalised vectors.  The baseline is reported at
its best threshold on that set (an oracle it would not have in use) and at
its "default": the threshold best on the tuning set seo-a.tsv, which is how
the C default was chosen too.  Metrics: ARI, B-cubed precision/recall/F1,
NMI, cluster count.  Unclustered keywords (-1) count as singletons; column
ARI1 shows ARI if they were instead lumped into one cluster.
Needs Debian's python3-sklearn (run with /usr/bin/python3).
"""
import argparse
import glob
import os
import subprocess
import sys
from collections import Counter

import numpy as np
from scipy.cluster import hierarchy
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

HERE = os.path.dirname(os.path.abspath(__file__))
TUNING_SET = "seo-a"


def bcubed(pred, gold):
    """Mean per-item B-cubed precision and recall, and their F1."""
    pairs = Counter(zip(pred, gold))
    psize, gsize = Counter(pred), Counter(gold)
    p = sum(pairs[(c, g)] / psize[c] for c, g in zip(pred, gold)) / len(pred)
    r = sum(pairs[(c, g)] / gsize[g] for c, g in zip(pred, gold)) / len(pred)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def singletons(pred):
    """-1 (unclustered) becomes a cluster of its own per keyword."""
    out, nxt = [], max(pred, default=0) + 1
    for c in pred:
        if c < 0:
            out.append(nxt)
            nxt += 1
        else:
            out.append(c)
    return out


def scores(pred, gold):
    s = singletons(pred)
    p, r, f = bcubed(s, gold)
    return {"ARI": adjusted_rand_score(gold, s), "P": p, "R": r, "F1": f,
            "NMI": normalized_mutual_info_score(gold, s),
            "k": len(set(c for c in pred if c >= 0)),
            "unc": sum(1 for c in pred if c < 0),
            "ARI1": adjusted_rand_score(gold, pred)}


def load(path):
    kws, gold = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            k, g = line.split("\t")
            kws.append(k)
            gold.append(g)
    return kws, gold


def run_local(binary, kws, threshold, knobs):
    cmd = [binary, "-a", "-j", "2"]
    if threshold:
        cmd += ["-t", str(threshold)]
    for k in knobs:
        cmd += ["-o", k]
    out = subprocess.run(cmd, input="\n".join(kws) + "\n", capture_output=True,
                         text=True, check=True).stdout
    return [int(l.split("\t", 1)[0]) for l in out.splitlines()]


def baseline(kws, linkage, d):
    x = TfidfVectorizer().fit_transform(kws)
    if linkage == "ward":
        m = AgglomerativeClustering(n_clusters=None, distance_threshold=d,
                                    linkage="ward")
    else:
        m = AgglomerativeClustering(n_clusters=None, distance_threshold=d,
                                    linkage=linkage, metric="cosine")
    return list(m.fit_predict(x.toarray()))


GRID = {"average": [round(0.05 * i, 2) for i in range(4, 20)],
        "ward": [round(0.1 * i, 1) for i in range(4, 31)]}


def sweep_baseline(kws, gold, linkage):
    """Score at every grid threshold: {d: scores}.  The tree is built once
    with scipy (the same merges as sklearn's AgglomerativeClustering, which
    rebuilds it per threshold) and cut at each; the best and default rows
    are then rerun through sklearn itself."""
    x = TfidfVectorizer().fit_transform(kws).toarray()
    if linkage == "ward":
        z = hierarchy.linkage(x, method="ward")
    else:
        z = hierarchy.linkage(x, method=linkage, metric="cosine")
    z[:, 2] = np.nan_to_num(z[:, 2])
    # sklearn merges while distance < threshold; fcluster keeps <= t together
    return {d: scores(list(hierarchy.fcluster(z, np.nextafter(d, 0), "distance")), gold)
            for d in GRID[linkage]}


def row(name, s):
    print("  %-34s ARI %.3f  B3 P %.3f R %.3f F1 %.3f  NMI %.3f  k %4d  unc %4d  ARI1 %.3f"
          % (name, s["ARI"], s["P"], s["R"], s["F1"], s["NMI"], s["k"], s["unc"],
             s["ARI1"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "../../build/bench/cluster-local"))
    ap.add_argument("-t", type=float, default=0)
    ap.add_argument("-o", action="append", default=[])
    ap.add_argument("--sweep", action="store_true", help="also sweep our threshold")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("sets", nargs="*")
    a = ap.parse_args()
    sets = a.sets or sorted(glob.glob(os.path.join(HERE, "*.tsv")))
    data = {os.path.basename(p)[:-4]: load(p) for p in sets}
    base = {}
    if not a.no_baseline:
        for name, (kws, gold) in data.items():
            base[name] = {l: sweep_baseline(kws, gold, l) for l in GRID}
    # the baseline's default: best mean of ARI and F1 on the tuning set
    tuned = {}
    if TUNING_SET in base:
        for l in GRID:
            sw = base[TUNING_SET][l]
            tuned[l] = max(sw, key=lambda d: sw[d]["ARI"] + sw[d]["F1"])
    wins = True
    for name, (kws, gold) in data.items():
        print("%s: %d keywords, %d gold clusters" % (name, len(kws), len(set(gold))))
        ours = scores(run_local(a.bin, kws, a.t, a.o), gold)
        row("local (t=%s)" % (a.t or "default"), ours)
        if a.sweep:
            for t in [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6]:
                row("  local t=%.2f" % t, scores(run_local(a.bin, kws, t, a.o), gold))
        for l in (GRID if name in base else []):
            sw = base[name][l]
            bd = max(sw, key=lambda d: sw[d]["ARI"] + sw[d]["F1"])
            row("sklearn %s best (d=%.2f)" % (l, bd),
                scores(baseline(kws, l, bd), gold))
            if l in tuned:
                row("sklearn %s default (d=%.2f)" % (l, tuned[l]),
                    scores(baseline(kws, l, tuned[l]), gold))
            best_ari = max(s["ARI"] for s in sw.values())
            best_f1 = max(s["F1"] for s in sw.values())
            wins &= ours["ARI"] > best_ari and ours["F1"] > best_f1
    if base:
        print("local beats every baseline at its best threshold on ARI and B-cubed F1:",
              "yes" if wins else "NO")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""gen-keywords.py: deterministic synthetic SEO keyword lists for the bench.

Usage: gen-keywords.py N [--seed S] [--topics T] [--labels] > keywords.txt

Topics are noun phrases over a Zipf-distributed vocabulary of made-up words
(so no topic is free of common words), drawn with Zipf popularity; each
keyword wraps a topic in a realistic template: modifiers ("best", "cheap",
"for women", years), questions ("how to ..."), comparisons ("X vs Y"),
brands with model numbers, plurals and word-order swaps, and ~4% typos.
Keywords are unique, as in a keyword export.  Same N and seed, same bytes
out.  --labels appends a TAB and the topic id.
"""
import argparse
import bisect
import random

SYL = ["ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "pe", "da", "fo", "gu",
       "bri", "tra", "ple", "sto", "cha", "shi", "wen", "mar", "lin", "dor",
       "zel", "qui", "hap", "ron", "sel", "tik", "ber", "mon"]
MODS_PRE = ["best", "cheap", "top", "buy", "used", "new", "affordable",
            "professional", "small", "large", "portable", "electric", "organic",
            "luxury", "discount", "custom"]
MODS_POST = ["for women", "for men", "for kids", "near me", "online", "review",
             "reviews", "price", "prices", "sale", "2024", "2025", "ideas",
             "for beginners", "uk", "amazon", "deals", "size chart", "repair",
             "parts", "manual", "brands", "set", "kit"]
QUESTIONS = ["how to use {t}", "how to clean {t}", "what is a {t}",
             "how much does a {t} cost", "where to buy {t}", "is {t} worth it",
             "how to choose {t}", "why is my {t} not working"]


def word(rng, n_syl):
    return "".join(rng.choice(SYL) for _ in range(n_syl))


class Zipf:
    """Indexes in [0, n) with P(i) ~ 1/(i+1)^s, by bisecting the CDF."""

    def __init__(self, n, s):
        acc, self.cdf = 0.0, []
        for i in range(n):
            acc += 1.0 / (i + 1) ** s
            self.cdf.append(acc)

    def __call__(self, rng):
        return bisect.bisect_left(self.cdf, rng.random() * self.cdf[-1])


def make_vocab(rng, n):
    seen, out = set(), []
    while len(out) < n:
        w = word(rng, rng.choice((2, 2, 3, 3, 4)))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def typo(rng, s):
    i = rng.randrange(len(s))
    op = rng.randrange(3)
    if op == 0 and len(s) > 4:
        return s[:i] + s[i + 1:]
    if op == 1 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + rng.choice("aeioulnrst") + s[i:]


def plural(w):
    return w + ("es" if w.endswith(("s", "sh", "ch")) else "s")


def render(rng, topic, topics, brands):
    head, qual = topic
    t = (qual + " " + head) if qual else head
    r = rng.random()
    if r < 0.18:
        return t
    if r < 0.32:
        return rng.choice(MODS_PRE) + " " + t
    if r < 0.48:
        return t + " " + rng.choice(MODS_POST)
    if r < 0.56:
        return rng.choice(MODS_PRE) + " " + t + " " + rng.choice(MODS_POST)
    if r < 0.66:
        return rng.choice(QUESTIONS).format(t=t)
    if r < 0.72:
        other = topics[rng.randrange(len(topics))]
        return t + " vs " + ((other[1] + " " + other[0]) if other[1] else other[0])
    if r < 0.84:
        return "%s %s %s%d" % (rng.choice(brands), t, rng.choice("xsmg"),
                               rng.randrange(1, 40))
    if r < 0.92:
        return (qual + " " + plural(head)) if qual else plural(head)
    return (head + " " + qual) if qual else t + " " + rng.choice(MODS_POST)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--labels", action="store_true")
    ap.add_argument("--topics", type=int, default=0, help="default N/10")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    vocab = make_vocab(rng, max(200, a.n // 5))
    brands = make_vocab(random.Random(a.seed + 1), max(20, a.n // 2000))
    ntopics = a.topics or max(10, a.n // 10)
    zword, ztopic = Zipf(len(vocab), 1.0), Zipf(ntopics, 0.9)
    topics = []
    for _ in range(ntopics):
        head = vocab[zword(rng)]
        qual = vocab[zword(rng)] if rng.random() < 0.7 else ""
        topics.append((head, qual if qual != head else ""))
    out, seen = [], set()
    while len(out) < a.n:  # keyword exports hold each keyword once
        ti = ztopic(rng) if rng.random() < 0.5 else rng.randrange(ntopics)
        kw = render(rng, topics[ti], topics, brands)
        if rng.random() < 0.04:
            kw = typo(rng, kw)
        if kw in seen:
            continue
        seen.add(kw)
        out.append(kw + ("\t%d" % ti if a.labels else ""))
    print("\n".join(out))


if __name__ == "__main__":
    main()

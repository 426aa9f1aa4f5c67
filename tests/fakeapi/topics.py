"""topics.py: the fake's scripted clustering model (script key "cluster").

It answers igny8_cluster requests as a model that knows the gold topics of
a labelled set would: each request's keywords grouped by topic, so every
error left in igny8-cluster's output is the reconcile step's own.  Names
vary from request to request as real models vary them (singular/plural,
word order, a generic word, a synonym, title case), and a topic is
sometimes split in two inside one request.

Script: {"cluster": {"gold": PATH, "vary": 0.5, "split": 0.2, "seed": 1}}
  gold   JSON lines {"keyword", "gold"[, "name"][, "synonym"]}: the topic
         of each keyword; "name" is the topic's name (default: the label,
         or its two commonest words when the label is a number), "synonym"
         another name for it (default: its shortest keyword unlike the name).
  vary   share of groups whose name is varied (default 0).
  split  share of topics split in two inside a request (default 0); the
         second part is named after its commonest word not in the name.
  kinds  the ways names vary, default all: "number", "order", "generic",
         "synonym", "case".
  seed   varies the choices; a request's answer depends only on the seed
         and its keywords, so reruns and the cache see the same answers.
Keywords the gold file does not know are answered as a group of their own.
"""
import hashlib
import json
import os
import random
import re
import threading
from collections import Counter

STOP = set("a an and are as at be by for from how in is it of on or the to "
           "what when where which who why with vs your you".split())
GENERIC = ("{} guide", "best {}", "{} tips", "{} for beginners", "{} options",
           "all about {}")
KINDS = ("number", "order", "generic", "synonym", "case")

_lock = threading.Lock()
_cache = {}


def norm(s):
    return " ".join(s.casefold().split())


def words(s):
    return re.findall(r"[a-z0-9]+", s.lower())


class Gold:
    """Topic, name and synonym of each keyword of a labelled set."""

    def __init__(self, path):
        self.topic, names, syns, members = {}, {}, {}, {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                d = json.loads(line)
                t = str(d["gold"])
                self.topic[norm(d["keyword"])] = t
                members.setdefault(t, []).append(d["keyword"])
                if d.get("name"):
                    names[t] = d["name"]
                if d.get("synonym"):
                    syns[t] = d["synonym"]
        self.name, self.synonym = {}, {}
        taken = set()
        for t, ks in sorted(members.items()):
            name = names.get(t) or self.label_name(t, ks, taken)
            taken.add(norm(name))
            self.name[t] = name
            other = sorted((k for k in ks if norm(k) != norm(name)), key=lambda k: (len(k), k))
            self.synonym[t] = syns.get(t) or (other[0] if other else name)

    @staticmethod
    def label_name(t, ks, taken):
        """A label as a model would name it: "GetWeather" is "Get Weather"; a
        number is the topic's commonest words, as many as keep it unique."""
        if not t.isdigit():
            return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", t).replace("-", " ")
        c = Counter(w for k in ks for w in set(words(k)) if w not in STOP)
        top = [w for w, _ in sorted(c.items(), key=lambda x: (-x[1], x[0]))] or ["misc"]
        n = min(2, len(top))
        while n < len(top) and norm(" ".join(top[:n])) in taken:
            n += 1
        return " ".join(top[:n])


def load(path):
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    with _lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = Gold(path)
        return _cache[key]


def plural(name):
    """Toggles the number of the name's last word."""
    ws = name.split(" ")
    last = ws[-1]
    if last.lower().endswith("ies") and len(last) > 4:
        ws[-1] = last[:-3] + "y"
    elif last.lower().endswith("s") and not last.lower().endswith(("ss", "us", "is")):
        ws[-1] = last[:-1]
    elif last.lower().endswith("y") and len(last) > 2 and last[-2].lower() not in "aeiou":
        ws[-1] = last[:-1] + "ies"
    elif last.lower().endswith(("ss", "sh", "ch", "x")):
        ws[-1] = last + "es"
    else:
        ws[-1] = last + "s"
    return " ".join(ws)


def vary(name, synonym, rng, kinds=KINDS):
    kind = rng.choice(kinds)
    if kind == "order" and " " in name:
        ws = name.split(" ")
        return " ".join(ws[1:] + ws[:1])
    if kind == "synonym" and norm(synonym) != norm(name):
        return synonym
    if kind == "number":
        return plural(name)
    if kind == "generic":
        return rng.choice(GENERIC).format(name)
    return name.title() if name != name.title() else name.lower()


def sub_name(name, part):
    """The name of a topic's second part: its commonest new word first."""
    have = set(words(name))
    c = Counter(w for k in part for w in set(words(k)) if w not in STOP and w not in have)
    if not c:
        return name + " tips"
    w = sorted(c.items(), key=lambda x: (-x[1], x[0]))[0][0]
    return "%s %s" % (w, name)


def answer(cfg, kws, truth=None):
    """The igny8_cluster answer for this request's keywords.  truth, a dict,
    gets each keyword's (topic, part): part 0, or the second part's name
    before varying (what a reconcile by names could join it by)."""
    gold = load(cfg["gold"])
    p_vary, p_split = float(cfg.get("vary", 0)), float(cfg.get("split", 0))
    h = hashlib.sha256(json.dumps([cfg.get("seed", 0), kws]).encode()).digest()
    rng = random.Random(h)
    groups = {}
    for kw in kws:
        t = gold.topic.get(norm(kw))
        groups.setdefault(t if t is not None else "\0" + kw, []).append(kw)
    out = []
    for t, ks in groups.items():
        if t.startswith("\0"):
            out.append({"name": ks[0], "description": "d", "keywords": ks})
            continue
        parts = [ks]
        if len(ks) >= 2 and rng.random() < p_split:
            parts = [ks[:len(ks) // 2], ks[len(ks) // 2:]]
        for i, part in enumerate(parts):
            name = gold.name[t] if i == 0 else sub_name(gold.name[t], part)
            if truth is not None:
                truth.update((norm(k), (t, 0 if i == 0 else norm(name))) for k in part)
            if rng.random() < p_vary:
                name = vary(name, gold.synonym[t], rng, cfg.get("kinds") or KINDS)
            out.append({"name": name, "description": "Searches about %s." % name,
                        "keywords": part})
    return {"clusters": out}

#!/usr/bin/python3
"""bench/tokens.py: tokens and estimated cost per article, before and after
the prompt rework (issue 21), on the demo pipeline; writes
bench/RESULTS-tokens.md.  `make bench-tokens` runs it; `make bench` too.

    bench/tokens.py [--before COMMIT] [--out FILE]

The demo pipeline (scripts/demo) is run twice against the test suite's fake
API (tests/fakeapi/fakeapi.py), in a scratch directory each time: the
examples' keywords clustered offline, one idea per cluster, a 600-word
article per idea (one at a time, so that later articles see the earlier
ones to link to), and one in-article image per article.

  before  the prompts/ of COMMIT (default: the commit before the rework),
          given as the user's own prompt files, which keep their front
          matter's max_tokens as written (8000 for write), and that
          commit's image.devices default (desktop and mobile);
  after   the shipped prompts and defaults of this tree.

Both runs use this tree's binaries, so the difference is what the prompts
and the defaults ask for.  Figures per article:

  in        prompt tokens, the schema of the answer included, 4 characters
            a token as the fake counts (the same rule for both runs; the
            fake bills the messages only, so `cost` leaves the schema out)
  cacheable the part of `in` that OpenAI's automatic prompt caching could
            serve: a prefix that an earlier request of the same function
            shares, once it is 1,024 tokens or more, counted in steps of
            128 (platform.openai.com/docs/guides/prompt-caching)
  out       completion tokens the fake answered (its article follows the
            words asked, so this moves only with what is asked)
  cap       output tokens the requests reserved (max_completion_tokens),
            which is what budgets and dry-run estimates price
  cost      USD as igny8 logged it (data/prices.yaml; images per image)
  budgeted  USD of in at the input price plus cap at the output price: what
            --max-cost holds back before the answer is known

The fake's answers stand in for a model's, so `out` says nothing about a
real model's verbosity; `in`, `cacheable` and `cap` are what igny8 sends.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The commit before "write: SEO rules with static guidance first" (564c7a6),
# whose prompts/ are the ones issue 21 reviewed.
BEFORE = "d7de499b503c67029a9d13b3d3dbcc42a4450382"
PROMPTS = ["ideas", "write", "image_prompts", "image", "negative"]
CACHE_MIN, CACHE_STEP = 1024, 128


def ntokens(text):
    """The fake's count (tests/fakeapi/fakeapi.py ntokens)."""
    return max(1, len(text) // 4)


def git_show(commit, path):
    return subprocess.run(["git", "-C", TOP, "show", "%s:%s" % (commit, path)],
                          check=True, capture_output=True, text=True).stdout


def prompt_text(body):
    """A chat request's prompt as the model reads it: the structured-output
    schema first (OpenAI: "the structured output schema serves as a prefix
    to the system message and can be cached", prompt-caching guide), then
    the messages in order."""
    rf = (body.get("response_format") or {}).get("json_schema")
    parts = [json.dumps(rf, sort_keys=True)] if rf else []
    for m in body.get("messages") or []:
        c = m.get("content")
        if isinstance(c, list):
            c = "".join(p.get("text", "") for p in c if isinstance(p, dict))
        parts.append("%s:%s" % (m.get("role"), c or ""))
    return "\n".join(parts)


def cacheable(text, earlier):
    """Tokens of text a cache holding the earlier prompts could serve."""
    best = 0
    for e in earlier:
        n = len(os.path.commonprefix([text, e]))
        best = max(best, n)
    t = ntokens(text[:best]) if best else 0
    if t < CACHE_MIN:
        return 0
    return CACHE_MIN + (t - CACHE_MIN) // CACHE_STEP * CACHE_STEP


def run_variant(name, before, work):
    d = os.path.join(work, name)
    cfg = os.path.join(d, "home", ".config", "igny8")
    os.makedirs(os.path.join(cfg, "prompts"))
    if before:
        for p in PROMPTS:
            with open(os.path.join(cfg, "prompts", p + ".md"), "w") as f:
                f.write(git_show(before, "prompts/%s.md" % p))
        with open(os.path.join(cfg, "config.yaml"), "w") as f:
            f.write("image:\n  devices: [desktop, mobile]\n")
    log = os.path.join(d, "fake.log")
    port = os.path.join(d, "port")
    fake = subprocess.Popen([sys.executable, os.path.join(TOP, "tests/fakeapi/fakeapi.py"),
                             "--port-file", port, "--log", log],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(400):
            if os.path.exists(port) and open(port).read().strip():
                break
            time.sleep(0.05)
        env = {"PATH": os.path.join(TOP, "bin") + ":/usr/bin:/bin",
               "HOME": os.path.join(d, "home"),
               "XDG_CONFIG_HOME": os.path.join(d, "home", ".config"),
               "IGNY8_DATADIR": TOP, "IGNY8_WORKSPACE": os.path.join(d, "ws.db"),
               "OPENAI_BASE_URL": "http://127.0.0.1:%s/v1" % open(port).read().strip(),
               "OPENAI_API_KEY": "sk-bench-not-a-key", "LC_ALL": "C.UTF-8"}
        stages = [["igny8-cluster", "-q", "--method", "local"],
                  ["igny8-ideas", "-q", "--count", "1"],
                  ["igny8-write", "-q", "-j", "1", "--words", "600"],
                  ["igny8-image", "-q", "--max-images", "2"]]
        data = open(os.path.join(TOP, "examples/keywords.jsonl"), "rb").read()
        for st in stages:
            r = subprocess.run(st, input=data, capture_output=True, env=env, cwd=d)
            if r.returncode != 0:
                sys.exit("tokens: %s (%s): %s" % (" ".join(st), name,
                                                  r.stderr.decode(errors="replace")))
            data = r.stdout
    finally:
        fake.terminate()
        fake.wait()
    db = sqlite3.connect(os.path.join(d, "ws.db"))
    articles = db.execute("SELECT count(*) FROM content").fetchone()[0]
    images = db.execute("SELECT count(*) FROM images WHERE status = 'done'").fetchone()[0]
    rows = db.execute("SELECT function, count(*), sum(tokens_in), sum(tokens_out), sum(cost)"
                      " FROM ai_log GROUP BY function ORDER BY function").fetchall()
    fn = {r[0]: {"calls": r[1], "in": r[2] if r[0] == "image" else 0, "out": r[3],
                 "cost": r[4] or 0.0,
                 "cacheable": 0, "cap": 0} for r in rows}
    seen = {}
    for line in open(log):
        r = json.loads(line)
        b = r.get("body")
        if r["path"] != "/v1/chat/completions" or not isinstance(b, dict):
            continue
        name_ = ((b.get("response_format") or {}).get("json_schema") or {}).get("name", "")
        f = name_.replace("igny8_", "")
        if f not in fn:
            continue
        text = prompt_text(b)
        fn[f]["in"] += ntokens(text)
        fn[f]["cacheable"] += cacheable(text, seen.setdefault(f, []))
        seen[f].append(text)
        fn[f]["cap"] += b.get("max_completion_tokens") or b.get("max_tokens") or 0
    return {"articles": articles, "images": images, "fn": fn}


def price_of():
    """gpt-5.4-mini's text prices from data/prices.yaml (the default model)."""
    text = open(os.path.join(TOP, "data/prices.yaml")).read()
    m = re.search(r"^  gpt-5\.4-mini:\s*\{input: ([0-9.]+), output: ([0-9.]+)", text, re.M)
    if not m:
        sys.exit("tokens: no price for gpt-5.4-mini in data/prices.yaml")
    return float(m.group(1)), float(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default=BEFORE)
    ap.add_argument("--out", default=os.path.join(TOP, "bench", "RESULTS-tokens.md"))
    a = ap.parse_args()
    pin, pout = price_of()
    work = tempfile.mkdtemp(prefix="igny8-tokens.")
    try:
        res = {"before": run_variant("before", a.before, work),
               "after": run_variant("after", None, work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = ["# Tokens and cost per article, before and after the prompt rework",
             "",
             "`make bench-tokens` (bench/tokens.py): the demo pipeline (58 example keywords,"
             " clustered offline, one idea per cluster, a 600-word article each, a featured and"
             " one in-article image) against tests/fakeapi. *Before* = prompts/ of commit"
             " %s with image.devices desktop and mobile; *after* = this tree."
             " Prices: data/prices.yaml (gpt-5.4-mini $%.2f in, $%.2f out per 1M tokens)."
             " See bench/tokens.py for what each column means." % (a.before[:10], pin, pout),
             ""]
    for v in ("before", "after"):
        r = res[v]
        n = max(1, r["articles"])
        lines += ["## %s: %d articles, %d images" % (v, r["articles"], r["images"]), "",
                  "| function | calls | in/article | cacheable/article | out/article |"
                  " cap/article | cost/article | budgeted/article |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        tot = {"in": 0, "cacheable": 0, "out": 0, "cap": 0, "cost": 0.0, "budget": 0.0}
        for f, x in sorted(r["fn"].items()):
            budget = (x["in"] * pin + x["cap"] * pout) / 1e6 if x["cap"] else x["cost"]
            for k in ("in", "cacheable", "out", "cap", "cost"):
                tot[k] += x[k]
            tot["budget"] += budget
            lines.append("| %s | %d | %.0f | %.0f | %.0f | %.0f | $%.4f | $%.4f |" % (
                f, x["calls"], x["in"] / n, x["cacheable"] / n, x["out"] / n, x["cap"] / n,
                x["cost"] / n, budget / n))
        lines.append("| **total** | | **%.0f** | **%.0f** | **%.0f** | **%.0f** | **$%.4f** |"
                     " **$%.4f** |" % (tot["in"] / n, tot["cacheable"] / n, tot["out"] / n,
                                       tot["cap"] / n, tot["cost"] / n, tot["budget"] / n))
        lines.append("")
        r["tot"] = tot
    b, f = res["before"]["tot"], res["after"]["tot"]
    nb, na = max(1, res["before"]["articles"]), max(1, res["after"]["articles"])
    text_b = sum(x["cost"] for k, x in res["before"]["fn"].items() if k != "image") / nb
    text_a = sum(x["cost"] for k, x in res["after"]["fn"].items() if k != "image") / na
    lines += ["## per article, after against before", "",
              "| figure | before | after | after/before |", "| --- | ---: | ---: | ---: |"]
    for label, x, y in (("prompt tokens in", b["in"] / nb, f["in"] / na),
                        ("of which cacheable", b["cacheable"] / nb, f["cacheable"] / na),
                        ("output cap reserved", b["cap"] / nb, f["cap"] / na),
                        ("text cost (USD)", text_b, text_a),
                        ("all cost, images included (USD)", b["cost"] / nb, f["cost"] / na),
                        ("budgeted (USD)", b["budget"] / nb, f["budget"] / na)):
        fmt = "%.4f" if "USD" in label else "%.0f"
        lines.append("| %s | %s | %s | %s |" % (label, fmt % x, fmt % y,
                                              "%.2f" % (y / x) if x else "-"))
    lines.append("")
    with open(a.out, "w") as fh:
        fh.write("\n".join(lines))
    sys.stderr.write("tokens: wrote %s\n" % os.path.relpath(a.out, TOP))


if __name__ == "__main__":
    main()

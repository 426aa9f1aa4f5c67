#!/usr/bin/python3
"""fakeapi: a scriptable stand-in for the OpenAI and Runware HTTP APIs (tests only).

  python3 tests/fakeapi/fakeapi.py --port-file F --log L [--script S]

Binds 127.0.0.1 on a free port, writes the port to F once listening, appends one
JSON line per API request to L.  Without a script every endpoint answers like the
real service would, with content generated from the request, so a whole igny8
pipeline can run against it.  The script (JSON, re-read when its mtime changes,
or replaced with POST /__fake/script) adds latency, canned replies and faults;
its format is described in tests/fakeapi/README.md.

Response shapes follow shared/reference/api-contracts.md, which cites the
OpenAI OpenAPI spec (openai/openai-openapi f85dbe22, schemas CreateChatCompletionResponse,
CreateEmbeddingResponse, ImagesResponse, CreateModerationResponse, OpenAIFile,
Batch; BatchRequestOutput from branch manual_spec 498c71dd) and the Runware
image-inference reference (imageInference task, {"errors":[...]} error body).
Standard library only.
"""
import argparse
import base64
import email.parser
import email.policy
import hashlib
import http.server
import json
import math
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
import zlib

import topics  # the scripted clustering model (script key "cluster")

STOPWORDS = {"the", "a", "for", "to", "how", "best", "what", "of", "in", "and",
             "is", "vs", "with", "on"}
FUNCS = ("igny8_cluster", "igny8_ideas", "igny8_write", "igny8_image_prompts")
# The 13 moderation categories [api-contracts.md section 5, OAS CreateModerationResponse].
MOD_CATEGORIES = ("hate", "hate/threatening", "harassment", "harassment/threatening",
                  "illicit", "illicit/violent", "self-harm", "self-harm/intent",
                  "self-harm/instructions", "sexual", "sexual/minors", "violence",
                  "violence/graphic")
# GPT image sizes [api-contracts.md section 3, OAS CreateImageRequest.size].
IMAGE_SIZES = {"1024x1024", "1536x1024", "1024x1536", "auto"}
BATCH_ENDPOINTS = ("/v1/responses", "/v1/chat/completions", "/v1/embeddings",
                   "/v1/completions", "/v1/moderations", "/v1/images/generations",
                   "/v1/images/edits", "/v1/videos")
MODELS = [("test-chat-1", None), ("test-chat-2", "2027-01-14"),
          ("test-image-1", None), ("test-embed-1", None)]
FILLER = ("clear practical advice helps readers choose wisely because every option "
          "has tradeoffs worth weighing carefully before spending money on gear "
          "that should last for many seasons of regular use").split()
EMBED_DIM = 64


def rid(prefix=""):
    return prefix + uuid.uuid4().hex


def now():
    return int(time.time())


def ntokens(text):
    return max(1, len(text) // 4)


def go_duration(sec):
    """A wait in the reset header format: "120ms", "1.5s", "6m0s" [api-contracts.md 1.2]."""
    ms = int(math.ceil(sec * 1000))
    if ms <= 0:
        return "0s"
    if ms < 1000:
        return "%dms" % ms
    if ms < 60000:
        return ("%.3f" % (ms / 1000.0)).rstrip("0").rstrip(".") + "s"
    m, rest = divmod(ms, 60000)
    return "%dm%ss" % (m, ("%.3f" % (rest / 1000.0)).rstrip("0").rstrip("."))


def token_cost(path, body):
    """What a request counts against the token limit: its prompt plus its
    output cap, before a word is written [issue 19; OpenAI rate-limit guide]."""
    if not isinstance(body, dict):
        return 1
    if path == "/v1/embeddings":
        inp = body.get("input")
        return sum(ntokens(x) for x in inp) if isinstance(inp, list) else ntokens(str(inp or ""))
    prompt = sum(ntokens(msg_text(m)) for m in body.get("messages") or [] if isinstance(m, dict))
    cap = body.get("max_completion_tokens", body.get("max_tokens")) or 0
    return prompt + (cap if isinstance(cap, int) else 0)


class Limits:
    """Request and token buckets of one minute's size, refilled continuously
    (script key "ratelimit": {"rpm": N, "tpm": M, "fill": F}; rpm or tpm may
    be omitted; F is the share of each bucket full at the start, default 1)."""

    def __init__(self, rpm, tpm, fill):
        self.limit = {"requests": int(rpm or 0), "tokens": int(tpm or 0)}
        f = 1.0 if fill is None else float(fill)
        self.avail = {k: v * f for k, v in self.limit.items()}
        self.t = time.monotonic()

    def refill(self):
        t = time.monotonic()
        for k, lim in self.limit.items():
            self.avail[k] = min(lim, self.avail[k] + (t - self.t) * lim / 60.0)
        self.t = t

    def headers(self):
        h = {}
        for k, lim in self.limit.items():
            if lim:
                h["x-ratelimit-limit-" + k] = str(lim)
                h["x-ratelimit-remaining-" + k] = str(max(0, int(self.avail[k])))
                h["x-ratelimit-reset-" + k] = go_duration(
                    max(0.0, lim - self.avail[k]) * 60.0 / lim)
        return h

    def admit(self, cost):
        """(None, headers) when admitted, else (kind, wait seconds, headers)."""
        self.refill()
        need = {"requests": 1, "tokens": cost}
        for k, lim in self.limit.items():
            if lim and self.avail[k] < min(need[k], lim):
                wait = (min(need[k], lim) - self.avail[k]) * 60.0 / lim
                return k, wait, self.headers()
        for k, lim in self.limit.items():
            if lim:
                self.avail[k] -= need[k]
        return None, 0, self.headers()


# ---------------------------------------------------------------- images

def png_bytes(w, h, seed="x"):
    """A real, solid-colour RGB PNG of w x h (zlib keeps it tiny)."""
    rgb = hashlib.sha256(seed.encode()).digest()[:3]
    raw = (b"\x00" + rgb * w) * h

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def jpeg_bytes(w, h):
    """A real baseline greyscale JPEG of w x h, every 8x8 block mid grey.

    Both Huffman tables hold a single 1-bit code ("0"): DC difference category 0
    and AC end-of-block, so each block costs two zero bits."""
    def seg(marker, data):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data
    blocks = ((w + 7) // 8) * ((h + 7) // 8)
    scan = b"\x00" * ((blocks * 2 + 7) // 8)
    return (b"\xff\xd8" +
            seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00") +
            seg(0xDB, b"\x00" + b"\x01" * 64) +
            seg(0xC0, struct.pack(">BHHB", 8, h, w, 1) + b"\x01\x11\x00") +
            seg(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00") +
            seg(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00") +
            seg(0xDA, b"\x01\x01\x00\x00\x3f\x00") + scan + b"\xff\xd9")


def webp_bytes(w, h, seed="x"):
    """A real lossless WebP (VP8L) of w x h in one colour.

    Every prefix code is a 'simple' code with one symbol, so pixels cost 0 bits."""
    r, g, b = hashlib.sha256(seed.encode()).digest()[:3]
    bits = []

    def put(v, n):
        bits.extend((v >> i) & 1 for i in range(n))
    put(w - 1, 14); put(h - 1, 14); put(0, 1); put(0, 3)   # size, no alpha, version 0
    put(0, 1); put(0, 1); put(0, 1)       # no transform, no colour cache, no meta codes
    for sym in (g, r, b, 255):            # green, red, blue, alpha: one 8-bit symbol each
        put(1, 1); put(0, 1); put(1, 1); put(sym, 8)
    put(1, 1); put(0, 1); put(0, 1); put(0, 1)              # distance: one 1-bit symbol
    data = bytearray(b"\x2f")
    for i in range(0, len(bits), 8):
        data.append(sum(bit << k for k, bit in enumerate(bits[i:i + 8])))
    if len(data) % 2:
        data.append(0)
    chunk = b"VP8L" + struct.pack("<I", len(data)) + bytes(data)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def make_image(fmt, w, h, seed):
    """(bytes, content-type) for fmt png|jpeg|jpg|webp|corrupt|html."""
    fmt = (fmt or "png").lower()
    if fmt in ("jpeg", "jpg"):
        return jpeg_bytes(w, h), "image/jpeg"
    if fmt == "webp":
        return webp_bytes(w, h, seed), "image/webp"
    if fmt == "corrupt":
        # random bytes led by one that no text starts with (0x80-0xbf), so
        # that no prompt's seed makes them read as JSON or HTML
        rnd = random.Random(seed)
        data = bytes(rnd.getrandbits(8) for _ in range(2048))
        return bytes([0x80 | (data[0] & 0x3f)]) + data[1:], "image/png"
    if fmt == "html":
        return (b"<!DOCTYPE html><html><head><title>Access denied</title></head>"
                b"<body><h1>403</h1><p>Not an image.</p></body></html>\n"), "image/jpeg"
    return png_bytes(w, h, seed), "image/png"


# ---------------------------------------------------------------- text helpers

def msg_text(m):
    c = m.get("content") if isinstance(m, dict) else None
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "\n".join(p.get("text", "") for p in c
                         if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def first_string_array(text):
    """The first JSON array of strings (or of {"keyword": ...} objects) in text, or []."""
    dec = json.JSONDecoder()
    for m in re.finditer(r"\[", text):
        try:
            val, _ = dec.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(val, list) and val and all(isinstance(v, str) for v in val):
            return val
        if isinstance(val, list) and val and all(isinstance(v, dict) and
                                                 isinstance(v.get("keyword"), str) for v in val):
            return [v["keyword"] for v in val]
    return []


def words(s):
    return re.findall(r"[a-z0-9]+", s.lower())


def key_word(kw):
    for wd in words(kw):
        if wd not in STOPWORDS:
            return wd
    ws = words(kw)
    return ws[0] if ws else "misc"


def filler(n, seed):
    rnd = random.Random(seed)
    out, sent = [], []
    for i in range(n):
        sent.append(FILLER[rnd.randrange(len(FILLER))])
        if len(sent) >= 12 or i == n - 1:
            s = " ".join(sent)
            out.append(s[0].upper() + s[1:] + ".")
            sent = []
    return " ".join(out)


def slugify(s):
    return "-".join(words(s))[:80] or "article"


def clip(s, n):
    return s if len(s) <= n else s[:n - 1].rstrip() + "…"


# ---------------------------------------------------------------- generators

def detect_func(body, alltext):
    rf = body.get("response_format")
    if isinstance(rf, dict) and isinstance(rf.get("json_schema"), dict):
        name = rf["json_schema"].get("name")
        if name in FUNCS:
            return name
    best = None
    for f in FUNCS:
        i = alltext.find(f)
        if i >= 0 and (best is None or i < best[0]):
            best = (i, f)
    return best[1] if best else None


def gen_cluster(user):
    kws = first_string_array(user)
    groups = {}
    for kw in kws:
        groups.setdefault(key_word(kw), []).append(kw)
    return {"clusters": [{"name": "%s guide" % wd.capitalize(),
                          "description": "Searches about %s." % wd,
                          "keywords": ks} for wd, ks in groups.items()]}


def gen_ideas(user):
    m = re.search(r"exactly\s+(\d+)\s+ideas?", user)
    n = int(m.group(1)) if m else 2
    cm = re.search(r"^Cluster:\s*(.+?)\s*$", user, re.M)
    cname = cm.group(1).lower() if cm else "general"
    kws = first_string_array(user.split("already taken")[0]) or ["%s topic" % cname]
    # primary keywords the site has already: not chosen again
    m = re.search(r"already taken[^\n]*\n(\[.*\])", user)
    taken = set(json.loads(m.group(1))) if m else set()
    kws = [k for k in kws if k not in taken] or ["%s %d" % (cname, len(taken) + 1)]
    types = ("post", "page", "product", "service", "category")
    structs = ("guide", "how-to", "listicle", "comparison", "review", "question")
    ideas = []
    for i in range(n):
        # a primary keyword of its own: igny8 drops an idea that competes
        pk = kws[i] if i < len(kws) else "%s %d" % (kws[i % len(kws)], i + 1)
        ideas.append({
            "title": "%s: a practical %s" % (pk.capitalize(), structs[i % len(structs)]),
            "content_type": types[i % len(types)] if i < len(types) else "post",
            "structure": structs[i % len(structs)],
            "description": "An article that answers what people want to know about %s." % pk,
            "primary_keyword": pk,
            "keywords": [pk] + [k for k in kws if k != pk][:3],
            "word_count": 1200 + 100 * i,
            "outline": [{"h2": "%s %s" % (h, pk), "note": "Cover %s." % h.lower(),
                         "h3": [{"heading": "Key point %d" % j, "note": "Explain it."}
                                for j in (1, 2)]}
                        for h in ("What is", "Choosing", "Caring for")],
        })
    return {"ideas": ideas}


def gen_write(user):
    """An article that passes igny8's checks: the primary keyword in the title,
    meta fields, first paragraph, an H2 and the slug; the outline's H2s; about
    the words asked for."""
    m = re.search(r"^\s*Title:\s*(.+?)\s*$", user, re.M)
    title = m.group(1) if m else "Untitled article"
    m = re.search(r"about\s+(\d+)\s+words", user)
    total = int(m.group(1)) if m else 300
    m = re.search(r"^\s*Primary keyword:\s*(.+?)\s*$", user, re.M | re.I)
    kws = first_string_array(user)
    pk = m.group(1) if m else (kws[0] if kws else title.lower())
    h2s = [x.strip() for x in re.findall(r"^\s*(?:## |H2: )(.+)$", user, re.M) if x.strip()]
    h2s = h2s or ["What %s means" % pk, "What to look for", "Final thoughts"]
    intro = "%s: %s" % (pk.capitalize(), filler(20, title))
    per = max(5, (total - 25) // len(h2s))
    # links to the first two related articles, each titled by its title
    rel = re.findall(r'^- "(.+)" \(primary keyword: .*\): (\S+)$', user, re.M)[:2]
    more = "".join(' See <a href="%s">%s</a>.' % (u, t) for t, u in rel)
    body = "<p>%s</p>\n" % intro + "".join(
        "<h2>%s</h2>\n<p>%s%s</p>\n" % (h, filler(per, title + h), more if i == 0 else "")
        for i, h in enumerate(h2s))
    mtitle = title if pk.lower() in title.lower() else "%s: %s" % (pk, title)
    return {"title": title, "meta_title": clip(mtitle, 60),
            "meta_description": clip("Everything you need to know about %s: %s, explained "
                                     "step by step." % (pk, title), 155),
            "slug": slugify(pk + " " + title), "body": body, "primary_keyword": pk,
            "secondary_keywords": [k for k in kws if k != pk][:5],
            "key_takeaways": ["Know what %s is." % pk, "Compare before you choose.",
                              "Check the details."],
            "faq": [{"question": "Is %s hard?" % pk, "answer": "No. " + filler(12, pk)}],
            "verify": [],
            "tags": [key_word(pk)], "categories": ["Guides"]}


def gen_image_prompts(user):
    m = re.search(r"up to\s+(\d+)\s+in-article", user)
    cap = int(m.group(1)) if m else 2
    secs = [re.sub(r"<[^>]+>", "", s).strip()
            for s in re.findall(r"<h2[^>]*>(.*?)</h2>", user, re.S | re.I)]
    m = re.search(r"\(H2 headings\):\n(.*?)(?:\n\n|$)", user, re.S)
    if not secs and m and m.group(1).strip() != "(none)":
        secs = [x.strip() for x in m.group(1).split("\n") if x.strip()]
    m = re.search(r"^\s*Title:\s*(.+?)\s*$", user, re.M)
    title = m.group(1) if m else "the article"
    return {"featured_prompt": "Editorial photograph illustrating %s, natural light" % title,
            "featured_alt": "A scene illustrating %s" % title,
            "images": [{"section": s, "prompt": "Photograph showing %s, soft light" % s,
                        "alt": "A photograph of %s" % s.lower(), "caption": "%s in practice." % s}
                       for s in secs[:cap]]}


def chat_completion(body, mods=None):
    """A full chat.completion object answering body (mods: reply/fault tweaks)."""
    mods = mods or {}
    msgs = body.get("messages") if isinstance(body.get("messages"), list) else []
    alltext = "\n".join(msg_text(m) for m in msgs)
    user = "\n".join(msg_text(m) for m in msgs if isinstance(m, dict) and m.get("role") == "user")
    if "chat_content" in mods:
        content = mods["chat_content"]
    else:
        func = detect_func(body, alltext)
        gen = {"igny8_cluster": gen_cluster, "igny8_ideas": gen_ideas,
               "igny8_write": gen_write, "igny8_image_prompts": gen_image_prompts}.get(func)
        if func == "igny8_cluster" and isinstance(mods.get("cluster"), dict):
            content = json.dumps(topics.answer(mods["cluster"], first_string_array(user)))
        else:
            content = json.dumps(gen(user) if gen else {"ok": True})
    fault = mods.get("fault")
    if fault == "wrong-shape":
        content = json.dumps({"unexpected": [1, 2]})
    elif fault == "truncated":
        content = content[:len(content) // 2]
    elif fault == "huge":
        content = "x" * (50 * 1024 * 1024)
    refusal = mods.get("refusal")
    if refusal is not None and "chat_content" not in mods:
        content = None
    pt, ct = ntokens(alltext), ntokens(content or refusal or "")
    usage = {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct,
             "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                           "accepted_prediction_tokens": 0,
                                           "rejected_prediction_tokens": 0}}
    if isinstance(mods.get("usage"), dict):
        usage = mods["usage"]
    out = {"id": rid("chatcmpl-"), "object": "chat.completion", "created": now(),
           "model": body.get("model", "unknown"),
           "choices": [{"index": 0, "message": {"role": "assistant", "content": content,
                                                "refusal": refusal, "annotations": []},
                        "logprobs": None, "finish_reason": mods.get("finish_reason", "stop")}],
           "usage": usage, "service_tier": "default", "system_fingerprint": "fp_fake"}
    if fault == "missing-fields":
        del out["choices"]
    return out


def embed_vec(text):
    acc = [0.0] * EMBED_DIM
    for wd in words(text) or [""]:
        rnd = random.Random(hashlib.sha256(wd.encode()).digest())
        v = [rnd.gauss(0, 1) for _ in range(EMBED_DIM)]
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        acc = [a + x / n for a, x in zip(acc, v)]
    n = math.sqrt(sum(x * x for x in acc)) or 1.0
    return [x / n for x in acc]


def embeddings(body):
    inp = body.get("input")
    items = [inp] if isinstance(inp, str) else inp if isinstance(inp, list) else None
    if not items or (isinstance(items[0], int)):
        items = [" ".join(map(str, items))] if items else None
    if not items or any(isinstance(x, str) and not x for x in items):
        return 400, api_error("'input' must be a non-empty string or array", "input")
    texts = [x if isinstance(x, str) else " ".join(map(str, x)) for x in items]
    data = []
    for i, t in enumerate(texts):
        v = embed_vec(t)
        if body.get("encoding_format") == "base64":
            v = base64.b64encode(struct.pack("<%df" % len(v), *v)).decode()
        data.append({"object": "embedding", "index": i, "embedding": v})
    pt = sum(ntokens(t) for t in texts)
    return 200, {"object": "list", "data": data, "model": body.get("model", "unknown"),
                 "usage": {"prompt_tokens": pt, "total_tokens": pt}}


def moderations(body):
    inp = body.get("input")
    if isinstance(inp, str):
        texts = [inp]
    elif isinstance(inp, list) and inp and all(isinstance(x, str) for x in inp):
        texts = inp
    elif isinstance(inp, list) and inp:
        texts = ["\n".join(p.get("text", "") for p in inp if isinstance(p, dict))]
    else:
        return 400, api_error("'input' is required", "input")
    res = []
    for t in texts:
        flag = "FLAGME" in t
        res.append({"flagged": flag,
                    "categories": {c: flag and c == "violence" for c in MOD_CATEGORIES},
                    "category_scores": {c: (0.97 if flag and c == "violence" else 0.0001)
                                        for c in MOD_CATEGORIES},
                    "category_applied_input_types": {c: ["text"] for c in MOD_CATEGORIES}})
    return 200, {"id": rid("modr-"), "model": body.get("model", "omni-moderation-latest"),
                 "results": res}


def api_error(message, param=None, etype="invalid_request_error", code=None):
    """OpenAI error body [OAS ErrorResponse/Error: message, type, param, code]."""
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


def rw_error(code, message, parameter=None, task=None):
    """Runware error body [RW-err: errors[] of code, message, parameter, taskType, taskUUID].
    The codes used here are this fake's own; Runware says its codes are not yet stable."""
    task = task if isinstance(task, dict) else {}
    return {"code": code, "message": message, "parameter": parameter,
            "taskType": task.get("taskType", "imageInference"),
            "taskUUID": task.get("taskUUID"),
            "documentation": "https://example.com/runware/errors"}


# ---------------------------------------------------------------- state

class State:
    def __init__(self, script_path, log_path):
        self.lock = threading.RLock()
        self.script_path, self.log_path = script_path, log_path
        self.script, self.script_mtime = {}, None
        self.reset(truncate=False)

    def reset(self, truncate=True):
        with self.lock:
            self.seq = 0
            if self.log_path and not truncate and os.path.exists(self.log_path):
                with open(self.log_path, "rb") as f:
                    self.seq = sum(1 for _ in f)     # appending to an old log: keep n unique
            self.used = {}
            self.fault_rng = None
            self.files, self.batches, self.images = {}, {}, {}
            self.limits, self.limits_cfg = None, None
            if truncate:
                open(self.log_path, "w").close()

    def set_script(self, script):
        with self.lock:
            self.script = script if isinstance(script, dict) else {}
            self.used, self.fault_rng = {}, None

    def current_script(self):
        if self.script_path:
            try:
                mt = os.stat(self.script_path).st_mtime_ns
            except OSError:
                mt = None
            with self.lock:
                if mt is not None and mt != self.script_mtime:
                    self.script_mtime = mt
                    try:
                        with open(self.script_path, encoding="utf-8") as f:
                            self.set_script(json.load(f))
                    except ValueError as e:
                        sys.stderr.write("fakeapi: bad script %s: %s\n" % (self.script_path, e))
        with self.lock:
            return self.script

    def pick_rule(self, script, method, path, raw):
        text = raw.decode("utf-8", "replace")
        with self.lock:
            for i, r in enumerate(script.get("rules") or []):
                p = r.get("path")
                if p and not (path == p or (p.endswith("*") and path.startswith(p[:-1]))):
                    continue
                if r.get("method") and r["method"].upper() != method:
                    continue
                if r.get("match") and r["match"] not in text:
                    continue
                if "times" in r:
                    if self.used.get(i, 0) >= r["times"]:
                        continue
                    self.used[i] = self.used.get(i, 0) + 1
                return i, r.get("reply") or {}
        return None, None

    def pick_fault(self, script, path):
        f = script.get("faults")
        if not isinstance(f, dict) or not f.get("kinds"):
            return None
        if f.get("paths") and path not in f["paths"]:
            return None
        with self.lock:
            if self.fault_rng is None:
                self.fault_rng = random.Random(f.get("seed", 0))
                # "cover": the first requests meet each kind once, in a
                # seeded order, whatever order a loaded client sends in.
                self.fault_cover = list(f["kinds"]) if f.get("cover") else []
                self.fault_rng.shuffle(self.fault_cover)
            if self.fault_cover:
                return self.fault_cover.pop(0)
            hit = self.fault_rng.random() < float(f.get("rate", 0))
            kind = self.fault_rng.choice(f["kinds"])
        return kind if hit else None

    def rate_limit(self, script, cost):
        """Admits a request under the script's limits: None when there are none."""
        cfg = script.get("ratelimit")
        if not isinstance(cfg, dict):
            return None
        with self.lock:
            key = (cfg.get("rpm"), cfg.get("tpm"), cfg.get("fill"))
            if self.limits is None or self.limits_cfg != key:
                self.limits, self.limits_cfg = Limits(*key), key
            return self.limits.admit(cost)

    def write_log(self, entry):
        with self.lock:
            self.seq += 1
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(dict(n=self.seq, **entry)) + "\n")
                f.flush()

    def read_log(self):
        with self.lock, open(self.log_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]


class Reply:
    def __init__(self, status=200, body=None, raw=None, ctype="application/json"):
        self.status, self.headers = status, {}
        self.ctype = ctype
        if raw is None:
            raw = json.dumps(body).encode()
        self.raw = raw if isinstance(raw, bytes) else raw.encode()
        self.drop = self.truncate = False
        self.slow_ms = 0


# ---------------------------------------------------------------- handler

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeapi/1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    do_POST = do_DELETE = do_GET

    # -- request plumbing
    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def parse_body(self, raw):
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            fields = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                data = part.get_payload(decode=True) or b""
                fields[name] = data.decode("utf-8", "replace")
                if part.get_filename():
                    fields["_filename_" + str(name)] = part.get_filename()
            return fields
        text = raw.decode("utf-8", "replace")
        try:
            return json.loads(text) if text.strip() else None
        except ValueError:
            return text

    def handle_any(self):
        st = self.server.state
        path, _, query = self.path.partition("?")
        raw = self.read_body()
        if path.startswith("/__fake/"):
            return self.control(path, raw)
        body = self.parse_body(raw)
        t0 = time.time()
        script = st.current_script()
        limited = None
        if self.command == "POST" and path in ("/v1/chat/completions", "/v1/embeddings") \
                and self.check_auth(path, body) is None:
            limited = st.rate_limit(script, token_cost(path, body))
        if limited and limited[0]:
            return self.refuse(limited, path, body, t0)
        if script.get("latency_ms"):
            time.sleep(script["latency_ms"] / 1000.0)
        rep, note = self.decide(script, path, body, raw)
        if limited:
            rep.headers.update(limited[2])
        entry = {"method": self.command, "path": path, "query": query,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": body, "status": None if rep.drop else rep.status, "t0": t0, "ts": time.time()}
        entry.update(note)
        st.write_log(entry)
        self.send(rep)

    def refuse(self, limited, path, body, t0):
        """Over a limit: 429 at once, with the wait until this request fits."""
        kind, wait, hdrs = limited
        rep = Reply(429, api_error("Rate limit reached for %s per min. Please try again in "
                                   "%s." % (kind, go_duration(wait)), None, kind,
                                   "rate_limit_exceeded"))
        rep.headers.update(hdrs)
        rep.headers["retry-after-ms"] = str(int(math.ceil(wait * 1000)))
        self.server.state.write_log({
            "method": self.command, "path": path, "query": "",
            "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
            "status": 429, "t0": t0, "ts": time.time(), "ratelimited": kind})
        self.send(rep)

    def decide(self, script, path, body, raw):
        st = self.server.state
        auth = self.check_auth(path, body)
        if auth:
            return auth, {}
        idx, reply = st.pick_rule(script, self.command, path, raw)
        if reply is not None:
            rep = self.from_reply(reply, path, body)
            return rep, {"rule": idx}
        kind = st.pick_fault(script, path)
        if kind:
            return self.fault(kind, path, body), {"fault": kind}
        scripted = {"cluster": script["cluster"]} if script.get("cluster") else {}
        return self.route(path, body, scripted), {}

    def check_auth(self, path, body):
        if path.startswith("/files/img/"):
            return None
        m = re.match(r"Bearer\s+(\S+)", self.headers.get("Authorization", ""))
        key = m.group(1) if m else None
        if path.startswith("/runware"):
            if key is None and isinstance(body, list) and body and isinstance(body[0], dict) \
                    and body[0].get("taskType") == "authentication":
                key = body[0].get("apiKey") or None
            if key is None or key.startswith("rw-bad"):
                code = "missingApiKey" if key is None else "invalidApiKey"
                return Reply(401, {"errors": [rw_error(code, "Invalid or missing API key.",
                                                       "apiKey", {"taskType": "authentication"})]})
            return None
        if key is None:
            return Reply(401, api_error(
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                None, "invalid_request_error", None))
        if key.startswith("sk-bad"):
            return Reply(401, api_error("Incorrect API key provided.", None,
                                        "invalid_request_error", "invalid_api_key"))
        return None

    def from_reply(self, reply, path, body):
        if "body" in reply or "raw" in reply:
            rep = Reply(reply.get("status", 200), reply.get("body"), reply.get("raw"),
                        "application/json" if "body" in reply else "text/plain")
        elif int(reply.get("status", 200)) >= 400:     # an error status alone: error body
            st, msg = reply["status"], "Scripted error %s." % reply["status"]
            rep = Reply(st, {"errors": [rw_error("scriptedError", msg)]}
                        if path.startswith("/runware") else
                        api_error(msg, None, "server_error" if st >= 500
                                  else "invalid_request_error"))
        else:
            rep = self.route(path, body, reply)
            rep.status = reply.get("status", rep.status)
        for k, v in (reply.get("headers") or {}).items():
            if k.lower() == "content-type":
                rep.ctype = v
            else:
                rep.headers[k] = str(v)
        if reply.get("delay_ms"):
            time.sleep(reply["delay_ms"] / 1000.0)
        rep.drop = bool(reply.get("drop"))
        rep.truncate = bool(reply.get("truncate"))
        rep.slow_ms = reply.get("slow_body_ms", 0)
        return rep

    def fault(self, kind, path, body):
        if kind in ("429", "429-noretry"):
            rep = Reply(429, api_error("Rate limit reached for requests. Please try again "
                                       "in 1s.", None, "requests", "rate_limit_exceeded"))
            if kind == "429":
                rep.headers["retry-after"] = "1"
            return rep
        if kind == "quota":
            return Reply(429, api_error("You exceeded your current quota, please check your "
                                        "plan and billing details.", None,
                                        "insufficient_quota", "insufficient_quota"))
        if kind == "500":
            return Reply(500, api_error("The server had an error while processing your request.",
                                        None, "server_error", None))
        if kind == "502":
            return Reply(502, raw="<html><head><title>502 Bad Gateway</title></head><body>"
                         "<center><h1>502 Bad Gateway</h1></center></body></html>\n",
                         ctype="text/html")
        if kind == "503":
            return Reply(503, api_error("The engine is currently overloaded, please try again "
                                        "later.", None, "server_error", None))
        if kind == "drop":
            rep = Reply(200, {})
            rep.drop = True
            return rep
        if kind == "slow":
            rep = self.route(path, body, {})
            rep.slow_ms = 30000
            return rep
        if path == "/v1/chat/completions" and isinstance(body, dict):
            return Reply(200, chat_completion(body, {"fault": kind}))
        rep = self.route(path, body, {})
        if kind == "truncated":
            rep.raw = rep.raw[:len(rep.raw) // 2]
        elif kind == "wrong-shape":
            rep.raw = b'{"unexpected": [1, 2]}'
        elif kind == "missing-fields":
            try:
                obj = json.loads(rep.raw)
                for k in ("data", "choices", "results"):
                    obj.pop(k, None)
                rep.raw = json.dumps(obj).encode()
            except ValueError:
                pass
        elif kind == "huge":
            rep.raw = b'{"data": "' + b"x" * (50 * 1024 * 1024) + b'"}'
        return rep

    # -- default API behaviour
    def route(self, path, body, mods):
        m, b = self.command, body if isinstance(body, (dict, list)) else {}
        if m == "POST" and path == "/v1/chat/completions":
            if not isinstance(b, dict) or not isinstance(b.get("messages"), list):
                return Reply(400, api_error("Missing required parameter: 'messages'.",
                                            "messages", code="missing_required_parameter"))
            rep = Reply(200, chat_completion(b, mods))
            self.ratelimit_headers(rep)
            return rep
        if m == "POST" and path == "/v1/embeddings":
            rep = Reply(*embeddings(b if isinstance(b, dict) else {}))
            self.ratelimit_headers(rep)
            return rep
        if m == "POST" and path == "/v1/moderations":
            return Reply(*moderations(b if isinstance(b, dict) else {}))
        if m == "GET" and path == "/v1/models":
            return Reply(200, {"object": "list", "data": [self.model_obj(i, d) for i, d in MODELS]})
        if m == "GET" and path.startswith("/v1/models/"):
            mid = path[len("/v1/models/"):]
            for i, d in MODELS:
                if i == mid:
                    return Reply(200, self.model_obj(i, d))
            return Reply(404, api_error("The model '%s' does not exist" % mid, "model",
                                        code="model_not_found"))
        if m == "POST" and path == "/v1/images/generations":
            return self.openai_image(b if isinstance(b, dict) else {}, mods)
        if m == "POST" and path.rstrip("/") == "/runware/v1":
            return self.runware(body, mods)
        if m == "GET" and path.startswith("/files/img/"):
            with self.server.state.lock:
                img = self.server.state.images.get(path[len("/files/img/"):])
            if img is None:
                return Reply(404, raw="not found\n", ctype="text/plain")
            return Reply(200, raw=img[0], ctype=img[1])
        if path.startswith("/v1/files"):
            return self.files_api(m, path, body)
        if path.startswith("/v1/batches"):
            return self.batches_api(m, path, b)
        return Reply(404, api_error("Invalid URL (%s %s)" % (m, path), None))

    @staticmethod
    def model_obj(mid, shutdown):
        return {"id": mid, "object": "model", "created": 1700000000, "owned_by": "fakeapi",
                "shutdown_date": shutdown}

    @staticmethod
    def ratelimit_headers(rep):
        # Header names and formats [api-contracts.md 1.2, OAI-rl].
        for kind, limit in (("requests", 500), ("tokens", 200000)):
            rep.headers.update({"x-ratelimit-limit-" + kind: str(limit),
                                "x-ratelimit-remaining-" + kind: str(limit * 99 // 100),
                                "x-ratelimit-reset-" + kind: "1s"})

    def store_image(self, fmt, ext, w, h, seed):
        data, ctype = make_image(fmt, w, h, seed)
        name = "%s.%s" % (uuid.uuid4(), ext)
        with self.server.state.lock:
            self.server.state.images[name] = (data, ctype)
        return name, data

    def base_url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def openai_image(self, b, mods):
        model, size = str(b.get("model", "dall-e-2")), b.get("size", "auto")
        prompt = b.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            return Reply(400, api_error("Missing required parameter: 'prompt'.", "prompt",
                                        code="missing_required_parameter"))
        sm = re.fullmatch(r"(\d+)x(\d+)", str(size))
        if (size not in IMAGE_SIZES and "any-size" not in model) or (size != "auto" and not sm):
            return Reply(400, api_error("Invalid value: '%s'. Supported values are: '1024x1024', "
                                        "'1024x1536', '1536x1024', and 'auto'." % size, "size",
                                        code="invalid_value"))
        w, h = (int(sm.group(1)), int(sm.group(2))) if sm else (1024, 1024)
        ofmt = b.get("output_format", "png")
        fmt = mods.get("image_format", ofmt)
        ext = {"jpeg": "jpg"}.get(ofmt, ofmt)
        data = []
        for i in range(int(b.get("n", 1) or 1)):
            name, img = self.store_image(fmt, ext, w, h, prompt + str(i))
            if b.get("response_format") == "url" or mods.get("image_url"):
                data.append({"url": "%s/files/img/%s" % (self.base_url(), name)})
            else:
                data.append({"b64_json": base64.b64encode(img).decode()})
        quality = b.get("quality", "auto")
        quality = "medium" if quality in ("auto", None) else quality
        # Output token counts are this fake's round numbers, not OpenAI's table.
        out_t = {"low": 272, "medium": 1056, "high": 4160}.get(quality, 1056) * len(data)
        in_t = ntokens(prompt)
        return Reply(200, {"created": now(), "data": data, "background": "opaque",
                           "output_format": ofmt, "size": "%dx%d" % (w, h), "quality": quality,
                           "usage": {"input_tokens": in_t, "output_tokens": out_t,
                                     "total_tokens": in_t + out_t,
                                     "input_tokens_details": {"text_tokens": in_t,
                                                              "image_tokens": 0},
                                     "output_tokens_details": {"image_tokens": out_t,
                                                               "text_tokens": 0}}})

    def runware(self, body, mods):
        if not isinstance(body, list):
            return Reply(400, {"errors": [rw_error("invalidRequestBody",
                                                   "The request body must be a JSON array "
                                                   "of tasks.", None, {})]})
        data, errors = [], []
        for t in body:
            if not isinstance(t, dict) or t.get("taskType") in ("authentication", "ping"):
                continue
            err = self.runware_check(t)
            if err:
                errors.append(err)
                continue
            w, h = t["width"], t["height"]
            ofmt = str(t.get("outputFormat", "JPG")).upper()
            ext = {"PNG": "png", "WEBP": "webp"}.get(ofmt, "jpg")
            fmt = mods.get("image_format", {"jpg": "jpeg"}.get(ext, ext))
            for i in range(int(t.get("numberResults", 1) or 1)):
                name, img = self.store_image(fmt, ext, w, h, t["positivePrompt"] + str(i))
                r = {"taskType": "imageInference", "taskUUID": t["taskUUID"],
                     "imageUUID": name.rsplit(".", 1)[0],
                     "seed": random.Random(t["taskUUID"] + str(i)).randrange(1, 2**31)}
                otype = t.get("outputType", "URL")
                if otype == "base64Data":
                    r["imageBase64Data"] = base64.b64encode(img).decode()
                elif otype == "dataURI":
                    r["imageDataURI"] = "data:image/%s;base64,%s" % (
                        {"jpg": "jpeg"}.get(ext, ext), base64.b64encode(img).decode())
                else:
                    r["imageURL"] = "%s/files/img/%s" % (self.base_url(), name)
                if t.get("includeCost"):
                    r["cost"] = 0.0013
                data.append(r)
        if errors and not data:
            return Reply(400, {"errors": errors})
        return Reply(200, {"data": data, "errors": errors} if errors else {"data": data})

    @staticmethod
    def runware_check(t):
        """Limits from the Runware reference [api-contracts.md 9.2, RW-ref]."""
        if t.get("taskType") != "imageInference":
            return rw_error("unsupportedTaskType", "Unsupported taskType.", "taskType", t)
        if not isinstance(t.get("taskUUID"), str) or not t["taskUUID"]:
            return rw_error("missingTaskUUID", "taskUUID is required.", "taskUUID", t)
        pp = t.get("positivePrompt")
        if not isinstance(pp, str) or not 2 <= len(pp) <= 3000:
            return rw_error("invalidPositivePrompt", "positivePrompt must be 2 to 3000 "
                            "characters.", "positivePrompt", t)
        if not isinstance(t.get("model"), str) or not t["model"]:
            return rw_error("missingModel", "model is required.", "model", t)
        for dim in ("width", "height"):
            v = t.get(dim)
            if not isinstance(v, int) or not 128 <= v <= 2048 or v % 64:
                return rw_error("invalid" + dim.capitalize(), "%s must be an integer from 128 "
                                "to 2048 divisible by 64." % dim, dim, t)
        np_ = t.get("negativePrompt")
        if np_ is not None and (not isinstance(np_, str) or not 2 <= len(np_) <= 3000):
            return rw_error("invalidNegativePrompt", "negativePrompt must be 2 to 3000 "
                            "characters.", "negativePrompt", t)
        return None

    # -- files and batches
    def new_file(self, data, filename, purpose):
        st = self.server.state
        f = {"id": "file-" + uuid.uuid4().hex[:24], "object": "file", "bytes": len(data),
             "created_at": now(), "expires_at": now() + 30 * 86400, "filename": filename,
             "purpose": purpose, "status": "processed", "status_details": None}
        with st.lock:
            st.files[f["id"]] = (f, data)
        return f

    def files_api(self, m, path, body):
        st = self.server.state
        parts = path.strip("/").split("/")      # v1 files [id [content]]
        if m == "POST" and len(parts) == 2:
            if not isinstance(body, dict) or "file" not in body or "purpose" not in body:
                return Reply(400, api_error("'file' and 'purpose' are required multipart "
                                            "fields.", "file"))
            return Reply(200, self.new_file(body["file"].encode(),
                                            body.get("_filename_file", "upload.jsonl"),
                                            body["purpose"]))
        if m == "GET" and len(parts) == 2:
            with st.lock:
                data = [f for f, _ in st.files.values()]
            return Reply(200, {"object": "list", "data": data, "has_more": False})
        with st.lock:
            rec = st.files.get(parts[2]) if len(parts) > 2 else None
        if rec is None:
            return Reply(404, api_error("No such File object: %s" % (parts[2:3] or [""])[0],
                                        "id"))
        if m == "GET" and len(parts) == 3:
            return Reply(200, rec[0])
        if m == "GET" and len(parts) == 4 and parts[3] == "content":
            return Reply(200, raw=rec[1], ctype="application/octet-stream")
        if m == "DELETE" and len(parts) == 3:
            with st.lock:
                st.files.pop(parts[2], None)
            return Reply(200, {"id": parts[2], "object": "file", "deleted": True})
        return Reply(404, api_error("Invalid URL (%s %s)" % (m, path), None))

    def batches_api(self, m, path, b):
        st = self.server.state
        parts = path.strip("/").split("/")      # v1 batches [id [cancel]]
        if m == "POST" and len(parts) == 2:
            return self.batch_create(b)
        if m == "GET" and len(parts) == 2:
            with st.lock:
                data = [dict(x["obj"]) for x in st.batches.values()]
            return Reply(200, {"object": "list", "data": data, "has_more": False,
                               "first_id": data[0]["id"] if data else None,
                               "last_id": data[-1]["id"] if data else None})
        with st.lock:
            bt = st.batches.get(parts[2]) if len(parts) > 2 else None
            if bt is None:
                return Reply(404, api_error("No batch found with id '%s'."
                                            % (parts[2:3] or [""])[0], "batch_id"))
            o = bt["obj"]
            if m == "GET" and len(parts) == 3:
                self.batch_advance(bt)
                return Reply(200, o)
            if m == "POST" and len(parts) == 4 and parts[3] == "cancel":
                if o["status"] in ("validating", "in_progress", "finalizing"):
                    o["status"], o["cancelling_at"] = "cancelling", now()
                return Reply(200, o)
        return Reply(404, api_error("Invalid URL (%s %s)" % (m, path), None))

    def batch_create(self, b):
        st = self.server.state
        with st.lock:
            rec = st.files.get(b.get("input_file_id"))
        if rec is None:
            return Reply(400, api_error("Invalid 'input_file_id': file not found.",
                                        "input_file_id"))
        if b.get("endpoint") not in BATCH_ENDPOINTS:
            return Reply(400, api_error("Invalid 'endpoint'.", "endpoint"))
        if b.get("completion_window") != "24h":
            return Reply(400, api_error("Invalid 'completion_window': only '24h' is "
                                        "supported.", "completion_window"))
        lines = [ln for ln in rec[1].decode("utf-8", "replace").splitlines() if ln.strip()]
        try:
            model = json.loads(lines[0])["body"]["model"]
        except (ValueError, LookupError, TypeError):
            model = "unknown"
        t = now()
        # Unset fields are null, as in the spec's own Batch example (x-oaiMeta).
        o = {"id": "batch_" + uuid.uuid4().hex[:24], "object": "batch", "model": model,
             "endpoint": b["endpoint"], "errors": None, "input_file_id": b["input_file_id"],
             "completion_window": "24h", "status": "validating", "output_file_id": None,
             "error_file_id": None, "created_at": t, "in_progress_at": None,
             "expires_at": t + 86400, "finalizing_at": None, "completed_at": None,
             "failed_at": None, "expired_at": None, "cancelling_at": None,
             "cancelled_at": None,
             "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
             "metadata": b.get("metadata")}
        with st.lock:
            st.batches[o["id"]] = {"obj": o, "lines": lines, "polls": 0}
        return Reply(200, o)

    def batch_advance(self, bt):
        """One poll: validating -> in_progress -> finalizing -> outcome (lock held)."""
        o = bt["obj"]
        cfg = self.server.state.script.get("batch") or {}
        if o["status"] == "cancelling":
            o["status"], o["cancelled_at"] = "cancelled", now()
            return
        if o["status"] not in ("validating", "in_progress", "finalizing"):
            return
        bt["polls"] += 1
        k, n = bt["polls"], max(1, int(cfg.get("polls_to_complete", 3)))
        bad = self.batch_validate(bt["lines"], o["endpoint"])
        if bad:
            o.update(status="failed", failed_at=now(),
                     errors={"object": "list", "data": bad})
            return
        if k < n:
            if o["in_progress_at"] is None:
                o["in_progress_at"] = now()
            if k == n - 1 and n >= 3:
                o["status"], o["finalizing_at"] = "finalizing", now()
            else:
                o["status"] = "in_progress"
            return
        outcome = cfg.get("outcome", "completed")
        if outcome == "failed":
            o.update(status="failed", failed_at=now(), errors={"object": "list", "data": [
                {"code": "batch_failed", "message": "The batch failed (scripted).",
                 "param": None, "line": None}]})
            return
        fail_ids = set(cfg.get("fail_custom_ids") or [])
        big_ids = set(cfg.get("big_custom_ids") or [])
        lines = bt["lines"]
        todo = lines if outcome != "expired" else lines[:len(lines) // 2]
        outs, errs = [], []
        for ln in todo:
            req = json.loads(ln)
            cid, reqid = req.get("custom_id"), rid("req_")
            if cid in fail_ids:
                errs.append({"id": rid("batch_req_"), "custom_id": cid,
                             "response": {"status_code": 500, "request_id": reqid,
                                          "body": api_error("The server had an error "
                                                            "processing this request.",
                                                            None, "server_error")},
                             "error": None})
                continue
            status, body = self.batch_run(o["endpoint"], req.get("body") or {})
            if cid in big_ids:
                body = dict(body, x_padding="x" * 65536)
            outs.append({"id": rid("batch_req_"), "custom_id": cid,
                         "response": {"status_code": status, "request_id": reqid,
                                      "body": body}, "error": None})
        for ln in lines[len(todo):]:
            errs.append({"id": rid("batch_req_"), "custom_id": json.loads(ln).get("custom_id"),
                         "response": None,
                         "error": {"code": "batch_expired", "message": "This request could "
                                   "not be executed before the completion window expired."}})

        def dump(rows):
            return "".join(json.dumps(r) + "\n" for r in rows).encode()
        if outs:
            o["output_file_id"] = self.new_file(dump(outs), "batch_output.jsonl",
                                                "batch_output")["id"]
        if errs:
            o["error_file_id"] = self.new_file(dump(errs), "batch_errors.jsonl",
                                               "batch_output")["id"]
        ok = sum(1 for r in outs if r["response"]["status_code"] == 200)
        pt = sum(r["response"]["body"].get("usage", {}).get("prompt_tokens", 0) for r in outs)
        ct = sum(r["response"]["body"].get("usage", {}).get("completion_tokens", 0) for r in outs)
        o["usage"] = {"input_tokens": pt, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": ct, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": pt + ct}
        o["request_counts"] = {"total": len(lines), "completed": ok,
                               "failed": len(lines) - ok}
        for k in ("in_progress_at", "finalizing_at"):
            o[k] = o[k] or now()
        if outcome == "expired":
            o["status"], o["expired_at"] = "expired", now()
        else:
            o["status"], o["completed_at"] = "completed", now()

    @staticmethod
    def batch_validate(lines, endpoint):
        bad, seen = [], set()
        for i, ln in enumerate(lines, 1):
            try:
                req = json.loads(ln)
            except ValueError:
                req = None
            if not isinstance(req, dict) or not isinstance(req.get("body"), dict):
                bad.append({"code": "invalid_json_line", "message": "Line is not a JSON "
                            "request object.", "param": None, "line": i})
            elif req.get("url") != endpoint or req.get("method") != "POST":
                bad.append({"code": "mismatched_endpoint", "message": "url/method must be "
                            "POST %s." % endpoint, "param": "url", "line": i})
            elif not req.get("custom_id") or req["custom_id"] in seen:
                bad.append({"code": "duplicate_custom_id", "message": "custom_id missing or "
                            "not unique.", "param": "custom_id", "line": i})
            else:
                seen.add(req["custom_id"])
        return bad

    @staticmethod
    def batch_run(endpoint, body):
        if endpoint == "/v1/chat/completions":
            if not isinstance(body.get("messages"), list):
                return 400, api_error("Missing required parameter: 'messages'.", "messages")
            return 200, chat_completion(body)
        if endpoint == "/v1/embeddings":
            return embeddings(body)
        if endpoint == "/v1/moderations":
            return moderations(body)
        return 400, api_error("Endpoint not supported by fakeapi batches.", "url")

    # -- control endpoints (not logged)
    def control(self, path, raw):
        st = self.server.state
        if path == "/__fake/script" and self.command == "POST":
            try:
                st.set_script(json.loads(raw or b"{}"))
            except ValueError as e:
                return self.send(Reply(400, {"error": "bad script: %s" % e}))
            return self.send(Reply(200, {"ok": True}))
        if path == "/__fake/log":
            return self.send(Reply(200, st.read_log()))
        if path == "/__fake/reset" and self.command == "POST":
            st.reset()
            return self.send(Reply(200, {"ok": True}))
        return self.send(Reply(404, {"error": "unknown control path"}))

    # -- response plumbing
    def send(self, rep):
        try:
            if rep.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(rep.status)
            self.send_header("Content-Type", rep.ctype)
            self.send_header("Content-Length", str(len(rep.raw)))
            hdrs = {"x-request-id": rid("req_")}
            hdrs.update(rep.headers)
            for k, v in hdrs.items():
                self.send_header(k, v)
            if rep.truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            if rep.truncate:
                self.wfile.write(rep.raw[:len(rep.raw) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif rep.slow_ms:
                steps = 20
                size = (len(rep.raw) + steps - 1) // steps or 1
                for i in range(0, max(len(rep.raw), 1), size):
                    time.sleep(rep.slow_ms / 1000.0 / steps)
                    self.wfile.write(rep.raw[i:i + size])
                    self.wfile.flush()
            else:
                for i in range(0, len(rep.raw), 1 << 20):
                    self.wfile.write(rep.raw[i:i + (1 << 20)])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 overflows when 32 clients connect
    # at once; the kernel then drops their SYNs and they wait a second.
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description="fake OpenAI/Runware API for tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.state = State(a.script, a.log)
    srv.state.current_script()

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, a.port_file)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# The fake API server and the request validator, exercised with curl.
. "$(dirname "$0")/../lib.sh"

command -v curl >/dev/null || skip_all "curl is not installed"

# post PATH FILE [curl args...]: POST the JSON in FILE with the OpenAI key;
# body to $T/body, status code to stdout, curl's exit status returned.
post() {
	_p=$1 _f=$2
	shift 2
	curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $OPENAI_API_KEY" \
		-H 'Content-Type: application/json' --data-binary "@$_f" "$@" "$FAKE_URL$_p"
}

# content: the chat completion message content in $T/body, written to $T/content.
content() {
	jq_py 'd["choices"][0]["message"]["content"]' "$T/body" >"$T/content"
}

fake_start || exit 1
like "fake writes its port" '^[0-9]+$' "$T/fake/port"
is "OPENAI_BASE_URL points at the fake" "$FAKE_URL/v1" "$OPENAI_BASE_URL"

# -- auth ------------------------------------------------------------------------
cat >chat-plain.json <<'J'
{"model": "test-chat-1", "messages": [{"role": "user", "content": "Say hi"}]}
J
code=$(curl -sS -o "$T/body" -w '%{http_code}' --data-binary @chat-plain.json "$FAKE_URL/v1/chat/completions")
is "no key: 401" 401 "$code"
ok "no key: OpenAI error body" jq_py 'sorted(d["error"]) == ["code","message","param","type"] or exit(1)' "$T/body"
code=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer sk-bad-0123456789' \
	--data-binary @chat-plain.json "$FAKE_URL/v1/chat/completions")
is "bad key: 401" 401 "$code"
unlike "401 body does not echo the key" 'sk-bad-0123456789' "$T/body"

# -- chat, one default answer per igny8 function --------------------------------
cat >chat-cluster.json <<'J'
{"model": "test-chat-1",
 "response_format": {"type": "json_schema", "json_schema": {"name": "igny8_cluster", "strict": true,
   "schema": {"type": "object"}}},
 "messages": [{"role": "system", "content": "Group the keywords."},
  {"role": "user", "content": "Keywords:\n[\"best hiking boots\", \"hiking boots for women\", \"how to clean tents\", \"the tent guide\", \"Trail Running Shoes\"]"}]}
J
is "cluster: 200" 200 "$(post /v1/chat/completions chat-cluster.json -D "$T/headers")"
like "chat has x-request-id" '^x-request-id: req_' "$T/headers"
like "chat has x-ratelimit-remaining-requests" '^x-ratelimit-remaining-requests: [0-9]+' "$T/headers"
like "chat has x-ratelimit-reset-tokens" '^x-ratelimit-reset-tokens: ' "$T/headers"
ok "cluster: response shape" jq_py '(d["object"] == "chat.completion" and d["model"] == "test-chat-1"
	and d["choices"][0]["finish_reason"] == "stop" and d["choices"][0]["message"]["refusal"] is None
	and d["usage"]["total_tokens"] == d["usage"]["prompt_tokens"] + d["usage"]["completion_tokens"]
	and d["usage"]["prompt_tokens_details"]["cached_tokens"] == 0) or exit(1)' "$T/body"
content
ok "cluster: every keyword exactly once" jq_py '(sorted(k for c in d["clusters"] for k in c["keywords"]) ==
	sorted(["best hiking boots", "hiking boots for women", "how to clean tents", "the tent guide",
	"Trail Running Shoes"])) or exit(1)' "$T/content"
is "cluster: grouped by first non-stopword" '["Hiking guide", "Clean guide", "Tent guide", "Trail guide"]' \
	"$(jq_py '[c["name"] for c in d["clusters"]]' "$T/content")"

cat >chat-ideas.json <<'J'
{"model": "test-chat-1", "messages": [
  {"role": "system", "content": "Answer with JSON matching the schema titled igny8_ideas."},
  {"role": "user", "content": "Cluster: Hiking. Keywords: [\"hiking boots\", \"trail shoes\"]. Propose exactly 3 ideas."}]}
J
is "ideas (name found in the prompt): 200" 200 "$(post /v1/chat/completions chat-ideas.json)"
content
ok "ideas: 3 ideas of the right shape" jq_py 'len(d["ideas"]) == 3 and all(
	i["content_type"] in ("post","page","product","service","category")
	and i["structure"] in ("guide","how-to","listicle","comparison","review","question")
	and i["primary_keyword"].rstrip(" 0123456789") in ("hiking boots", "trail shoes") and isinstance(i["word_count"], int)
	and i["outline"][0]["h2"] and i["outline"][0]["h3"][0]["heading"] for i in d["ideas"]) or exit(1)' "$T/content"

cat >chat-write.json <<'J'
{"model": "test-chat-1", "response_format": {"type": "json_schema", "json_schema": {"name": "igny8_write", "schema": {}}},
 "messages": [{"role": "user", "content": "Title: The Very Best Hiking Boots For Every Kind Of Trail In Twenty Twenty Six\nOutline:\n## Why fit matters\n## Breaking them in\nWrite about 400 words."}]}
J
is "write: 200" 200 "$(post /v1/chat/completions chat-write.json)"
content
ok "write: fields, limits and H2s" jq_py '(d["title"].startswith("The Very Best Hiking Boots")
	and len(d["meta_title"]) <= 60 and len(d["meta_description"]) <= 160
	and d["slug"].startswith("the-very-best-hiking-boots")
	and d["body"].count("<h2>") == 2 and "<h2>Breaking them in</h2>" in d["body"]
	and 300 <= len(d["body"].split()) <= 500
	and isinstance(d["secondary_keywords"], list) and d["tags"] and d["categories"]) or exit(1)' "$T/content"

cat >chat-images.json <<'J'
{"model": "test-chat-1", "response_format": {"type": "json_schema", "json_schema": {"name": "igny8_image_prompts", "schema": {}}},
 "messages": [{"role": "user", "content": "Pick up to 2 in-article images.\nTitle: Boots\n<h2>One</h2><p>x</p><h2 id=\"t\">Two <em>too</em></h2><p>y</p><h2>Three</h2>"}]}
J
is "image prompts: 200" 200 "$(post /v1/chat/completions chat-images.json)"
content
is "image prompts: sections are the first M h2 texts" '["One", "Two too"]' \
	"$(jq_py '[i["section"] for i in d["images"]]' "$T/content")"
ok "image prompts: featured prompt" jq_py 'd["featured_prompt"] or exit(1)' "$T/content"

is "other chat: 200" 200 "$(post /v1/chat/completions chat-plain.json)"
content
is "other chat: {\"ok\": true}" '{"ok": true}' "$(cat "$T/content")"

# -- embeddings, models, moderations, images ----------------------------------------
cat >emb.json <<'J'
{"model": "test-embed-1", "input": ["hiking boots", "boots for hiking", "chocolate cake"]}
J
is "embeddings: 200" 200 "$(post /v1/embeddings emb.json)"
ok "embeddings: 64-dim unit vectors; shared words are closer" jq_py '(lambda v, dot: len(v) == 3
	and all(len(x) == 64 and abs(dot(x, x) - 1) < 1e-9 for x in v)
	and dot(v[0], v[1]) > dot(v[0], v[2]) + 0.3)([e["embedding"] for e in d["data"]],
	lambda a, b: sum(p * q for p, q in zip(a, b))) or exit(1)' "$T/body"

curl -sS -o "$T/body" -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/models"
ok "models: list with one shutdown_date" jq_py '(d["object"] == "list" and "test-chat-1" in [m["id"] for m in d["data"]]
	and len([m for m in d["data"] if m["shutdown_date"]]) == 1) or exit(1)' "$T/body"

printf '{"input": ["fine text", "FLAGME please"]}' >mod.json
is "moderations: 200" 200 "$(post /v1/moderations mod.json)"
is "moderations: flagged iff FLAGME" '[false, true] 13' \
	"$(jq_py '"%s %d" % (json.dumps([r["flagged"] for r in d["results"]]), len(d["results"][0]["categories"]))' "$T/body")"

printf '{"model": "gpt-image-1-mini", "prompt": "a boot", "size": "1536x1024", "quality": "low"}' >img.json
is "images: 200" 200 "$(post /v1/images/generations img.json)"
jq_py 'd["data"][0]["b64_json"]' "$T/body" | base64 -d >img.png
is "images: a PNG of the requested size" "png 1536 1024" "$("$PY" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
print("png" if b[:8] == b"\x89PNG\r\n\x1a\n" else "?", *struct.unpack(">II", b[16:24]))' img.png)"
ok "images: usage and echo fields" jq_py '(d["usage"]["total_tokens"] > 0 and d["size"] == "1536x1024"
	and d["output_format"] == "png" and d["quality"] == "low") or exit(1)' "$T/body"
printf '{"model": "gpt-image-1-mini", "prompt": "a boot", "size": "800x600"}' >img-bad.json
is "images: unsupported size is 400" 400 "$(post /v1/images/generations img-bad.json)"
is "images: error names param size" size "$(jq_py 'd["error"]["param"]' "$T/body")"

# -- scripted replies -------------------------------------------------------------------
fake_script - <<'J'
{"rules": [
  {"path": "/v1/chat/completions", "times": 1,
   "reply": {"status": 429, "headers": {"retry-after": "1"},
             "body": {"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}}},
  {"path": "/v1/embeddings", "match": "DROP", "reply": {"drop": true}},
  {"path": "/v1/embeddings", "match": "TRUNC", "reply": {"truncate": true}},
  {"path": "/v1/chat/completions", "match": "CANNED",
   "reply": {"chat_content": "not json", "finish_reason": "length"}}]}
J
is "rule times:1 -> first call 429" 429 "$(post /v1/chat/completions chat-plain.json -D "$T/headers")"
like "429 carries retry-after" '^retry-after: 1' "$T/headers"
is "rule exhausted -> retry succeeds" 200 "$(post /v1/chat/completions chat-plain.json)"
printf '{"model": "m", "messages": [{"role": "user", "content": "CANNED"}]}' >canned.json
post /v1/chat/completions canned.json >/dev/null
is "chat_content + finish_reason" "not json length" \
	"$(jq_py '"%s %s" % (d["choices"][0]["message"]["content"], d["choices"][0]["finish_reason"])' "$T/body")"
printf '{"model": "test-embed-1", "input": "DROP"}' >drop.json
post /v1/embeddings drop.json >/dev/null 2>&1
is "drop: connection closed without a reply (curl 52)" 52 $?
printf '{"model": "test-embed-1", "input": "TRUNC"}' >trunc.json
post /v1/embeddings trunc.json >/dev/null 2>&1
is "truncate: body shorter than Content-Length (curl 18)" 18 $?

is "fake_count: chat requests" 10 "$(fake_count /v1/chat/completions)"
printf '{"model": "m", "messages": [{"role": "user", "content": "REFUSE"}]}' >refuse.json
fake_script - <<'J'
{"rules": [{"match": "REFUSE", "reply": {"refusal": "I can't help with that."}}]}
J
post /v1/chat/completions refuse.json >/dev/null
ok "refusal: content null, refusal set" jq_py '(d["choices"][0]["message"]["content"] is None
	and d["choices"][0]["message"]["refusal"]) or exit(1)' "$T/body"

# Faults: seeded, so the same script gives the same sequence.
cat >faults.json <<'J'
{"faults": {"rate": 1.0, "seed": 6, "kinds": ["wrong-shape", "missing-fields", "truncated", "quota", "500"],
            "paths": ["/v1/chat/completions"]}}
J
fault_run() {
	fake_script faults.json
	_seq=
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		_c=$(post /v1/chat/completions chat-cluster.json -D "$T/headers")
		_k=$("$PY" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    print("notjson"); sys.exit()
if "error" in d:
    print(d["error"]["type"]); sys.exit()
if "choices" not in d:
    print("nochoices"); sys.exit()
try:
    c = json.loads(d["choices"][0]["message"]["content"])
    print("shape" if "unexpected" in c else "valid")
except ValueError:
    print("cut")' "$T/body")
		grep -qi '^retry-after' "$T/headers" && _k="$_k+retry"
		_seq="$_seq $_c:$_k"
	done
	echo "$_seq"
}
seq1=$(fault_run)
seq2=$(fault_run)
is "faults: same seed, same sequence" "$seq1" "$seq2"
echo "$seq1$seq2" >seq.txt
like "faults: wrong-shape seen" ':shape' seq.txt
like "faults: missing-fields seen" ':nochoices' seq.txt
like "faults: truncated content seen" ':cut' seq.txt
ok "faults: quota has no retry-after; 500 is a server_error" sh -c '
	for w in $1; do case $w in 429:*+retry) exit 1 ;; esac; done
	echo "$1" | grep -q "429:insufficient_quota" && echo "$1" | grep -q "500:server_error"' - "$seq1$(fault_run)$(fault_run)"
printf '{"faults": {"rate": 1.0, "kinds": ["drop"], "paths": ["/v1/embeddings"]}}' >fdrop.json
fake_script fdrop.json
post /v1/embeddings emb.json >/dev/null 2>&1
is "faults: drop limited to its path" "52 200" "$? $(post /v1/chat/completions chat-plain.json)"

# -- Runware ---------------------------------------------------------------------------------
rw() { # FILE [curl args]: POST to Runware with its key
	_f=$1
	shift
	curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $RUNWARE_API_KEY" \
		-H 'Content-Type: application/json' --data-binary "@$_f" "$@" "$RUNWARE_BASE_URL"
}
cat >rw-bad.json <<'J'
[{"taskType": "imageInference", "taskUUID": "2b1e6f0a-0000-4000-8000-000000000001", "positivePrompt": "a boot",
  "model": "runware:100@1", "width": 1000, "height": 512}]
J
is "runware: width not /64 is 400" 400 "$(rw rw-bad.json)"
is "runware: error names parameter and task" "width 2b1e6f0a-0000-4000-8000-000000000001" \
	"$(jq_py '"%s %s" % (d["errors"][0]["parameter"], d["errors"][0]["taskUUID"])' "$T/body")"
code=$(curl -sS -o "$T/body" -w '%{http_code}' --data-binary @rw-bad.json "$RUNWARE_BASE_URL")
is "runware: no key is 401" 401 "$code"
cat >rw-ok.json <<'J'
[{"taskType": "imageInference", "taskUUID": "2b1e6f0a-0000-4000-8000-000000000002", "positivePrompt": "a boot",
  "model": "runware:100@1", "width": 1024, "height": 576, "includeCost": true}]
J
is "runware: valid task is 200" 200 "$(rw rw-ok.json)"
ok "runware: result fields" jq_py '(d["data"][0]["taskUUID"] == "2b1e6f0a-0000-4000-8000-000000000002"
	and d["data"][0]["cost"] == 0.0013 and d["data"][0]["imageURL"].endswith(".jpg")) or exit(1)' "$T/body"
url=$(jq_py 'd["data"][0]["imageURL"]' "$T/body")
curl -sS -D "$T/headers" -o rw.jpg "$url"
like "runware image served as image/jpeg" '^Content-Type: image/jpeg' "$T/headers"
is "runware image is a JPEG of the task size" "jpeg 576 1024" "$("$PY" -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
i = b.index(b"\xff\xc0")
print("jpeg" if b[:2] == b"\xff\xd8" else "?", *struct.unpack(">HH", b[i + 5:i + 9]))' rw.jpg)"

fake_script - <<'J'
{"rules": [{"path": "/runware/v1", "reply": {"image_format": "html"}}]}
J
rw rw-ok.json >/dev/null
curl -sS -D "$T/headers" -o rw.html "$(jq_py 'd["data"][0]["imageURL"]' "$T/body")"
like "image_format html: image content type" '^Content-Type: image/jpeg' "$T/headers"
like "image_format html: but an HTML body" '<html>' rw.html

# -- Batch API -----------------------------------------------------------------------------
fake_script - <<'J'
{"batch": {"polls_to_complete": 3, "outcome": "completed", "fail_custom_ids": ["kw-2"]}}
J
for i in 1 2 3; do
	printf '{"custom_id": "kw-%d", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "test-chat-1", "messages": [{"role": "user", "content": "igny8_cluster [\\"boots %d\\"]"}]}}\n' "$i" "$i"
done >batch.jsonl
curl -sS -o "$T/body" -H "Authorization: Bearer $OPENAI_API_KEY" -F purpose=batch -F file=@batch.jsonl "$FAKE_URL/v1/files"
fid=$(jq_py 'd["id"]' "$T/body")
like "files: upload returns a file id" '"id": "file-' "$T/body"
printf '{"input_file_id": "%s", "endpoint": "/v1/chat/completions", "completion_window": "24h", "metadata": {"job": "t"}}' "$fid" >batch.json
is "batches: create 200" 200 "$(post /v1/batches batch.json)"
bid=$(jq_py 'd["id"]' "$T/body")
is "batches: starts validating" validating "$(jq_py 'd["status"]' "$T/body")"
states=
for i in 1 2 3 4; do
	curl -sS -o "$T/body" -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/batches/$bid"
	states="$states $(jq_py 'd["status"]' "$T/body")"
done
is "batches: each poll advances" " in_progress finalizing completed completed" "$states"
is "batches: request_counts" '{"total": 3, "completed": 2, "failed": 1}' "$(jq_py 'd["request_counts"]' "$T/body")"
oid=$(jq_py 'd["output_file_id"]' "$T/body")
eid=$(jq_py 'd["error_file_id"]' "$T/body")
curl -sS -o out.jsonl -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/files/$oid/content"
curl -sS -o err.jsonl -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/files/$eid/content"
ok "batches: output lines answer kw-1 and kw-3 with chat completions" "$PY" -c '
import json, sys
rows = [json.loads(l) for l in open("out.jsonl")]
assert sorted(r["custom_id"] for r in rows) == ["kw-1", "kw-3"]
for r in rows:
    assert r["error"] is None and r["response"]["status_code"] == 200 and r["response"]["request_id"]
    json.loads(r["response"]["body"]["choices"][0]["message"]["content"])["clusters"]'
ok "batches: error file holds kw-2" "$PY" -c '
import json
rows = [json.loads(l) for l in open("err.jsonl")]
assert [r["custom_id"] for r in rows] == ["kw-2"] and rows[0]["response"]["status_code"] == 500'
curl -sS -o "$T/body" -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/batches"
is "batches: list holds the batch" "$bid" "$(jq_py 'd["data"][0]["id"]' "$T/body")"

fake_script - <<'J'
{"batch": {"polls_to_complete": 1, "outcome": "expired"}}
J
post /v1/batches batch.json >/dev/null
bid=$(jq_py 'd["id"]' "$T/body")
curl -sS -o "$T/body" -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/batches/$bid"
is "batches: expired outcome, partial output" 'expired {"total": 3, "completed": 1, "failed": 2}' \
	"$(jq_py '"%s %s" % (d["status"], json.dumps(d["request_counts"]))' "$T/body")"

fake_script - <<'J'
{"batch": {"polls_to_complete": 5}}
J
post /v1/batches batch.json >/dev/null
bid=$(jq_py 'd["id"]' "$T/body")
curl -sS -o "$T/body" -X POST -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/batches/$bid/cancel"
st1=$(jq_py 'd["status"]' "$T/body")
curl -sS -o "$T/body" -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/batches/$bid"
is "batches: cancel -> cancelling -> cancelled" "cancelling cancelled" "$st1 $(jq_py 'd["status"]' "$T/body")"

# -- request log ---------------------------------------------------------------------------
is "fake_count: batch creates, polls, lists, cancels" 11 "$(fake_count '/v1/batches*')"
curl -sS -o log.json "$FAKE_URL/__fake/log"
n=$(fake_count)
ok "GET /__fake/log returns the whole log" jq_py "len(d) == $n or exit(1)" log.json
ok "log: first entry is the keyless 401" jq_py '(lambda e: e["n"] == 1 and e["status"] == 401
	and e["method"] == "POST" and e["body"]["model"] == "test-chat-1"
	and "authorization" not in e["headers"])(d[0]) or exit(1)' log.json
ok "log: dropped request logged with status null" jq_py '[e["status"] for e in d if e["body"] == {"model": "test-embed-1", "input": "DROP"}] == [None] or exit(1)' log.json

# -- OpenAPI request validation ---------------------------------------------------------------
validate_requests "every request so far matches the OpenAI request schemas"
printf '{"model": "test-chat-1"}' >invalid.json
is "fake answers a chat body without messages with 400" 400 "$(post /v1/chat/completions invalid.json)"
expect_status "validate-requests rejects the body without messages" 1 "$TESTS/validate-requests" "$FAKE_LOG"
like "validate-requests names the path and the problem" "^/v1/chat/completions request [0-9]+: .*'messages' is a required property" "$T/out"
printf '{"input_file_id": "x", "endpoint": "/v1/chat/completions", "completion_window": "48h"}' >bad-batch.json
post /v1/batches bad-batch.json >/dev/null
printf '{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m"}}\n' >bad.jsonl
curl -sS -o /dev/null -H "Authorization: Bearer $OPENAI_API_KEY" -F purpose=batch -F file=@bad.jsonl "$FAKE_URL/v1/files"
expect_status "validate-requests still fails" 1 "$TESTS/validate-requests" "$FAKE_LOG"
like "it checks CreateBatchRequest" "^/v1/batches request [0-9]+: .*'48h'" "$T/out"
like "it checks batch input lines" "^/v1/files request [0-9]+: input line 1 \(/v1/embeddings\): .*'input' is a required property" "$T/out"
fake_reset
post /v1/chat/completions chat-cluster.json >/dev/null
is "after fake_reset the log restarts" 1 "$(fake_count)"
validate_requests "a valid body alone passes"

# Script file given to fake_start is re-read when it changes; latency_ms applies.
fake_stop
printf '{"rules": [{"path": "/v1/models", "reply": {"status": 418, "raw": "teapot"}}]}' >live.json
fake_start live.json || exit 1
is "script file: rule applies" 418 "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/models")"
sleep 0.01
printf '{"latency_ms": 400}' >live.json.new && mv live.json.new live.json
start=$("$PY" -c 'import time; print(time.time())')
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OPENAI_API_KEY" "$FAKE_URL/v1/models")
ok "script file: edit re-read, latency_ms delays the reply" "$PY" -c '
import sys, time
sys.exit(not (sys.argv[2] == "200" and time.time() - float(sys.argv[1]) >= 0.4))' "$start" "$code"
# -- lib.sh helpers judge failures correctly (run in subshells) ----------------
sub() { # run lib helpers with fresh counters and no exit trap; output to sub.out
	(trap - EXIT; _tap_n=0; _tap_failed=0; "$@") >sub.out 2>&1
}
sub expect_status "x" 0 sh -c 'kill -SEGV $$'
like "expect_status: a crash always fails" '^not ok 1 - x' sub.out
like "expect_status: and says so" 'CRASH' sub.out
sub expect_status "x" 1 sh -c 'echo "==1==ERROR: AddressSanitizer: heap-use-after-free" >&2; exit 1'
like "expect_status: a sanitizer report fails even with the wanted status" '^not ok 1' sub.out
sub expect_status "x" 3 sh -c 'echo hi; echo oops >&2; exit 3'
like "expect_status: wanted status passes" '^ok 1 - x' sub.out
is "expect_status: stdout in \$T/out" hi "$(cat "$T/out")"
printf 'a\nb\n' >e1
printf 'a\nc\n' >e2
sub is_same "x" e1 e2
like "is_same: shows the diff" '^#.*\+c' sub.out
sub no_key_leak "x" e1 "$T/fake/log.jsonl"
like "no_key_leak: notices a key" '^not ok 1' sub.out

# -- limit mode: refilled buckets, the cost counts the output cap -----------------
echo '{"ratelimit": {"rpm": 600, "tpm": 1000}}' | fake_script -
cat >capped.json <<'J'
{"model": "test-chat-1", "max_tokens": 900, "messages": [{"role": "user", "content": "abcdefgh"}]}
J
is "limit: a request within both budgets is answered" 200 \
	"$(post /v1/chat/completions capped.json -D "$T/headers")"
like "limit: the limit per minute" '^x-ratelimit-limit-tokens: 1000' "$T/headers"
like "limit: its prompt plus its cap are counted" '^x-ratelimit-remaining-tokens: 9[89]' "$T/headers"
like "limit: reset is until the bucket is full, as Go durations" \
	'^x-ratelimit-reset-tokens: 5[0-9](\.[0-9]+)?s' "$T/headers"
like "limit: under a second in ms" '^x-ratelimit-reset-requests: [0-9]+ms' "$T/headers"
is "limit: the next one does not fit: 429 at once" 429 \
	"$(post /v1/chat/completions capped.json -D "$T/headers")"
like "limit: with retry-after-ms, the wait until it fits" '^retry-after-ms: [0-9]{5}' "$T/headers"
ok "limit: code rate_limit_exceeded, type tokens" jq_py \
	'd["error"]["code"] == "rate_limit_exceeded" and d["error"]["type"] == "tokens" or exit(1)' "$T/body"
echo '{}' | fake_script -

fake_stop
ok "fake_stop ends the server" sh -c "! curl -s -m 2 '$FAKE_URL/v1/models' >/dev/null"
done_testing

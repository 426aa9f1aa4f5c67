#!/bin/sh
# The Batch API: --batch submits exactly the bodies a direct run would POST,
# never twice; `igny8 batch collect` polls, downloads and saves through the
# normal stage at the batch price; expired and partly failed batches are
# retried directly or resubmitted.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 4 || exit 1
cluster_records 3 >three.jsonl
# count PATH: requests to PATH so far ("P*" = prefix).
count() { fake_count "$1"; }
chats() { count /v1/chat/completions; }
# script JSON: the fake's batch behaviour from now on.
script() { printf '%s\n' "$1" >s.json && fake_script s.json; }
script '{"batch": {"polls_to_complete": 3}}'

# -- submit ----------------------------------------------------------------------
expect_status "--batch submits and exits" 0 igny8-ideas --batch --count 2 three.jsonl
is "nothing on stdout" 0 "$(wc -l <"$T/out")"
like "it says what it did" 'submitted 3 requests to the Batch API' "$T/err"
like "the summary counts them" '0 done, 0 failed, 0 skipped, 3 in batches' "$T/err"
is "no chat request was sent" 0 "$(chats)"
is "one upload" 1 "$(count /v1/files)"
is "one batch created" 1 "$(count /v1/batches)"
is "three items recorded" 3 "$(count_rows batch_items "status = 'submitted'")"
is "one batch recorded" 1 "$(count_rows batches)"
ok "the upload is JSON lines with custom_id, POST and the chat url" "$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
up = [r for r in rows if r["path"] == "/v1/files"][0]["body"]
lines = [json.loads(l) for l in up["file"].splitlines()]
ok = up["purpose"] == "batch" and len(lines) == 3 and all(
    l["method"] == "POST" and l["url"] == "/v1/chat/completions" and
    l["custom_id"].startswith("ideas:cluster:") for l in lines)
cr = [r for r in rows if r["path"] == "/v1/batches"][0]["body"]
ok = ok and cr["completion_window"] == "24h" and cr["endpoint"] == "/v1/chat/completions"
sys.exit(0 if ok else 1)' "$FAKE_LOG"
expect_status "a dry run shows what a direct run would send" 0 \
	igny8-ideas --dry-run --count 2 three.jsonl
ok "each batch body is exactly the direct body" "$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
up = [r for r in rows if r["path"] == "/v1/files"][0]["body"]["file"]
sent = {l["custom_id"].split(":")[2]: l["body"] for l in map(json.loads, up.splitlines())}
dry = {d["record"].split(":")[1]: d["body"] for d in map(json.loads, open(sys.argv[2]))}
sys.exit(0 if sent == dry else 1)' "$FAKE_LOG" "$T/out"
sqlite3 "$IGNY8_WORKSPACE" "SELECT custom_id FROM batch_items ORDER BY custom_id" >ids
like "custom_id ties the line to function, record, request and run" \
	'^ideas:cluster:1:[0-9a-f]{12}:[0-9]+$' ids

expect_status "submitting the same records again" 0 igny8-ideas --batch --count 2 three.jsonl
is "uploads nothing new" 1 "$(count /v1/files)"
like "they wait in their batch" '3 in batches' "$T/err"
expect_status "a direct run of them waits too" 0 igny8-ideas --count 2 three.jsonl
is "and sends nothing" 0 "$(chats)"

expect_status "batch status lists it" 0 igny8 batch status
like "with its function, state and items" '^batch_[0-9a-f]+ +ideas +validating +3 items \(submitted 3\)' "$T/out"
expect_status "batch status --json" 0 igny8 batch status --json
ok "one object per batch" each_line 'd["type"] == "batch" and d["items"] == 3' "$T/out"

# -- collect -----------------------------------------------------------------------
expect_status "collect while it runs: 75" 75 igny8 batch collect
like "it says so" 'batch_[0-9a-f]+: in_progress' "$T/err"
is "nothing saved yet" 0 "$(count_rows ideas)"
expect_status "still running" 75 igny8 batch collect
expect_status "collect once it completed" 0 igny8 batch collect
is "six idea records on stdout" 6 "$(wc -l <"$T/out")"
ok "in cluster order" "$PY" -c '
import json, sys
c = [json.loads(l)["cluster_id"] for l in open(sys.argv[1])]
sys.exit(0 if c == sorted(c) else 1)' "$T/out"
cp "$T/out" collected.jsonl
is "six ideas saved" 6 "$(count_rows ideas)"
is "output downloaded once" 1 "$(count '/v1/files/*')"
is "still no direct chat request" 0 "$(chats)"
is "items collected" 3 "$(count_rows batch_items "status = 'collected'")"
is "three calls logged as batch calls" 3 "$(count_rows ai_log "batch = 1 AND outcome = 'ok'")"
sqlite3 "$IGNY8_WORKSPACE" "SELECT sum(cost) FROM ai_log WHERE batch = 1" >batch_cost
polls=$(count '/v1/batches/*')
expect_status "collecting again" 0 igny8 batch collect
is "does nothing" 0 "$(wc -l <"$T/out")"
is "asks the API nothing" "$polls" "$(count '/v1/batches/*')"
expect_status "the stage rerun re-emits the same ideas" 0 igny8-ideas --count 2 three.jsonl
is_same "same records" collected.jsonl "$T/out"
is "for free" 0 "$(chats)"

# The same requests sent directly cost twice as much.
IGNY8_WORKSPACE=$T/direct.db
export IGNY8_WORKSPACE
seed_clusters 3 || exit 1
expect_status "the same work done directly" 0 igny8-ideas --count 2 three.jsonl
is "costs twice the batch price" ok "$("$PY" -c '
import sys
b, d = float(open(sys.argv[1]).read()), float(sys.argv[2])
print("ok" if b > 0 and abs(d - 2 * b) < 1e-9 else "%s vs %s" % (b, d))' batch_cost \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT sum(cost) FROM ai_log")")"
IGNY8_WORKSPACE=$T/ws.db

# -- a batch that partly fails: those are asked directly -------------------------------
fake_reset
cid=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT 'ideas:cluster:2:' || substr(custom_id, 17)
 FROM batch_items WHERE ref = 'cluster:2'")
script '{"batch": {"polls_to_complete": 1}}'
expect_status "--more in a batch" 0 igny8-ideas --batch --more --count 1 three.jsonl
sqlite3 "$IGNY8_WORKSPACE" "SELECT custom_id FROM batch_items WHERE status = 'submitted'
 AND ref = 'cluster:2'" >fail_id
script "{\"batch\": {\"polls_to_complete\": 1, \"fail_custom_ids\": [\"$(cat fail_id)\"]}}"
expect_status "collect: one item failed, retried directly" 0 igny8 batch collect
is "three new ideas" 9 "$(count_rows ideas)"
is "one direct request for the failed one" 1 "$(chats)"
like "the retry is for cluster 2" '"cluster_id":2' "$T/out"
is "the failed item is marked retried" retried \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status FROM batch_items WHERE custom_id = '$(cat fail_id)'")"

# -- an expired batch: the unanswered half is resubmitted ---------------------------------
fake_reset
script '{"batch": {"polls_to_complete": 1, "outcome": "expired"}}'
expect_status "four clusters in a batch" 0 igny8-ideas --batch --more --count 1 --all
is "four items" 4 "$(count_rows batch_items "status = 'submitted'")"
expect_status "collect --resubmit" 0 igny8 batch collect --resubmit
is "half were answered" 2 "$(wc -l <"$T/out")"
is "no direct request" 0 "$(chats)"
like "the rest went into a new batch" 'submitted 2 requests to the Batch API' "$T/err"
is "two items resubmitted" 2 "$(count_rows batch_items "status = 'submitted'")"
script '{"batch": {"polls_to_complete": 1}}'
expect_status "collect the new batch" 0 igny8 batch collect
is "the other two ideas" 2 "$(wc -l <"$T/out")"
is "still no direct request" 0 "$(chats)"
is "nothing left to submit or collect" 0 \
	"$(count_rows batch_items "status IN ('submitted', 'answered', 'error')")"

# -- a failed batch: every item is asked directly ------------------------------------------
fake_reset
script '{"batch": {"polls_to_complete": 1, "outcome": "failed"}}'
expect_status "submit" 0 igny8-ideas --batch --more --count 1 --cluster 1 --cluster 2
expect_status "collect a failed batch" 0 igny8 batch collect
is "both asked directly" 2 "$(chats)"
is "and saved" 2 "$(wc -l <"$T/out")"
expect_status "status shows it failed" 0 igny8 batch status
like "failed, its items retried" 'ideas +failed +2 items \(retried 2\)' "$T/out"

# -- igny8-write --batch ------------------------------------------------------------------
fake_reset
script '{"batch": {"polls_to_complete": 2}}'
sqlite3 "$IGNY8_WORKSPACE" "SELECT json_object('type', 'idea', 'id', id) FROM ideas
 ORDER BY id LIMIT 3" >ideas.jsonl
expect_status "write --batch" 0 igny8-write --batch ideas.jsonl
is "three requests in a batch" 3 "$(count_rows batch_items "function = 'write' AND status = 'submitted'")"
is "their tasks wait, queued" 3 "$(count_rows tasks "status = 'queued'")"
expect_status "write --queued leaves them waiting" 0 igny8-write --queued
is "no request" 0 "$(chats)"
expect_status "not yet" 75 igny8 batch collect
expect_status "collect the articles" 0 igny8 batch collect
is "three articles" 3 "$(wc -l <"$T/out")"
ok "content records" each_line 'd["type"] == "content" and d["html"]' "$T/out"
is "tasks done" 3 "$(count_rows tasks "status = 'done'")"
is "no direct request" 0 "$(chats)"

# -- an output file larger than run.max_body --------------------------------------------------
# The cap guards against hostile chat answers; a batch's output file is many
# answers in one body, so it is streamed to a temporary file instead.
fake_reset
script '{"batch": {"polls_to_complete": 1}}'
expect_status "four clusters in a batch again" 0 igny8-ideas --batch --more --count 1 --all
printf 'run:\n  max_body: 4000\n' >small.yaml
expect_status "collect with run.max_body under the output file's size" 0 \
	igny8 -c small.yaml batch collect
is "four ideas" 4 "$(wc -l <"$T/out")"
is "all four items collected" 0 "$(count_rows batch_items "status IN ('submitted', 'answered', 'error')")"
is "no direct request" 0 "$(chats)"
ok "the output file is larger than the cap, each line smaller" "$PY" -c '
import json, os, sys, urllib.request
def get(path):
    q = urllib.request.Request(sys.argv[1] + path, headers={
        "Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
    return urllib.request.urlopen(q, timeout=10).read()
files = json.loads(get("/v1/files"))["data"]
out = [f for f in files if f["purpose"] == "batch_output"][0]
data = get("/v1/files/" + out["id"] + "/content")
size, longest = out["bytes"], max(map(len, data.splitlines()))
if not size > 4000 > longest:
    sys.exit("%d bytes, longest line %d" % (size, longest))' "$FAKE_URL"

# A line longer than the cap is not parsed: its item is asked directly.
fake_reset
expect_status "two clusters in a batch" 0 igny8-ideas --batch --more --count 1 --cluster 1 --cluster 2
sqlite3 "$IGNY8_WORKSPACE" "SELECT custom_id FROM batch_items WHERE status = 'submitted'
 AND ref = 'cluster:2'" >big_id
script "{\"batch\": {\"polls_to_complete\": 1, \"big_custom_ids\": [\"$(cat big_id)\"]}}"
expect_status "collect: one answer line over the cap" 0 igny8 -c small.yaml batch collect
is "both ideas" 2 "$(wc -l <"$T/out")"
is "the long one asked directly" 1 "$(chats)"
like "for cluster 2" '"cluster_id":2' "$T/out"
is "its item says why" "retried answer line larger than 4000 bytes (run.max_body)" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status || ' ' || error FROM batch_items WHERE custom_id = '$(cat big_id)'")"

# -- --max-cost: a queued request is paid for when its batch runs ------------------------------
main_ws=$IGNY8_WORKSPACE
IGNY8_WORKSPACE=$T/budget.db
seed_clusters 3 || exit 1
expect_status "a dry run estimates three direct requests" 0 \
	igny8-ideas --dry-run --count 1 three.jsonl
est=$(sed -n 's/.*estimated \$\([0-9.]*\).*/\1/p' "$T/err")
# One request at the batch price (half) fits in 3/4 of a direct one; two do not.
budget=$("$PY" -c "import sys; print(float(sys.argv[1]) / 3 * 0.75)" "$est")
expect_status "a budget for one queued request: 2, budget reached" 2 \
	igny8-ideas --batch --count 1 --max-cost "$budget" three.jsonl
like "it says why" 'what is in flight or queued could pass --max-cost' "$T/err"
is "one request queued, at the batch price" 1 "$(count_rows batch_items)"
like "and submitted" 'submitted 1 request to the Batch API' "$T/err"
expect_status "a budget for all: the other two" 0 \
	igny8-ideas --batch --count 1 --max-cost 100 three.jsonl
is "three queued in all" 3 "$(count_rows batch_items)"
IGNY8_WORKSPACE=$main_ws

# -- ids from the server ---------------------------------------------------------------------
main_ws=$IGNY8_WORKSPACE
IGNY8_WORKSPACE=$T/ids.db
seed_clusters 4 || exit 1
cluster_records 2 >two.jsonl
cluster_records 4 | tail -n 1 >four.jsonl
fake_reset
script '{"batch": {"polls_to_complete": 5}}'
expect_status "two records queued" 0 igny8-ideas --batch --count 1 two.jsonl
first=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT id FROM batches")
# batch_rows ID: "items rows statuses" of batch ID.
batch_rows() {
	sqlite3 "$IGNY8_WORKSPACE" "SELECT b.items || ' ' || count(i.custom_id) || ' '
	 || coalesce(group_concat(DISTINCT i.status), '-') FROM batches b
	 LEFT JOIN batch_items i ON i.batch_id = b.id WHERE b.id = '$1'"
}
is "its rows" "2 2 submitted" "$(batch_rows "$first")"

# A poll answered under another id: the status is the asked batch's.
script '{"batch": {"polls_to_complete": 5}, "rules": [{"path": "/v1/batches/*",
 "method": "GET", "reply": {"body": {"id": "batch_someone_else", "object": "batch",
 "status": "in_progress", "request_counts": {"total": 2, "completed": 1, "failed": 0}}}}]}'
expect_status "a poll answered under another id" 75 igny8 batch collect
is "the status is saved under the id asked for" "in_progress" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status FROM batches WHERE id = '$first'")"
is "and under no other" 0 "$(count_rows batches "id = 'batch_someone_else'")"

# An id with URL syntax in it stays one path segment.
script '{"batch": {"polls_to_complete": 5}, "rules": [
 {"path": "/v1/batches", "method": "POST", "reply": {"body": {"id": "batch x/../y?z#w",
  "object": "batch", "status": "validating", "input_file_id": "file-1"}}},
 {"path": "/v1/batches/*", "method": "GET", "reply": {"body": {"id": "batch x/../y?z#w",
  "object": "batch", "status": "in_progress"}}}]}'
expect_status "a batch with an odd id is queued" 0 igny8-ideas --batch --count 1 four.jsonl
: >"$FAKE_LOG"
expect_status "and polled, not refused as a bad URL (78)" 75 igny8 batch collect
ok "its id escaped in the URL" "$PY" -c '
import json, sys
paths = [json.loads(l)["path"] for l in open(sys.argv[1])]
sys.exit(0 if "/v1/batches/batch%20x%2F%2E%2E%2Fy%3Fz%23w" in paths else 1)' "$FAKE_LOG"
is "saved under its own id" in_progress \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status FROM batches WHERE id = 'batch x/../y?z#w'")"

# The first batch failed; resubmitting its records must never cost its rows.
sqlite3 "$IGNY8_WORKSPACE" "UPDATE batches SET status = 'failed' WHERE id = '$first';
 UPDATE batch_items SET status = 'error', error = 'batch failed' WHERE batch_id = '$first'"
script "{\"rules\": [{\"path\": \"/v1/batches\", \"method\": \"POST\", \"reply\":
 {\"body\": {\"id\": \"$first\", \"object\": \"batch\", \"status\": \"validating\",
  \"input_file_id\": \"file-1\"}}}]}"
expect_status "the server gives the new batch the first one's id: 76" 76 \
	igny8-ideas --batch --count 1 two.jsonl
like "saying so" "the server gave the new batch the id '$first' of an earlier batch" "$T/err"
is "the first batch keeps its rows, as they were" "2 2 error" "$(batch_rows "$first")"
is "no placeholder is left" 0 "$(count_rows batches "id LIKE 'local:%'")"
script '{"rules": [{"path": "/v1/batches", "method": "POST", "reply": {"status": 400}}]}'
expect_status "a refused submission" 65 igny8-ideas --batch --count 1 two.jsonl
is "the first batch still keeps its rows" "2 2 error" "$(batch_rows "$first")"
is "no placeholder is left either" 0 "$(count_rows batches "id LIKE 'local:%'")"
script '{"batch": {"polls_to_complete": 5}}'
expect_status "a submission that works" 0 igny8-ideas --batch --count 1 two.jsonl
is "the first batch's rows are now resubmitted, not moved" "2 2 resubmitted" \
	"$(batch_rows "$first")"
is "the new batch has its own" "2 2 submitted" \
	"$(batch_rows "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT batch_id FROM batch_items
	   WHERE status = 'submitted' AND ref = 'cluster:1'")")"
IGNY8_WORKSPACE=$main_ws

# -- usage -----------------------------------------------------------------------------------
expect_status "batch with no subcommand is 64" 64 igny8 batch
expect_status "an unknown one is 64" 64 igny8 batch frobnicate
like "named" "unknown subcommand 'frobnicate'" "$T/err"
expect_status "batch --help" 0 igny8 batch --help
like "usage on stdout" '^usage: igny8 batch status' "$T/out"
validate_requests "every request validates against the OpenAPI spec"
no_key_leak "the key appears nowhere" "$T/out" "$T/err"
done_testing

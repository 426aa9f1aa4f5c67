#!/bin/sh
# igny8-cluster --method embed: vectors from /v1/embeddings, cached in the
# workspace, clustered offline; batches of at most 512 inputs.
. "$(dirname "$0")/../lib.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
EX=$TOP/examples/keywords.jsonl

plan 20

expect_status "clusters the sample by embeddings" 0 igny8-cluster --method embed <"$EX"
cp out first
is "one embeddings request" "1" "$(fake_count /v1/embeddings)"
is "no chat request" "0" "$(fake_count /v1/chat/completions)"
like "named by the top keyword" '"name":"best running shoes"' out
is "method recorded" "embed" "$(sqlite3 ws.db 'SELECT DISTINCT method FROM clusters')"
is "vectors cached by keyword and model" "58|text-embedding-3-small" \
	"$(sqlite3 ws.db 'SELECT count(*), model FROM embeddings')"
is "the call is logged with its cost" "embed|/embeddings|ok|1" \
	"$(sqlite3 ws.db 'SELECT function, endpoint, outcome, cost > 0 FROM ai_log')"

expect_status "rerun" 0 igny8-cluster --method embed <"$EX"
is "rerun sends nothing" "1" "$(fake_count /v1/embeddings)"
is_same "rerun writes the same clusters" first out
expect_status "--rebuild reclusters from the cache" 0 \
	igny8-cluster --method embed --rebuild <"$EX"
is "... for free" "1" "$(fake_count /v1/embeddings)"

echo '{"keyword":"trail running shoes for women","volume":70}' >new.jsonl
expect_status "incremental run" 0 igny8-cluster --method embed --emit keywords <new.jsonl
like "the new keyword joins the running shoes cluster" '"cluster":"best running shoes"' out
is "... embedding only the new keyword" "1" "$("$PY" -c 'import json, sys
print(len([json.loads(l) for l in open(sys.argv[1])][-1]["body"]["input"]))' "$FAKE_LOG")"

# 600 new keywords: two requests, none above 512 inputs.
"$PY" -c 'import json
for i in range(600): print(json.dumps({"keyword": "widget model %d review" % i}))' >many.jsonl
IGNY8_WORKSPACE=$T/many.db
fake_reset
expect_status "600 keywords" 0 igny8-cluster --method embed -j2 <many.jsonl
is "... in requests of at most 512" "512 88" "$("$PY" -c 'import json, sys
print(" ".join(sorted((str(len(json.loads(l)["body"]["input"])) for l in open(sys.argv[1])), key=lambda s: -int(s))))' "$FAKE_LOG")"

# A record built from the run's own groups would miss what another
# process wrote meanwhile: here a volume changed while the embeddings
# request was held.  The run must write what the workspace holds.
IGNY8_WORKSPACE=$T/conc.db
igny8-cluster --method embed <"$EX" >/dev/null 2>&1
echo '{"rules": [{"path": "/v1/embeddings", "times": 1, "reply": {"delay_ms": 3000}}]}' >slow.json
fake_script slow.json
echo '{"keyword":"trail running shoes for women","volume":70}' >join.jsonl
igny8-cluster --method embed <join.jsonl >joined 2>joined.err &
pid=$!
sleep 1
sqlite3 conc.db "UPDATE keywords SET volume = 999999 WHERE keyword = 'running shoes for men'"
wait "$pid"
is "a run while another process writes" 0 "$?"
like "... lists the keyword whose volume rose first" '"keywords":\["running shoes for men",' joined
igny8-cluster --method embed --all >all.jsonl 2>/dev/null
is "... as the workspace re-reads it" "" "$("$PY" -c 'import json, sys
a = json.loads(open("joined").readline())
b = [r for r in map(json.loads, open("all.jsonl")) if r["id"] == a["id"]]
print("" if b == [a] else "differs")')"

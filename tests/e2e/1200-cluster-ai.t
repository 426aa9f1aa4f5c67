#!/bin/sh
# igny8-cluster --method ai against the fake server: one request, reruns
# for free, incremental joins, batches reconciled, dropped and invented
# keywords, --dry-run, --max-cost and the cache.
. "$(dirname "$0")/../lib.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
EX=$TOP/examples/keywords.jsonl

# clusters FILE: "name: sorted keywords" per cluster, sorted.
clusters() {
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(d["name"] + ": " + ", ".join(sorted(d["keywords"])))' "$1" | sort
}
# user_msg N: the user message of the fake's Nth request.
user_msg() {
	"$PY" -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1]
print([m for m in r["body"]["messages"] if m["role"] == "user"][0]["content"])' "$FAKE_LOG" "$1"
}

plan 38

expect_status "auto picks ai when a key is set" 0 igny8-cluster <"$EX"
cp out one
is "one request for 58 keywords" "1" "$(fake_count /v1/chat/completions)"
is "method recorded" "ai" "$(sqlite3 ws.db 'SELECT DISTINCT method FROM clusters')"
like "names and descriptions from the model" '"name":"Running guide","description":"[^"]+"' out
is "every keyword is in one cluster" "58" \
	"$(sqlite3 ws.db 'SELECT count(*) FROM keywords WHERE cluster_id IS NOT NULL')"
user_msg 1 >msg1
like "the keywords go as one JSON array" '^\["best running shoes","running shoes for women",' msg1
like "the schema is igny8_cluster" '"name": ?"igny8_cluster"' "$FAKE_LOG"
like "the sector reaches the prompt" '^Sector: fitness' msg1

expect_status "rerun" 0 igny8-cluster <"$EX"
is "rerun sends nothing" "1" "$(fake_count /v1/chat/completions)"
is_same "rerun writes the same clusters" one out

printf '%s\n' '{"keyword":"running socks","volume":50}' '{"keyword":"kombucha brewing"}' >new.jsonl
expect_status "incremental run" 0 igny8-cluster --emit keywords <new.jsonl
is "one more request" "2" "$(fake_count /v1/chat/completions)"
user_msg 2 >msg2
like "existing cluster names go in the prompt" '"Running guide"' msg2
unlike "already clustered keywords are not sent again" 'best running shoes' msg2
like "a new keyword joins the existing cluster" '"keyword":"running socks".*"cluster":"Running guide"' out
like "a new topic makes a new cluster" '"keyword":"kombucha brewing".*"cluster":"Kombucha guide"' out

# The same input split into 12 requests comes back as the same clusters.
IGNY8_WORKSPACE=$T/split.db
expect_status "batches of 5 keywords, 4 at a time" 0 \
	igny8-cluster --set cluster.batch_size=5 -j4 <"$EX"
is "12 more requests" "14" "$(fake_count /v1/chat/completions)"
clusters one >want
clusters out >got
is_same "reconciled into the clusters of one request" want got
is "no duplicate cluster names" "" "$("$PY" -c 'import json
n = [json.loads(l)["name"] for l in open("out")]
print(" ".join(x for x in set(n) if n.count(x) > 1))')"

expect_status "--rebuild asks the same questions" 0 \
	igny8-cluster --rebuild --set cluster.batch_size=5 -j4 <"$EX"
is "... and the cache answers them all" "14" "$(fake_count /v1/chat/completions)"

# Near-duplicate names from two batches merge; invented keywords are
# ignored; dropped ones stay unclustered, with a warning.
IGNY8_WORKSPACE=$T/near.db
cat >script.json <<'EOF2'
{"rules": [
 {"path": "/v1/chat/completions", "match": "trail running shoes",
  "reply": {"chat_content": "{\"clusters\":[{\"name\":\"Running shoes\",\"description\":\"d\",\"keywords\":[\"running shoes\",\"trail running shoes\"]}]}"}},
 {"path": "/v1/chat/completions", "match": "cheap running shoes",
  "reply": {"chat_content": "{\"clusters\":[{\"name\":\"Running shoe guide\",\"description\":\"d\",\"keywords\":[\"best running shoes\",\"Cheap  Running Shoes\",\"made up keyword\"]}]}"}}
]}
EOF2
fake_script script.json
printf '%s\n' '{"keyword":"running shoes"}' '{"keyword":"trail running shoes"}' \
	'{"keyword":"sourdough starter"}' '{"keyword":"best running shoes"}' \
	'{"keyword":"cheap running shoes"}' >near.jsonl
expect_status "two batches with near-duplicate names" 0 \
	igny8-cluster --batch-size 3 --emit keywords <near.jsonl
is "one cluster for the topic" "Running shoes" \
	"$(sqlite3 near.db 'SELECT group_concat(name) FROM clusters')"
is "... with all four keywords" "4" \
	"$(sqlite3 near.db 'SELECT count(*) FROM keywords WHERE cluster_id IS NOT NULL')"
like "a dropped keyword is reported" "^igny8-cluster: warning: the model left out 1 keywords" err
like "an invented keyword is ignored" "^igny8-cluster: ignored 1 keywords the model added" err
like "the dropped keyword stays unclustered" '"keyword":"sourdough starter".*"cluster_id":null' out
echo "{}" | fake_script -

IGNY8_WORKSPACE=$T/dry.db
fake_reset
expect_status "--dry-run" 0 igny8-cluster -n --batch-size 20 <"$EX"
is "--dry-run sends nothing" "0" "$(fake_count)"
like "... and writes the requests instead" '^\{"type":"request","function":"cluster","record":"batch:3"' out
expect_status "--max-cost stops before spending" 2 igny8-cluster --max-cost 0.000001 <"$EX"
is "... nothing sent" "0" "$(fake_count)"

# Interrupted while batches are in flight: nothing half-made is left.
IGNY8_WORKSPACE=$T/int.db
echo '{"latency_ms": 5000}' | fake_script -
igny8-cluster --batch-size 10 -j2 <"$EX" >out 2>err &
pid=$!
i=0
while [ "$(fake_count /v1/chat/completions)" -lt 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -INT $pid
wait $pid
is "SIGINT during the requests exits 130" "130" "$?"
is "... and saves no cluster" "0|58" \
	"$(sqlite3 int.db 'SELECT (SELECT count(*) FROM clusters), count(*) FROM keywords WHERE cluster_id IS NULL')"
echo '{}' | fake_script -

validate_requests "requests match the OpenAI schema"
no_key_leak "no key in output, logs or workspace" out err

#!/bin/sh
# igny8-ideas: what the request carries (volumes, intent, keywords already
# taken) and ideas that would compete with another article are dropped.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"
fake_start || exit 1
new_workspace
seed_clusters 4 || exit 1
sqlite3 "$IGNY8_WORKSPACE" "UPDATE clusters SET method = 'local', description = 'INTERNAL NOTE'
 WHERE id = 2"
last_user() {
	"$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
b = [r["body"] for r in rows if r["path"] == "/v1/chat/completions"][-1]
print([m["content"] for m in b["messages"] if m["role"] == "user"][0])' "$FAKE_LOG" >user.txt
}

expect_status "ideas for cluster 1" 0 igny8-ideas --count 1 --cluster 1
last_user
like "keywords go with their volume and intent" \
	'\{"keyword":"best topic1 gear","volume":900,"intent":"commercial"\}' user.txt
like "a model's cluster description is sent" 'What the cluster is about: All about topic 1' user.txt
like "nothing is taken yet" '^\(none\)$' user.txt
like "today's date" "Today's date: $(date -u +%Y-%m-%d)" user.txt
unlike "no empty site context" '^About the site: *$' user.txt

expect_status "--more" 0 igny8-ideas --more --count 1 --cluster 1
last_user
like "sends the primary keywords already taken" '^\["best topic1 gear"\]$' user.txt

expect_status "cluster 2, clustered offline" 0 igny8-ideas --count 1 --cluster 2
last_user
unlike "its internal description is not sent as the topic" 'INTERNAL NOTE' user.txt

# a model that answers a keyword another idea has (reordered, plural)
"$PY" - >script.json <<'EOF2'
import json
idea = lambda t, pk: {"title": t, "content_type": "post", "structure": "guide",
                      "description": "d", "primary_keyword": pk, "keywords": [],
                      "word_count": 900, "outline": [{"h2": "H", "note": "n", "h3": []}]}
print(json.dumps({"rules": [{"path": "/v1/chat/completions", "reply": {"chat_content": json.dumps(
    {"ideas": [idea("Same again", "Gear best topic1"), idea("New one", "fresh angle"),
               idea("Twin", "fresh angles")]})}}]}))
EOF2
fake_script script.json
before=$(count_rows ideas)
expect_status "an answer with competing ideas" 0 igny8-ideas --more --count 3 --cluster 1
is "only the new keyword is kept" "New one" "$(sqlite3 "$IGNY8_WORKSPACE" \
	"SELECT group_concat(title, '|') FROM ideas WHERE id > $before")"
is "one record written" 1 "$(wc -l <"$T/out")"

# two clusters of one run answered with the same keyword: the later one
# competes with what the earlier one saved in this very run
"$PY" - >script.json <<'EOF2'
import json
idea = {"title": "One for both", "content_type": "post", "structure": "guide",
        "description": "d", "primary_keyword": "shared query", "keywords": [],
        "word_count": 900, "outline": [{"h2": "H", "note": "n", "h3": []}]}
print(json.dumps({"rules": [{"path": "/v1/chat/completions", "reply": {"chat_content": json.dumps(
    {"ideas": [idea]})}}]}))
EOF2
fake_script script.json
printf '{"type":"cluster","id":3}\n{"type":"cluster","id":4}\n' >two.jsonl
expect_status "two clusters, one keyword" 0 igny8-ideas --jobs 1 --count 1 --no-cache two.jsonl
is "the keyword is kept once, for the first cluster" 3 "$(sqlite3 "$IGNY8_WORKSPACE" \
	"SELECT group_concat(cluster_id) FROM ideas WHERE primary_keyword = 'shared query'")"
validate_requests "every request validates against the OpenAPI spec"
done_testing

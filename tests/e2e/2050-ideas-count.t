#!/bin/sh
# --count is a bound, not a hint: the schema sent says maxItems, and when
# the model answers more ideas than asked, only the first --count are kept.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
seed_clusters 2 || exit 1
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

# An answer with six ideas, whatever was asked (primary keywords of their own
# for each cluster, and for the round PREFIX: competing ones are dropped).
six_ideas() { # PREFIX
"$PY" - "$1" >script.json <<'EOF2'
import json, sys
idea = lambda c, i: {"title": "Idea %d" % i, "content_type": "post", "structure": "guide",
                     "description": "d", "primary_keyword": "%sk%d %d" % (sys.argv[1], c, i),
                     "keywords": ["k"], "word_count": 900,
                     "outline": [{"h2": "H", "note": "n", "h3": []}]}
print(json.dumps({"rules": [{"path": "/v1/chat/completions", "match": "Cluster: Topic %d" % c,
                             "reply": {"chat_content": json.dumps(
                                 {"ideas": [idea(c, i) for i in range(1, 7)]})}}
                            for c in (1, 2)]}))
EOF2
fake_script script.json
}
six_ideas ""

expect_status "--count 1 against a model that answers six" 0 igny8-ideas --count 1 --all
is "one idea kept per cluster" "1|1" "$(sql 'SELECT group_concat(n, "|") FROM
	(SELECT count(*) n FROM ideas GROUP BY cluster_id)')"
is "the first one" "Idea 1" "$(sql 'SELECT DISTINCT title FROM ideas')"
is "one idea written per cluster" "2" "$(grep -c '"type":"idea"' out)"
is "the schema sent bounds the array" "1" "$("$PY" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]["body"]
print(r["response_format"]["json_schema"]["schema"]["properties"]["ideas"]["maxItems"])' "$FAKE_LOG")"
six_ideas more
expect_status "--more --count 3" 0 igny8-ideas --more --count 3 --cluster 1
is "three more for that cluster" "4" "$(sql 'SELECT count(*) FROM ideas WHERE cluster_id = 1')"
validate_requests "the bounded schema is a valid request"
done_testing

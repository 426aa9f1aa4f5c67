#!/bin/sh
# igny8-cluster --rebuild replaces the old clusters only with a whole new
# set: when every request fails, or only some do, the old clusters, their
# keyword assignments and (with --force) their ideas all stay.
. "$(dirname "$0")/../lib.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
EX=$TOP/examples/keywords.jsonl
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
# state: the clusters, the assignments and the ideas, for comparing.
state() {
	sql "SELECT id, name, method FROM clusters ORDER BY id;
	     SELECT id, cluster_id FROM keywords ORDER BY id;
	     SELECT id, cluster_id, title FROM ideas ORDER BY id"
}

plan 14

expect_status "local clusters first" 0 igny8-cluster --method local <"$EX"
expect_status "ideas for two of them" 0 igny8-ideas --count 1 --cluster 1 --cluster 2
state >before
is "8 clusters" "8" "$(sql 'SELECT count(*) FROM clusters')"

# Every request fails: nothing listens on port 9.
expect_status "a rebuild whose request fails" 69 env \
	OPENAI_BASE_URL=http://127.0.0.1:9/v1 igny8-cluster --method ai \
	--rebuild -f --all --set providers.openai.max_retries=0
like "says the old clusters were kept" '--rebuild kept the existing clusters: 1 of 1 requests failed' err
state >after
is_same "clusters, assignments and ideas unchanged" before after
like "the old clusters are still written out" '"type":"cluster"' out

# Only some of the requests fail (400 is not retried).
cat >script.json <<'EOF2'
{"rules": [{"path": "/v1/chat/completions", "match": "sourdough",
            "reply": {"status": 400}}]}
EOF2
fake_script script.json
fake_reset
expect_status "a rebuild where two requests of twelve fail" 1 \
	igny8-cluster --method ai --rebuild -f --all --set cluster.batch_size=5 -j 2
like "says how many failed" 'kept the existing clusters: 2 of 12 requests failed' err
state >after
is_same "a partial rebuild changes nothing" before after
is "the other requests were sent" "12" "$(fake_count /v1/chat/completions)"

# All answered: now the rebuild replaces them, in one go.
printf '{}' | fake_script -
expect_status "a rebuild whose requests all succeed" 0 \
	igny8-cluster --method ai --rebuild -f --all --set cluster.batch_size=5 -j 2
is "the new clusters replace the old" "ai" "$(sql 'SELECT group_concat(DISTINCT method) FROM clusters')"
is "their ideas went with them" "0" "$(sql 'SELECT count(*) FROM ideas')"

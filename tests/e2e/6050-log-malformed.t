#!/bin/sh
# A paid call whose answer cannot be used (not JSON, wrong shape, no
# content) is logged with outcome error, not ok, so that
# 'igny8 log --outcome error' finds it beside the failed record.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
seed_clusters 2 || exit 1
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

plan 10

cat >bad.json <<'EOF2'
{"rules": [{"path": "/v1/chat/completions", "reply": {"chat_content": "this is not JSON at all"}}]}
EOF2
fake_script bad.json
expect_status "an answer that is not JSON, twice" 76 igny8-ideas --cluster 1
is "both calls are logged as errors" "error|2" \
	"$(sql "SELECT outcome, count(*) FROM ai_log GROUP BY outcome")"
is "the first row says why" "1" \
	"$(sql "SELECT count(*) FROM ai_log WHERE error LIKE 'malformed answer: %'")"
is "the repair's row too" "1" \
	"$(sql "SELECT count(*) FROM ai_log WHERE error LIKE 'malformed answer after a repair attempt%'")"
expect_status "igny8 log --outcome error finds them" 0 igny8 log --last --outcome error --json
is "two calls" "2" "$(grep -c '"outcome":"error"' out)"

# A wrong first answer, a good repair: one error, one ok.
cat >repair.json <<'EOF2'
{"rules": [{"path": "/v1/chat/completions", "times": 1,
            "reply": {"chat_content": "{\"unexpected\": [1, 2]}"}}]}
EOF2
fake_script repair.json
expect_status "a wrong-shaped answer, then a repaired one" 0 igny8-ideas --cluster 2
is "one error, one ok in that run" "error ok" \
	"$(sql "SELECT group_concat(outcome, ' ') FROM (SELECT outcome FROM ai_log
	        WHERE run_id = (SELECT max(id) FROM runs) ORDER BY id)")"
expect_status "igny8 log --outcome error" 0 igny8 log --last --outcome error --json
is "finds the bad one" "1" "$(grep -c '"outcome":"error"' out)"
done_testing

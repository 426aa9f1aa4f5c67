#!/bin/sh
# Token counts (and costs) from the server are checked before they are
# logged or summed: negative, absurd or inconsistent figures are logged as
# unknown, with a warning, and never reach the run's totals.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
seed_clusters 4 || exit 1
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

# usage CLUSTER JSON: a rule giving cluster CLUSTER's request this usage.
cat >script.json <<'EOF2'
{"rules": [
 {"path": "/v1/chat/completions", "match": "Topic 1\\n",
  "reply": {"usage": {"prompt_tokens": -29075108, "completion_tokens": 50, "total_tokens": 1}}},
 {"path": "/v1/chat/completions", "match": "Topic 2\\n",
  "reply": {"usage": {"prompt_tokens": 1000000000000, "completion_tokens": 50, "total_tokens": 1}}},
 {"path": "/v1/chat/completions", "match": "Topic 3\\n",
  "reply": {"usage": {"prompt_tokens": 10, "completion_tokens": 50, "total_tokens": 60,
                      "prompt_tokens_details": {"cached_tokens": 500}}}}
]}
EOF2
fake_script script.json
expect_status "four clusters, three answers with bad figures" 0 igny8-ideas --count 1 --all
is "a warning for each bad one" "3" "$(grep -c 'figures for this call are not believable' err)"
like "naming the record" 'cluster:1: the server.s figures for this call are not believable \(tokens -29075108 in' err
unlike "no negative or absurd total in the summary" 'tokens in, -|[0-9]{10,} tokens' err
is "logged as unknown cost, no tokens" "0|0|0|3" \
	"$(sql "SELECT sum(tokens_in), sum(tokens_out), sum(tokens_cached), count(*) FROM ai_log
	        WHERE cost IS NULL AND outcome = 'ok'")"
is "the good call is logged as it came" "1" \
	"$(sql "SELECT count(*) FROM ai_log WHERE cost > 0 AND tokens_in > 0")"
is "the run's totals hold only the good call" \
	"$(sql "SELECT tokens_in FROM ai_log WHERE cost > 0")" \
	"$(sql "SELECT tokens_in FROM runs ORDER BY id DESC LIMIT 1")"
like "unknown costs are counted in the summary" '\+ 3 calls of unknown cost' err
expect_status "igny8 costs still adds up" 0 igny8 costs
unlike "no negative figure there" '-[0-9]' out
done_testing

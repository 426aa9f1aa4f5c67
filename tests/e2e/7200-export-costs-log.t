#!/bin/sh
# igny8 export, costs, runs and log over rows written with sqlite3.
. "$(dirname "$0")/../lib.sh"
new_workspace
igny8 -q init || fail 'init'
printf 'alpha\nbeta\ngamma\n' | igny8 -q import -f text - || fail 'import'
sqlite3 "$T/ws.db" <<'EOS' || fail 'seed rows'
INSERT INTO runs (program, started_at, status, exit_code, records_done,
  tokens_in, tokens_out, cost, cost_unknown)
  VALUES ('igny8-cluster', '2026-01-01T10:00:00Z', 'ok', 0, 3, 300, 60, 0.003, 0),
         ('igny8-write', '2026-01-02T10:00:00Z', 'partial', 1, 1, 2000, 900, 0.02, 1);
INSERT INTO clusters (name, name_norm, created_at, updated_at, run_id)
  VALUES ('Greek letters', 'greek letters', 'x', 'x', 1);
UPDATE keywords SET cluster_id = 1, volume = 10 WHERE norm IN ('alpha', 'beta');
INSERT INTO ideas (cluster_id, title, outline, keywords, created_at, run_id)
  VALUES (1, 'All about alpha', '[{"h2":"Intro"}]', '["alpha","beta"]', 'x', 1);
INSERT INTO tasks (idea_id, title, status, created_at, updated_at)
  VALUES (1, 'All about alpha', 'done', 'x', 'x');
INSERT INTO ai_log (run_id, function, record, model, outcome, http_status,
  attempts, tokens_in, tokens_out, cost, duration_ms, steps, error, created_at) VALUES
  (1, 'cluster', 'batch:1', 'gpt-4o-mini', 'ok', 200, 1, 300, 60, 0.003, 1200,
   '[{"phase":"PREP","ms":2},{"phase":"AI_CALL","ms":1190}]', NULL, '2026-01-01T10:00:01Z'),
  (2, 'write', 'idea:1', 'gpt-4o', 'ok', 200, 2, 1500, 800, 0.02, 9000, NULL, NULL,
   '2026-01-02T10:00:01Z'),
  (2, 'write', 'idea:2', 'mystery-model', 'error', 500, 3, 500, 100, NULL, 300, NULL,
   'server error (500)', '2026-01-02T10:00:05Z');
EOS

expect_status 'export keywords' 0 igny8 export keywords
is 'three keyword records' 3 "$(grep -c '"type":"keyword"' "$T/out")"
expect_status 'export clusters' 0 igny8 export clusters
is 'cluster carries its keywords' '["alpha", "beta"] 2 20' \
	"$(jq_py '"%s %d %d" % (json.dumps(d["keywords"]), d["keyword_count"], d["total_volume"])' "$T/out")"
expect_status 'export ideas' 0 igny8 export ideas
is 'JSON columns parsed back' 'Intro beta' "$(jq_py 'd["outline"][0]["h2"] + " " + d["keywords"][1]' "$T/out")"
expect_status 'export calls --status error' 0 igny8 export calls --status error
is 'one call' 'call idea:2' "$(jq_py 'd["type"] + " " + d["record"]' "$T/out")"
expect_status 'export keywords --cluster 1' 0 igny8 export --cluster 1 keywords
is 'two keywords' 2 "$(wc -l <"$T/out" | tr -d ' ')"
expect_status 'export tasks --status done' 0 igny8 export tasks --status done
is 'task record' task "$(jq_py 'd["type"]' "$T/out")"
expect_status 'unknown table is 64' 64 igny8 export widgets
like 'lists the tables' "^igny8: export: 'widgets' is not a table; tables: keywords clusters" "$T/err"
expect_status 'a filter the table lacks is 64' 64 igny8 export keywords --status done
like 'says so' '^igny8: export: --status does not apply to keywords$' "$T/err"
expect_status 'export to a full disk is 74' 74 sh -c 'igny8 export keywords >/dev/full'

expect_status 'costs by function' 0 igny8 costs
like 'cluster line' '^cluster +1 +300 +60 +\$0\.0030 +0$' "$T/out"
like 'write: known part and one unknown' '^write +2 +2000 +900 +\$0\.0200 +1$' "$T/out"
like 'total' '^total +3 +2300 +960 +\$0\.0230 +1$' "$T/out"
expect_status 'costs by model' 0 igny8 costs --by model
like 'unpriced model shows unknown, not 0' '^mystery-model +1 +500 +100 +unknown +1$' "$T/out"
expect_status 'costs by day since' 0 igny8 costs --by day --since 2026-01-02
like 'only the second day' '^2026-01-02 +2 ' "$T/out"
unlike 'not the first' '^2026-01-01' "$T/out"
expect_status 'costs --json' 0 igny8 costs --by model --json
is 'null cost for unknown' 'None 1 0.023' "$(jq_py '"%s %d %s" % ([g["cost"] for g in d["groups"] if g["key"] == "mystery-model"][0], d["total"]["cost_unknown"], d["total"]["cost"])' "$T/out")"
expect_status 'bad --by is 64' 64 igny8 costs --by colour
expect_status 'bad --since is 64' 64 igny8 costs --since 'last week'
like 'says what it takes' "^igny8: costs: --since 'last week' is not a date \\(YYYY-MM-DD\\), today, yesterday or an age" "$T/err"
# The rows are from January 2026; the clock is later than that.
expect_status 'costs --since 7d' 0 igny8 costs --since 7d
like 'no call in the last week' '^total +0 ' "$T/out"
expect_status 'costs --since 100000h' 0 igny8 costs --since 100000h
like 'every call in the last 11 years' '^total +3 ' "$T/out"
expect_status 'costs --since yesterday' 0 igny8 costs --since yesterday

expect_status 'runs' 0 igny8 runs
like 'run 2 line: its status in words' '^ +2 igny8-write +2026-01-02T10:00:00Z +some failed +1 ' "$T/out"
like 'totals' '^total +4 +0 +0 +2300 +960 +\$0\.0230 +1$' "$T/out"
expect_status 'runs -n 1' 0 igny8 runs -n 1
unlike 'only the last' 'igny8-cluster' "$T/out"
expect_status 'runs -n 0 is 64' 64 igny8 runs -n 0

expect_status 'log defaults to the last run' 0 igny8 log
like 'run header' '^run 2: igny8-write, started 2026-01-02T10:00:00Z, some failed$' "$T/out"
like 'failed call with http status, attempts, unknown cost, error' \
	'idea:2 +mystery-model +error +500 +3 +500 +100 +unknown +300 server error \(500\)$' "$T/out"
expect_status 'log --outcome ok' 0 igny8 log --outcome ok
unlike 'no error rows' 'mystery' "$T/out"
expect_status 'log --run 1 --steps' 0 igny8 log --run 1 --steps
like 'steps shown' '^ +\{"phase":"AI_CALL","ms":1190\}$' "$T/out"
expect_status 'log --json' 0 igny8 log --json --function write
is 'call records' 2 "$(grep -c '"type":"call"' "$T/out")"
expect_status 'log of a missing run is 66' 66 igny8 log --run 9
like 'names it' '^igny8: log: run 9: no such run$' "$T/err"

# Statuses in words a user knows; the stored names stay for scripts.
sqlite3 "$T/ws.db" "INSERT INTO runs (program, started_at, status, exit_code)
  VALUES ('igny8-ideas', '2026-01-03T10:00:00Z', 'noperm', 77),
         ('igny8-ideas', '2026-01-03T11:00:00Z', 'tempfail', 75)"
expect_status 'runs' 0 igny8 runs
like 'noperm reads key rejected' '^ +3 igny8-ideas +2026-01-03T10:00:00Z +key rejected +77 ' "$T/out"
like 'tempfail reads try later' '^ +4 igny8-ideas +2026-01-03T11:00:00Z +try later +75 ' "$T/out"
unlike 'no stored names' 'noperm|tempfail' "$T/out"
expect_status 'log of that run' 0 igny8 log --run 3
like 'its header in words' '^run 3: igny8-ideas, started 2026-01-03T10:00:00Z, key rejected$' "$T/out"
expect_status 'status' 0 igny8 status
like 'the runs line in words' '^runs +4 \(.*key rejected 1.*\)$' "$T/out"
expect_status 'runs --json keeps the stored names' 0 igny8 runs --json
like 'for scripts' '"status":"noperm"' "$T/out"
done_testing

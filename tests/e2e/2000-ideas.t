#!/bin/sh
# igny8-ideas: clusters to ideas, saved; reruns free; input errors located.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 3 || exit 1
cluster_records 3 >clusters.jsonl

expect_status "ideas for three clusters" 0 igny8-ideas --count 2 clusters.jsonl
cp "$T/out" first.jsonl
is "two ideas per cluster written" 6 "$(wc -l <first.jsonl)"
is "and saved" 6 "$(count_rows ideas)"
is "one request per cluster" 3 "$(fake_count /v1/chat/completions)"
ok "idea records carry type, id, cluster and outline" each_line \
	'all(x in d for x in ("type","id","cluster_id","title","outline","primary_keyword"))' \
	first.jsonl
like "records come in input order" '"cluster_id":1' first.jsonl
head -n 1 first.jsonl >head1
like "the first record is cluster 1's" '"cluster_id":1,' head1

expect_status "rerun" 0 igny8-ideas --count 2 clusters.jsonl
is_same "rerun writes the same records" first.jsonl "$T/out"
is "rerun sends nothing" 3 "$(fake_count /v1/chat/completions)"
is "rerun adds no rows" 6 "$(count_rows ideas)"
like "rerun counts them skipped" '0 done, 0 failed, 3 skipped' "$T/err"

expect_status "--more adds a round" 0 igny8-ideas --count 1 --more --cluster 2
is "one more idea" 7 "$(count_rows ideas)"
is "and one more request" 4 "$(fake_count /v1/chat/completions)"
like "--more writes only the new idea" '"cluster_id":2' "$T/out"
is "one line" 1 "$(wc -l <"$T/out")"

expect_status "--all takes every cluster from the workspace" 0 igny8-ideas --all
is "--all re-emits the 7 saved ideas" 7 "$(wc -l <"$T/out")"

# -- bad input ---------------------------------------------------------------
sqlite3 "$IGNY8_WORKSPACE" "INSERT INTO clusters (name, name_norm, created_at, updated_at)
 VALUES ('Topic 4', 'topic 4', 'now', 'now')"
printf '{"type":"cluster","id":4}\n{"type":"cluster","id":\n{"type":"cluster","id":5}\n' >bad.jsonl
expect_status "a bad line stops the run with 65" 65 igny8-ideas --count 1 bad.jsonl
like "the message names input and line" '^igny8-ideas: bad.jsonl:2: not valid JSON' "$T/err"
is "the record before it was done and saved" 1 "$(count_rows ideas 'cluster_id = 4')"
like "and written" '"cluster_id":4' "$T/out"

printf '{"type":"cluster","id":99}\n' >missing.jsonl
expect_status "an unknown cluster id is 66" 66 igny8-ideas missing.jsonl
like "named with its place" 'missing.jsonl:1: no cluster with id 99' "$T/err"

printf '{"type":"idea","id":1}\n' >idea.jsonl
expect_status "a record of the wrong type is 65" 65 igny8-ideas - <idea.jsonl
like "it says what was expected" "stdin:1: a 'idea' record cannot be taken here" "$T/err"

# (a line not starting with '{' would be a topic: see 1050-one-off.t)
printf '{not json\n{"type":"cluster","id":99}\n{"type":"cluster","id":1}\n' >mixed.jsonl
expect_status "--keep-going skips bad records and exits 65" 65 igny8-ideas -k mixed.jsonl
like "it says what it ignored" 'ignoring mixed.jsonl:1: not valid JSON' "$T/err"
like "including the unknown id" 'ignoring mixed.jsonl:2: no cluster with id 99' "$T/err"
like "the good record still came out" '"cluster_id":1' "$T/out"

expect_status "a missing input file is 66" 66 igny8-ideas no-such-file.jsonl
like "named" 'no-such-file.jsonl: No such file or directory' "$T/err"

expect_status "a bad option value is 64" 64 igny8-ideas --count many
like "named" "igny8-ideas: --count: 'many' is not a number" "$T/err"

# -- what was sent -------------------------------------------------------------
validate_requests "every request validates against the OpenAPI spec"
no_key_leak "the key appears nowhere" "$T/out" "$T/err" first.jsonl
done_testing

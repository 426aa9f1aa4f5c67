#!/bin/sh
# igny8-cluster: options, input records, bad lines and exit statuses.
. "$(dirname "$0")/../lib.sh"
new_workspace

plan 31

ok "--help exits 0" igny8-cluster --help
like "--help shows the usage" '^usage: igny8-cluster' "$T/.ok.out"
expect_status "unknown option is a usage error" 64 igny8-cluster --bogus
expect_status "--method must be known" 64 igny8-cluster --method magic
like "... and says which" "^igny8-cluster: --method: 'cluster.method' must be one of auto, ai, local, embed, not 'magic'" err
expect_status "--threshold must be in (0,1]" 64 igny8-cluster -t 1.5
expect_status "--emit clusters or keywords" 64 igny8-cluster --emit ideas
expect_status "--ids takes numbers" 64 igny8-cluster --ids 1,x

# A bad third line stops the run with 65; the first two keywords are kept.
printf '%s\n' '{"keyword":"running shoes","volume":10}' \
	'{"keyword":"trail running shoes"}' '{"volume":3}' \
	'{"keyword":"sourdough starter"}' >bad.jsonl
expect_status "bad third line exits 65" 65 igny8-cluster --method local <bad.jsonl
is "the first run says it made the workspace" \
	"igny8-cluster: created workspace $IGNY8_WORKSPACE" "$(head -n 1 err)"
is "the message names stdin:3" \
	"igny8-cluster: stdin:3: missing string member 'keyword'" "$(sed -n 2p err)"
is "nothing written" "" "$(cat out)"
is "earlier keywords kept in the workspace" "running shoes|trail running shoes" \
	"$(sqlite3 ws.db 'SELECT group_concat(keyword, "|") FROM keywords')"

printf '%s\n' '{"keyword":"running shoes"}' '{"keyword":"best running shoes"}' \
	'{"keyword":' '{"keyword":"cheap running shoes"}' >bad2.jsonl
expect_status "--keep-going skips the bad line, exits 65" 65 \
	igny8-cluster --method local -k <bad2.jsonl
like "... saying it ignored stdin:3" '^igny8-cluster: warning: ignoring stdin:3: not valid JSON' err
is "... and clusters the rest" "3" "$(jq_py 'd["keyword_count"]' out)"

expect_status "other record types are refused" 65 igny8-cluster --method local <<'EOF2'
{"type":"cluster","id":1}
EOF2
like "... by type" "stdin:1: a 'cluster' record cannot be taken here" err
expect_status "an unknown keyword id is missing input" 66 \
	igny8-cluster --method local --ids 999
expect_status "--rebuild needs --force when ideas exist" 64 sh -c '
	sqlite3 ws.db "INSERT INTO ideas (cluster_id, title, created_at)
		SELECT id, \"t\", \"now\" FROM clusters LIMIT 1" &&
	igny8-cluster --method local --rebuild --all'
like "... and says so" "^igny8-cluster: --rebuild would delete 1 ideas of 1 clusters: add --force" err
ok "--rebuild --force goes ahead" igny8-cluster --method local --rebuild --force --all


# Records reach the workspace in batches of up to 1024 (lib/engine.c): a
# bad line far past the first batch still stops the run there, and the
# keywords before it stay saved.
awk 'BEGIN { for (i = 1; i <= 3000; i++)
	if (i == 2500) print "{\"volume\":1}"
	else printf "{\"keyword\":\"widget model %d review\",\"volume\":%d}\n", i, i }' >long.jsonl
IGNY8_WORKSPACE=$T/long.db
export IGNY8_WORKSPACE
expect_status "a bad line 2500 of 3000 exits 65" 65 igny8-cluster --method local <long.jsonl
like "... naming stdin:2500" "^igny8-cluster: stdin:2500: missing string member 'keyword'" err
is "... the 2499 keywords before it saved" 2499 \
	"$(sqlite3 long.db 'SELECT count(*) FROM keywords')"
is "... and none clustered" 0 "$(sqlite3 long.db 'SELECT count(*) FROM clusters')"
expect_status "--keep-going takes the other 2999, exits 65" 65 \
	igny8-cluster --method local -k <long.jsonl
is "... each accounted for once in the output" 2999 \
	"$($PY -c 'import json, sys
print(sum(json.loads(l)["keyword_count"] for l in sys.stdin))' <out)"

# --all reads every keyword in one pass; --ids named too come first, once.
ok "--emit keywords --ids 7,3 --all" igny8-cluster --method local --emit keywords --ids 7,3 --all
is "... lists 7 and 3 first" "7 3" "$($PY -c 'import json, sys
print(*[json.loads(l)["id"] for l in sys.stdin][:2])' <"$T/.ok.out")"
is "... then the other 2997 in id order, none twice" "2997 2997 sorted" "$($PY -c 'import json, sys
ids = [json.loads(l)["id"] for l in sys.stdin][2:]
print(len(ids), len(set(ids) - {3, 7}), "sorted" if ids == sorted(ids) else "unsorted")' <"$T/.ok.out")"

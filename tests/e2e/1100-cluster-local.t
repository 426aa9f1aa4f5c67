#!/bin/sh
# igny8-cluster --method local: offline clustering, reruns, incremental
# joins, --emit keywords, --threshold, --all and --ids.
. "$(dirname "$0")/../lib.sh"
new_workspace
# The sample plus two keywords that fit no topic of it.
EX=$T/keywords.jsonl
cat "$TOP/examples/keywords.jsonl" >"$EX"
printf '%s\n' '{"keyword":"medieval tapestry restoration"}' \
	'{"keyword":"zeppelin mooring mast history"}' >>"$EX"

names() { # FILE: the cluster names, one a line
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]): print(json.loads(l)["name"])' "$1"
}

plan 30

# No API key and no loopback base URL: auto means local, nothing is sent.
expect_status "clusters the sample without an API key" 0 igny8-cluster <"$EX"
cp out first
like "names come from the top keyword" '"name":"best running shoes"' out
is "every record is a cluster with an id, but the unclustered one" "0" \
	"$("$PY" -c 'import json, sys
print(sum(1 for l in open("out") if json.loads(l)["type"] != "cluster" or
          not (json.loads(l)["id"] or json.loads(l).get("unclustered"))))')"
like "records carry count, volume and intent" \
	'"keyword_count":7,"total_volume":110500,"intent":"commercial"' out
is "no two clusters share a name" "" "$(names out | sort | uniq -d)"
is "method recorded" "local" "$(sqlite3 ws.db 'SELECT DISTINCT method FROM clusters')"
like "unclustered keywords are counted" '^igny8-cluster: [0-9]+ keywords left unclustered' err
is "unclustered keywords stay unassigned" \
	"$(sqlite3 ws.db 'SELECT count(*) FROM keywords WHERE cluster_id IS NULL')" \
	"$(sed -n 's/^igny8-cluster: \([0-9]*\) keywords left unclustered.*/\1/p' err)"

sqlite3 ws.db 'SELECT id, updated_at FROM clusters ORDER BY id' >before
expect_status "rerun" 0 igny8-cluster <"$EX"
is_same "rerun writes the same records" first out
sqlite3 ws.db 'SELECT id, updated_at FROM clusters ORDER BY id' >after
is_same "rerun changes nothing" before after

printf '%s\n' '{"keyword":"running shoes for kids","volume":90}' \
	'{"keyword":"sourdough starter recipe","volume":80}' \
	'{"keyword":"quantum chromodynamics lecture notes"}' >new.jsonl
expect_status "incremental run" 0 igny8-cluster --emit keywords <new.jsonl
is "new keyword joins the existing cluster" "best running shoes" \
	"$("$PY" -c 'import json; print(json.loads(open("out").readline())["cluster"])')"
like "--emit keywords writes keyword records" '^\{"type":"keyword","id":[0-9]+,"keyword":"running shoes for kids"' out
like "an unrelated keyword stays unclustered" \
	'"keyword":"quantum chromodynamics lecture notes".*"cluster_id":null,"cluster":null' out
is "no new cluster for the joiners" "$(($(wc -l <first) - 1))" \
	"$(sqlite3 ws.db 'SELECT count(*) FROM clusters')"

# A cluster's record is built from the run's own groups while the save
# runs (fn_cluster.c): it must be what the workspace gives when re-read.
echo '{"keyword":"running shoes for toddlers","volume":95,"intent":"transactional"}' >join.jsonl
expect_status "a keyword joins a cluster" 0 igny8-cluster <join.jsonl
cp out joined
expect_status "... rerun" 0 igny8-cluster <join.jsonl
is_same "... the record as the workspace re-reads it" joined out

expect_status "--ids takes keywords from the workspace" 0 igny8-cluster --ids 1,2 --emit keywords
is "... one line each" "2" "$(wc -l <out | tr -d ' ')"
expect_status "--all re-emits every cluster" 0 igny8-cluster --all
is "... all of them, and the unclustered record" \
	"$(sqlite3 ws.db 'SELECT count(*) + 1 FROM clusters')" "$(wc -l <out | tr -d ' ')"

expect_status "--rebuild with a strict threshold" 0 \
	igny8-cluster --rebuild --threshold 0.9 --all
ok "fewer keywords are clustered" test \
	"$(sqlite3 ws.db 'SELECT count(*) FROM keywords WHERE cluster_id IS NOT NULL')" \
	-lt "$("$PY" -c 'import json
print(sum(json.loads(l)["keyword_count"] for l in open("first")
          if not json.loads(l).get("unclustered")))')"
sqlite3 ws.db 'SELECT id, cluster_id FROM keywords ORDER BY id' >before
expect_status "--dry-run saves nothing" 0 igny8-cluster -n --rebuild --all
like "... previews clusters without ids" '^\{"type":"cluster","id":null' out
sqlite3 ws.db 'SELECT id, cluster_id FROM keywords ORDER BY id' >after
is_same "... and keeps the assignments as they were" before after

expect_status "--rebuild at the default threshold" 0 igny8-cluster --rebuild --all
grep -v '"unclustered":true' out >rebuilt
igny8 export clusters >exported
is_same "... its records as the workspace re-reads them" rebuilt exported

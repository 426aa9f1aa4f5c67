#!/bin/sh
# igny8-cluster accounts for every keyword: the unclustered record (and
# igny8-ideas skipping it), names with and without volumes, the same
# records whatever the input order or --jobs, and a generated list of
# 100,000 keywords.
. "$(dirname "$0")/../lib.sh"
new_workspace
EX=$T/keywords.jsonl
cat "$TOP/examples/keywords.jsonl" >"$EX"
printf '%s\n' '{"keyword":"medieval tapestry restoration","volume":10}' \
	'{"keyword":"zeppelin mooring mast history","volume":70}' >>"$EX"

# The sum of keyword_count over all records, and the unclustered record.
total() {
	"$PY" -c 'import json, sys
print(sum(json.loads(l)["keyword_count"] for l in open(sys.argv[1])))' "$1"
}
left() {
	"$PY" -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
u = [x for x in r if x.get("unclustered")]
print(len(u), u and u[0]["id"], u and r[-1] is u[0], u and u[0]["keywords"])' "$1"
}

plan 23

expect_status "clusters the sample" 0 igny8-cluster --method local <"$EX"
cp "$T/out" first
is "every input keyword is in exactly one record" "$(wc -l <"$EX" | tr -d ' ')" "$(total first)"
is "one unclustered record, last, without an id, by volume" \
	"1 None True ['zeppelin mooring mast history', 'medieval tapestry restoration']" \
	"$(left first)"
like "its count and volume" '"unclustered":true,.*"keyword_count":[0-9]+,"total_volume":[0-9]+' first
is "its count is the keywords the workspace holds unclustered" \
	"$(sqlite3 ws.db 'SELECT count(*) FROM keywords WHERE cluster_id IS NULL')" \
	"$("$PY" -c 'import json, sys
print([json.loads(l) for l in open("first")][-1]["keyword_count"])')"

# cluster, then ideas: the unclustered record is skipped, not an error
fake_start || exit 1
expect_status "igny8-ideas reads the cluster records" 0 igny8-ideas --count 1 first
is "one request per real cluster" "$(($(wc -l <first) - 1))" \
	"$(fake_count /v1/chat/completions)"
is "one idea per real cluster" "$(($(wc -l <first) - 1))" "$(wc -l <"$T/out" | tr -d ' ')"
unlike "no idea for the unclustered keywords" 'medieval|zeppelin' "$T/out"
fake_stop

# Names: the highest-volume member; without volumes, the head term.
cname() { # FILE KEYWORD: the name of the cluster holding KEYWORD
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if sys.argv[2] in r["keywords"]: print(r["name"])' "$1" "$2"
}
is "with volumes the highest-volume member names it" "best running shoes" \
	"$(cname first 'running shoes for women')"
like "members by volume" '"keywords":\["best running shoes","running shoes for women","running shoes for men"' first
"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l); o.pop("volume", None); print(json.dumps(o))' "$EX" >novol.jsonl
IGNY8_WORKSPACE=$T/novol.db expect_status "clusters the sample without volumes" 0 \
	igny8-cluster --method local <novol.jsonl
cp "$T/out" novol
is "without volumes the shared phrase names it" "running shoes" \
	"$(cname novol 'best running shoes')"
is "words in order with a gap count (iphone 15 case)" "iphone case" \
	"$(cname novol 'clear iphone 15 case')"
is "without volumes members go most central first, the odd one last" \
	"iphone 15 case ... waterproof running shoes" \
	"$("$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["name"] == "iphone case": print(r["keywords"][0], "...", r["keywords"][-1])' novol)"
is "no two clusters share a name" "" \
	"$("$PY" -c 'import json, sys
n = [json.loads(l)["name"] for l in open(sys.argv[1])]
print(" ".join(x for x in set(n) if x and n.count(x) > 1))' novol)"

# Input order and --jobs do not change the records.
"$PY" -c 'import random, sys
l = open(sys.argv[1]).readlines(); random.Random(7).shuffle(l)
sys.stdout.write("".join(l))' "$EX" >shuffled.jsonl
IGNY8_WORKSPACE=$T/ws2.db expect_status "shuffled input, --jobs 1" 0 \
	igny8-cluster --method local --jobs 1 <shuffled.jsonl
is_same "same records as in input order" first "$T/out"
tac "$EX" >reversed.jsonl
IGNY8_WORKSPACE=$T/ws3.db expect_status "reversed input, --jobs 2" 0 \
	igny8-cluster --method local --jobs 2 <reversed.jsonl
is_same "same records again" first "$T/out"

# A generated list of 100,000 keywords (not a timing test).
"$PY" "$TOP/bench/gen-keywords.py" 100000 --seed 3 | "$PY" -c 'import json, sys
for l in sys.stdin: print(json.dumps({"keyword": l.rstrip("\n")}))' >big.jsonl
IGNY8_WORKSPACE=$T/big.db expect_status "clusters 100,000 generated keywords" 0 \
	igny8-cluster --method local <big.jsonl
is "every one of them is in one record" 100000 "$(total "$T/out")"
ok "most of them in clusters of more than 20" "$PY" -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
big = sum(x["keyword_count"] for x in r if not x.get("unclustered") and x["keyword_count"] > 20)
sys.exit(0 if big > 50000 else 1)' "$T/out"

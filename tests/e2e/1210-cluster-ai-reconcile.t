#!/bin/sh
# igny8-cluster --method ai over many requests: the reconcile step against
# the fake's scripted model (tests/fakeapi/topics.py), which groups each
# request perfectly by the gold topics of a labelled set, so every error
# is the reconcile step's.  See man/igny8-cluster.1, "Reconciling".
. "$(dirname "$0")/../lib.sh"
fake_start || skip_all "the fake API server did not start"
CHECK=$TESTS/e2e/cluster-check.py

plan 18

# A labelled SEO set: 600 keywords of 200 topics (brands, products,
# audiences, tasks), with a synonym for every topic.
"$PY" "$TOP/bench/quality/ai/gen-seo.py" -n 600 --topics 200 --seed 3 >gold.jsonl
"$PY" -c 'import json, sys
for l in open("gold.jsonl"):
    print(json.dumps({"keyword": json.loads(l)["keyword"]}))' >in.jsonl
topics=$("$PY" -c 'import json
print(len({json.loads(l)["gold"] for l in open("gold.jsonl")}))')
requests=$(( ($(wc -l <in.jsonl) + 49) / 50 ))

# script VARY SPLIT: the scripted model with names varied and topics split.
script() {
	printf '{"cluster": {"gold": "%s", "vary": %s, "split": %s, "seed": 1}}\n' \
		"$T/gold.jsonl" "$1" "$2" >script.json
	fake_script script.json
}
# cluster_run NAME BATCH: a fresh workspace, the input in batches of BATCH.
cluster_run() {
	IGNY8_WORKSPACE=$T/$1.db
	export IGNY8_WORKSPACE
	fake_reset
	expect_status "$1: clustered in batches of $2" 0 \
		igny8-cluster --method ai --batch-size "$2" -j2 --emit keywords <in.jsonl
}
score() {
	"$PY" "$CHECK" score gold.jsonl out
}

script 0 0
cluster_run same 50
is "same: one request per 50 keywords" "$requests" "$(fake_count /v1/chat/completions)"
is "same: identical names give exactly the model's partition" \
	"1.0000 $topics $topics" "$(score)"

script 0.5 0
cluster_run vary 50
set -- $(score)
ok "vary: names varied in half the groups stay within 3 points (ARI $1)" \
	"$PY" -c "import sys; sys.exit($1 < 0.97)"
ok "vary: at most 10% more clusters than topics ($2 for $topics)" \
	"$PY" -c "import sys; sys.exit($2 > $topics * 1.1)"
is "vary: cluster names are unique" "" "$(sqlite3 vary.db \
	'SELECT name_norm FROM clusters GROUP BY name_norm HAVING count(*) > 1')"

# Topics split in two inside requests: no cluster holds two groups of one
# request, whatever joined before.
script 0.5 0.3
cluster_run split 50
"$PY" "$CHECK" kept script.json "$FAKE_LOG" out >mixed
is "split: groups one request kept apart are never in one cluster" "" "$(cat mixed)"
set -- $("$PY" "$CHECK" score gold.jsonl out script.json "$FAKE_LOG")
ok "split: within 5 points of the model's own partition (ARI $1, model $4)" \
	"$PY" -c "import sys; sys.exit($1 < $4 - 0.05)"

# Names: the one most requests used wins, volume-weighted when known.
# answer MATCH NAME DESC KW...: a rule answering requests with MATCH.
answer() {
	_m=$1 _n=$2 _d=$3
	shift 3
	_k=$(printf '\\"%s\\",' "$@")
	printf '{"path": "/v1/chat/completions", "match": "%s", "reply": {"chat_content": "{\\"clusters\\":[{\\"name\\":\\"%s\\",\\"description\\":\\"%s\\",\\"keywords\\":[%s]}]}"}}' \
		"$_m" "$_n" "$_d" "${_k%,}"
}
{
	echo '{"rules": ['
	answer alpha "Best Trail Shoes" first "trail shoes alpha" "trail shoes bravo"
	echo ,
	answer charlie "Trail Shoes" second "trail shoes charlie" "trail shoes delta"
	echo ,
	answer echo "Trail Shoes" third "trail shoes echo" "trail shoes foxtrot"
	echo ,
	printf '%s' '{"path": "/v1/chat/completions", "match": "golf", "reply": {"chat_content": "{\"clusters\":[{\"name\":\"trail shoes\",\"description\":\"g\",\"keywords\":[\"trail shoes golf\"]},{\"name\":\"Trail Shoes\",\"description\":\"h\",\"keywords\":[\"trail shoes hotel\"]}]}"}}'
	echo ']}'
} >rules.json
fake_script rules.json
vols() {
	for w in alpha bravo charlie delta echo foxtrot; do
		case $w in alpha | bravo) v=$1 ;; *) v=10 ;; esac
		printf '{"keyword":"trail shoes %s","volume":%s}\n' "$w" "$v"
	done
}
IGNY8_WORKSPACE=$T/names.db
vols -1 | sed 's/,"volume":-1//' >names.jsonl
expect_status "names: three requests, no volumes" 0 \
	igny8-cluster --method ai --batch-size 2 <names.jsonl
is "names: the name most requests used, not the first request's" \
	"Trail Shoes|second|6" \
	"$(sqlite3 names.db "SELECT name, description, count(*) FROM clusters c JOIN keywords k ON k.cluster_id = c.id GROUP BY c.id")"
IGNY8_WORKSPACE=$T/vol.db
vols 1000 >vol.jsonl
expect_status "names: three requests, with volumes" 0 \
	igny8-cluster --method ai --batch-size 2 <vol.jsonl
is "names: with volumes, the name of the most searched keywords" \
	"Best Trail Shoes|first|6" \
	"$(sqlite3 vol.db "SELECT name, description, count(*) FROM clusters c JOIN keywords k ON k.cluster_id = c.id GROUP BY c.id")"

# A request's two groups of one name are two clusters; the name that would
# repeat gets a number (names are unique in the workspace).
printf '%s\n' '{"keyword":"trail shoes golf"}' '{"keyword":"trail shoes hotel"}' >split.jsonl
IGNY8_WORKSPACE=$T/two.db
expect_status "two groups named alike by one request" 0 \
	igny8-cluster --method ai --batch-size 2 <split.jsonl
is "... stay two clusters, the second name numbered" "trail shoes|g
Trail Shoes 2|h" "$(sqlite3 two.db "SELECT c.name, c.description FROM clusters c JOIN keywords k ON k.cluster_id = c.id WHERE k.keyword IN ('trail shoes golf', 'trail shoes hotel') ORDER BY k.keyword")"

validate_requests "requests match the OpenAI schema"
no_key_leak "no key in output, logs or workspace" out err

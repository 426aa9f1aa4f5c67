#!/bin/sh
# The whole pipeline on the sample keywords, through pipes, against the
# fake server: every stage's records flow to the next, reruns are free,
# and `make demo` works both with and without a key.
. "$(dirname "$0")/../lib.sh"

fake_start || exit 1
new_workspace
kw=$TOP/examples/keywords.jsonl

# All four stages start at once on a workspace that does not exist yet.
{ igny8-cluster <"$kw" 2>cluster.err; echo $? >cluster.st; } |
	{ igny8-ideas --count 1 2>ideas.err; echo $? >ideas.st; } |
	{ igny8-write --words 300 -j 4 2>write.err; echo $? >write.st; } |
	{ igny8-image --max-images 1 -j 4 >done.jsonl 2>image.err; echo $? >image.st; }
st=$(cat cluster.st ideas.st write.st image.st | tr '\n' ' ' | sed 's/ $//')
is "every stage succeeded" "0 0 0 0" "$st"
[ "$st" = "0 0 0 0" ] || for s in cluster ideas write image; do _diag_file $s.err; done
clusters=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM clusters")
ok "the keywords were clustered ($clusters clusters)" test "$clusters" -ge 4
is "one idea per cluster" "$clusters" "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM ideas")"
is "one article per idea" "$clusters" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM content WHERE status = 'draft'")"
is "every task done" "done|$clusters" "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status, count(*) FROM tasks GROUP BY status")"
n=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM images WHERE status = 'done'")
ok "images were made and saved ($n)" test "$n" -ge "$clusters"
is "the last stage wrote image records" "$n" "$(grep -c '"type":"image"' done.jsonl)"
ok "every image file exists" sh -c "sqlite3 '$IGNY8_WORKSPACE' 'SELECT path FROM images' | xargs ls >/dev/null"
requests=$(fake_count)

igny8-cluster <"$kw" 2>/dev/null | igny8-ideas --count 1 2>/dev/null |
	igny8-write --words 300 2>/dev/null | igny8-image --max-images 1 >again.jsonl 2>/dev/null
is "rerunning the pipeline sends nothing" "$requests" "$(fake_count)"
is_same "and writes the same records" done.jsonl again.jsonl
is "and adds no rows" "$n" "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM images")"

expect_status "igny8 costs adds it up" 0 igny8 costs --by function
like "per function" 'write' "$T/out"
expect_status "igny8 log shows the last run's calls" 0 igny8 log --last
validate_requests "every request body validates against the OpenAPI spec"
no_key_leak "no key anywhere" done.jsonl cluster.err ideas.err write.err image.err

# make demo: without a key offline clustering and dry runs; with one, real.
mkdir demo-nokey demo-key
( unset OPENAI_API_KEY; IGNY8_DEMO_DIR=$T/demo-nokey "$TOP/scripts/demo" ) >demo1.out 2>demo1.err
is "demo without a key succeeds" 0 $?
like "it says how to set a key" 'set OPENAI_API_KEY' demo1.err
ok "it clustered for real" test -s demo-nokey/clusters.jsonl
ok "and dry-ran ideas with costs" grep -q '"est_cost"' demo-nokey/ideas-requests.jsonl
IGNY8_DEMO_DIR=$T/demo-key "$TOP/scripts/demo" >demo2.out 2>demo2.err
is "demo with a key runs the pipeline" 0 $?
ok "down to images" grep -q '"type":"image"' demo-key/done.jsonl
done_testing

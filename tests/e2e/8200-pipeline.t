#!/bin/sh
# Four stages at once against one workspace, --jobs 8 each, with another
# writer racing them: nothing fails with "database is locked" and every
# record ends done.
. "$(dirname "$0")/../lib.sh"

fake_start || exit 1
new_workspace
printf '{"latency_ms": 40}\n' >slow.json
fake_script slow.json
ok "init" igny8 init
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

# Each stage's status lands in st.<stage>; dash has no pipefail.
{ igny8-cluster --jobs 8 <"$TOP/examples/keywords.jsonl" 2>e.cluster; echo $? >st.cluster; } |
	{ igny8-ideas --jobs 8 --count 2 2>e.ideas; echo $? >st.ideas; } |
	{ igny8-write --jobs 8 --words 300 2>e.write; echo $? >st.write; } |
	{ igny8-image --jobs 8 --max-images 1 >done.jsonl 2>e.image; echo $? >st.image; } &
pipe=$!
# Meanwhile another process claims queued tasks and a reader polls.
for i in 1 2 3; do
	igny8-write --jobs 8 --queued >/dev/null 2>>e.racer
	echo $? >>st.racer
	igny8 status >/dev/null 2>>e.racer
	echo $? >>st.racer
done
wait "$pipe"

for s in cluster ideas write image; do
	is "igny8-$s exits 0" 0 "$(cat st.$s)"
done
is "the racing writer and reader exit 0" "0 0 0 0 0 0" "$(echo $(cat st.racer))"
unlike "no stage saw a locked database" 'database is (locked|busy)' \
	"$(cat e.cluster e.ideas e.write e.image e.racer >e.all; echo e.all)"
ok "clusters were made" test "$(sql "SELECT count(*) FROM clusters")" -gt 2
is "every cluster has ideas" 0 "$(sql "SELECT count(*) FROM clusters c WHERE NOT EXISTS
 (SELECT 1 FROM ideas i WHERE i.cluster_id = c.id)")"
is "every idea has a task" 0 "$(sql "SELECT count(*) FROM ideas i WHERE NOT EXISTS
 (SELECT 1 FROM tasks t WHERE t.idea_id = i.id)")"
is "every task is done" "$(sql "SELECT count(*) FROM tasks")" \
	"$(sql "SELECT count(*) FROM tasks WHERE status = 'done'")"
is "one article per task" "$(sql "SELECT count(*) FROM tasks")" \
	"$(sql "SELECT count(*) FROM content")"
is "every article has its images, done" 0 "$(sql "SELECT count(*) FROM tasks t WHERE
 NOT EXISTS (SELECT 1 FROM images i WHERE i.task_id = t.id)
 OR EXISTS (SELECT 1 FROM images i WHERE i.task_id = t.id AND i.status <> 'done')")"
ok "the last stage wrote records" test -s done.jsonl
is "no run left open" 0 "$(sql "SELECT count(*) FROM runs WHERE ended_at IS NULL")"
done_testing

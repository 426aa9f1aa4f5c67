#!/bin/sh
# A finished record is skipped with a reason (shown with -v), and every
# stage has a way to do it again: igny8-write --refresh rewrites a done
# task (and a failed rewrite keeps the article it had), igny8-image
# --refresh makes done images anew, igny8-ideas --more asks for another
# round, igny8-cluster --rebuild clusters afresh (tests/e2e/1250).
. "$(dirname "$0")/../lib.sh"
fake_start || skip_all "the fake API server did not start"
new_workspace
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
chat() { fake_count /v1/chat/completions; }

printf '{"type":"task","title":"Redo me"}\n' >task.jsonl
expect_status "a task written" 0 igny8-write --words 200 task.jsonl
is "one request" "1" "$(chat)"
first_run=$(sql 'SELECT run_id FROM content WHERE task_id = 1')

expect_status "--task 1 again" 0 igny8-write --task 1 -v
like "says why it is skipped, and how to redo it" \
	'task:1: done already: its article is written out again, nothing is sent \(--refresh writes it anew\)' err
like "counted as skipped" '0 done, 0 failed, 1 skipped' err
is "nothing sent" "1" "$(chat)"

expect_status "--task 1 --refresh -m test-chat-2" 0 igny8-write --task 1 --refresh -m test-chat-2 -v
like "done, not skipped" '1 done, 0 failed, 0 skipped' err
is "one more request" "2" "$(chat)"
is "with the model asked for" "test-chat-2" "$("$PY" -c '
import json, sys
print([json.loads(l) for l in open(sys.argv[1])][-1]["body"]["model"])' "$FAKE_LOG")"
ok "the article was replaced by this run's" test "$(sql 'SELECT run_id FROM content WHERE task_id = 1')" != "$first_run"
is "still one article" "1" "$(sql 'SELECT count(*) FROM content')"
is "the task is done" "done" "$(sql 'SELECT status FROM tasks WHERE id = 1')"

# A rewrite that fails keeps the article and the task's done status.
html=$(sql 'SELECT html FROM content WHERE task_id = 1')
echo '{"rules": [{"path": "/v1/chat/completions", "reply": {"status": 400}}]}' >fail.json
fake_script fail.json
expect_status "a failed rewrite" 65 igny8-write --task 1 --refresh
is "the task stays done" "done" "$(sql 'SELECT status FROM tasks WHERE id = 1')"
is "the article is kept" "$html" "$(sql 'SELECT html FROM content WHERE task_id = 1')"
echo '{}' >ok.json
fake_script ok.json

# igny8-image: done images are skipped with a reason; --refresh makes them anew.
expect_status "images for the task" 0 igny8-image --task 1 --max-images 1
n=$(sql "SELECT count(*) FROM images WHERE status = 'done'")
sent=$(fake_count)
expect_status "images again" 0 igny8-image --task 1 --max-images 1 -v
like "says why, and how to redo" 'task:1: images done already: written out again, nothing is sent \(--refresh makes them anew\)' err
is "nothing sent" "$sent" "$(fake_count)"
old=$(sql "SELECT group_concat(updated_at || run_id) FROM images")
expect_status "images --refresh" 0 igny8-image --task 1 --max-images 1 --refresh
ok "requests were sent again" test "$(fake_count)" -gt "$sent"
is "as many images as before" "$n" "$(sql "SELECT count(*) FROM images WHERE status = 'done'")"
ok "made by this run" test "$(sql "SELECT group_concat(updated_at || run_id) FROM images")" != "$old"

# igny8-ideas: a cluster with ideas is skipped with a reason naming --more.
sql "INSERT INTO clusters (name, name_norm, created_at, updated_at) VALUES ('C', 'c', 'now', 'now')"
cid=$(sql "SELECT id FROM clusters WHERE name = 'C'")
expect_status "ideas for a cluster" 0 igny8-ideas --count 1 --cluster "$cid"
expect_status "ideas again" 0 igny8-ideas --count 1 --cluster "$cid" -v
like "says why, and how to ask again" "cluster:$cid: has ideas already: .*\\(--more asks for another round\\)" err
expect_status "--more" 0 igny8-ideas --count 1 --cluster "$cid" --more
is "a second round" "2" "$(sql "SELECT count(*) FROM ideas WHERE cluster_id = $cid")"
done_testing

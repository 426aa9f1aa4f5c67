#!/bin/sh
# History a user can read: runs.args holds the whole command line with
# keys masked; igny8 tasks lists, requeues and deletes tasks.
. "$(dirname "$0")/../lib.sh"
new_workspace
igny8 -q init || fail "init"
printf 'trail shoes\ntrail running shoes\nroad shoes\n' | igny8 -q import - || fail "import"
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

# -- runs.args ---------------------------------------------------------------
OPENAI_API_KEY=sk-test-env-0123456789abcdef
export OPENAI_API_KEY
expect_status "cluster --all" 0 igny8-cluster --method local --all -q \
	--set "site.name=Trail's End" --set providers.openai.api_key=sk-test-flag-0123456789 \
	--set site.context=sk-test-env-0123456789abcdef
is "runs.args is the whole command line, keys masked" \
	"--method local --all -q --set 'site.name=Trail'\\''s End' --set providers.openai.api_key=[REDACTED] --set site.context=[REDACTED]" \
	"$(sql "SELECT args FROM runs ORDER BY id DESC LIMIT 1")"
unset OPENAI_API_KEY
# (not a dry run: that saves nothing, its run's row included)
printf '{"keyword":"trail shoes"}\n{"keyword":"trail running shoes"}\n' >t.jsonl
expect_status "cluster with a file" 0 igny8-cluster --method local t.jsonl -j 1
is "options and files in the order typed" "--method local t.jsonl -j 1" \
	"$(sql "SELECT args FROM runs ORDER BY id DESC LIMIT 1")"
no_key_leak "no key in the workspace" "$T/out" "$T/err"

# -- igny8 tasks ---------------------------------------------------------------
sql "DELETE FROM tasks;
INSERT INTO tasks (id, title, status, error, attempts, created_at, updated_at) VALUES
 (1, 'Good one', 'done', NULL, 1, 'x', '2026-01-01T00:00:00Z'),
 (2, 'Junk', 'failed', 'the model refused', 3, 'x', '2026-01-01T00:00:00Z'),
 (3, 'More junk', 'failed', 'bad answer', 2, 'x', '2026-01-01T00:00:00Z'),
 (4, 'Waiting', 'queued', NULL, 0, 'x', '2026-01-01T00:00:00Z');
INSERT INTO content (task_id, html, created_at, updated_at) VALUES (1, '<p>x</p>', 'x', 'x');"
expect_status "tasks lists them" 0 igny8 tasks
like "a header" '^ +ID STATUS +ATTEMPTS UPDATED +ARTICLE TITLE$' "$T/out"
like "a failed task with its error" '^ +2 failed +3 2026-01-01T00:00:00Z no +Junk \(the model refused\)$' "$T/out"
like "a done task with its article" '^ +1 done +1 .* yes +Good one$' "$T/out"
expect_status "tasks --status failed" 0 igny8 tasks --status failed
is "only the failed" 2 "$(grep -c ' failed ' "$T/out")"
unlike "not the others" 'Waiting|Good one' "$T/out"
expect_status "requeue one" 0 igny8 tasks requeue 2
like "says so" '^igny8: tasks: requeued 1 task$' "$T/err"
is "queued, error cleared" "queued|" "$(sql "SELECT status, error FROM tasks WHERE id = 2" | tr -d '\n')"
expect_status "requeue --status failed" 0 igny8 tasks requeue --status failed
is "the other failed one too" "queued" "$(sql "SELECT status FROM tasks WHERE id = 3")"
expect_status "deleting a task with an article is refused" 65 igny8 tasks delete 2 1
like "naming it" '^igny8: tasks: task 1: it has an article' "$T/err"
is "all or nothing: task 2 is still there" 1 "$(sql "SELECT count(*) FROM tasks WHERE id = 2")"
expect_status "a missing task is 66" 66 igny8 tasks delete 99
expect_status "delete junk" 0 igny8 tasks delete 2 3
like "says how many" '^igny8: tasks: deleted 2 tasks$' "$T/err"
is "gone" "1 4" "$(sql "SELECT id FROM tasks ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"
# A run that has not ended, of this live shell's pid: it is writing task 4.
sql "UPDATE tasks SET status = 'running', run_id = (SELECT max(id) FROM runs) WHERE id = 4;
UPDATE runs SET pid = $$, ended_at = NULL WHERE id = (SELECT max(id) FROM runs)"
expect_status "a task a live run writes is refused" 65 igny8 tasks requeue 4
like "naming the run" 'task 4: run [0-9]+ is writing it' "$T/err"
expect_status "an unknown action" 64 igny8 tasks requeu 2
expect_status "requeue with nothing to requeue" 64 igny8 tasks requeue
expect_status "an id that is none" 64 igny8 tasks delete x
done_testing

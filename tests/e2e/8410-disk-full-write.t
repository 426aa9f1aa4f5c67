#!/bin/sh
# igny8-write when the workspace's disk fills mid-run (tests/inject/ioerr.c
# fails the write-ahead log's writes): no new request is started after
# the first failed commit, and no task is left 'running', whether room
# comes back before the run ends or only for the next run.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 12 || exit 1
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
. "$TESTS/ioerr.sh"

need_write_faults

cluster_records 12 | igny8-ideas -q --count 1 >ideas.jsonl || exit 1
echo '{"latency_ms": 100}' >slow.json
fake_script slow.json
fake_reset

# The disk fills and stays full to the end of the run.
IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=60000 LD_PRELOAD=$SHIM \
	run igny8-write -j 4 --words 200 ideas.jsonl >"$T/out" 2>"$T/err"
st=$?
ok "the run fails (status $st)" test "$st" -ne 0 -a "$st" -lt 128
like "saying the disk is full" 'disk is full' "$T/err"
sent=$(fake_count /v1/chat/completions)
ok "no request started after the first failure ($sent sent, 4 in flight at most)" \
	test "$sent" -le 5
expect_status "the next run, with room" 0 igny8-write -j 4 --words 200 ideas.jsonl
is "leaves no task running" "" "$(sql "SELECT id FROM tasks WHERE status = 'running'")"
is "every task done" "done|12" "$(sql 'SELECT status, count(*) FROM tasks GROUP BY status')"

# Room comes back during the run.  Whether the run could close itself
# depends on which writes the full disk refused; either way, once any
# next run has started (here one with nothing to do), none is running.
sql "DELETE FROM content; DELETE FROM tasks"
fake_reset
IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=60000 IGNY8_FAIL_TIMES=3 LD_PRELOAD=$SHIM \
	run igny8-write -j 4 --words 200 ideas.jsonl >"$T/out" 2>"$T/err"
st=$?
ok "a commit failed, so the run fails (status $st)" test "$st" -ne 0 -a "$st" -lt 128
expect_status "another stage starts, with nothing to do" 0 igny8-ideas </dev/null
is "no task left running" "" "$(sql "SELECT id FROM tasks WHERE status = 'running'")"

# A run killed while a task runs: the next run of any stage requeues it.
printf '{"type":"task","title":"Killed"}\n' >killed.jsonl
IGNY8_TEST_CRASH_AT=SAVE run igny8-write --words 200 killed.jsonl >/dev/null 2>&1
is "the killed run left its task running" "running" \
	"$(sql "SELECT status FROM tasks WHERE title = 'Killed'")"
expect_status "another stage starts" 0 igny8-ideas </dev/null
like_row=$(sql "SELECT status || ': ' || error FROM tasks WHERE title = 'Killed'")
case $like_row in
"queued: left unfinished by run "*) pass "the task is queued again, saying which run left it" ;;
*) fail "the task is queued again, saying which run left it"; diag "got: $like_row" ;;
esac
done_testing

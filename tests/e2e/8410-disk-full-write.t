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
SHIM=${IGNY8_T:-$IGNY8_BUILD/t}/ioerr.so
[ "$IGNY8_BUILD" = "$TOP" ] && SHIM=${IGNY8_T:-$TOP/build/t}/ioerr.so
ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
export ASAN_OPTIONS

probe=$(mktemp -d)
if IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=0 LD_PRELOAD=$SHIM IGNY8_WORKSPACE=$probe/p.db \
	igny8-ideas -q </dev/null >/dev/null 2>&1; then
	rm -rf "$probe"
	skip_all "the preloaded shim cannot fail this build's writes (sanitizer runtime)"
fi
rm -rf "$probe"

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

# Room comes back before the run ends: the run itself leaves none running.
sql "DELETE FROM content; DELETE FROM tasks"
fake_reset
IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=60000 IGNY8_FAIL_TIMES=3 LD_PRELOAD=$SHIM \
	run igny8-write -j 4 --words 200 ideas.jsonl >"$T/out" 2>"$T/err"
st=$?
ok "a commit failed, so the run fails (status $st)" test "$st" -ne 0 -a "$st" -lt 128
is "no task left running by the run" "" \
	"$(sql "SELECT id || ' ' || status FROM tasks WHERE status = 'running'")"
is "the run is closed" "1" "$(sql "SELECT count(*) FROM runs WHERE id = (SELECT max(id) FROM runs)
	AND ended_at IS NOT NULL")"
done_testing

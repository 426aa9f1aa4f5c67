#!/bin/sh
# Issue 15 item 4: answers that arrived while the workspace's disk was full
# are not paid for again.  tests/inject/ioerr.c fails the write-ahead log's
# writes for a while (IGNY8_FAIL_TIMES), then room is back: an answer is in
# the cache before its record's results are saved, and one whose commit
# failed is kept by a later transaction, so the next run takes it from the
# cache instead of asking again.  Over both runs each record is paid once,
# wherever the disk filled.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 12 || exit 1
cluster_records 12 >twelve.jsonl
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
. "$TESTS/ioerr.sh"

need_write_faults

# Answers come slowly enough that several are in flight when writes fail;
# whether one of them lands in the failing commits depends on timing, so
# the disk fills at eight points (the bodies, not the subject here, are
# not kept: they would move every point).
echo '{"latency_ms": 50}' >slow.json
fake_script slow.json
lost=0
for after in 20000 30000 45000 60000 75000 90000 105000 120000; do
	sql "DELETE FROM ideas; DELETE FROM cache"
	fake_reset
	IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=$after IGNY8_FAIL_TIMES=3 LD_PRELOAD=$SHIM \
		run igny8-ideas --jobs 4 --count 2 --set log.bodies=false twelve.jsonl >"$T/out" 2>"$T/err"
	st=$?
	ok "full after $after bytes: the run fails (status $st)" test "$st" -ne 0 -a "$st" -lt 128
	first=$(fake_count /v1/chat/completions)
	saved=$(sql "SELECT count(DISTINCT cluster_id) FROM ideas")
	diag "full after $after bytes: $first requests, $saved clusters saved"
	[ "$first" -gt "$saved" ] && lost=$((lost + 1))
	fake_reset
	expect_status "... a rerun with room" 0 igny8-ideas --jobs 4 --count 2 twelve.jsonl
	is "... pays only for what the first run did not ask" "$((12 - first))" \
		"$(fake_count /v1/chat/completions)"
	is "... and saves every cluster's ideas" 12 \
		"$(sql "SELECT count(DISTINCT cluster_id) FROM ideas")"
done
ok "some run had answers that arrived and were not saved ($lost)" test "$lost" -gt 0
done_testing

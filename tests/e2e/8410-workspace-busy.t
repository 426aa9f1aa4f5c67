#!/bin/sh
# The workspace misbehaves at one chosen moment (tests/inject/ioerr.c wraps
# sqlite3_step): another process keeps the write lock past the busy wait
# just after a commit, SQLite rolls a transaction back by itself mid-run,
# and Ctrl-C comes while stdin is blocked or while waiting for the lock.
# A run always ends, prints only what it saved, and answers Ctrl-C with
# status 130 within a second.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 12 || exit 1
cluster_records 12 >twelve.jsonl
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
. "$TESTS/ioerr.sh"

saved() { sql "SELECT DISTINCT cluster_id FROM ideas ORDER BY 1"; }
written() {
	"$PY" -c '
import json, sys
print("\n".join(sorted({str(json.loads(l)["cluster_id"]) for l in open(sys.argv[1])},
                       key=int)))' "$T/out"
}
half_saved() {
	sql "SELECT cluster_id FROM ideas GROUP BY cluster_id HAVING count(*) != 2 OR max(round) != 1"
}
# inject ACT MATCH NTH [AFTER] -- CMD...: runs CMD with one step faulted.
inject() {
	_act=$1 _match=$2 _nth=$3 _after=$4
	shift 5
	IGNY8_SQL_ACT=$_act IGNY8_SQL_MATCH=$_match IGNY8_SQL_NTH=$_nth \
		IGNY8_SQL_AFTER=$_after LD_PRELOAD=$SHIM "$@"
}

# 1. BEGIN IMMEDIATE right after a COMMIT answers SQLITE_BUSY.  This once
# left a transaction numbered that never began, and the run hung.
for j in 1 4; do
	for n in 1 2 3 5; do
		sql "DELETE FROM ideas"
		inject busy "BEGIN IMMEDIATE" "$n" COMMIT -- \
			timeout -s KILL 60 igny8-ideas --jobs $j --count 2 --no-cache twelve.jsonl \
			>"$T/out" 2>"$T/err"
		st=$?
		ok "busy BEGIN after COMMIT (-j$j, #$n): the run ends (status $st)" \
			test "$st" -lt 128
		is "... what was written is what was saved" "$(saved)" "$(written)"
		is "... nothing half-saved" "" "$(half_saved)"
	done
done

# 2. SQLite's automatic rollback (SQLITE_FULL) of a transaction that holds
# other jobs' writes: those jobs fail, and none of their records is written.
for n in 2 5; do
	sql "DELETE FROM ideas"
	inject full "UPDATE ai_log SET steps" "$n" "" -- \
		timeout -s KILL 60 igny8-ideas --jobs 4 --count 2 --no-cache twelve.jsonl \
		>"$T/out" 2>"$T/err"
	st=$?
	ok "automatic rollback (#$n): the run fails (status $st)" test "$st" -ne 0 -a "$st" -lt 128
	like "... saying the transaction was rolled back" 'rolled back the transaction' "$T/err"
	is "... what was written is what was saved" "$(saved)" "$(written)"
	is "... nothing half-saved" "" "$(half_saved)"
done
expect_status "a rerun saves the rest" 0 igny8-ideas --jobs 4 --count 2 twelve.jsonl
is "... twelve clusters" 12 "$(saved | wc -l | tr -d ' ')"

# Waits until the process $1 has ended, at most $2 tenths of a second;
# true when it did.
gone_within() {
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_i -ge "$2" ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

# 3. Ctrl-C while reading a stdin that has nothing to give.
mkfifo fifo
(sleep 30 >fifo) &
writer=$!
igny8-ideas --count 2 <fifo >"$T/out" 2>"$T/err" &
pid=$!
ok "the run is up and takes Ctrl-C" takes_signals $pid
sleep 0.5
kill -INT $pid
if gone_within $pid 10; then pass "Ctrl-C on blocked stdin ends the run within a second"
else fail "Ctrl-C on blocked stdin ends the run within a second"; kill -9 $pid; fi
wait $pid
is "... with status 130" 130 "$?"
unlike "... and no read error" 'read error|Interrupted system call' "$T/err"
kill $writer 2>/dev/null
wait $writer 2>/dev/null

# 4. Ctrl-C while another process holds the write lock (for 30 s here).
sql "DELETE FROM ideas"
rm -f held
IGNY8_SQL_HOLD_FILE=$T/held IGNY8_SQL_ACT=hold:30000 IGNY8_SQL_MATCH="BEGIN IMMEDIATE" \
	IGNY8_SQL_NTH=3 LD_PRELOAD=$SHIM igny8-ideas --jobs 4 --count 2 --no-cache twelve.jsonl >"$T/out" 2>"$T/err" &
pid=$!
i=0
while [ ! -e held ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ok "another connection holds the write lock" test -e held
sleep 0.5
ok "the run waits for it" kill -0 $pid
kill -INT $pid
if gone_within $pid 10; then pass "Ctrl-C during the busy wait ends the run within a second"
else fail "Ctrl-C during the busy wait ends the run within a second"; kill -9 $pid; fi
wait $pid
is "... with status 130" 130 "$?"
unlike "... quietly" 'locked|cluster:[0-9]' "$T/err"
is "... what was written is what was saved" "$(saved)" "$(written)"
done_testing

#!/bin/sh
# The workspace's disk fills in the middle of a run (tests/inject/ioerr.c
# fails the write-ahead log's writes after a number of bytes): the records
# whose transaction could not be committed are failed, nothing that was not
# saved is written out, nothing is half-saved, and a rerun once there is
# room finishes the rest.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 12 || exit 1
cluster_records 12 >twelve.jsonl
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
. "$TESTS/ioerr.sh"

need_write_faults

# saved_vs_written: clusters with ideas in the workspace, then those written.
saved() { sql "SELECT DISTINCT cluster_id FROM ideas ORDER BY 1"; }
written() {
	"$PY" -c '
import json, sys
print("\n".join(sorted({str(json.loads(l)["cluster_id"]) for l in open(sys.argv[1])},
                       key=int)))' "$T/out"
}

IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=120000 LD_PRELOAD=$SHIM \
	run igny8-ideas --jobs 4 --count 2 --no-cache twelve.jsonl >"$T/out" 2>"$T/err"
st=$?
ok "the run fails (status $st)" test "$st" -ne 0 -a "$st" -lt 128
like "and says the disk is full" 'disk is full' "$T/err"
n=$(saved | wc -l)
diag "$n of 12 clusters saved before the disk filled"
ok "not everything was saved" test "$n" -lt 12
is "what was written is what was saved" "$(saved)" "$(written)"
is "every written idea is in the workspace" 0 "$("$PY" -c '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [json.loads(l)["id"] for l in open(sys.argv[2])]
print(sum(1 for i in ids if not db.execute("SELECT 1 FROM ideas WHERE id = ?", (i,)).fetchone()))' \
	"$IGNY8_WORKSPACE" "$T/out")"
is "nothing half-saved" "" "$(sql "SELECT cluster_id FROM ideas GROUP BY cluster_id
 HAVING count(*) != 2 OR max(round) != 1")"

# Room comes back after a few failed writes: later transactions commit,
# and the records of the one that failed are still failed, not written.
sql "DELETE FROM ideas"
IGNY8_FAIL_PATH=-wal IGNY8_FAIL_AFTER=120000 IGNY8_FAIL_TIMES=2 LD_PRELOAD=$SHIM \
	run igny8-ideas --jobs 4 --count 2 --no-cache twelve.jsonl >"$T/out" 2>"$T/err"
st=$?
ok "a commit failed, so the run fails (status $st)" test "$st" -ne 0 -a "$st" -lt 128
like "saying why" 'disk is full' "$T/err"
is "what was written is what was saved, still" "$(saved)" "$(written)"
is "nothing half-saved, still" "" "$(sql "SELECT cluster_id FROM ideas GROUP BY cluster_id
 HAVING count(*) != 2 OR max(round) != 1")"

expect_status "a rerun with room" 0 igny8-ideas --jobs 4 --count 2 twelve.jsonl
is "writes every cluster's ideas" 24 "$(wc -l <"$T/out" | tr -d ' ')"
is "each cluster saved once" "" "$(sql "SELECT cluster_id FROM ideas GROUP BY cluster_id
 HAVING count(*) != 2 OR max(round) != 1")"
is "twelve clusters" 12 "$(saved | wc -l | tr -d ' ')"
done_testing

#!/bin/sh
# Crash-safe and resumable: kill -9 during AI_CALL (a slow fake) and during
# SAVE (the test hook IGNY8_TEST_CRASH_AT=PHASE[:N] in lib/engine.c, which
# SIGKILLs the process the Nth time a job enters PHASE), then rerun: the
# workspace is consistent, nothing stays 'running', nothing is duplicated,
# and no request is repeated for work already saved (the fake's request
# log shows which records were asked for).  SIGINT and SIGTERM stop
# cleanly with 130, keeping what finished.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 6 || exit 1
cluster_records 6 >six.jsonl
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
script() { printf '%s\n' "$1" >s.json && fake_script s.json; }
# wait_for SQL: until the query prints something other than 0 (10 s at most).
wait_for() {
	_n=0
	while [ "$(sql "$1")" = 0 ] && [ "$_n" -lt 200 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
}
# asked_since N: the cluster topics asked for in requests after the Nth.
asked_since() {
	"$PY" -c '
import json, re, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["n"] > int(sys.argv[2]) and r["path"] == "/v1/chat/completions":
        print(re.search(r"Topic \d+", json.dumps(r["body"])).group(0))' "$FAKE_LOG" "$1" | sort
}
saved_topics() {
	sql "SELECT DISTINCT c.name FROM ideas i JOIN clusters c ON c.id = i.cluster_id" | sort
}
# consistent: every cluster with ideas has exactly one round of N.
# killed DESC CMD...: CMD ends killed by SIGKILL (137), as the hook wants,
# with no sanitizer report.
killed() {
	_d=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	_st=$?
	if [ "$_st" -eq 137 ] && ! grep -qE 'Sanitizer|runtime error' "$T/err"; then
		pass "$_d"
	else
		fail "$_d"
		diag "$* exited $_st, wanted 137"
		_diag_file "$T/err"
	fi
}
consistent() {
	is "$1" "" "$(sql "SELECT cluster_id FROM ideas GROUP BY cluster_id
	 HAVING count(*) != $2 OR max(round) != 1")"
}

# -- kill -9 during AI_CALL --------------------------------------------------------
script '{"latency_ms": 700}'
igny8-ideas -q --jobs 2 --count 2 six.jsonl >/dev/null 2>&1 &
pid=$!
wait_for "SELECT count(*) FROM ideas"
kill -KILL "$pid"
wait "$pid"
st=$?
is "killed by SIGKILL" 137 "$st"
consistent "no half-saved cluster" 2
saved_topics >saved1
n=$(wc -l <saved1)
sleep 1 # the fake logs the dead run's requests in flight when it answers
ok "some clusters were saved, not all" test "$n" -ge 1 -a "$n" -lt 6
is "the run is still open" running "$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")"
before=$(fake_count)
script '{}'
expect_status "rerun" 0 igny8-ideas --count 2 six.jsonl
is "writes every cluster's ideas" 12 "$(wc -l <"$T/out")"
consistent "each cluster once" 2
asked_since "$before" >asked1
is "asks only for what was missing" "$((6 - n))" "$(wc -l <asked1)"
is "never for a saved cluster" "" "$(comm -12 saved1 asked1)"
is "the killed run is closed as died" died \
	"$(sql "SELECT status FROM runs WHERE id = (SELECT max(id) - 1 FROM runs)")"

# -- kill -9 at SAVE: the answer is cached, the rerun pays nothing for it ------------------
sql "DELETE FROM ideas; DELETE FROM cache"
fake_reset
killed "crash hook at the third SAVE" env IGNY8_TEST_CRASH_AT=SAVE:3 \
	igny8-ideas --jobs 1 --count 2 six.jsonl
is "two clusters saved" 4 "$(sql "SELECT count(*) FROM ideas")"
is "three answers were paid for" 3 "$(fake_count /v1/chat/completions)"
expect_status "rerun" 0 igny8-ideas --jobs 1 --count 2 six.jsonl
is "all saved" 12 "$(sql "SELECT count(*) FROM ideas")"
consistent "each once" 2
is "only the three never asked are asked" 6 "$(fake_count /v1/chat/completions)"
is "the third came from the cache" 1 "$(sql "SELECT count(*) FROM ai_log
 WHERE outcome = 'cached' AND run_id = (SELECT max(id) FROM runs)")"
killed "a hook at another phase" env IGNY8_TEST_CRASH_AT=PREP \
	igny8-ideas --more --count 1 --cluster 1
is "stops before any request" 6 "$(fake_count /v1/chat/completions)"

# -- tasks of a killed igny8-write are reclaimed ----------------------------------------------
sql "SELECT json_object('type', 'idea', 'id', id) FROM ideas ORDER BY id LIMIT 4" >ideas.jsonl
killed "write killed at its third request" env IGNY8_TEST_CRASH_AT=AI_CALL:3 \
	igny8-write --jobs 1 ideas.jsonl
is "two articles saved" 2 "$(sql "SELECT count(*) FROM content")"
is "one task left running by the dead run" 1 "$(sql "SELECT count(*) FROM tasks WHERE status = 'running'")"
expect_status "write --queued" 0 igny8-write --queued
is "reclaims it and the queued one" 2 "$(wc -l <"$T/out")"
is "every task done" 4 "$(sql "SELECT count(*) FROM tasks WHERE status = 'done'")"
is "one article each" 4 "$(sql "SELECT count(DISTINCT task_id) FROM content")"
expect_status "the same input again" 0 igny8-write ideas.jsonl
is "re-emits four articles" 4 "$(wc -l <"$T/out")"
is "with no request" 0 "$(sql "SELECT count(*) FROM ai_log WHERE run_id = (SELECT max(id) FROM runs)")"

# -- SIGINT and SIGTERM ---------------------------------------------------------------------------
sql "DELETE FROM ideas"
script '{"latency_ms": 700}'
fake_reset
igny8-ideas --jobs 2 --count 2 --no-cache six.jsonl >int.out 2>int.err &
pid=$!
wait_for "SELECT count(*) FROM ideas"
kill -INT "$pid"
wait "$pid"
st=$?
is "SIGINT exits 130" 130 "$st"
like "requests cut short are not failures" ', 0 failed, [1-9][0-9]* skipped' int.err
like "the summary is printed" 'done, [0-9]+ failed' int.err
saved_topics >saved2
n=$(wc -l <saved2)
sleep 1
ok "what finished was saved" test "$n" -ge 1
is "and written" "$((2 * n))" "$(wc -l <int.out)"
consistent "nothing half-saved" 2
is "the run is recorded as interrupted" 130 "$(sql "SELECT exit_code FROM runs ORDER BY id DESC LIMIT 1")"
before=$(fake_count)
script '{}'
expect_status "rerun finishes the rest" 0 igny8-ideas --count 2 --no-cache six.jsonl
asked_since "$before" >asked2
is "never asking again for a saved cluster" "" "$(comm -12 saved2 asked2)"
consistent "each once" 2

# -- a second signal kills at once ------------------------------------------------------------
# The first one cannot finish the run here: stdout is a pipe that is full
# and never read, so the record being written blocks for good.
sql "DELETE FROM ideas"
script '{}'
is "a second SIGINT kills a run the first could not end" "alive after the first; killed by SIGINT" "$("$PY" - six.jsonl <<'PYEOF'
import fcntl, os, signal, sqlite3, subprocess, sys, time
r, w = os.pipe()
fl = fcntl.fcntl(w, fcntl.F_GETFL)
fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
try:
    while True:
        os.write(w, b"x" * 4096)
except BlockingIOError:
    pass
fcntl.fcntl(w, fcntl.F_SETFL, fl)
p = subprocess.Popen(["igny8-ideas", "--count", "2", "--no-cache", sys.argv[1]],
                     stdout=w, stderr=subprocess.DEVNULL)
os.close(w)
# Until a record is saved (and so on its way to stdout), and a moment more.
db = sqlite3.connect(os.environ["IGNY8_WORKSPACE"])
for _ in range(600):
    if db.execute("SELECT count(*) FROM ideas").fetchone()[0]:
        break
    time.sleep(0.1)
time.sleep(1)
p.send_signal(signal.SIGINT)
time.sleep(2)
first = "alive after the first" if p.poll() is None else "ended by the first (%d)" % p.returncode
p.send_signal(signal.SIGINT)
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
print(first + "; " + ("killed by SIGINT" if rc == -signal.SIGINT else "status %d" % rc))
PYEOF
)"

sql "DELETE FROM content; UPDATE tasks SET status = 'queued'"
script '{"latency_ms": 700}'
igny8-write --jobs 2 --no-cache --queued >term.out 2>term.err &
pid=$!
wait_for "SELECT count(*) FROM content"
kill -TERM "$pid"
wait "$pid"
st=$?
is "SIGTERM exits 130" 130 "$st"
is "no task failed or stuck running" 0 \
	"$(sql "SELECT count(*) FROM tasks WHERE status IN ('failed', 'running')")"
is "tasks are done or queued" 4 \
	"$(sql "SELECT count(*) FROM tasks WHERE status IN ('done', 'queued')")"
script '{}'
expect_status "write --all finishes the rest" 0 igny8-write --all
is "every task done" 4 "$(sql "SELECT count(*) FROM tasks WHERE status = 'done'")"
done_testing

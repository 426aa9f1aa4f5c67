#!/bin/sh
# A hostile server: 30% of chat requests answered with every fault the fake
# knows.  Every record ends done or failed with its reason, nothing crashes
# or leaks (run it with IGNY8_VALGRIND=1 too), no key is printed, and a
# rerun pays only for what failed.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

N=20
export IGNY8_BACKOFF_SCALE=0.01
# The first eleven requests meet each kind once ("cover"), then 30% of the
# rest a random one: each run below meets every kind however a loaded
# machine orders the requests (checked at the end of each run).
cat >faults.json <<'J'
{"faults": {"rate": 0.3, "seed": 1155, "cover": true, "paths": ["/v1/chat/completions"],
 "kinds": ["429", "429-noretry", "500", "502", "503", "drop", "slow",
           "truncated", "missing-fields", "wrong-shape", "huge"]}}
J
echo '{}' >calm.json
KINDS='429 429-noretry 500 502 503 drop slow truncated missing-fields wrong-shape huge'
# "slow" trickles its body over 30 s: a 1 s timeout trips it; "huge" is
# 50 MB: a 1 MB cap refuses it.
HOSTILE="-j 4 --set providers.openai.timeout=1 --set run.max_body=1000000
 --set providers.openai.max_retries=2"

fake_start faults.json || exit 1
new_workspace
seed_clusters $N || exit 1
cluster_records $N >clusters.jsonl
chats() { fake_count /v1/chat/completions; }

# survive DESC CMD...: like expect_status, but any status that is not a
# crash passes; the status is left in $st.
survive() {
	_d=$1
	shift
	run "$@" >"$T/out" 2>"$T/err"
	st=$?
	if _crashed "$st" "$T/err"; then
		_tap_result 0 "$_d"
		diag "CRASH: $* exited $st"
		_diag_file "$T/err" 60
	else
		_tap_result 1 "$_d"
	fi
}

# every_kind_served: each fault kind appears in the fake's log.
every_kind_served() {
	"$PY" -c '
import json, sys
seen = {json.loads(l).get("fault") for l in open(sys.argv[1])}
missing = [k for k in sys.argv[2].split() if k not in seen]
print(" ".join(missing))' "$FAKE_LOG" "$KINDS"
}

# errors PROG: the per-record error lines on stderr (not warnings, not the
# summary).
errors() {
	grep -E "^$1: [a-z]+:[0-9]+: " "$T/err" | grep -v "^$1: warning:"
}

# partial DONE FAILED: the exit status a run with these counts must have.
partial() {
	if [ "$2" -eq 0 ]; then echo 0; elif [ "$1" -eq 0 ]; then echo nonzero; else echo 1; fi
}
status_word() {
	if [ "$1" -eq 0 ]; then echo 0; elif [ "$1" -eq 1 ]; then echo 1; else echo nonzero; fi
}

# -- igny8-ideas ---------------------------------------------------------------
survive "ideas through 30% faults: no crash, no leak" \
	igny8-ideas --count 1 $HOSTILE clusters.jsonl
cp "$T/out" ideas1.jsonl
cp "$T/err" ideas1.err
is "the run met every kind of fault" "" "$(every_kind_served)"
done_n=$(count_rows clusters 'id IN (SELECT cluster_id FROM ideas)')
failed_n=$((N - done_n))
diag "ideas: $done_n done, $failed_n failed, status $st"
ok "some records failed, some were done" test "$failed_n" -gt 0 -a "$done_n" -gt 0
is "the exit status says so" "$(partial "$done_n" "$failed_n")" "$(status_word "$st")"
is "one idea per done cluster, written" "$done_n" "$(wc -l <ideas1.jsonl)"
ok "every line written is a whole idea record" each_line \
	'd["type"] == "idea" and d["title"] and d["cluster_id"]' ideas1.jsonl
is "every failed record has one error line" "$failed_n" "$(errors igny8-ideas | wc -l)"
like "the summary counts them" "^igny8-ideas: $done_n done, $failed_n failed, 0 skipped" "$T/err"
ok "each error line names a failed cluster" "$PY" -c '
import re, sqlite3, sys
done = {r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT DISTINCT cluster_id FROM ideas")}
bad = [l for l in sys.stdin if int(re.match(r"[^:]+: cluster:(\d+): ", l).group(1)) in done]
sys.exit(1 if bad else 0)' "$IGNY8_WORKSPACE" <<EOF
$(errors igny8-ideas)
EOF
unlike "no error line is empty of a reason" '^igny8-ideas: cluster:[0-9]+: *$' "$T/err"
like "a slow body is reported as a timeout" 'cluster:[0-9]+: timeout after 1 s' "$T/err"
unlike "not as a connect timeout on a reused connection" 'connect timeout' "$T/err"
is "the failures are in ai_log with their errors" 0 \
	"$(count_rows ai_log "outcome = 'error' AND (error IS NULL OR error = '')")"
no_key_leak "no key in output, messages or workspace" ideas1.jsonl ideas1.err

fake_script calm.json && fake_reset
expect_status "rerun on a calm server" 0 igny8-ideas --count 1 --no-cache clusters.jsonl
is "it asks only for the failed clusters" "$failed_n" "$(chats)"
is "every cluster now has its idea" "$N" "$(count_rows ideas)"
is "and every idea is written" "$N" "$(wc -l <"$T/out")"
ok "the ideas done under faults are written unchanged" "$PY" -c '
import sys
new = set(open(sys.argv[2]))
sys.exit(0 if all(l in new for l in open(sys.argv[1])) else 1)' ideas1.jsonl "$T/out"
cp "$T/out" ideas.jsonl

# -- igny8-write ------------------------------------------------------------------
fake_script faults.json && fake_reset
survive "articles through 30% faults: no crash, no leak" igny8-write $HOSTILE ideas.jsonl
cp "$T/out" art1.jsonl
cp "$T/err" art1.err
is "the run met every kind of fault" "" "$(every_kind_served)"
is "every task ended done or failed" "" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT id, status FROM tasks WHERE status NOT IN ('done', 'failed')")"
is "one task per idea" "$N" "$(count_rows tasks)"
done_n=$(count_rows tasks "status = 'done'")
failed_n=$(count_rows tasks "status = 'failed'")
diag "write: $done_n done, $failed_n failed, status $st"
ok "some tasks failed, some were done" test "$failed_n" -gt 0 -a "$done_n" -gt 0
is "the exit status says so" "$(partial "$done_n" "$failed_n")" "$(status_word "$st")"
is "each failed task keeps its error" 0 \
	"$(count_rows tasks "status = 'failed' AND (error IS NULL OR error = '')")"
is "done tasks carry no error" 0 "$(count_rows tasks "status = 'done' AND error IS NOT NULL")"
is "one article per done task" "$done_n" "$(count_rows content)"
is "written" "$done_n" "$(wc -l <art1.jsonl)"
ok "every line written is a whole article" each_line \
	'd["type"] == "content" and "<h2>" in d["html"]' art1.jsonl
is "every failed task has one error line" "$failed_n" "$(errors igny8-write | wc -l)"
ok "the task's error is the one printed" "$PY" -c '
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT id, error FROM tasks WHERE status = \"failed\"")
err = sys.stdin.read()
sys.exit(0 if all("task:%d: %s" % (i, e) in err for i, e in rows) else 1)' "$IGNY8_WORKSPACE" <art1.err
no_key_leak "no key in output, messages or workspace" art1.jsonl art1.err

fake_script calm.json && fake_reset
expect_status "rerun on a calm server" 0 igny8-write --no-cache ideas.jsonl
is "it asks only for the failed tasks" "$failed_n" "$(chats)"
is "every task is done" "done|$N" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status, count(*) FROM tasks GROUP BY status")"
is "failed tasks lost their error" 0 "$(count_rows tasks 'error IS NOT NULL')"
is "every article is written" "$N" "$(wc -l <"$T/out")"
is "no article was written twice" "$N" "$(count_rows content)"

validate_requests "every request validates against the OpenAPI spec"
done_testing

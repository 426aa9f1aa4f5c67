#!/bin/sh
# One stream of events (lib/events.h): under --progress json every line on
# stderr is a JSON object (messages and the summary included), --quiet does
# not silence the events asked for, and without JSON the messages and the
# summary are the usual "program: text" lines.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 3 || exit 1
cluster_records 3 >three.jsonl
{ cat three.jsonl; echo '{not json'; } >bad.jsonl

# every_json FILE: each line of FILE parses as a JSON object with an event.
every_json() {
	"$PY" -c '
import json, sys
for n, l in enumerate(open(sys.argv[1]), 1):
    d = json.loads(l)
    assert isinstance(d, dict) and d.get("event") and d.get("program"), (n, l)' "$1"
}
# events FILE EXPR: the number of events for which EXPR (over d) holds.
events() {
	"$PY" -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) for d in [json.loads(l)] if eval(sys.argv[2])))' "$1" "$2"
}

# A retry (a warning), a bad line (a warning), a failed record (an error).
cat >faults.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "times": 1, "reply": {"status": 503}},
           {"path": "/v1/chat/completions", "times": 1, "match": {}, "reply": {"status": 400,
            "body": {"error": {"message": "bad request", "type": "invalid_request_error"}}}}]}
J
fake_script faults.json && fake_reset
run igny8-ideas -j 1 -k --progress json --no-cache bad.jsonl >"$T/out" 2>"$T/err"
st=$?
ok "a run with faults ends (status $st)" test "$st" -lt 128
ok "every stderr line is a JSON event" every_json "$T/err"
ok "the bad line is a warning event" test "$(events "$T/err" \
	'd["event"] == "message" and d["level"] == "warning" and "ignoring" in d["text"]')" -ge 1
ok "the failed record is an error event" test "$(events "$T/err" \
	'd["event"] == "message" and d["level"] == "error" and "HTTP 400" in d["text"]')" -eq 1
ok "and a record event" test "$(events "$T/err" \
	'd["event"] == "record" and d["outcome"] == "failed"')" -eq 1
ok "the retry is an event" test "$(events "$T/err" 'd["event"] == "retry"')" -ge 1
ok "phases and records are events" test "$(events "$T/err" \
	'd["event"] == "phase" and d["phase"] == "AI_CALL"')" -ge 1
is "the summary is the last event, with the exit status" "summary $st" "$("$PY" -c '
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(d["event"], d["status"])' "$T/err")"
is "... and the counts" 3 "$("$PY" -c '
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(d["done"] + d["failed"] + d["skipped"])' "$T/err")"

# An error before any record (an input file that is not there).
expect_status "a missing input file" 66 igny8-ideas --progress json nosuch.jsonl
ok "is reported as a JSON error event" test "$(events "$T/err" \
	'd["event"] == "message" and d["level"] == "error" and "nosuch.jsonl" in d["text"]')" -eq 1
ok "and nothing else is on stderr but JSON" every_json "$T/err"

# --quiet keeps the JSON events asked for, and drops warnings and notes.
echo '{}' | fake_script - && fake_reset
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas; DELETE FROM cache"
expect_status "-q --progress json" 65 igny8-ideas -q -k --progress json bad.jsonl
ok "still writes events" test "$(events "$T/err" 'd["event"] == "record"')" -eq 3
ok "... and the summary" test "$(events "$T/err" 'd["event"] == "summary"')" -eq 1
is "... but no warning" 0 "$(events "$T/err" 'd["event"] == "message"')"

# Without JSON: text lines, and -q leaves the summary out.
expect_status "--progress none" 65 igny8-ideas -k --progress none bad.jsonl
like "the warning is a text line" '^igny8-ideas: warning: ignoring bad.jsonl:4' "$T/err"
like "the summary is a text line" '^igny8-ideas: 0 done, 0 failed, 3 skipped' "$T/err"
expect_status "-q" 65 igny8-ideas -q -k bad.jsonl
is "-q: nothing on stderr" "" "$(cat "$T/err")"
done_testing

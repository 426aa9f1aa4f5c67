#!/bin/sh
# The one request path: retries, failures that must not retry, truncated,
# refused and malformed answers, the cache, --dry-run, --max-cost, --jobs.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

export IGNY8_BACKOFF_SCALE=0.01
fake_start || exit 1
new_workspace
seed_clusters 12 || exit 1
chats() { fake_count /v1/chat/completions; }
# rules FILE: the fake answers by these rules from now on (counters reset).
rules() { fake_script "$1" && fake_reset; }
fresh() { sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas; DELETE FROM cache"; }

# -- retries ----------------------------------------------------------------------
cat >r429.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "times": 1,
            "reply": {"status": 429, "headers": {"retry-after": "1"}}}]}
J
rules r429.json
cluster_records 1 >one.jsonl
t0=$(date +%s.%N)
expect_status "429 then success" 0 igny8-ideas one.jsonl
t1=$(date +%s.%N)
is "two requests" 2 "$(chats)"
like "the retry is announced with its wait" 'cluster:1: .*429.*retry 1 in 1.0 s' "$T/err"
ok "retry-after was honoured (>= 1 s)" "$PY" -c "import sys; sys.exit(0 if $t1 - $t0 >= 1 else 1)"

for fault in '"status": 500' '"status": 503' '"drop": true' '"truncate": true'; do
	fresh
	printf '{"rules": [{"path": "/v1/chat/completions", "times": 2, "reply": {%s}}]}\n' \
		"$fault" >rf.json
	rules rf.json
	expect_status "twice $fault, then success" 0 igny8-ideas one.jsonl
	is "three requests for $fault" 3 "$(chats)"
done

fresh
cat >r500.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"status": 500}}]}
J
rules r500.json
expect_status "5xx every time: gives up with 69" 69 igny8-ideas --set providers.openai.max_retries=2 one.jsonl
is "after 1 + 2 attempts" 3 "$(chats)"
like "saying so" 'cluster:1: .*(500|unavailable|attempts)' "$T/err"
is "the failure is logged in ai_log" error \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT outcome FROM ai_log ORDER BY id DESC LIMIT 1")"

# -- no retry ----------------------------------------------------------------------
cat >r400.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"status": 400, "body":
 {"error": {"message": "Unsupported parameter: 'max_tokens'", "type": "invalid_request_error",
            "param": "max_tokens", "code": "unsupported_parameter"}}}}]}
J
rules r400.json
expect_status "a 400 naming a parameter fails at once, as a setting to change" 78 igny8-ideas one.jsonl
is "one request" 1 "$(chats)"
like "with the server's message" "Unsupported parameter: 'max_tokens'" "$T/err"
like "and the setting that changes it" "set providers.openai.token_param: max_completion_tokens" "$T/err"
cat >r404.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"status": 404, "body":
 {"error": {"message": "The model 'gpt-retired' does not exist", "type": "invalid_request_error",
            "param": "model", "code": "model_not_found"}}}}]}
J
rules r404.json
expect_status "a 404 for a retired model" 78 igny8-ideas one.jsonl
like "names the model setting" "does not exist .*set functions.ideas.model or --model" "$T/err"
cat >r400b.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"status": 400, "body":
 {"error": {"message": "Bad input", "type": "invalid_request_error", "param": null, "code": null}}}}]}
J
rules r400b.json
expect_status "another 400 is a data error, not retried" 65 igny8-ideas one.jsonl
is "one request" 1 "$(chats)"

fake_reset
OPENAI_API_KEY=sk-bad-$OPENAI_API_KEY expect_status "401 fails at once with 77" 77 igny8-ideas one.jsonl
is "one request" 1 "$(chats)"
unlike "the rejected key is not shown" 'sk-bad-sk' "$T/err"

# A refused key or an exhausted quota refuses every record alike: the run
# stops at the first answer, with one message.
fresh
cluster_records 12 >all.jsonl
fake_reset
OPENAI_API_KEY=sk-bad-$OPENAI_API_KEY expect_status "401 on 12 records: 77" 77 igny8-ideas -j 1 all.jsonl
is "one request, not one per record" 1 "$(chats)"
is "one error line" 1 "$(grep -c 'HTTP 401' "$T/err")"
like "the rest are not started" '0 done, 1 failed, 11 skipped' "$T/err"
fake_reset
OPENAI_API_KEY=sk-bad-$OPENAI_API_KEY expect_status "401 with -j 4: 77" 77 igny8-ideas -j 4 all.jsonl
ok "at most the requests in flight" test "$(chats)" -le 4
like "the rest are skipped" ' [0-9]+ skipped' "$T/err"
is "still one error line" 1 "$(grep -c 'HTTP 401' "$T/err")"
for st in 403 401; do
	printf '{"rules": [{"path": "/v1/chat/completions", "reply": {"status": %s}}]}\n' $st >rst.json
	rules rst.json
	b0=$(date +%s.%N)
	expect_status "$st from the server on 12 records: 77" 77 igny8-ideas -j 1 all.jsonl
	b1=$(date +%s.%N)
	is "one request for $st" 1 "$(chats)"
done
cat >rquota.json <<'J'
{"faults": {"rate": 1.0, "seed": 1, "kinds": ["quota"], "paths": ["/v1/chat/completions"]}}
J
rules rquota.json
t0=$(date +%s.%N)
expect_status "429 insufficient_quota: 77, not 75" 77 igny8-ideas -j 1 all.jsonl
t1=$(date +%s.%N)
is "one request, not retried" 1 "$(chats)"
is "one error line" 1 "$(grep -c 'exceeded your current quota' "$T/err")"
unlike "no retry announced" 'retry 1 in' "$T/err"
# As fast as the 401 just before it (give or take a second: a slow build
# on a busy machine), not after a backoff.
ok "at once (no slower than a 401, within 1 s)" \
	"$PY" -c "import sys; sys.exit(0 if $t1 - $t0 < 1 + 2 * ($b1 - $b0) else 1)"
cat >r429nr.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "times": 1, "reply": {"status": 429, "body":
 {"error": {"message": "Rate limit reached", "type": "requests", "param": null,
            "code": "rate_limit_exceeded"}}}}]}
J
rules r429nr.json
expect_status "an ordinary 429 is still retried" 0 igny8-ideas one.jsonl
is "two requests" 2 "$(chats)"

# -- answers that cannot be used as they are -------------------------------------
fresh
cat >rlen.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "times": 1, "reply": {"finish_reason": "length"}}]}
J
rules rlen.json
expect_status "a truncated answer is retried with more room" 0 igny8-ideas one.jsonl
is "two requests" 2 "$(chats)"
ok "the second asked for twice the tokens" "$PY" -c '
import json, sys
b = [json.loads(l)["body"] for l in open(sys.argv[1])]
a, z = (x.get("max_completion_tokens") for x in b)
sys.exit(0 if z == 2 * a else 1)' "$FAKE_LOG"

fresh
cat >rlen2.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"finish_reason": "length"}}]}
J
rules rlen2.json
expect_status "truncated twice: fails with 76" 76 igny8-ideas one.jsonl
like "naming the setting to raise" 'truncated twice .*functions.ideas.max_tokens' "$T/err"
is "nothing was saved" 0 "$(count_rows ideas)"

cat >rcf.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"finish_reason": "content_filter"}}]}
J
rules rcf.json
expect_status "content_filter is reported as refused" 65 igny8-ideas one.jsonl
like "refused" 'cluster:1: the model refused' "$T/err"

cat >rbad.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "times": 1,
            "reply": {"chat_content": "Sure! Here are your ideas: {\"ideas\": [{\"title\": 1}]}"}}]}
J
rules rbad.json
expect_status "a malformed answer gets one repair turn" 0 igny8-ideas one.jsonl
is "two requests" 2 "$(chats)"
ok "the repair turn quotes the bad answer and the problem" "$PY" -c '
import json, sys
b = [json.loads(l)["body"] for l in open(sys.argv[1])][1]
roles = [m["role"] for m in b["messages"]]
ok = roles[-2:] == ["assistant", "user"] and "could not be used" in b["messages"][-1]["content"]
sys.exit(0 if ok else 1)' "$FAKE_LOG"

fresh
cat >rbad2.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"chat_content": "I cannot do JSON today."}}]}
J
rules rbad2.json
expect_status "malformed twice: fails with 76" 76 igny8-ideas one.jsonl
like "saying why" 'malformed answer after a repair attempt' "$T/err"

cat >rwrong.json <<'J'
{"rules": [{"path": "/v1/chat/completions", "reply": {"chat_content": "{\"unexpected\": [1, 2]}"}}]}
J
rules rwrong.json
expect_status "an answer of the wrong shape fails" 76 igny8-ideas one.jsonl
like "naming the missing member" "missing member 'ideas'" "$T/err"

# -- cache, dry run, budget ------------------------------------------------------------
echo '{}' >none.json
rules none.json
fresh
cluster_records 4 >four.jsonl
expect_status "four clusters" 0 igny8-ideas four.jsonl
is "four requests" 4 "$(chats)"
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas"
expect_status "same work again" 0 igny8-ideas four.jsonl
is "answered from the cache: no requests" 4 "$(chats)"
is "logged as cached" 4 "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM ai_log WHERE outcome = 'cached'")"
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas"
expect_status "--refresh asks again" 0 igny8-ideas --refresh four.jsonl
is "four more requests" 8 "$(chats)"
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas"
expect_status "--no-cache asks again" 0 igny8-ideas --no-cache four.jsonl
is "four more" 12 "$(chats)"
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas; DELETE FROM cache"
expect_status "--no-cache on an empty cache" 0 igny8-ideas --no-cache four.jsonl
is "does not fill it" 0 "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM cache")"
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM ideas"
expect_status "run.cache: false" 0 igny8-ideas --set run.cache=false four.jsonl
is "neither" 0 "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM cache")"
is "and asks for each" 20 "$(chats)"

fresh
fake_reset
expect_status "--dry-run" 0 igny8-ideas --dry-run four.jsonl
is "sends nothing" 0 "$(fake_count)"
is "writes one request record per cluster" 4 "$(wc -l <"$T/out")"
ok "each with the body it would send and a cost estimate" each_line \
	'd["type"] == "request" and d["body"]["messages"] and "est_cost" in d' "$T/out"
like "the summary gives the estimated total" 'estimated \$' "$T/err"
is "and saves nothing" 0 "$(count_rows ideas)"

fresh
cluster_records 12 >twelve.jsonl
expect_status "--max-cost stops starting requests" 2 igny8-ideas -j 1 --max-cost 0.034 twelve.jsonl
n=$(chats)
ok "some were done before the limit ($n)" test "$n" -ge 1 -a "$n" -lt 12
like "the rest were not started" 'not started: spend' "$T/err"
ok "the spend stayed under the limit" "$PY" -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]).execute('SELECT sum(cost) FROM ai_log WHERE run_id = (SELECT max(run_id) FROM ai_log)').fetchone()[0]
sys.exit(0 if c and c <= 0.034 else 1)" "$IGNY8_WORKSPACE"

# Many at once: a reservation turns into the actual cost in one step, so
# requests finishing together never let others start past the limit.
# (A request reserves about $0.0066 here and costs about $0.0008.)
echo '{"latency_ms": 150}' >overlap.json
for budget in 0.004 0.008 0.014 0.021; do
	fresh
	rules overlap.json
	run igny8-ideas -j 8 --max-cost $budget twelve.jsonl >"$T/out" 2>"$T/err"
	st=$?
	ok "--max-cost $budget with -j 8: done or stopped for the budget (status $st)" \
		test "$st" -eq 0 -o "$st" -eq 2
	ok "... and the spend stays under it" "$PY" -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]).execute('SELECT coalesce(sum(cost), 0) FROM ai_log WHERE run_id = (SELECT max(id) FROM runs)').fetchone()[0]
sys.exit(0 if c <= float(sys.argv[2]) else 1)" "$IGNY8_WORKSPACE" $budget
done

# -- concurrency: one at a time, twelve requests would span 3.3 s ---------------
fresh
echo '{"latency_ms": 300}' >slow.json
rules slow.json
expect_status "--jobs 12 against a slow server" 0 igny8-ideas -j 12 twelve.jsonl
ok "the requests were in flight together" "$PY" -c '
import json, sys
ts = sorted(json.loads(l)["ts"] for l in open(sys.argv[1]))
sys.exit(0 if len(ts) == 12 and ts[-1] - ts[0] < 1.5 else 1)' "$FAKE_LOG"
is "output still follows input order" "1 2 3 4 5 6 7 8 9 10 11 12" \
	"$("$PY" -c '
import json, sys
seen = []
for l in open(sys.argv[1]):
    c = json.loads(l)["cluster_id"]
    if c not in seen: seen.append(c)
print(" ".join(str(c) for c in seen))' "$T/out")"

# -- --jobs bounds requests in flight, also with workers waiting to retry ------
fresh
echo '{"latency_ms": 200, "faults": {"rate": 0.3, "seed": 4, "kinds": ["500"]}}' >flaky.json
rules flaky.json
IGNY8_BACKOFF_SCALE=0.2 expect_status "--jobs 4 with 500s to retry" 0 \
	igny8-ideas -j 4 --set providers.openai.max_retries=8 twelve.jsonl
like "every record done" '12 done, 0 failed' "$T/err"
ok "some requests were retried" grep -q 'retry 1' "$T/err"
ok "never more than 4 requests in flight" "$PY" -c '
import json, sys
ev = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["path"] == "/v1/chat/completions":
        ev += [(e["t0"], 1), (e["ts"], -1)]
n = peak = 0
for _, d in sorted(ev, key=lambda x: (x[0], x[1])):
    n += d
    peak = max(peak, n)
print("# peak", peak)
sys.exit(0 if 3 <= peak <= 4 else 1)' "$FAKE_LOG"

validate_requests "every request body validates against the OpenAPI spec"
no_key_leak "no key in any output or the workspace" "$T/out" "$T/err"
done_testing

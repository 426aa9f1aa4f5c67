#!/bin/sh
# Model retirement: the run's warning in the last 30 days, the stop (exit 78)
# on and after the shutdown date, the provider's shutdown_date kept in the
# workspace for a day, and `igny8 models` / `igny8 doctor` agreeing with the
# shipped table (data/shutdowns.yaml).  IGNY8_TODAY is the fake clock.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 2 || exit 1
cluster_records 2 >clusters.jsonl

# gpt-4.1-mini shuts down 2027-01-14 in the shipped table.
printf 'functions: {ideas: {model: gpt-4.1-mini}}\n' >igny8.yaml
chats() { fake_count /v1/chat/completions; }

IGNY8_TODAY=2026-12-04 expect_status "41 days before: runs" 0 \
	igny8-ideas --refresh clusters.jsonl
unlike "and says nothing of the model" 'shut' "$T/err"

IGNY8_TODAY=2026-12-15 expect_status "30 days before: runs" 0 \
	igny8-ideas --refresh clusters.jsonl
grep 'gpt-4.1-mini' "$T/err" >warn
is "one warning line" 1 "$(wc -l <warn)"
like "naming the model, date, days, setting and replacement" \
	"^igny8-ideas: warning: model 'gpt-4.1-mini' shuts down on 2027-01-14, in 30 days \(OAI-dep via secondary write-ups\): set functions.ideas.model to another model, e.g. 'gpt-5.4-mini'$" warn
ok "and the records are written" test -s "$T/out"

IGNY8_TODAY=2027-01-13 expect_status "the day before: runs" 0 \
	igny8-ideas --refresh clusters.jsonl
like "in 1 day" "shuts down on 2027-01-14, in 1 day \(" "$T/err"

IGNY8_TODAY=2026-12-20 expect_status "--progress json: runs" 0 \
	igny8-ideas --refresh --progress json clusters.jsonl
grep '"event":"model_retiring"' "$T/err" >ev
is "one model_retiring event" 1 "$(wc -l <ev)"
ok "with setting, model, date, days left and replacement" "$PY" -c '
import json, sys
e = json.loads(open(sys.argv[1]).read())
want = {"setting": "functions.ideas.model", "model": "gpt-4.1-mini",
        "shutdown_date": "2027-01-14", "days_left": 25, "replacement": "gpt-5.4-mini"}
sys.exit(0 if all(e.get(k) == v for k, v in want.items()) else 1)' ev

IGNY8_TODAY=2026-12-20 expect_status "--quiet: runs" 0 \
	igny8-ideas --refresh --quiet clusters.jsonl
unlike "--quiet silences the warning" 'shuts down' "$T/err"

n=$(chats)
IGNY8_TODAY=2027-01-14 expect_status "on the shutdown day: exit 78" 78 \
	igny8-ideas --refresh clusters.jsonl
like "naming the setting to change" \
	"^igny8-ideas: model 'gpt-4.1-mini' shut down on 2027-01-14 \(OAI-dep via secondary write-ups\): set functions.ideas.model to another model, e.g. 'gpt-5.4-mini'$" "$T/err"
is "nothing written" 0 "$(wc -c <"$T/out")"
is "nothing sent" "$n" "$(chats)"

IGNY8_TODAY=2027-02-01 expect_status "after the date: exit 78" 78 \
	igny8-ideas --refresh --progress json clusters.jsonl
like "a model_shut_down event" '^\{"event":"model_shut_down",.*"days_left":-18' "$T/err"
is "still nothing sent" "$n" "$(chats)"

IGNY8_TODAY=2026-12-11 expect_status "--model names a retired model: exit 78" 78 \
	igny8-ideas --refresh --model gpt-5-mini clusters.jsonl
like "the setting is --model" "model 'gpt-5-mini' shut down on 2026-12-11 .*: set --model to" "$T/err"

IGNY8_TODAY=2027-01-20 expect_status "a dated snapshot takes its name's row" 78 \
	igny8-ideas --refresh --model gpt-4.1-mini-2025-04-14 clusters.jsonl
like "and its date" "'gpt-4.1-mini-2025-04-14' shut down on 2027-01-14" "$T/err"

IGNY8_TODAY=2027-01-20 expect_status "a pinned replacement runs" 0 \
	igny8-ideas --refresh --model gpt-5.4-mini clusters.jsonl
unlike "without a warning" 'shut' "$T/err"

IGNY8_TODAY=2027-13-01 expect_status "a bad IGNY8_TODAY: exit 78" 78 \
	igny8-ideas --refresh clusters.jsonl
like "says so" "IGNY8_TODAY '2027-13-01' is not a date \(YYYY-MM-DD\)" "$T/err"

printf 'functions: {ideas: {model: gpt-4.1-mini}}\nshutdowns: {gpt-4.1-mini: {date: soon}}\n' >igny8.yaml
IGNY8_TODAY=2026-12-04 expect_status "a bad date in the table: exit 78" 78 \
	igny8-ideas --refresh clusters.jsonl
like "located" "shutdown date of 'gpt-4.1-mini' .*'soon' is not a date" "$T/err"

# -- the provider's shutdown_date ----------------------------------------------
# test-chat-2: unknown to the table; the fake's GET /v1/models says 2027-01-14.
printf 'functions: {ideas: {model: test-chat-2}}\n' >igny8.yaml
IGNY8_TODAY=2027-01-13 expect_status "no list kept: the table alone" 0 \
	igny8-ideas --refresh clusters.jsonl
unlike "no warning" 'shuts down' "$T/err"
is "and no request for the list just to warn" 0 "$(fake_count /v1/models)"

IGNY8_TODAY=2026-12-20 expect_status "igny8 models" 0 igny8 models
like "marks test-chat-2 as retiring, from the provider" \
	'^test-chat-2 +[a-z-]+ +retiring 2027-01-14 \(in 25 days, provider\)$' "$T/out"
like "leaves test-chat-1 unmarked" '^test-chat-1 +[a-z-]+ +-$' "$T/out"
is "one request for the list" 1 "$(fake_count /v1/models)"

IGNY8_TODAY=2026-12-20 expect_status "the kept list: the run warns" 0 \
	igny8-ideas --refresh clusters.jsonl
like "with the provider's date" "model 'test-chat-2' shuts down on 2027-01-14, in 25 days \(provider\): set functions.ideas.model" "$T/err"
IGNY8_TODAY=2027-01-14 expect_status "and stops on the provider's date" 78 \
	igny8-ideas --refresh clusters.jsonl
is "still one request for the list" 1 "$(fake_count /v1/models)"

sqlite3 "$IGNY8_WORKSPACE" "UPDATE cache SET created_at = '2026-01-01T00:00:00Z' WHERE function = 'models'"
IGNY8_TODAY=2027-01-14 expect_status "a list older than a day is ignored" 0 \
	igny8-ideas --refresh clusters.jsonl

# The provider's date wins over the table's.
printf '{"rules": [{"path": "/v1/models", "reply": {"body": {"object": "list", "data": [{"id": "gpt-4.1-mini", "object": "model", "created": 1, "owned_by": "system", "shutdown_date": "2027-06-30"}, {"id": "gpt-4.1", "object": "model", "created": 1, "owned_by": "system", "shutdown_date": null}]}}}]}\n' >models.json
fake_script models.json
IGNY8_TODAY=2027-01-20 expect_status "igny8 models --json" 0 igny8 models --json
ok "gpt-4.1-mini: the provider's later date" jq_py \
	'd["status"] == "retiring" and d["shutdown_date"] == "2027-06-30" and d["shutdown_source"] == "provider"' \
	"$(head -n 1 "$T/out" >m1 && echo m1)"
ok "gpt-4.1: no provider date, so the table's, already past" jq_py \
	'd["status"] == "shut-down" and d["shutdown_date"] == "2027-01-14" and d["replacement"] == "gpt-5.4-mini"' \
	"$(sed -n 2p "$T/out" >m2 && echo m2)"
printf 'functions: {ideas: {model: gpt-4.1-mini}}\n' >igny8.yaml
IGNY8_TODAY=2027-01-20 expect_status "the run follows the provider's date" 0 \
	igny8-ideas --refresh clusters.jsonl
unlike "no warning 161 days before it" 'shut' "$T/err"
printf '{}\n' | fake_script -

# -- igny8 doctor ----------------------------------------------------------------
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM cache WHERE function = 'models'"
rm igny8.yaml
IGNY8_TODAY=2026-12-04 expect_status "doctor with the shipped defaults" 0 igny8 doctor
is "reports seven settings" 7 "$(wc -l <"$T/out")"
unlike "none retiring" 'retiring|shut' "$T/out"
like "each with its model" '^functions.write.model +gpt-5.4-mini +ok$' "$T/out"

m0=$(fake_count /v1/models)
IGNY8_TODAY=2026-12-04 expect_status "doctor again" 0 igny8 doctor
is "the first doctor asked for the list once, the second read it from the workspace" \
	1 "$(($(fake_count /v1/models) - m0 + 1))"
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM cache WHERE function = 'models'"
printf 'providers: {openai: {base_url: "http://igny8.invalid/v1"}}\n' >igny8.yaml
m0=$(fake_count /v1/models)
key=$OPENAI_API_KEY url=$OPENAI_BASE_URL
unset OPENAI_API_KEY OPENAI_BASE_URL
IGNY8_TODAY=2026-12-04 expect_status "doctor without a key" 0 igny8 doctor
OPENAI_API_KEY=$key OPENAI_BASE_URL=$url
export OPENAI_API_KEY OPENAI_BASE_URL
like "does not ask, and says so" '^# provider openai: no API key, list not asked for; dates from the shutdowns table$' "$T/out"
is "no request" "$m0" "$(fake_count /v1/models)"

printf 'functions: {write: {model: gpt-4.1-mini}}\nimage: {model: gpt-image-1.5}\n' >igny8.yaml
IGNY8_TODAY=2026-12-04 expect_status "doctor: a shut-down model is exit 78" 78 igny8 doctor
like "the retiring one" '^functions.write.model +gpt-4.1-mini +retiring 2027-01-14 \(in 41 days, OAI-dep via secondary write-ups\); use gpt-5.4-mini$' "$T/out"
like "the shut-down one" '^image.model +gpt-image-1.5 +shut down 2026-12-01 \(OAI-dep \(zh-Hans snapshot\)\); use gpt-image-2$' "$T/out"
like "the others ok" '^functions.ideas.model +gpt-5.4-mini +ok$' "$T/out"
like "and says what to do" '^igny8: doctor: 1 configured model has shut down: change its setting$' "$T/err"

IGNY8_TODAY=2026-12-04 expect_status "doctor --json" 78 igny8 doctor --json
grep '"setting":"functions.write.model"' "$T/out" >d1
ok "a record per setting with status and dates" jq_py \
	'd["type"] == "model_status" and d["status"] == "retiring" and d["days_left"] == 41 and d["model"] == "gpt-4.1-mini"' d1

IGNY8_TODAY=2026-12-15 expect_status "on the run's first warning day" 0 \
	igny8-write --dry-run </dev/null
# A dry run sends nothing but checks the same way.
like "the run warns as doctor reports" "model 'gpt-4.1-mini' shuts down on 2027-01-14, in 30 days" "$T/err"

# A prompt's front matter names the model before functions.*.model does.
rm igny8.yaml
sed '0,/^---$/s//---\nmodel: gpt-4.1-mini/' "$TOP/prompts/ideas.md" >ideas-pinned.md
expect_status "a workspace prompt that names a model" 0 igny8 prompts set ideas ideas-pinned.md
IGNY8_TODAY=2027-01-14 expect_status "is checked too" 78 igny8-ideas --refresh clusters.jsonl
like "naming the prompt" "model 'gpt-4.1-mini' shut down on 2027-01-14 .*: set model: in prompt 'ideas' \(workspace\) to another model" "$T/err"
IGNY8_TODAY=2027-01-14 expect_status "doctor reports it" 78 igny8 doctor
like "in place of functions.ideas.model" "^model: in prompt 'ideas' \(workspace\) +gpt-4.1-mini +shut down 2027-01-14" "$T/out"
IGNY8_TODAY=2027-01-14 expect_status "--model still wins" 0 \
	igny8-ideas --refresh --model gpt-5.4-mini clusters.jsonl
expect_status "reset the prompt" 0 igny8 prompts reset ideas

IGNY8_TODAY=2026-12-04 expect_status "ideas with the shipped default model" 0 \
	igny8-ideas --more --count 1 clusters.jsonl
validate_requests "every request body conforms to the OpenAI spec"

IGNY8_WORKSPACE=$T/none.db IGNY8_TODAY=2026-12-20 expect_status "igny8 models without a workspace" 0 igny8 models
like "still marks the retiring" '^test-chat-2 .* retiring 2027-01-14' "$T/out"
ok "and creates none" test ! -e "$T/none.db"

# -- validate-requests knows what reasoning models reject ------------------------
grep -c '"model": *"gpt-5.4-mini"' "$FAKE_LOG" >n.sent
is "the run above sent the default model" 2 "$(cat n.sent)"
post() {
	curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OPENAI_API_KEY" \
		-H 'Content-Type: application/json' --data-binary @"$2" "$FAKE_URL$1"
}
printf '{"model": "gpt-5.4-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10, "temperature": 0.7}' >r.json
post /v1/chat/completions r.json >/dev/null
printf '{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": 1, "max_tokens": 5}}\n' >r.jsonl
curl -sS -o /dev/null -H "Authorization: Bearer $OPENAI_API_KEY" -F purpose=batch -F file=@r.jsonl "$FAKE_URL/v1/files"
printf '{"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10, "temperature": 0.7}' >ok.json
post /v1/chat/completions ok.json >/dev/null
expect_status "validate-requests rejects them" 1 "$TESTS/validate-requests" "$FAKE_LOG"
like "max_tokens to a reasoning model" "^/v1/chat/completions request [0-9]+: reasoning model gpt-5.4-mini: max_tokens is rejected" "$T/out"
like "a temperature other than 1" "reasoning model gpt-5.4-mini: temperature 0.7 is rejected" "$T/out"
like "in batch input lines too" "input line 1 \(/v1/chat/completions\): reasoning model o3-mini: max_tokens" "$T/out"
unlike "temperature 1 passes" "o3-mini: temperature" "$T/out"
unlike "other models may send both" "gpt-4.1-mini" "$T/out"
like "three problems" "3 problem\(s\)" "$T/out"
done_testing

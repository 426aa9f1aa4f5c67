#!/bin/sh
# igny8 prompts show prints a prompt file that igny8 prompts set takes back
# unchanged in effect (the same requests); set refuses what would fail
# later: bad front matter, a schema that is none, unknown placeholders.
. "$(dirname "$0")/../lib.sh"
new_workspace
igny8 -q init || fail "init"

igny8-cluster --method local <"$TOP/examples/keywords.jsonl" >clusters.jsonl 2>/dev/null ||
	fail "clusters to plan ideas for"
# requests FN FILE: the bodies igny8-FN --dry-run would send, into FILE.
requests() {
	case $1 in
	write) igny8-write --dry-run <"$TOP/examples/task.jsonl" ;;
	ideas) igny8-ideas --dry-run --count 2 <clusters.jsonl ;;
	esac 2>"$T/err" | "$PY" -c '
import json, sys
for l in sys.stdin:
    print(json.dumps(json.loads(l)["body"], sort_keys=True))' >"$2"
}

for fn in write ideas; do
	requests $fn before.$fn
	ok "$fn: there are requests to compare" test -s before.$fn
	expect_status "prompts show $fn" 0 igny8 prompts show $fn
	cp "$T/out" $fn.md
	like "$fn: it is a prompt file" '^---$' $fn.md
	unlike "$fn: no listing header" '^# front matter:' $fn.md
	expect_status "prompts set $fn takes it" 0 igny8 prompts set $fn $fn.md
	requests $fn after.$fn
	is_same "$fn: show | set sends the same requests" before.$fn after.$fn
	expect_status "prompts show $fn again" 0 igny8 prompts show $fn
	like "$fn: now from the workspace" "^# The $fn prompt \\(from workspace\\)" "$T/out"
done
like "the shipped model settings are shown commented out" '^# max_tokens: 4000$' ideas.md
# The configuration still wins over the shipped settings after the round trip.
igny8-write --dry-run --set functions.write.max_tokens=1234 <"$TOP/examples/task.jsonl" >out.w 2>/dev/null
like "configuration still beats the shipped max_tokens" '"max_completion_tokens":1234' out.w
expect_status "prompts reset write" 0 igny8 prompts reset write
expect_status "prompts reset ideas" 0 igny8 prompts reset ideas

# set refuses, naming the file and what is wrong; nothing is saved.
bad() { # bad DESC PATTERN: prompts set write bad.md is 65 with PATTERN on stderr
	expect_status "$1: 65" 65 igny8 prompts set write bad.md
	like "$1: says why" "$2" "$T/err"
}
body=$(sed '1,/^---$/d' "$TOP/prompts/write.md")
printf -- '---\nmax_token: 100\n---\n%s\n' "$body" >bad.md
bad "a misspelt key" "bad\\.md: front matter: unknown key 'max_token'; did you mean 'max_tokens'\\?"
printf -- '---\ntemperature: 3\n---\n%s\n' "$body" >bad.md
bad "temperature out of range" "temperature must be a number from 0 to 2"
printf -- '---\nmax_tokens: lots\n---\n%s\n' "$body" >bad.md
bad "max_tokens not a number" "max_tokens must be a whole number"
printf -- '---\nschema: [1, 2]\n---\n%s\n' "$body" >bad.md
bad "a schema that is none" "schema must be a JSON schema"
printf -- '---\nschema_name: "my schema"\n---\n%s\n' "$body" >bad.md
bad "a schema name OpenAI refuses" "schema_name 'my schema' may hold only"
printf -- '---\nmodel: x\n---\nWrite about {titel}.\n' >bad.md
bad "an unknown placeholder" "bad\\.md: text: unknown placeholder '{titel}' \\(known: .*title"
printf -- '---\nsystem: "You write for {site}."\n---\nWrite about {title}.\n' >bad.md
bad "one in the system message" "bad\\.md: system: unknown placeholder '{site}'"
printf -- '---\nmodel: x\n' >bad.md
bad "no closing ---" "front matter has no closing"
printf '# source: default\n# front matter: {\n  "max_tokens": 8000\n}\nWrite about {title}.\n' >bad.md
bad "an old show listing" "not a prompt file but the listing of an older 'igny8 prompts show'"
is "nothing was saved" 0 "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM prompts")"
printf 'Write about {title} in {language}.\n' >good.md
expect_status "a text without front matter is fine" 0 igny8 prompts set write good.md
done_testing

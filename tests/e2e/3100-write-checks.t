#!/bin/sh
# igny8-write's checks on an answer: each problem goes to the one repair
# turn; what is still wrong after it is flagged on the record; links that
# are not to the site's articles are removed (3110 has the links); the
# output cap follows the target length.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 1 || exit 1

# answer_with N OVERRIDES: the fake's next N write answers are a good article
# for the task's title, "Espresso grinder guide N" (about 200 words), with
# OVERRIDES (JSON, where "PK" stands for the title) applied
answer_with() {
	"$PY" -c '
import json, sys
pk = sys.argv[3].lower()
words = " ".join(["word"] * 60)
art = {"title": "Espresso grinder guide", "meta_title": "Espresso grinder guide for home",
       "meta_description": "An espresso grinder guide: burrs, settings and cleaning explained for baristas at home.",
       "slug": "espresso-grinder-guide",
       "body": "<p>An espresso grinder guide answers it. %s</p><h2>Choosing an espresso grinder guide</h2><p>%s</p><h2>Cleaning</h2><p>%s</p>" % (words, words, words),
       "primary_keyword": pk, "secondary_keywords": [], "key_takeaways": ["a", "b", "c"],
       "faq": [{"question": "Q <one>?", "answer": "A & one."}], "verify": ["Burr sizes quoted"], "tags": ["coffee"], "categories": ["Guides"]}
art = json.loads(json.dumps(art).replace("spresso grinder guide", pk[1:]))
art["slug"] = pk.replace(" ", "-")
art.update(json.loads(sys.argv[2].replace("PK", pk)))
print(json.dumps({"rules": [{"path": "/v1/chat/completions", "times": int(sys.argv[1]),
      "reply": {"chat_content": json.dumps(art)}}]}))' "$1" "$2" "$title" >rule.json
	fake_script rule.json
}
n=0
task() { # TITLE: a task record for TITLE, about 200 words
	n=$((n + 1))
	title="$1 $n"
	printf '{"type":"task","title":"%s","options":{"words":200}}\n' "$title" >task.jsonl
}
# the follow-up (repair) message of the last chat request, or ""
last_followup() {
	"$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
b = [r["body"] for r in rows if r["path"] == "/v1/chat/completions"][-1]
u = [m["content"] for m in b["messages"] if m["role"] == "user"]
print(u[1] if len(u) > 1 else "")' "$FAKE_LOG"
}

# -- a good answer: one request, no repair --------------------------------------
task "Espresso grinder guide"
answer_with 1 '{}'
before=$(fake_count /v1/chat/completions)
expect_status "a good answer" 0 igny8-write task.jsonl
is "is taken as it is: one request" $((before + 1)) "$(fake_count /v1/chat/completions)"
unlike "no check note" 'check:|repair' "$T/err"
like "the verify list is on the record" '"verify":\["Burr sizes quoted"\]' "$T/out"
like "the FAQ ends the body, escaped" \
	'<h2>Frequently asked questions</h2>\\n<h3>Q &lt;one&gt;\?</h3>\\n<p>A &amp; one\.</p>\\n"' "$T/out"
like "key takeaways follow the first paragraph" 'answers it\.[^<]*</p>\\n<h2>Key takeaways</h2>' "$T/out"
is "the verify list is kept in the workspace" '["Burr sizes quoted"]' \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT verify FROM content WHERE task_id = 1")"
is "no checks there" "" "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT checks FROM content WHERE task_id = 1")"
expect_status "a rerun of the done task" 0 igny8-write --task 1
like "writes the verify list again" '"verify":\["Burr sizes quoted"\]' "$T/out"

# each check: a bad first answer is repaired (the fake's next answer is good)
checked() { # DESC OVERRIDES PATTERN
	task "Espresso grinder guide"
	answer_with 1 "$2"
	before=$(fake_count /v1/chat/completions)
	expect_status "$1: written" 0 igny8-write task.jsonl
	is "$1: after one repair turn" $((before + 2)) "$(fake_count /v1/chat/completions)"
	last_followup >followup.txt
	like "$1: the repair turn says why" "$3" followup.txt
}
checked "meta title too long" '{"meta_title": "PK: every setting, burr and cleaning step you need"}' \
	'meta_title is 7[0-9] characters, not 1 to 60'
checked "meta description too short" '{"meta_description": "PK."}' \
	'meta_description is 2[0-9] characters, not 50 to 160'
checked "too few words" '{"body": "<p>An PK.</p><h2>An PK</h2><p>Short.</p>"}' \
	'body has [0-9]+ words, asked for about 200'
checked "keyword not in the first paragraph" \
	'{"body": "<p>Grinders matter. '"$(printf 'w%.0s ' $(seq 190))"'</p><h2>Choosing an PK</h2>"}' \
	'primary keyword is not in the first paragraph'
checked "keyword not in the title" '{"title": "Burr basics"}' 'primary keyword is not in the title'

# -- a 58-character Cyrillic meta title is 107 bytes: kept whole ----------------
task "Espresso grinder guide"
answer_with 1 '{"meta_title": "PK: \u043a\u043e\u0444\u0435\u043c\u043e\u043b\u043a\u0430 \u0434\u043b\u044f \u0434\u043e\u043c\u0430 \u0438 \u043e\u0444\u0438\u0441\u0430 \u0431\u0435\u0437"}'
before=$(fake_count /v1/chat/completions)
expect_status "a Cyrillic meta title under 60 characters" 0 igny8-write task.jsonl
is "is not repaired" $((before + 1)) "$(fake_count /v1/chat/completions)"
like "nor cut" '"meta_title":"espresso grinder guide [0-9]+: кофемолка для дома и офиса без"' "$T/out"

# -- still wrong after the repair: cut as a last resort, flagged ----------------
task "Espresso grinder guide"
answer_with 2 '{"meta_title": "PK: every setting, burr and cleaning step you need"}'
expect_status "still wrong after the repair turn" 0 igny8-write task.jsonl
like "flagged on the record" '"checks":\["meta_title is 7[0-9] characters, not 1 to 60"' "$T/out"
id=$(jq_py 'd["task_id"]' "$T/out")
like "and in the workspace" 'meta_title is 7[0-9] characters' \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT checks FROM content WHERE task_id = $id" >checks.txt; echo checks.txt)"
like "the meta title cut at a word, in characters" \
	'"meta_title":"espresso grinder guide [0-9]+: every setting, burr and cleaning"' "$T/out"

# -- the slug is transliterated ---------------------------------------------------
task "Espresso grinder guide"
answer_with 1 '{"slug": "PK caf\u00e9 cr\u00e8me"}'
expect_status "an accented slug" 0 igny8-write task.jsonl
like "loses its accents" '"slug":"espresso-grinder-guide-[0-9]+-cafe-creme"' "$T/out"

# -- ideas' own targets and the output cap ----------------------------------------
echo '{}' >none.json
fake_script none.json
cluster_records 1 | igny8-ideas --count 1 >ideas.jsonl 2>/dev/null
want=$(jq_py 'd["word_count"]' ideas.jsonl)
expect_status "an idea" 0 igny8-write --dry-run ideas.jsonl
like "is asked for its own word count" "about $want words" "$T/out"
like "with a cap of twice that plus headroom" "\"max_(completion_)?tokens\":$((2 * want + 2500))" "$T/out"
like "and today's date" "Today's date: $(date -u +%Y-%m-%d)" "$T/out"
like "and the cluster's intent" 'Search intent: informational' "$T/out"
printf 'functions:\n  write:\n    max_tokens: 7000\n' >cap.yaml
expect_status "a cap the user set" 0 igny8-write --config cap.yaml --dry-run ideas.jsonl
like "is kept" '"max_(completion_)?tokens":7000' "$T/out"

validate_requests "every request validates against the OpenAPI spec"
done_testing

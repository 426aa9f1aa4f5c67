#!/bin/sh
# igny8-write: ideas to tasks to articles; the normalizer and sanitizer;
# prompt resolution at each level; moderation; reruns.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/seed.sh"

fake_start || exit 1
new_workspace
seed_clusters 2 || exit 1
chats() { fake_count /v1/chat/completions; }
cluster_records 2 | igny8-ideas --count 1 >ideas.jsonl 2>/dev/null
is "two ideas to write" 2 "$(wc -l <ideas.jsonl)"

expect_status "articles from ideas" 0 igny8-write ideas.jsonl
cp "$T/out" articles.jsonl
is "two content records" 2 "$(wc -l <articles.jsonl)"
ok "with every field an article needs" each_line '
d["type"] == "content" and all(k in d for k in ("id", "task_id", "title", "meta_title",
 "meta_description", "slug", "html", "primary_keyword", "secondary_keywords", "tags",
 "categories", "word_count"))' articles.jsonl
ok "meta title <= 60 and description <= 160 characters" each_line \
	'len(d["meta_title"]) <= 60 and len(d["meta_description"]) <= 160' articles.jsonl
ok "slug is lowercase words and hyphens" each_line \
	'__import__("re").fullmatch("[a-z0-9]+(-[a-z0-9]+)*", d["slug"])' articles.jsonl
ok "the body has the outline's H2 sections" each_line '"<h2>" in d["html"]' articles.jsonl
is "tasks are done" "done|2" "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status, count(*) FROM tasks GROUP BY status")"
is "two requests" 4 "$(fake_count)"

expect_status "rerun" 0 igny8-write ideas.jsonl
is_same "same records" articles.jsonl "$T/out"
is "no new request" 4 "$(fake_count)"
is "no new rows" 2 "$(count_rows content)"

# -- what the model returns becomes clean HTML ---------------------------------
# writes TEXT as the article body the fake returns from now on
body_is() {
	"$PY" -c '
import json, sys
art = {"title": "T", "meta_title": "A meta title that is far too long to be used as it is by a search engine",
       "meta_description": "d", "slug": "Some Slug!", "body": sys.argv[1], "primary_keyword": "k",
       "secondary_keywords": [], "key_takeaways": ["a", "b", "c"], "faq": [], "verify": [],
       "tags": [], "categories": ["c"]}
print(json.dumps({"rules": [{"path": "/v1/chat/completions",
      "reply": {"chat_content": json.dumps(art)}}]}))' "$1" >rule.json
	fake_script rule.json
}
printf '{"type":"task","title":"Markdown piece"}\n' >md.jsonl
body_is '## Why it matters

Some **bold** text and a [link](https://example.com/x).

- one
- two'
expect_status "a Markdown body" 0 igny8-write md.jsonl
like "becomes HTML headings" '<h2>Why it matters</h2>' "$T/out"
like "lists" '<li>one</li>' "$T/out"
unlike "a link that leaves the site is removed" '<a href' "$T/out"
like "its text stays" 'a link\.' "$T/out"
like "the meta title is cut to 60 at a word" '"meta_title":"A meta title that is far too long to be used as it is by a"' "$T/out"
like "the slug is cleaned" '"slug":"some-slug"' "$T/out"

printf '{"type":"task","title":"Hostile piece"}\n' >evil.jsonl
body_is '<h2 onclick="x()">Hi</h2><p>ok<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><a href=" JaVaScRiPt:alert(2)">y</a><img src=x onerror=alert(3)><iframe src="https://evil.example.com"></iframe><p style="color:red">styled</p><svg onload=alert(4)></svg>'
expect_status "hostile HTML" 0 igny8-write evil.jsonl
cp "$T/out" evil.out
unlike "no script survives" '<script|alert\(1\)' evil.out
unlike "no event handler" 'on(click|error|load)' evil.out
unlike "no javascript: URL" '[jJ][aA][vV][aA][sS][cC][rR][iI][pP][tT]:' evil.out
unlike "no iframe, style or svg" '<iframe|style=|<svg' evil.out
like "the harmless text stays" 'styled' evil.out

printf '{"type":"task","title":"JSON piece"}\n' >js.jsonl
body_is '{"html": "<h2>Inner</h2><p>from JSON</p>"}'
expect_status "JSON with HTML inside" 0 igny8-write js.jsonl
like "is unwrapped" '<h2>Inner</h2>' "$T/out"

printf '{"type":"task","title":"Markdown out","options":{"format":"markdown"}}\n' >mdout.jsonl
body_is '<h2>Section</h2><p>Para <strong>bold</strong></p>'
expect_status "a task asking for Markdown" 0 igny8-write mdout.jsonl
like "gets a markdown field" '"markdown":"## Section' "$T/out"

# -- prompt resolution, first found wins -------------------------------------------
echo '{}' >none.json
fake_script none.json
last_user() {
	"$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
b = [r["body"] for r in rows if r["path"] == "/v1/chat/completions"][-1]
print([m["content"] for m in b["messages"] if m["role"] == "user"][0])' "$FAKE_LOG"
}
mkdir -p "$XDG_CONFIG_HOME/igny8/prompts"
printf 'USERDIR prompt for [IGNY8_TITLE], exactly about {words} words\n' \
	>"$XDG_CONFIG_HOME/igny8/prompts/write.md"
printf '{"type":"task","title":"Level one"}\n' >p1.jsonl
expect_status "the user's config dir prompt" 0 igny8-write p1.jsonl
is "is used over the default" "USERDIR prompt for Level one, exactly about 1200 words" "$(last_user)"
sqlite3 "$IGNY8_WORKSPACE" "INSERT INTO prompts (function, body, updated_at)
 VALUES ('write', 'WORKSPACE prompt for [IGNY8_TITLE]', 'now')"
printf '{"type":"task","title":"Level two"}\n' >p2.jsonl
expect_status "the workspace prompt" 0 igny8-write p2.jsonl
is "wins over the user's" "WORKSPACE prompt for Level two" "$(last_user)"
printf 'RUNFILE prompt for [IGNY8_TITLE]\n' >run.md
printf '{"type":"task","title":"Level three"}\n' >p3.jsonl
expect_status "--prompt FILE" 0 igny8-write --prompt run.md p3.jsonl
is "wins over the workspace's" "RUNFILE prompt for Level three" "$(last_user)"
printf '{"type":"task","title":"Level four","prompt_override":"RECORD prompt for [IGNY8_TITLE]"}\n' >p4.jsonl
expect_status "the record's prompt_override" 0 igny8-write --prompt run.md p4.jsonl
is "wins over everything" "RECORD prompt for Level four" "$(last_user)"
printf '{"type":"task","title":"Bad","prompt_override":"Hello [IGNY8_NOPE] and {title}"}\n' >p5.jsonl
expect_status "an unknown placeholder fails the record" 65 igny8-write p5.jsonl
like "naming it and the known ones" "unknown placeholder '\[IGNY8_NOPE\]' \(known: .*title" "$T/err"
is "the task is failed with the error" failed \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT status FROM tasks WHERE title = 'Bad'")"
sqlite3 "$IGNY8_WORKSPACE" "DELETE FROM prompts"
rm "$XDG_CONFIG_HOME/igny8/prompts/write.md"

# -- moderation ------------------------------------------------------------------------
printf '{"type":"task","title":"Dangerous"}\n' >mod.jsonl
body_is '<h2>FLAGME</h2><p>bad text</p>'
expect_status "--moderate: flagged content is not written as done" 65 igny8-write --moderate mod.jsonl
is "nothing on stdout" "" "$(cat "$T/out")"
like "said on stderr" 'task:[0-9]+: flagged by moderation' "$T/err"
is "saved as flagged" "flagged|flagged" "$(sqlite3 "$IGNY8_WORKSPACE" \
	"SELECT t.status, c.status FROM tasks t JOIN content c ON c.task_id = t.id WHERE t.title = 'Dangerous'")"
is "one moderation request" 1 "$(fake_count /v1/moderations)"

validate_requests "every request validates against the OpenAPI spec"
no_key_leak "no key leaks" "$T/out" "$T/err" articles.jsonl
done_testing

#!/bin/sh
# igny8-write's internal links: the writer is offered the site's related
# articles (same cluster first, then those sharing words); a link to
# anything else, or with link text that says nothing, goes to the repair
# turn; what is still wrong after it is removed (the text stays) or
# flagged; too few links are flagged, not repaired.
. "$(dirname "$0")/../lib.sh"

fake_start || exit 1
new_workspace
igny8-ideas --progress none -q </dev/null >/dev/null 2>&1
cat >site.yaml <<'Y'
site:
  url: https://x.example
Y

# two done articles about espresso grinders, one about gardening
sqlite3 "$IGNY8_WORKSPACE" "
INSERT INTO tasks (id, title, status, created_at, updated_at) VALUES
 (1, 'Cleaning an espresso grinder', 'done', 'now', 'now'),
 (2, 'Espresso grinder burr sizes', 'done', 'now', 'now'),
 (3, 'Garden soil', 'done', 'now', 'now');
INSERT INTO content (task_id, title, slug, primary_keyword, html, created_at, updated_at) VALUES
 (1, 'Cleaning an espresso grinder', 'cleaning-espresso-grinder', 'clean espresso grinder', '<p>x</p>', 'now', 'now'),
 (2, 'Espresso grinder burr sizes', 'espresso-burr-sizes', 'grinder burr size', '<p>x</p>', 'now', 'now'),
 (3, 'Garden soil', 'garden-soil', 'garden soil', '<p>x</p>', 'now', 'now');" || exit 1

n=0
task() { # a task record for "Espresso grinder guide N", about 200 words
	n=$((n + 1))
	title="Espresso grinder guide $n"
	printf '{"type":"task","title":"%s","options":{"words":200}}\n' "$title" >task.jsonl
}
# answer_with N LINKS: the fake's next N write answers are a good article
# for the task with the HTML LINKS in its first paragraph
answer_with() {
	"$PY" -c '
import json, sys
pk = sys.argv[3].lower()
words = " ".join(["word"] * 60)
art = {"title": pk, "meta_title": pk + " for home",
       "meta_description": "An %s: burrs, settings and cleaning explained for baristas at home." % pk,
       "slug": pk.replace(" ", "-"),
       "body": "<p>An %s answers it. %s %s</p><h2>Choosing an %s</h2><p>%s</p><h2>Cleaning</h2><p>%s</p>" % (pk, sys.argv[2], words, pk, words, words),
       "primary_keyword": pk, "secondary_keywords": [], "key_takeaways": ["a", "b", "c"],
       "faq": [], "verify": [], "tags": ["coffee"], "categories": ["Guides"]}
print(json.dumps({"rules": [{"path": "/v1/chat/completions", "times": int(sys.argv[1]),
      "reply": {"chat_content": json.dumps(art)}}]}))' "$1" "$2" "$title" >rule.json
	fake_script rule.json
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
good='See <a href="https://x.example/cleaning-espresso-grinder/">how to clean an espresso grinder</a> and <a href="/espresso-burr-sizes/">espresso burr sizes</a>.'

# -- what the writer is offered ---------------------------------------------------
task
expect_status "a dry run" 0 igny8-write --config site.yaml --dry-run task.jsonl
like "the related articles with their URLs" \
	'- \\"Cleaning an espresso grinder\\" \(primary keyword: clean espresso grinder\): https://x.example/cleaning-espresso-grinder/\\n- \\"Espresso grinder burr sizes\\"' "$T/out"
unlike "not an unrelated one" 'garden-soil' "$T/out"
like "the system message asks for two to four links" 'Place two to four such links' "$T/out"

# -- good links: one request, kept ------------------------------------------------
answer_with 1 "$good"
before=$(fake_count /v1/chat/completions)
expect_status "an answer with good links" 0 igny8-write --config site.yaml task.jsonl
is "is taken as it is: one request" $((before + 1)) "$(fake_count /v1/chat/completions)"
like "both links are kept" '<a href=\\"https://x.example/cleaning-espresso-grinder/\\">how to clean an espresso grinder</a> and <a href=\\"/espresso-burr-sizes/\\">espresso burr sizes</a>' "$T/out"
unlike "nothing flagged" '"checks"' "$T/out"

# -- a link elsewhere and a made-up one: repaired ----------------------------------
task
answer_with 1 '<a href="https://shop.example/buy">this shop</a>, <a href="https://x.example/best-grinders-2026/">best grinders</a>.'
before=$(fake_count /v1/chat/completions)
expect_status "bad links" 0 igny8-write --config site.yaml task.jsonl
is "go to the repair turn" $((before + 2)) "$(fake_count /v1/chat/completions)"
last_followup >followup.txt
like "which names the link elsewhere" "the link to 'https://shop.example/buy' is not one of the site's articles" followup.txt
like "and the made-up one" "the link to 'https://x.example/best-grinders-2026/' is not one" followup.txt
like "the repaired article links to the site's articles" '<a href=\\"https://x.example/cleaning-espresso-grinder/\\">Cleaning an espresso grinder</a>' "$T/out"
unlike "and not elsewhere" 'shop.example|best-grinders' "$T/out"

# -- still bad after the repair: removed, text kept, flagged -----------------------
task
answer_with 2 '<a href="https://shop.example/buy">this shop</a> and <a href="/cleaning-espresso-grinder">click here</a>.'
expect_status "bad links twice" 0 igny8-write --config site.yaml task.jsonl
jq_py 'd["html"]' "$T/out" >html.txt
unlike "the link elsewhere is removed" 'shop.example' html.txt
like "its text stays" 'answers it\. this shop and' html.txt
like "the vague link text is flagged" '"checks":\[[^]]*"the link text '\''click here'\'' does not say what the linked article is about"' "$T/out"
like "and so is the link removed" '"checks":\[[^]]*"the link to '\''https://shop.example/buy'\'' is not one' "$T/out"

# -- too many links: repaired -----------------------------------------------------
task
five=$(for s in cleaning-espresso-grinder espresso-burr-sizes garden-soil espresso-grinder-guide-1 espresso-grinder-guide-3; do printf '<a href="/%s/">about %s</a> ' "$s" "$s"; done)
answer_with 1 "$five"
before=$(fake_count /v1/chat/completions)
expect_status "five links" 0 igny8-write --config site.yaml task.jsonl
is "go to the repair turn" $((before + 2)) "$(fake_count /v1/chat/completions)"
last_followup >followup.txt
like "which says how many" "the body has 5 links to the site's articles, not at most 4" followup.txt

# -- no links: flagged, not repaired -----------------------------------------------
task
answer_with 1 ''
before=$(fake_count /v1/chat/completions)
expect_status "no links" 0 igny8-write --config site.yaml task.jsonl
is "is not worth a repair turn" $((before + 1)) "$(fake_count /v1/chat/completions)"
like "flagged" '"checks":\["the body links to 0 of the site.s articles, asked for 2 to 4"\]' "$T/out"

# -- a new site: no links offered, none asked for ----------------------------------
IGNY8_WORKSPACE=$T/new.db
export IGNY8_WORKSPACE
task
expect_status "a dry run on a new site" 0 igny8-write --config site.yaml --dry-run task.jsonl
like "says to write no links" 'Related articles of the site to link to \(title, primary keyword, URL\):\\n\(none yet: write no links\)' "$T/out"
answer_with 1 ''
expect_status "an answer without links" 0 igny8-write --config site.yaml task.jsonl
unlike "is not flagged" '"checks"' "$T/out"
echo '{}' >none.json
fake_script none.json
printf '{"type":"task","title":"Espresso grinder guide, part two","options":{"words":200}}\n' >two.jsonl
expect_status "the next article" 0 igny8-write --config site.yaml two.jsonl
like "links to the first" '<a href=\\"https://x.example/espresso-grinder-guide-[0-9]+/\\">' "$T/out"

validate_requests "every request validates against the OpenAPI spec"
done_testing

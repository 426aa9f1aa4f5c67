#!/bin/sh
# igny8 audit: igny8-write's checks run again on the saved articles, as a
# table (ok / FAIL per check) and as JSON records; exit 1 when one fails.
. "$(dirname "$0")/../lib.sh"

fake_start || exit 1
new_workspace
cat >igny8.yaml <<'Y'
site:
  url: https://x.example
Y
# three articles by the fake, each with its words and keyword in place;
# the second and third link to the articles before them
for t in "Espresso grinder basics" "Espresso grinder cleaning" "Espresso grinder settings"; do
	printf '{"type":"task","title":"%s","options":{"words":300}}\n' "$t"
done >tasks.jsonl
expect_status "three articles" 0 igny8-write -j 1 tasks.jsonl

expect_status "the audit of a good article" 0 igny8 audit --task 3
like "names the article" '^task 3: espresso-grinder-settings' "$T/out"
is "every check ok" "8" "$(grep -c '^  ok ' "$T/out")"
like "a summary" '^1 article, 0 failing a check$' "$T/out"

# an editor's changes the checks catch
sqlite3 "$IGNY8_WORKSPACE" "UPDATE content SET
 meta_title = 'A meta title that an editor made far too long for any search result',
 slug = 'Espresso Settings',
 html = replace(html, '<h2>', '<p><a href=\"https://shop.example/x\">click here</a></p><h2>'),
 verify = '[\"Grind sizes\",\"Prices\"]'
 WHERE task_id = 3" || exit 1
expect_status "the audit of an edited article" 1 igny8 audit --task 3
like "the meta title fails" '^  FAIL  meta_title +meta_title is 6[0-9] characters, not 1 to 60$' "$T/out"
like "the slug fails" "^  FAIL  slug +slug 'Espresso Settings' is not lower-case words joined by hyphens \\('espresso-settings' would be\\)$" "$T/out"
like "the keyword is not in the slug" "^  FAIL  keyword +the slug does not contain 'espresso-grinder-settings'$" "$T/out"
like "the link elsewhere fails" "^  FAIL  links +the link to 'https://shop.example/x' is not one of the site's articles" "$T/out"
like "the verify list is a note" '^  note  verify +2 statements to check before publishing$' "$T/out"
like "the rest is ok" '^  ok    words$' "$T/out"

expect_status "every article, as JSON" 1 igny8 audit --json
is "one record per article" 3 "$(grep -c '"type":"audit"' "$T/out")"
"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(d["task_id"], d["ok"], ",".join(c["check"] for c in d["checks"] if not c["ok"]), len(d["verify"]))' "$T/out" >summary
# the site has grown since the first two were written: they link to fewer
# of its articles than they could now
is "ok and the failing checks of each" "1 False links 0
2 False links 0
3 False meta_title,keyword,slug,links 2" "$(cat summary)"
like "the first article has nothing to link to yet" \
	'"check":"links","ok":false,"problems":\["the body links to 0 of the site.s articles, asked for 2 to 4"\]' \
	"$(head -n 1 "$T/out" >first; echo first)"

expect_status "a task without an article" 66 igny8 audit --task 99
like "says so" '^igny8: audit: task 99 has no article in the workspace$' "$T/err"
expect_status "a bad task id" 64 igny8 audit --task x
expect_status "--help" 0 igny8 audit --help
like "shows the usage" '^usage: igny8 audit' "$T/out"
done_testing

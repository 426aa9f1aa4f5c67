#!/bin/sh
# igny8-image with OpenAI: base64 answers, files, rows, records, costs,
# free and duplicate-free reruns.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
fake_start || exit 1
new_workspace
# Two devices on purpose: one is the default now (4005 shows it), and this
# test is where each prompt making one image per device is proved.
cat >igny8.yaml <<'Y'
image:
  devices: [desktop, mobile]
prices:
  image:
    gpt-image-2:
      medium: {1536x1024: 0.05, 1024x1536: 0.05, 1024x1024: 0.04}
Y
article 1 "Camping basics"

expect_status "first run makes the images" 0 igny8-image --task 1
cp out run1.jsonl
cp err run1.err
is "six records: featured and two in-article, desktop and mobile" 6 "$(wc -l <run1.jsonl)"
"$PY" -c '
import json, sys
b = [json.loads(l)["body"] for l in open(sys.argv[1]) if "/chat/" in l][-1]
print("\n".join(m["content"] for m in b["messages"]))' "$FAKE_LOG" >prompt.txt
like "the image prompt step is sent the headings" 'Packing the bag' prompt.txt
unlike "not the article's text" 'Heavy items go low' prompt.txt
like "alt text and captions are asked for in the article's language" \
	'write alt text and captions in English' prompt.txt
field kind run1.jsonl | tr '\n' ' ' >kinds
is "records in slot order" "featured featured in_article in_article in_article in_article " \
	"$(cat kinds)"
is "records are image records" "image" "$(field type run1.jsonl | sort -u)"
field path run1.jsonl | while read -r p; do
	case $p in "$T"/ws.db.images/task1-*-desktop.png | "$T"/ws.db.images/task1-*-mobile.png) ;;
	*) echo "bad path $p" ;; esac
	[ -s "$p" ] || echo "missing $p"
	head -c 8 "$p" | od -An -c | grep -q 'P   N   G' || echo "not a PNG: $p"
done >bad
is "files under names we make, in the image directory, real PNGs" "" "$(cat bad)"
is "width and height from the header" "1536x1024 1024x1536 1536x1024 1024x1024 1536x1024 1024x1024" \
	"$("$PY" -c '
import json, sys
print(" ".join("%dx%d" % (r["width"], r["height"]) for r in map(json.loads, open(sys.argv[1]))))' run1.jsonl)"
is "sections are H2 texts" "Choosing a tent,Packing the bag" \
	"$(sqlite3 ws.db "SELECT group_concat(DISTINCT section) FROM images WHERE kind = 'in_article'")"
is "all rows done" "6" "$(sqlite3 ws.db "SELECT count(*) FROM images WHERE status = 'done'")"
is "no temporary files left" "" "$(ls -A ws.db.images | grep -v '^task1-')"
is "the model's prompt wrapped in the style template" "1" \
	"$(sqlite3 ws.db "SELECT count(*) FROM images WHERE id = 1 AND prompt LIKE
		'Editorial photograph illustrating Camping basics%Style: realistic%'")"

is "OpenAI has no negative prompt: none saved" "0" \
	"$(sqlite3 ws.db "SELECT count(*) FROM images WHERE negative_prompt IS NOT NULL")"
"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == "/v1/images/generations":
        print(r["body"]["prompt"])' "$FAKE_LOG" >prompts.txt
unlike "nor pasted into the prompt" 'Avoid|extra fingers' prompts.txt

# What was sent.
is "one extraction call and six image calls" "1 6" \
	"$(fake_count /v1/chat/completions) $(fake_count /v1/images/generations)"
"$PY" - "$FAKE_LOG" >sent <<'EOF2'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] == "/v1/images/generations":
        b = r["body"]
        print(b["model"], b["size"], b.get("output_format"), b.get("n"), "response_format" in b)
EOF2
is "image requests: model, size, output_format, n=1, no response_format" \
	"gpt-image-2 1536x1024 png 1 False
gpt-image-2 1024x1536 png 1 False
gpt-image-2 1536x1024 png 1 False
gpt-image-2 1024x1024 png 1 False
gpt-image-2 1536x1024 png 1 False
gpt-image-2 1024x1024 png 1 False" "$(cat sent)"
like "the extraction prompt lists the H2s" 'Choosing a tent' "$FAKE_LOG"
validate_requests "requests conform to the OpenAI spec"

# Costs: the price table, per image, in ai_log and on the rows.
is "ai_log: one row per image with tokens and cost" "6|/images/generations|ok|0.05|1056" \
	"$(sqlite3 ws.db "SELECT count(*), endpoint, outcome, max(cost), max(tokens_out)
		FROM ai_log WHERE function = 'image'")"
is "rows carry their cost (4 x 0.05 + 2 x 0.04)" "0.28" \
	"$(sqlite3 ws.db "SELECT round(sum(cost), 4) FROM images")"

# Rerun: nothing sent, the same records, no new rows.
expect_status "rerun succeeds" 0 igny8-image --task 1
is_same "rerun re-emits the same records" run1.jsonl out
is "rerun sends nothing" 7 "$(fake_count)"
is "no duplicate rows" 6 "$(sqlite3 ws.db "SELECT count(*) FROM images")"
like "rerun counts the article as skipped" '0 done, 0 failed, 1 skipped' err

# Input as content records from a pipe, and --max-images.
article 2 "Winter hiking"
printf '{"type":"content","id":2}\n' >in.jsonl
expect_status "content records on stdin; --max-images 1" 0 igny8-image --max-images 1 in.jsonl
is "one in-article image per device" "featured featured in_article in_article " \
	"$(field kind out | tr '\n' ' ')"
is "task 2's records" "2" "$(field task_id out | sort -u)"

# Formats: jpeg files end in .jpg and are JPEGs.
article 3 "Trail food"
expect_status "jpeg output" 0 igny8-image --max-images 0 --set image.format=jpeg --task 3
is "jpeg files" "jpeg jpeg" "$(field format out | tr '\n' ' ' | sed 's/ $//')"
like "named .jpg" 'task3-featured-0-desktop\.jpg' out

no_key_leak "no API key in outputs or the workspace" run1.jsonl run1.err out err
done_testing

#!/bin/sh
# igny8-image --insert: figures at their sections in content.html, once.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
fake_start || exit 1
new_workspace
article 1 "Camping basics"

html() { sqlite3 ws.db "SELECT html FROM content WHERE task_id = ${1:-1}"; }

expect_status "--insert on the first run" 0 igny8-image --insert --task 1
html >html1
is "two figures (in-article, desktop)" 2 "$(grep -o '<figure>' html1 | wc -l)"
"$PY" - html1 "$T" >order <<'EOF2'
import re, sys
h, t = open(sys.argv[1]).read(), sys.argv[2]
parts = re.split(r"<h2>", h)
for p in parts[1:]:
    title = p.split("</h2>")[0]
    srcs = re.findall(r'<img src="([^"]+)"', p)
    print(title, [s.replace(t, "$T") for s in srcs])
EOF2
is "each figure at the end of its section" \
	"Choosing a tent ['\$T/ws.db.images/task1-in_article-1-desktop.png']
Packing the bag ['\$T/ws.db.images/task1-in_article-2-desktop.png']
Setting up camp []" "$(cat order)"
like "alt text is the answer's" '<img src="[^"]*" alt="A photograph of choosing a tent">' html1
like "and so is the caption" '<figcaption>Choosing a tent in practice\.</figcaption>' html1
is "the featured image has alt text too" "A scene illustrating Camping basics" \
	"$(sqlite3 ws.db "SELECT alt FROM images WHERE task_id = 1 AND kind = 'featured'")"
like "image records carry alt text and caption" \
	'"alt":"A photograph of packing the bag","caption":"Packing the bag in practice\."' out
unlike "no featured image in the body" 'featured' html1
is "three images recorded (one device by default)" 3 "$(wc -l <out)"

expect_status "--insert again" 0 igny8-image --insert --task 1
html >html2
is_same "a rerun changes nothing" html1 html2
is "and sends nothing" 4 "$(fake_count)"

# Made without --insert, inserted later with no request.
article 2 "Winter hiking"
expect_status "images without --insert" 0 igny8-image --task 2
is "the article is untouched" 0 "$(html 2 | grep -c '<figure>')"
expect_status "--insert later" 0 igny8-image --insert --task 2
is "figures placed" 2 "$(html 2 | grep -o '<figure>' | wc -l)"
is "records re-emitted" 3 "$(wc -l <out)"
is "no request for it" 8 "$(fake_count)"

# Images made before the answer had alt text: the section's heading.
article 3 "Trail food"
expect_status "images of a third article" 0 igny8-image --task 3
sqlite3 ws.db "UPDATE images SET alt = NULL, caption = NULL WHERE task_id = 3"
expect_status "--insert with no alt text saved" 0 igny8-image --insert --task 3
like "the section is the alt text" '<img src="[^"]*" alt="Choosing a tent"><' "$(html 3 >html3; echo html3)"
unlike "and there is no caption" 'figcaption' html3
done_testing

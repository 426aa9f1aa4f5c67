#!/bin/sh
# igny8 report --html DIR: a self-contained static site of the workspace,
# loaded in headless Chromium: no console errors, every image and link
# resolves, and the index is not a blank page.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/publish-lib.sh"

publish_fixture || exit 1
n=$NARTICLES
slug=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT slug FROM content ORDER BY task_id LIMIT 1")

# The shipped image models are priced now: make the image calls' cost
# unknown, as for a model without a price, to see how the chart says so.
sqlite3 "$IGNY8_WORKSPACE" "UPDATE ai_log SET cost = NULL WHERE function = 'image'"
expect_status "igny8 report needs --html" 64 igny8 report
expect_status "igny8 report --html" 0 igny8 report --html rep
ok "an index" test -s rep/index.html
ok "a page of clusters" test -s rep/clusters.html
is "a page per article" "$n" "$(ls rep/articles | wc -l | tr -d ' ')"
like "the spend by day as an SVG chart" '<svg role="img" aria-label="spend by day"' rep/index.html
like "and by function" 'aria-label="spend by function"' rep/index.html
like "a bar per function that spent" '>write</text><rect' rep/index.html
like "and 'unknown' for one whose calls had no price" '>image</text><rect[^>]*/><text[^>]*>unknown</text>' rep/index.html
cluster=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT name FROM clusters ORDER BY id LIMIT 1")
like "clusters by name" ">$cluster</h2>" rep/clusters.html
kw=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT keyword || '</td><td class=\"n\">' || volume FROM keywords WHERE volume IS NOT NULL LIMIT 1")
like "keywords with their volumes" "<td>$kw</td>" rep/clusters.html
idea=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT title FROM ideas ORDER BY id LIMIT 1")
ok "ideas" grep -qF "$idea" rep/clusters.html
like "an article page has its featured image" "<img src=\"../images/$slug-featured.png\"" \
	"rep/articles/$slug.html"
like "and its in-article images" "<img src=\"../images/$slug-1.png\"" "rep/articles/$slug.html"

# Self-contained: nothing from elsewhere, no script at all.
unlike "no script" '<script' rep/index.html
cat rep/*.html rep/articles/*.html >all.html
unlike "no script on any page" '<script' all.html
unlike "no external style, font or image" '(src|href)="(https?:)?//|@import|url\(' all.html
unlike "no workspace path leaks into a page" "$IGNY8_WORKSPACE" all.html

# Every local link and image resolves.
missing=
for p in rep/index.html rep/clusters.html rep/articles/*.html; do
	d=$(dirname "$p")
	for u in $(grep -oE '(src|href)="[^"#]+"' "$p" | sed 's/^[a-z]*="//; s/"$//'); do
		[ -e "$d/$u" ] || missing="$missing $p:$u"
	done
done
is "every link and image of every page resolves" "" "$missing"

# In a real browser.
if ! command -v chromium >/dev/null 2>&1; then
	fail "chromium is not installed (scripts/deps test installs it)"
	done_testing
	exit 1
fi
browse() { # PAGE SHOT: load PAGE, screenshot it, its log in $T/chr.log
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$T/chr-profile" --enable-logging=stderr \
		--v=0 --window-size=1200,900 --screenshot="$2" "file://$T/$1" \
		>"$T/chr.out" 2>"$T/chr.log"
}
for p in index.html clusters.html "articles/$slug.html"; do
	rm -rf "$T/chr-profile"
	ok "chromium loads $p" browse "rep/$p" "$T/shot.png"
	unlike "$p: no console message" ':CONSOLE' "$T/chr.log"
	[ "$p" = index.html ] && cp "$T/shot.png" index.png
done
# The article's featured image fills much of the window when it loads; a
# broken one is a small icon.
drawn=$("$PY" "$TESTS/report/pngcheck.py" "$T/shot.png")
ok "the article's images load in the browser ($drawn/10000 drawn)" test "$drawn" -ge 2000
ok "a screenshot of the index" test -s index.png
drawn=$("$PY" "$TESTS/report/pngcheck.py" index.png)
ok "that is not blank ($drawn/10000 of it drawn)" test "$drawn" -ge 50
done_testing

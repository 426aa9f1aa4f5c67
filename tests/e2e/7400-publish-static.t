#!/bin/sh
# igny8-publish --to hugo|jekyll|astro: one Markdown file per article with
# front matter, images beside it, nothing rewritten that did not change,
# --dry-run changes nothing, and a real hugo builds the result.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/publish-lib.sh"

publish_fixture || exit 1
n=$NARTICLES
slug=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT slug FROM content ORDER BY task_id LIMIT 1")
task=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT task_id FROM content ORDER BY task_id LIMIT 1")

# -- usage ----------------------------------------------------------------------
expect_status "no --to is a usage error" 64 igny8-publish --all
like "which says where to" "igny8-publish: where to\\? give --to" "$T/err"
expect_status "--to hugo without --dir is a usage error" 64 igny8-publish --to hugo --all
is "named" "igny8-publish: --to hugo needs --dir DIR" "$(head -n 1 "$T/err")"
expect_status "an unknown target is a usage error" 64 igny8-publish --to blogger --all
expect_status "a bad --date is a usage error" 64 igny8-publish --to hugo --dir s --date tomorrow --all
expect_status "--status future needs --date" 64 igny8-publish --to hugo --dir s --status future --all

# -- dry run: nothing changes ----------------------------------------------------
ws_dump >dump.before
expect_status "--dry-run succeeds" 0 igny8-publish --to hugo --dir site --dry-run <done.jsonl
is "one request record per article" "$n" "$(grep -c '"type":"request"' "$T/out")"
like "listing the page it would write" "content/posts/$slug/index.md" "$T/out"
ok "and no folder was made" test ! -e site
ws_dump >dump.after
is_same "nor anything saved in the workspace" dump.before dump.after

# -- hugo -------------------------------------------------------------------------
expect_status "igny8-publish --to hugo" 0 igny8-publish --to hugo --dir site <done.jsonl
cp "$T/out" pub1.jsonl
is "one publish record per article, though igny8-image wrote several per article" \
	"$n" "$(grep -c '"type":"publish"' pub1.jsonl)"
is "all created" "$n" "$(grep -c '"action":"created"' pub1.jsonl)"
is "one publish row per article" "$n" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM publish WHERE target = 'hugo'")"
page=site/content/posts/$slug/index.md
ok "a page bundle per article" test -f "$page"
title=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT title FROM content WHERE task_id = $task")
like "front matter: title" "^title: \"$title\"\$" "$page"
like "front matter: slug" "^slug: \"$slug\"\$" "$page"
like "front matter: date" '^date: "[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$page"
like "front matter: description" '^description: "Everything you need' "$page"
like "front matter: tags" '^tags: \["' "$page"
like "front matter: categories" '^categories: \["Guides"\]' "$page"
like "front matter: images, relative" "^images: \\[\"$slug-featured.png\"" "$page"
is "front matter opens the file" "---" "$(head -n 1 "$page")"
like "the body is Markdown" '^## ' "$page"
like "in-article images linked relatively" "!\\[[^]]*\\]\\($slug-1\\.png\\)" "$page"
unlike "no workspace path left in the page" "$IGNY8_WORKSPACE" "$page"
ok "the images sit beside the page" test -s "site/content/posts/$slug/$slug-featured.png" \
	-a -s "site/content/posts/$slug/$slug-1.png"
ok "byte for byte the workspace's" cmp "site/content/posts/$slug/$slug-featured.png" \
	"$(sqlite3 "$IGNY8_WORKSPACE" "SELECT path FROM images WHERE task_id = $task AND kind = 'featured' AND device = 'desktop'")"
ok "no temporary file left" sh -c "! find site -name '.*' -type f | grep -q ."

# A rerun rewrites nothing; a changed article rewrites only its page.
touch -d '1 minute ago' stamp
find site -type f -exec touch -d '2 minutes ago' {} +
expect_status "a rerun succeeds" 0 igny8-publish --to hugo --dir site --all
is "and every article is unchanged" "$n" "$(grep -c '"action":"unchanged"' "$T/out")"
is "no file was rewritten" "" "$(find site -type f -newer stamp)"
sqlite3 "$IGNY8_WORKSPACE" "UPDATE content SET title = 'A new title' WHERE task_id = $task"
ws_dump >dump.before
tree_sums site >sums.before
expect_status "--dry-run after a change" 0 igny8-publish --to hugo --dir site --dry-run --task "$task"
like "shows the page would be updated" '"action":"updated"' "$T/out"
tree_sums site >sums.after
is_same "and leaves the site as it was" sums.before sums.after
ws_dump >dump.after
is_same "and the workspace" dump.before dump.after
expect_status "publishing the change" 0 igny8-publish --to hugo --dir site --all
is "one article updated" 1 "$(grep -c '"action":"updated"' "$T/out")"
is "the rest unchanged" "$((n - 1))" "$(grep -c '"action":"unchanged"' "$T/out")"
is "only its page was rewritten" "./$page" "$(cd "$T" && find ./site -type f -newer stamp)"
like "with the new title" '^title: "A new title"$' "$page"

# A new slug moves the page: the old one does not stay behind.
q() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
task2=$(q "SELECT task_id FROM content ORDER BY task_id LIMIT 1 OFFSET 1")
slug2=$(q "SELECT slug FROM content WHERE task_id = $task2")
q "UPDATE content SET slug = 'a-moved-article' WHERE task_id = $task2"
expect_status "a changed slug" 0 igny8-publish --to hugo --dir site --task "$task2"
ok "writes the page at its new place" test -f site/content/posts/a-moved-article/index.md
ok "and removes the old page" test ! -e "site/content/posts/$slug2/index.md"

# A real Hugo builds the folder: every article is a page with its images.
if command -v hugo >/dev/null 2>&1; then
	mkdir -p site/layouts/_default
	printf 'baseURL = "http://example.invalid/"\ntitle = "t"\n' >site/hugo.toml
	cat >site/layouts/_default/single.html <<'HTML'
<!doctype html><html><head><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1>{{ range .Params.images }}<img class="fm" src="{{ . }}">{{ end }}
{{ .Content }}<p class="tags">{{ range .Params.tags }}<span>{{ . }}</span>{{ end }}</p>
</body></html>
HTML
	printf '<!doctype html><html><body>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>\n' \
		>site/layouts/_default/list.html
	ok "hugo builds the site" hugo --quiet -s site -d "$T/public"
	html=public/posts/$slug/index.html
	ok "each article is a page" test "$(find public/posts -name index.html | wc -l)" -ge "$n"
	like "with its title" '<h1>A new title</h1>' "$html"
	like "its Markdown rendered" '<h2[ >]' "$html"
	like "its in-article image" "<img src=\"$slug-1.png\"" "$html"
	ok "and the image files copied into the page" test -s "public/posts/$slug/$slug-1.png" \
		-a -s "public/posts/$slug/$slug-featured.png"
	ok "tags have their pages" test -d public/tags
else
	fail "hugo is not installed (scripts/deps test installs it)"
fi

# -- jekyll and astro: their own folders and front matter ---------------------------
expect_status "igny8-publish --to jekyll" 0 igny8-publish --to jekyll --dir jk --all
date=$(sqlite3 "$IGNY8_WORKSPACE" "SELECT substr(created_at, 1, 10) FROM content WHERE task_id = $task")
post=jk/_posts/$date-$slug.md
ok "Jekyll: _posts/DATE-SLUG.md" test -f "$post"
like "with layout: post" '^layout: post$' "$post"
like "and Jekyll's date format" "^date: \"$date [0-9:]{8} \\+0000\"\$" "$post"
ok "images under assets/images/SLUG" test -s "jk/assets/images/$slug/$slug-1.png"
like "linked from the site root" "\\(/assets/images/$slug/$slug-1\\.png\\)" "$post"
expect_status "a Jekyll draft" 0 igny8-publish --to jekyll --dir jk2 --status draft --task "$task"
like "is published: false, as Jekyll reads it" '^published: false$' "jk2/_posts/$date-$slug.md"
expect_status "igny8-publish --to astro --status draft" 0 \
	igny8-publish --to astro --dir as --status draft --all
entry=as/src/content/blog/$slug/index.md
ok "Astro: src/content/blog/SLUG/index.md" test -f "$entry"
like "pubDate for the blog schema" '^pubDate: "' "$entry"
like "heroImage relative" "^heroImage: \"\\./$slug-featured\\.png\"\$" "$entry"
like "a draft" '^draft: true$' "$entry"
like "images as ./NAME" "\\(\\./$slug-1\\.png\\)" "$entry"
is "a row per article and place" "$((3 * n + 1))" "$(sqlite3 "$IGNY8_WORKSPACE" "SELECT count(*) FROM publish")"
done_testing

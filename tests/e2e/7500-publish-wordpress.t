#!/bin/sh
# igny8-publish --to wordpress against a real WordPress (Debian's package,
# MariaDB, PHP's server, all on 127.0.0.1 in $T): every field read back
# through the REST API, reruns update in place, a deleted post is reported,
# refused credentials and a site that is down fail clearly and lose nothing.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/publish-lib.sh"
. "$TESTS/wp/wp.sh"

publish_fixture || exit 1
# Not a skip: make check installs WordPress (scripts/deps test), so a
# missing piece is a failure to see, in CI too.
if ! wp_start; then
	fail "a local WordPress starts"
	done_testing
	exit 1
fi
pass "a local WordPress starts"
n=$NARTICLES
WORDPRESS_URL=$WP_URL
WORDPRESS_USER=$WP_USER
WORDPRESS_APP_PASSWORD=$WP_PASS
export WORDPRESS_URL WORDPRESS_USER WORDPRESS_APP_PASSWORD IGNY8_BACKOFF_SCALE=0.01
posts0=$(wp_total "posts?status=any&context=edit")
q() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }

# -- dry run ------------------------------------------------------------------------
ws_dump >dump.before
expect_status "--dry-run" 0 igny8-publish --to wordpress --dry-run <done.jsonl
is "one request record per article" "$n" "$(grep -c '"type":"request"' "$T/out")"
like "showing the post it would create" "\"url\":\"$WP_URL/wp-json/wp/v2/posts\"" "$T/out"
like "and the media uploads" '"alt_text":' "$T/out"
ws_dump >dump.after
is_same "nothing saved" dump.before dump.after
is "nothing sent" "$posts0" "$(wp_total "posts?status=any&context=edit")"

# -- every article, as drafts ----------------------------------------------------------
expect_status "the demo pipeline's articles to WordPress" 0 \
	igny8-publish --to wordpress -j 4 <done.jsonl
cp "$T/out" pub1.jsonl
cp "$T/err" pub1.err
is "one publish record per article" "$n" "$(grep -c '"type":"publish"' pub1.jsonl)"
is "all created" "$n" "$(grep -c '"action":"created"' pub1.jsonl)"
is "as drafts" "$n" "$(grep -c '"status":"draft"' pub1.jsonl)"
is "that many posts more on the site" "$((posts0 + n))" "$(wp_total "posts?status=any&context=edit")"
is "the remote ids kept in the workspace" "$n" \
	"$(q "SELECT count(DISTINCT remote_id) FROM publish WHERE target = 'wordpress'")"

task=$(q "SELECT task_id FROM content ORDER BY task_id LIMIT 1")
id=$(q "SELECT remote_id FROM publish WHERE task_id = $task AND target = 'wordpress'")
wp_get "posts/$id?context=edit" >post.json
is "title" "$(q "SELECT title FROM content WHERE task_id = $task")" "$(jq_py 'd["title"]["raw"]' post.json)"
is "slug" "$(q "SELECT slug FROM content WHERE task_id = $task")" "$(jq_py 'd["slug"]' post.json)"
is "excerpt: the meta description" "$(q "SELECT meta_description FROM content WHERE task_id = $task")" \
	"$(jq_py 'd["excerpt"]["raw"]' post.json)"
is "status" draft "$(jq_py 'd["status"]' post.json)"
jq_py 'd["content"]["raw"]' post.json >body.html
unlike "no workspace path left in the body" "$IGNY8_WORKSPACE" body.html
like "in-article images point at the site's uploads" "<img src=\"$WP_URL/wp-content/uploads/" body.html
nimg=$(grep -o '<img ' body.html | wc -l | tr -d ' ')
ok "the body shows its in-article images ($nimg)" test "$nimg" -ge 1
for u in $(grep -o "src=\"$WP_URL[^\"]*\"" body.html | sed 's/^src="//; s/"$//'); do
	ok "image $u is served" curl -sf -o /dev/null "$u"
done
is "the body, images aside, is the article" \
	"$(q "SELECT html FROM content WHERE task_id = $task" | sed 's/src="[^"]*"//g')" \
	"$(sed 's/src="[^"]*"//g' body.html)"
cat_ids=$(jq_py '",".join(str(i) for i in d["categories"])' post.json)
is "categories by name" '["Guides"]' "$(wp_get "categories?include=$cat_ids" '[c["name"] for c in d]')"
tag_ids=$(jq_py '",".join(str(i) for i in d["tags"])' post.json)
is "tags by name" "$(q "SELECT tags FROM content WHERE task_id = $task" | tr -d ' ')" \
	"$(wp_get "tags?include=$tag_ids" '[t["name"] for t in d]' | tr -d ' ')"
is "one 'Guides' category, reused by every post" 1 "$(wp_get "categories?search=Guides" 'len(d)')"
fm=$(jq_py 'd["featured_media"]' post.json)
ok "a featured image" test "$fm" -gt 0
is "its alt text is the image's own" "$(q "SELECT alt FROM images WHERE task_id = $task AND kind = 'featured' LIMIT 1")" \
	"$(wp_get "media/$fm" 'd["alt_text"]')"
is "attached as an image" image "$(wp_get "media/$fm" 'd["media_type"]')"
sec=$(q "SELECT alt FROM images WHERE task_id = $task AND kind = 'in_article' AND device = 'desktop' ORDER BY position LIMIT 1")
ok "in-article images carry their alt text" grep -qF "alt=\"$sec\"" body.html
is "an in-article upload's alt text is the image's" "$sec" \
	"$(wp_get "media?search=$(q "SELECT slug FROM content WHERE task_id = $task")-1" 'd[0]["alt_text"]')"
media1=$(wp_total "media")
unlike "no password in the messages" "$WP_PASS" pub1.err
no_key_leak "nor in the records or the workspace" pub1.jsonl pub1.err
ok "nor in the workspace file" sh -c "! grep -qa '$WP_PASS' '$IGNY8_WORKSPACE'"

# -- idempotent ------------------------------------------------------------------------
expect_status "publishing again" 0 igny8-publish --to wordpress -j 4 --all
is "every article unchanged" "$n" "$(grep -c '"action":"unchanged"' "$T/out")"
is "no post added" "$((posts0 + n))" "$(wp_total "posts?status=any&context=edit")"
is "no media added" "$media1" "$(wp_total "media")"
q "UPDATE content SET title = 'Changed on the workspace' WHERE task_id = $task"
expect_status "a changed article" 0 igny8-publish --to wordpress --task "$task"
like "is updated" '"action":"updated"' "$T/out"
is "in place, same post" "$id" "$(jq_py 'd["remote_id"]' "$T/out")"
is "with the new title" "Changed on the workspace" "$(wp_get "posts/$id?context=edit" 'd["title"]["raw"]')"
is "and its media reused" "$media1" "$(wp_total "media")"

expect_status "--status future --date" 0 igny8-publish --to wordpress --task "$task" \
	--status future --date 2031-01-15T09:30:00
is "schedules the post" "future 2031-01-15T09:30:00" \
	"$(wp_get "posts/$id?context=edit" 'd["status"] + " " + d["date_gmt"]')"

# -- a post deleted on the site ---------------------------------------------------------
curl -sf -u "$WP_USER:$WP_PASS" -X DELETE "$WP_URL/wp-json/wp/v2/posts/$id?force=true" >/dev/null
expect_status "a post deleted on the site is reported" 65 \
	igny8-publish --to wordpress --task "$task"
like "named" "task:$task: post $id was deleted on the site; not recreated" "$T/err"
is "not recreated" "$((posts0 + n - 1))" "$(wp_total "posts?status=any&context=edit")"
expect_status "--recreate makes it again" 0 igny8-publish --to wordpress --task "$task" --recreate
like "as a new post" '"action":"created"' "$T/out"
ok "with a new id" test "$(jq_py 'd["remote_id"]' "$T/out")" != "$id"

# -- failures lose nothing -----------------------------------------------------------------
ws_dump | grep -v '^INSERT INTO ai_log' >dump.before
WORDPRESS_APP_PASSWORD='wrong pass word here' expect_status "refused credentials exit 77" 77 \
	igny8-publish --to wordpress --all
like "saying so" 'WordPress refused the credentials \(wordpress.user, wordpress.app_password\)' "$T/err"
unlike "without the password" 'wrong pass word here' "$T/err"
ws_dump | grep -v '^INSERT INTO ai_log' >dump.after
is_same "and the workspace keeps what was published" dump.before dump.after
port=$(_wp_port)
WORDPRESS_URL=http://127.0.0.1:$port expect_status "a site that is down exits 69" 69 \
	igny8-publish --to wordpress --set wordpress.max_retries=1 --all
like "saying so" "connection to 127.0.0.1:$port failed after 2 attempts" "$T/err"
ws_dump | grep -v '^INSERT INTO ai_log' >dump.after
is_same "and loses nothing" dump.before dump.after
expect_status "the password is never taken from the command line" 64 \
	igny8-publish --to wordpress --set "wordpress.app_password=$WP_PASS" --all
like "saying where it goes" 'use WORDPRESS_APP_PASSWORD' "$T/err"
WORDPRESS_USER= expect_status "no user is a credentials error" 77 igny8-publish --to wordpress --all
WORDPRESS_URL= expect_status "no site is a configuration error" 78 igny8-publish --to wordpress --all
done_testing

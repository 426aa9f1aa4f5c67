#!/bin/sh
# igny8-image and bad servers: corrupt, HTML and wrong-type images, size
# caps, URL answers, retries on 429/500/dropped connections.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
IGNY8_BACKOFF_SCALE=0.01
export IGNY8_BACKOFF_SCALE
fake_start || exit 1
new_workspace
cat >igny8.yaml <<'Y'
image:
  devices: [desktop]
  max_images: 1
Y

# script JSON: replace the fake's script.
script() {
	printf '%s\n' "$1" >script.json
	fake_script script.json
}

# bad_image N REPLY MESSAGE-ERE: task N's only image gets REPLY; refused (76).
bad_image() {
	article "$1" "Article $1"
	script "{\"rules\": [{\"path\": \"/v1/images/generations\", \"reply\": $2}]}"
	expect_status "$3: refused (76)" 76 igny8-image --task "$1"
	like "$3: message" "$4" err
	is "$3: no file, no temporary file" "" "$(ls -A ws.db.images 2>/dev/null | grep "task$1-" )"
	is "$3: row saved as failed with the reason" "failed" \
		"$(sqlite3 ws.db "SELECT status FROM images WHERE task_id = $1 AND error IS NOT NULL")"
}

bad_image 1 '{"image_format": "corrupt"}' "random bytes" \
	"^igny8-image: task:1: not a PNG, JPEG or WebP image \(2048 bytes of unrecognised bytes\)$"
bad_image 2 '{"image_format": "html"}' "an HTML page" \
	"task:2: not a PNG, JPEG or WebP image \([0-9]+ bytes of an HTML or XML page\)"
bad_image 3 '{"image_format": "jpeg"}' "a JPEG where PNG was claimed" \
	"task:3: image is jpeg, not the png the server claimed"
bad_image 4 '{"image_format": "html", "image_url": true}' "an HTML download" \
	"task:4: not a PNG, JPEG or WebP image"
is "failed calls are logged with their outcome" "4" \
	"$(sqlite3 ws.db "SELECT count(*) FROM ai_log WHERE function = 'image' AND outcome = 'error'")"

# The failed image is made again on the next run; only it.
script '{}'
: >"$FAKE_LOG"
expect_status "rerun after a failure" 0 igny8-image --task 1
is "only the failed image is asked for (the extraction is cached)" "0 1" \
	"$(fake_count /v1/chat/completions) $(fake_count /v1/images/generations)"
is "now done" "done" "$(sqlite3 ws.db "SELECT status FROM images WHERE task_id = 1")"

# Size cap.
article 5 "Article 5"
expect_status "over image.max_bytes (76)" 76 igny8-image --task 5 --set image.max_bytes=1000
like "names the setting" "over image\.max_bytes \(1000\)" err

# URL answers from a compatible server are downloaded.
article 6 "Article 6"
script '{"rules": [{"path": "/v1/images/generations", "reply": {"image_url": true}}]}'
: >"$FAKE_LOG"
expect_status "URL answer" 0 igny8-image --task 6
is "downloaded once" 1 "$(fake_count '/files/img/*')"
like "the URL is recorded" "\"url\":\"$FAKE_URL/files/img/" out
like "the file is there" "\"path\":\"$T/ws.db.images/task6-featured-0-desktop.png\"" out

# Retries: each fault once, then success.
for f in 429 500 drop; do
	case $f in
	429) n=7 r='{"status": 429, "headers": {"retry-after": "0"}}' ;;
	500) n=8 r='{"status": 500}' ;;
	drop) n=9 r='{"drop": true}' ;;
	esac
	article "$n" "Article $n"
	# libcurl itself redials once when a reused connection drops: drop twice.
	t=1
	[ "$f" = drop ] && t=2
	script "{\"rules\": [{\"path\": \"/v1/images/generations\", \"times\": $t, \"reply\": $r}]}"
	expect_status "$f once: retried and done" 0 igny8-image --task "$n"
	like "$f: one warning with the retry" "^igny8-image: warning: task:$n: .*retry 1 in" err
	is "$f: two attempts logged" "2" \
		"$(sqlite3 ws.db "SELECT max(attempts) FROM ai_log WHERE function = 'image' AND record = 'task:$n'")"
done

# Download retries (Runware URL).
article 10 "Article 10"
script '{"rules": [{"path": "/files/img/*", "times": 1, "reply": {"status": 503}}]}'
expect_status "a failed download is retried" 0 igny8-image --task 10 \
	--provider runware --model runware:100@1
like "one warning" "task:10: .*retry 1 in" err

# Retries exhausted: 69 for 5xx.
article 11 "Article 11"
script '{"rules": [{"path": "/v1/images/generations", "reply": {"status": 500}}]}'
expect_status "500 every time: unavailable (69)" 69 igny8-image --task 11 \
	--set providers.openai.max_retries=1
no_key_leak "no API key in outputs or the workspace" out err
done_testing

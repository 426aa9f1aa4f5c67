#!/bin/sh
# Image URLs come from the server's answer: igny8-image connects only to
# public addresses, checked after name resolution and on every redirect;
# loopback only with image.allow_loopback.
#
# The test names addresses other than 127.0.0.1 (igny8 must refuse them
# before connecting), so it runs in a network namespace of its own where
# only loopback exists: nothing can leave the machine even if the check
# broke.  Where no namespace can be made, those cases are skipped.
if [ -z "${IGNY8_NETNS:-}" ] && unshare -rn true 2>/dev/null &&
	unshare -rn ip link set lo up 2>/dev/null; then
	IGNY8_NETNS=1 exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
fake_start || exit 1
new_workspace
cat >igny8.yaml <<'Y'
image:
  devices: [desktop]
  max_images: 1
Y

# answer_url URL: the image answer names URL; /files/img/hop redirects to
# $2 when given.
answer_url() {
	printf '{"rules": [
	  {"path": "/v1/images/generations", "reply": {"body":
	    {"created": 1, "data": [{"url": "%s"}]}}},
	  {"path": "/files/img/hop", "reply": {"status": 302,
	    "headers": {"location": "%s"}}}]}\n' "$1" "${2:-/}" >script.json
	fake_script script.json
	: >"$FAKE_LOG"
}
gets() { fake_count '/files/img/*'; }

# refused N DESC MESSAGE-ERE: task N's image is refused (76) at once,
# naming the address; nothing is saved.
refused() {
	article "$1" "Article $1"
	t0=$(date +%s.%N)
	expect_status "$2: refused (76)" 76 igny8-image --task "$1" -v
	t1=$(date +%s.%N)
	like "$2: says why" "$3" err
	if [ "${IGNY8_VALGRIND:-0}" = 1 ]; then
		skip "$2: at once, not after a connect timeout" "too slow under valgrind to time"
	else
		ok "$2: at once, not after a connect timeout" "$PY" -c \
			"import sys; sys.exit(0 if $t1 - $t0 < 5 else 1)"
	fi
	is "$2: the image row is failed" failed \
		"$(sqlite3 ws.db "SELECT status FROM images WHERE task_id = $1")"
	unlike "$2: not retried" 'retry 1 in' err
}

# The loopback fake itself, with the setting off (lib.sh turns it on).
unset IGNY8_IMAGE_ALLOW_LOOPBACK
answer_url "$FAKE_URL/files/img/x.png"
refused 1 "loopback URL without image.allow_loopback" \
	"refused to connect to 127\.0\.0\.1 \(a loopback address\).*set image\.allow_loopback: true"
is "no connection reached the fake" 0 "$(gets)"
answer_url "http://localhost:$FAKE_PORT/files/img/x.png"
refused 2 "a name resolving to loopback" \
	"refused to connect to (127\.0\.0\.1|::1) \(a loopback address\)"
is "no connection reached the fake either" 0 "$(gets)"

# Runware's URL answers too.
cat >rw.yaml <<'Y'
image:
  provider: runware
  model: "runware:100@1"
  devices: [desktop]
  max_images: 1
Y
: >"$FAKE_LOG"
echo '{}' >calm.json
fake_script calm.json
article 3 "Article 3"
expect_status "Runware imageURL on loopback: refused (76)" 76 \
	igny8-image --config rw.yaml --task 3
like "naming the address" 'refused to connect to 127\.0\.0\.1 \(a loopback address\)' err
is "the image was made but not fetched" "1 0" \
	"$(fake_count /runware/v1 | tr -d ' ') $(gets)"

# With loopback allowed (a local server), redirects to private and
# link-local addresses are still refused before any connection.
IGNY8_IMAGE_ALLOW_LOOPBACK=true
export IGNY8_IMAGE_ALLOW_LOOPBACK
if [ -n "${IGNY8_NETNS:-}" ]; then
	answer_url "$FAKE_URL/files/img/hop" "http://169.254.169.254/latest/meta-data/iam/"
	refused 4 "a redirect to the metadata service" \
		"refused to connect to 169\.254\.169\.254 \(a link-local address\)"
	is "the first hop was fetched" 1 "$(gets)"
	unlike "no connection was attempted" 'Trying 169|connect to 169.254.169.254 port' err
	answer_url "$FAKE_URL/files/img/hop" "http://10.11.12.13:8080/admin"
	refused 5 "a redirect to a private address" \
		"refused to connect to 10\.11\.12\.13 \(a private address\)"
	answer_url "http://169.254.169.254/latest/meta-data/"
	refused 6 "a link-local URL in the answer" "169\.254\.169\.254 \(a link-local address\)"
	answer_url "http://[fd00::1]/x.png"
	refused 7 "a unique-local IPv6 URL" "fd00::1 \(a private address\)"
else
	skip "redirects to non-loopback addresses" "no network namespace to keep them off the network"
fi

# And the same setting lets an ordinary local download through.
script_ok='{"rules": [{"path": "/v1/images/generations", "reply": {"image_url": true}}]}'
printf '%s\n' "$script_ok" >ok.json
fake_script ok.json
article 8 "Article 8"
expect_status "loopback allowed: downloaded" 0 igny8-image --task 8
is "one download" 1 "$(gets)"
done_testing

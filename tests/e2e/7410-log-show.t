#!/bin/sh
# igny8 log --show ID: each AI call keeps what was sent and what came back,
# API keys masked, cut at log.max_body, none kept with log.bodies: false.
. "$(dirname "$0")/../lib.sh"

fake_start || exit 1
new_workspace
sql() { sqlite3 "$IGNY8_WORKSPACE" "$1"; }
# bodies: every stored body of the workspace, as one text
bodies() { sql "SELECT coalesce(request, '') || coalesce(response, '') FROM ai_bodies"; }

# -- a call and its bodies -------------------------------------------------------
expect_status "write one article" 0 igny8-write --title "How to choose running shoes"
id=$(sql "SELECT max(id) FROM ai_log")
expect_status "log --show" 0 igny8 log --show "$id"
like "the call's row first" "^call $id \\(run 1\\): write task:1, openai [^ ]+, ok, HTTP 200, 1 attempt$" "$T/out"
like "its tokens and cost" '^tokens [1-9][0-9]* in, [1-9][0-9]* out, 0 cached; cost \$[0-9.]+; [0-9]+ ms; 20' "$T/out"
like "the request with its size" '^--- request, [0-9]+ bytes ---$' "$T/out"
like "its settings a line each" '^max_completion_tokens: [0-9]+$' "$T/out"
like "the messages as text, by role" '^\[user\]$' "$T/out"
like "the prompt as sent" '^Title: How to choose running shoes$' "$T/out"
like "the answer" '^--- answer, [0-9]+ bytes ---$' "$T/out"
like "the model's text, its JSON laid out" '^	"title":	"How to choose running shoes",$' "$T/out"
expect_status "log --show --json" 0 igny8 log --show "$id" --json
is "one call record with both bodies whole" "call $id write gpt True True" \
	"$(jq_py '"%s %d %s %s %s %s" % (d["type"], d["id"], d["function"], d["model"][:3],
	  d["request"]["messages"][-1]["role"] == "user",
	  d["response"]["choices"][0]["message"]["content"].startswith("{"))' "$T/out")"
is "a whole body's size is its length" 1 \
	"$(sql "SELECT length(CAST(request AS BLOB)) = request_bytes FROM ai_bodies WHERE log_id = $id")"
is "what was sent is what the server received" \
	"$(jq_py 'd["body"]["messages"][-1]["content"]' "$(fake_log)")" \
	"$(jq_py 'd["request"]["messages"][-1]["content"]' "$T/out")"

# -- an image call: its prompt, and its answer without the image -------------------
expect_status "an image for the article" 0 igny8-image --task 1 --max-images 0
id=$(sql "SELECT max(id) FROM ai_log WHERE function = 'image'")
expect_status "its --show" 0 igny8 log --show "$id"
like "an image call" "^call $id \\(run [0-9]+\\): image task:1, openai " "$T/out"
like "the request as sent" '^	"prompt":	".*How to choose running shoes' "$T/out"
like "the image as its size" '"b64_json":	"\[[0-9]+ bytes of base64 data\]"' "$T/out"
expect_status "its --json" 0 igny8 log --show "$id" --json
is "keeps the body as received" True \
	"$(jq_py 'str(len(d["response"]["data"][0]["b64_json"]) > 1000)' "$T/out")"
expect_status "an image under a cap smaller than it" 0 sh -c \
	'igny8-write -q --title "Snow boots" >/dev/null &&
	 igny8-image --task 2 --max-images 0 --set log.max_body=2000'
id=$(sql "SELECT max(id) FROM ai_log WHERE function = 'image'")
ok "stores the answer without its data" test \
	"$(sql "SELECT length(response) < 2000 AND response_bytes > 2000 FROM ai_bodies WHERE log_id = $id")" = 1
expect_status "its --show" 0 igny8 log --show "$id"
like "says so" '^--- answer, [0-9]+ bytes, [0-9]+ kept without its data ---$' "$T/out"
like "and shows the rest" '^	"usage":	\{$' "$T/out"

# -- embedding and moderation calls too -----------------------------------------------
expect_status "clustering by embeddings" 0 igny8-cluster --method embed \
	--keyword "trail shoes" --keyword "trail running shoes" --keyword "road shoes"
id=$(sql "SELECT max(id) FROM ai_log WHERE function = 'embed'")
expect_status "its --show" 0 igny8 log --show "$id"
like "the keywords sent" '^	"input":	\["trail shoes", "trail running shoes", "road shoes"\]$' "$T/out"
like "each vector as its size" '"embedding":	"\[[0-9]+ numbers\]"' "$T/out"
expect_status "a moderated article" 0 igny8-write --moderate --title "Kayak paddles"
id=$(sql "SELECT max(id) FROM ai_log WHERE function = 'moderation'")
expect_status "its --show" 0 igny8 log --show "$id"
like "the text sent" '^	"input":	".*Kayak paddles' "$T/out"
like "the verdict" '^			"flagged":	false,?$' "$T/out"

# -- a refused request keeps the server's error body -------------------------------
fake_script - <<EOF
{"rules": [{"path": "/v1/chat/completions", "reply": {"status": 400, "body":
 {"error": {"message": "Unsupported value: 'x' (key $OPENAI_API_KEY)", "type": "invalid_request_error",
  "param": "messages", "code": "unsupported_value"}}}}]}
EOF
expect_status "a call the server refuses" 65 igny8-write --title "Trail shoes for winter"
id=$(sql "SELECT max(id) FROM ai_log")
expect_status "its --show" 0 igny8 log --show "$id"
like "an error call" "^call $id .*, error, HTTP 400, 1 attempt$" "$T/out"
like "the server's body, laid out" '"code":	"unsupported_value"' "$T/out"
like "the key it echoed is masked" "key \\[REDACTED\\]" "$T/out"
fake_script - <<EOF
{"rules": []}
EOF

# -- no API key ever lands in a stored body ----------------------------------------
# The key in a title, in a setting sent in the prompt and in the server's
# echo of it: each body has it in several places, none keeps it.
expect_status "a title holding the key" 0 igny8-write --title "Shoes $OPENAI_API_KEY review" \
	--set "site.context=about $OPENAI_API_KEY"
id=$(sql "SELECT max(id) FROM ai_log")
is "the server did get the key in the body" 1 "$(grep -c -- "$OPENAI_API_KEY" "$(fake_log)" | sed 's/^[1-9][0-9]*$/1/')"
bodies >bodies.txt
ok "bodies were kept" test -s bodies.txt
is "no body holds the key" 0 "$(grep -c -- "$OPENAI_API_KEY" bodies.txt)"
like "the request masks it" "Title: Shoes \\[REDACTED\\] review" bodies.txt
like "and so does the answer" 'meta_title\\": \\"Shoes \[REDACTED\] review' bodies.txt
expect_status "its --show" 0 igny8 log --show "$id"
like "where it reads masked" "^About the site: about \\[REDACTED\\]$" "$T/out"
cp "$T/out" show.out
expect_status "and --json" 0 igny8 log --show "$id" --json
is "nor any output of log --show" 0 "$(cat show.out "$T/out" | grep -c -- "$OPENAI_API_KEY")"

# -- log.max_body cuts, log.bodies: false keeps none -----------------------------
expect_status "a small cap" 0 igny8-write --title "Road shoes é à ü" --set log.max_body=100
id=$(sql "SELECT max(id) FROM ai_log")
is "the request is cut to the cap" 100 "$(sql "SELECT length(CAST(request AS BLOB)) FROM ai_bodies WHERE log_id = $id")"
ok "with its whole size" test "$(sql "SELECT request_bytes FROM ai_bodies WHERE log_id = $id")" -gt 1000
expect_status "its --show" 0 igny8 log --show "$id"
like "says it is cut" '^--- request, [0-9]+ bytes, the first 100 kept \(log\.max_body\) ---$' "$T/out"
like "and shows what was kept as text" '^\{"model":' "$T/out"
expect_status "its --json" 0 igny8 log --show "$id" --json
is "a cut body is a string" "str" "$(jq_py 'type(d["request"]).__name__' "$T/out")"
expect_status "a cap at 0" 0 igny8-write --title "Kids shoes" --set log.max_body=0
is "keeps sizes only" "|1" "$(sql "SELECT request, request_bytes > 1000 FROM ai_bodies WHERE log_id = (SELECT max(id) FROM ai_log)")"
n=$(sql "SELECT count(*) FROM ai_bodies")
expect_status "log.bodies false" 0 igny8-write --title "Hiking boots" --set log.bodies=false
id=$(sql "SELECT max(id) FROM ai_log")
is "the call is logged" "ok" "$(sql "SELECT outcome FROM ai_log WHERE id = $id")"
is "no body kept for it" "$n" "$(sql "SELECT count(*) FROM ai_bodies")"
expect_status "its --show" 0 igny8 log --show "$id"
like "says none was kept" '^no bodies kept for this call \(log\.bodies was false' "$T/out"
printf 'log:\n  bodies: false\n' >igny8.yaml
expect_status "in a config file too" 0 igny8-write -c igny8.yaml --title "Rain boots"
is "still none kept" "$n" "$(sql "SELECT count(*) FROM ai_bodies")"
rm igny8.yaml

# -- a cached answer: what was asked, and the answer the cache gave ---------------------
# Written once as the site stands now (the related articles offered are
# part of the request, and Rain boots came after the first one).
expect_status "the article, with today's related articles" 0 igny8-write --title "Hiking boots"
n=$(fake_count)
expect_status "the same article again" 0 igny8-write --title "Hiking boots"
is "sent nothing" "$n" "$(fake_count)"
id=$(sql "SELECT max(id) FROM ai_log")
expect_status "its --show" 0 igny8 log --show "$id"
like "a cached call, no status, no attempt" "^call $id \\(run [0-9]+\\): write task:[0-9]+, openai [^ ]+, cached$" "$T/out"
like "the request it would have sent" '^Title: Hiking boots$' "$T/out"
like "the answer it took from the cache" '^	"title":	"Hiking boots",$' "$T/out"

# -- no control character of a body reaches the terminal -----------------------------
expect_status "a title with terminal escapes" 0 igny8-write --title "$(printf 'Tents \033]0;owned\007 \033[2J')"
expect_status "its --show" 0 igny8 log --show "$(sql "SELECT max(id) FROM ai_log")"
is "writes no escape character" 0 "$(tr -d -c '\033\007' <"$T/out" | wc -c | tr -d ' ')"
like "but a '?' in each one's place" '^Title: Tents \?\]0;owned\? \?\[2J$' "$T/out"

# -- usage -----------------------------------------------------------------------
expect_status "no such call is 66 (-S is --show)" 66 igny8 log -S 9999
like "says so" "^igny8: log: call 9999: no such call" "$T/err"
expect_status "not an id is 64" 64 igny8 log --show x
like "names it" "^igny8: log: --show 'x' is not a call id$" "$T/err"
done_testing

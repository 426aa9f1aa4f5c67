#!/bin/sh
# igny8-image with Runware: the task array, UUIDs, URL downloads without
# credentials, Runware's own cost, per-task errors.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
fake_start || exit 1
new_workspace
cat >igny8.yaml <<'Y'
image:
  provider: runware
  model: "runware:100@1"
Y
article 1 "Camping basics"

expect_status "runware run" 0 igny8-image --task 1
cp out run1.jsonl
cp err run1.err
is "the negative list is saved with each image" "3" \
	"$(sqlite3 ws.db "SELECT count(*) FROM images WHERE negative_prompt LIKE '%extra fingers%'")"
is "three records (featured + two in-article, desktop: one device by default)" 3 "$(wc -l <out)"
is "one inference call per image" 3 "$(fake_count /runware/v1)"
is "one download per image" 3 "$(fake_count '/files/img/*')"
"$PY" - "$FAKE_LOG" >tasks <<'EOF2'
import json, re, sys
uuids = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] == "/runware/v1":
        assert isinstance(r["body"], list) and len(r["body"]) == 1, r["body"]
        t = r["body"][0]
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            t["taskUUID"]), t["taskUUID"]
        uuids.add(t["taskUUID"])
        print(t["taskType"], t["model"], t["width"], t["height"], t["outputType"],
              t["outputFormat"], t["numberResults"], t["includeCost"],
              len(t["negativePrompt"]) > 2, r["headers"]["authorization"].startswith("Bearer "))
    elif r["path"].startswith("/files/img/"):
        print("download", "authorization" in r["headers"])
print(len(uuids), "distinct uuids")
EOF2
is "task fields; a fresh UUID v4 per task; downloads carry no key" \
	"imageInference runware:100@1 1536 1024 URL PNG 1 True True True
download False
imageInference runware:100@1 1536 1024 URL PNG 1 True True True
download False
imageInference runware:100@1 1536 1024 URL PNG 1 True True True
download False
3 distinct uuids" "$(cat tasks)"
like "the image URL is recorded" "\"url\":\"$FAKE_URL/files/img/" out
is "Runware's own cost on rows and in ai_log" "3|0.0039|runware imageInference" \
	"$(sqlite3 ws.db "SELECT count(*), round(sum(cost), 4), endpoint FROM ai_log
		WHERE function = 'image'")"
is "files are PNGs of the asked size" "png 1536x1024" \
	"$(sqlite3 ws.db "SELECT DISTINCT format || ' ' || width || 'x' || height FROM images")"

expect_status "rerun" 0 igny8-image --task 1
is_same "rerun re-emits the same records" run1.jsonl out
is "rerun sends nothing" 7 "$(fake_count)"

# A per-task error inside "errors" (HTTP 200): the task failed, named.
article 2 "Winter hiking"
cat >script.json <<'J'
{"rules": [{"path": "/runware/v1", "times": 1,
  "reply": {"status": 200, "body": {"data": [], "errors": [{"code": "contentPolicyViolation",
    "message": "The prompt was blocked by the safety filter.", "parameter": "positivePrompt",
    "taskType": "imageInference"}]}}}]}
J
fake_script script.json
expect_status "a task error fails the article (65)" 65 igny8-image --task 2
like "the message names Runware's reason" \
	"task:2: Runware refused the task: The prompt was blocked by the safety filter\. \(code 'contentPolicyViolation', parameter 'positivePrompt'\)" err
is "the failure is saved" "failed" \
	"$(sqlite3 ws.db "SELECT status FROM images WHERE task_id = 2")"

# A model with no rules goes out unchecked; Runware's own 400 is reported.
article 3 "Trail food"
expect_status "server-side validation error (65)" 65 igny8-image --task 3 \
	--model civitai:1@1 --set image.sizes.featured.desktop=1000x1000
like "Runware's message" "width must be an integer from 128 to 2048 divisible by 64" err

# --provider runware alone: the shipped image.model is OpenAI's, so the one
# model with rules that Runware serves stands in for it.
article 4 "Trail running"
printf 'image: {devices: [desktop]}\n' >igny8.yaml
: >"$FAKE_LOG"
expect_status "--provider runware alone" 0 igny8-image --provider runware --task 4 --max-images 0
is "it used Runware's model" "runware:100@1" "$("$PY" -c '
import json, sys
print(" ".join(json.loads(l)["body"][0]["model"] for l in open(sys.argv[1])
               if json.loads(l)["path"] == "/runware/v1"))' "$FAKE_LOG")"
printf 'image: {devices: [desktop]}\nimage_models: {"runware:101@1": {provider: runware}}\n' >igny8.yaml
article 5 "Trail maps"
expect_status "two Runware models: which one is for the user to say" 78 \
	igny8-image --provider runware --task 5 --max-images 0
like "naming the setting and the candidates" \
	"image.model: 'gpt-image-2' is not a runware model; set image.model \\(or --model\\) to one of: runware:100@1, runware:101@1" err
printf 'image: {devices: [desktop], model: gpt-image-2}\n' >igny8.yaml
expect_status "a model the user chose is not replaced" 78 \
	igny8-image --provider runware --task 5 --max-images 0
like "the conflict is named" "image.model: 'gpt-image-2' is served by openai" err

no_key_leak "no API key in outputs or the workspace" run1.jsonl run1.err out err
done_testing

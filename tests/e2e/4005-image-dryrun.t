#!/bin/sh
# igny8-image --dry-run sends and writes nothing; --pending picks articles
# whose images are not all done.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
fake_start || exit 1
new_workspace
article 1 "Camping basics"

expect_status "--dry-run" 0 igny8-image --dry-run --task 1
is "nothing sent" 0 "$(fake_count)"
is "no rows, no files" "0 none" \
	"$(sqlite3 ws.db "SELECT count(*) FROM images") $(ls ws.db.images 2>/dev/null || echo none)"
is "the extraction request and three image requests (one device by default)" \
	"image_prompts image image image" \
	"$(field function out | tr '\n' ' ' | sed 's/ $//')"
is "every record is a request" "request" "$(field type out | sort -u)"
is "image requests name kind, device and size" \
	"featured desktop 1536x1024|in_article desktop 1536x1024|in_article desktop 1536x1024" \
	"$("$PY" -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])][1:]
print("|".join("%s %s %s" % (r["kind"], r["device"], r["size"]) for r in rs))' out)"
# The shipped prices (data/prices.yaml): high is the dearest, 0.317 for
# 1536x1024.
is "quality auto is estimated at the dearest shipped price" "0.951" \
	"$("$PY" -c '
import json, sys
print(round(sum(json.loads(l).get("est_cost") or 0 for l in open(sys.argv[1]) if "kind" in l), 4))' out)"
like "the body is what would be sent" '"body":\{"model":"gpt-image-2","prompt":"\(featured prompt' out
like "the summary counts the images" 'estimated \$0\.96' err
cat >igny8.yaml <<'Y'
prices:
  image:
    gpt-image-2:
      low: {1536x1024: 0.01, 1024x1536: 0.01, 1024x1024: 0.01}
Y
expect_status "--dry-run at low quality" 0 igny8-image --dry-run --task 1 --set image.quality=low
is "your own prices win" "0.03" "$("$PY" -c '
import json, sys
print(round(sum(json.loads(l).get("est_cost") or 0 for l in open(sys.argv[1]) if "kind" in l), 4))' out)"
rm igny8.yaml

# --pending: tasks with content whose images are missing, failed or partial.
article 2 "Winter hiking"
article 3 "Trail food"
sqlite3 ws.db "INSERT INTO tasks (id, title, created_at, updated_at) VALUES (4, 'no content', 'now', 'now')"
expect_status "make task 2's images" 0 igny8-image --task 2 --max-images 0
expect_status "--pending" 0 igny8-image --pending --max-images 0
is "tasks 1 and 3 only" "1 3" "$(field task_id out | sort -u | tr '\n' ' ' | sed 's/ $//')"
: >"$FAKE_LOG"
expect_status "--all (the new name) with nothing left" 0 igny8-image --all --max-images 0
is "no output" "" "$(cat out)"
is "nothing sent" 0 "$(fake_count)"
done_testing

#!/bin/sh
# Image spend is known and bounded: the shipped defaults are priced, a run
# costs its images, --max-cost reserves them before each call, and refuses
# to start a model it cannot price.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
fake_start || exit 1
new_workspace
images() { fake_count /v1/images/generations; }

# The default model: every call costed, none unknown.
article 1 "Camping basics"
expect_status "gpt-image-2 with the shipped prices" 0 igny8-image --task 1
is "no image call of unknown cost" 0 \
	"$(sqlite3 ws.db "SELECT count(*) FROM ai_log WHERE function = 'image' AND cost IS NULL")"
unlike "the summary has no unknown cost" 'unknown cost' err
is "every image has its cost" 0 \
	"$(sqlite3 ws.db "SELECT count(*) FROM images WHERE cost IS NULL OR cost <= 0")"

# --max-cost reserves each image at its dearest price before sending it.
article 2 "Winter hiking"
: >"$FAKE_LOG"
expect_status "a budget under one image: 2, budget reached" 2 \
	igny8-image --task 2 --max-cost 0.2
is "no image was asked for" 0 "$(images)"
like "saying why" 'could pass --max-cost' err
: >"$FAKE_LOG"
# The first image is reserved at 0.317 and costs far less; the second's
# reservation on top of what the first cost passes 0.33.
expect_status "a budget for one 1536x1024 image: 2" 2 \
	igny8-image --task 2 --max-cost 0.33 --max-images 1
is "one was made, the second not started" 1 "$(images)"

# A model without a price cannot be bounded: refused before anything is sent.
article 3 "Trail food"
: >"$FAKE_LOG"
expect_status "--max-cost with an unpriced model: 78" 78 \
	igny8-image --task 3 --model gpt-image-9 --max-cost 5
like "naming the price to set" \
	"no price for a 1536x1024 image of model 'gpt-image-9'; set prices\.image\.gpt-image-9\.high\.1536x1024" err
is "nothing sent" 0 "$(fake_count)"
expect_status "the same price set: it runs" 0 igny8-image --task 3 --model gpt-image-9 \
	--max-cost 5 --set prices.image.gpt-image-9.high.1536x1024=0.1 \
	--set prices.image.gpt-image-9.high.1024x1536=0.1 \
	--set prices.image.gpt-image-9.high.1024x1024=0.1
article 4 "Rivers"
expect_status "without --max-cost an unpriced model runs" 0 \
	igny8-image --task 4 --model gpt-image-9 --max-images 1
like "its cost unknown" 'calls of unknown cost' err

# Runware's default model is priced too, for estimates and reservations.
cat >rw.yaml <<'Y'
image:
  provider: runware
  model: "runware:100@1"
Y
article 5 "Lakes"
expect_status "Runware --dry-run" 0 igny8-image --config rw.yaml --dry-run --task 5
is "every Runware image estimated" 0 \
	"$("$PY" -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if "kind" in l and json.loads(l).get("est_cost") is None))' out)"
expect_status "Runware under --max-cost" 0 igny8-image --config rw.yaml --task 5 --max-cost 1
done_testing

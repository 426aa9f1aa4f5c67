#!/bin/sh
# igny8-image refuses what the image model does not accept before sending
# anything, naming the setting; usage errors.
. "$(dirname "$0")/../lib.sh"
. "$TESTS/e2e/image-lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
fake_start || exit 1
new_workspace
article 1 "Camping basics"

# refused DESC MESSAGE-ERE ARGS...: exit 78, message, zero requests.
refused() {
	_d=$1 _m=$2
	shift 2
	expect_status "$_d: 78" 78 igny8-image --task 1 "$@"
	like "$_d: message" "$_m" err
	is "$_d: nothing sent" 0 "$(fake_count)"
}

# gpt-image-1.5 shut down on 2026-12-01 (data/shutdowns.yaml): before that
# day its size rules still apply.
IGNY8_TODAY=2026-11-30
export IGNY8_TODAY
refused "fixed-size model" \
	"^igny8-image: image\.sizes\.in_article\.mobile: size '1000x1000' is not accepted by model 'gpt-image-1\.5' \(image_models\.gpt-image-1\.5\.sizes: 1024x1024,1536x1024,1024x1536,auto\)$" \
	--model gpt-image-1.5 --set image.devices=desktop,mobile \
	--set image.sizes.in_article.mobile=1000x1000
unset IGNY8_TODAY
refused "side multiple" \
	"image\.sizes\.featured\.desktop: 1000x1000 is not accepted by model 'gpt-image-2' \(sides must be multiples of multiple_of: image_models\.gpt-image-2\.multiple_of\)" \
	--set image.sizes.featured.desktop=1000x1000
refused "aspect ratio" "max_aspect" --set image.sizes.featured.desktop=3200x512
refused "pixel count" "max_pixels" --set image.sizes.featured.desktop=3840x3840
refused "runware side limit" \
	"image\.sizes\.featured\.mobile: 1024x4096 is not accepted by model 'runware:100@1' \(a side is over max_side" \
	--provider runware --model runware:100@1 --set image.devices=desktop,mobile \
	--set image.sizes.featured.mobile=1024x4096
refused "runware multiple of 64" "image_models\.runware:100@1\.multiple_of" \
	--provider runware --model runware:100@1 --set image.sizes.in_article.desktop=1000x640
refused "runware needs WxH" "image\.sizes\.featured\.desktop: Runware needs a size as WxH, not 'auto'" \
	--provider runware --model runware:100@1 --set image.sizes.featured.desktop=auto
refused "not a size" "image\.sizes\.featured\.desktop: 'big' is not a size \(WxH or auto\)" \
	--set image.sizes.featured.desktop=big
refused "quality" \
	"image\.quality: 'ultra' is not accepted by model 'gpt-image-2' \(image_models\.gpt-image-2\.qualities: low,medium,high,auto\)" \
	--set image.quality=ultra
refused "quality on runware" "image\.quality: 'high' is not accepted by model 'runware:100@1'" \
	--provider runware --model runware:100@1 --set image.quality=high
refused "model of another provider" \
	"image\.model: 'gpt-image-2' is served by openai \(image_models\.gpt-image-2\.provider\), not by image\.provider 'runware'" \
	--provider runware --model gpt-image-2
refused "device without a size" "image\.devices: no size for device 'tablet' \(image\.sizes\.featured\.tablet\)" \
	--set image.devices=desktop,tablet
is "no rows were written" 0 "$(sqlite3 ws.db "SELECT count(*) FROM images")"

expect_status "--provider must be openai or runware" 64 igny8-image --provider dalle --task 1
like "usage message" "^igny8-image: --provider: 'image.provider' must be one of openai, runware, not 'dalle'$" err
expect_status "--max-images takes a number" 64 igny8-image --max-images lots --task 1
expect_status "--task takes an id" 64 igny8-image --task x
expect_status "--help" 0 igny8-image --help
like "--help shows the options" '--insert' out

# Bad input records.
printf '{"type":"idea","id":1}\n' >idea.jsonl
expect_status "an idea record is refused (65)" 65 igny8-image idea.jsonl
like "located message" "^igny8-image: idea.jsonl:1: a 'idea' record cannot be taken here" err
expect_status "a task without content (66)" 66 sh -c \
	"sqlite3 ws.db \"INSERT INTO tasks (id, title, created_at, updated_at) VALUES (9, 'x', 'now', 'now')\" &&
	 igny8-image --task 9"
like "says what to do" "task 9 has no content yet \(run igny8-write first\)" err
is "still nothing sent" 0 "$(fake_count)"
done_testing

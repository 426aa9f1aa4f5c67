/* igny8-image: content or task records in, image records out. */
#include "compat.h"

#include <stdio.h>

#include "fn.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-image [options] [FILE...]\n"
	"       igny8-image [options] --all | --task ID...\n"
	"  -a, --all              every article whose images are not all done\n"
	"                         (or --pending)\n"
	"      --task ID          this task's article (repeatable)\n"
	"      --provider NAME    image API: openai or runware (image.provider)\n"
	"      --max-images N     at most N in-article images per article\n"
	"      --insert           place the in-article images in the article's HTML\n"
	"      --batch            queue the prompt extraction for the Batch API (half\n"
	"                         price); 'igny8 batch collect' makes the images\n";

enum { OPT_TASK = OPT_FIRST_LOCAL, OPT_PROVIDER, OPT_MAX_IMAGES, OPT_INSERT };

static int
option(struct run_opts *o, int c, const char *arg, struct ig_err *err)
{
	char total[32];
	long n;

	switch (c) {
	case 'a': o->all = 1; return 0;
	case OPT_INSERT: o->flags |= RUN_INSERT; return 0;
	case OPT_BATCH: o->batch = 1; return 0;
	case OPT_TASK: return opt_add_id(o, arg, "task", err);
	case OPT_PROVIDER: return opt_setting(o, "--provider", "image.provider", arg, err);
	case OPT_MAX_IMAGES:
		/* It counts in-article images; image.max_images adds the featured. */
		if (opt_long(arg, "max-images", 0, 50, &n, err) < 0)
			return -1;
		snprintf(total, sizeof total, "%ld", n + 1);
		return opt_setting(o, "--max-images", "image.max_images", total, err);
	default: return 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "all", no_argument, NULL, 'a' },
		{ "pending", no_argument, NULL, 'a' },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "max-images", required_argument, NULL, OPT_MAX_IMAGES },
		{ "insert", no_argument, NULL, OPT_INSERT },
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ NULL, 0, NULL, 0 },
	};
	static const struct opt_cmd cmd = { usage, "a", longopts, option, &fn_image };

	return opt_main(argc, argv, &cmd);
}

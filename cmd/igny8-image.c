/* igny8-image: content or task records in, image records out. */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "fn.h"
#include "msg.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-image [options] [FILE...]\n"
	"       igny8-image [options] --pending | --task ID...\n"
	"  -a, --pending          every article whose images are not all done\n"
	"      --task ID          this task's article (repeatable)\n"
	"      --provider NAME    image API: openai or runware (image.provider)\n"
	"      --max-images N     at most N in-article images per article\n"
	"      --insert           place the in-article images in the article's HTML\n"
	"      --batch            queue the prompt extraction for the Batch API (half\n"
	"                         price); 'igny8 batch collect' makes the images\n";

enum { OPT_TASK = OPT_FIRST_LOCAL, OPT_PROVIDER, OPT_MAX_IMAGES, OPT_INSERT };

/* --max-images counts in-article images; image.max_images adds the featured. */
static int
max_images(struct run_opts *o, const char *arg, char *buf, size_t n,
	   struct ig_err *err)
{
	long v;

	if (opt_long(arg, "max-images", 0, 50, &v, err) < 0)
		return -1;
	snprintf(buf, n, "image.max_images=%ld", v + 1);
	return opt_set(o, buf, err);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ "pending", no_argument, NULL, 'a' },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "max-images", required_argument, NULL, OPT_MAX_IMAGES },
		{ "insert", no_argument, NULL, OPT_INSERT },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o;
	struct ig_err err = { 0 };
	char maxset[64], provset[128];
	int c, rc;

	msg_init(argv[0]);
	argv[0] = (char *)msg_prog();	/* getopt's messages name the program */
	opt_init(&o, msg_prog());
	while ((c = getopt_long(argc, argv, OPT_COMMON_SHORT "a", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.all = 1; continue;
		case OPT_TASK: rc = opt_add_id(&o, optarg, "task", &err); break;
		case OPT_PROVIDER:
			if (strcmp(optarg, "openai") && strcmp(optarg, "runware")) {
				rc = ig_err_set(&err, IG_EUSAGE, "--provider: '%s' is not "
						"openai or runware", optarg);
				break;
			}
			snprintf(provset, sizeof provset, "image.provider=%s", optarg);
			rc = opt_set(&o, provset, &err);
			break;
		case OPT_MAX_IMAGES:
			rc = max_images(&o, optarg, maxset, sizeof maxset, &err);
			break;
		case OPT_INSERT: o.flags |= RUN_INSERT; continue;
		case OPT_BATCH: o.batch = 1; continue;
		default:
			rc = opt_common(&o, c, optarg, usage, &err);
			if (rc == 2)
				return IG_OK;
			if (rc == 0)
				return opt_usage_error(usage, NULL);
		}
		if (rc < 0)
			return opt_usage_error(usage, &err);
	}
	opt_inputs(&o, argc, argv, optind);
	rc = engine_main(&fn_image, &o);
	opt_release(&o);
	return rc;
}

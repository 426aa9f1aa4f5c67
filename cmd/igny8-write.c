/* igny8-write: idea or task records in, article (content) records out. */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "fn.h"
#include "msg.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-write [options] [FILE...]\n"
	"       igny8-write [options] --queued | --task ID...\n"
	"      --queued           every queued, failed or abandoned task\n"
	"      --task ID          this task (repeatable)\n"
	"      --words N          target length (default write.words)\n"
	"      --tone TONE        e.g. informative, friendly, formal\n"
	"      --language LANG    language of the article (default en)\n"
	"      --audience TEXT    who it is written for\n"
	"      --format FMT       html or markdown\n"
	"      --moderate         check the text with the moderation endpoint\n"
	"      --batch            queue the requests for the Batch API (half price);\n"
	"                         'igny8 batch collect' saves the answers\n";

enum {
	OPT_QUEUED = OPT_FIRST_LOCAL, OPT_TASK, OPT_WORDS, OPT_TONE, OPT_LANGUAGE,
	OPT_AUDIENCE, OPT_FORMAT, OPT_MODERATE
};

/* "--words 900" becomes the setting write.words=900. */
static int
setting(struct run_opts *o, char *buf, size_t n, const char *key, const char *val,
	struct ig_err *err)
{
	snprintf(buf, n, "write.%s=%s", key, val);
	return opt_set(o, buf, err);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ "queued", no_argument, NULL, OPT_QUEUED },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "words", required_argument, NULL, OPT_WORDS },
		{ "tone", required_argument, NULL, OPT_TONE },
		{ "language", required_argument, NULL, OPT_LANGUAGE },
		{ "audience", required_argument, NULL, OPT_AUDIENCE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "moderate", no_argument, NULL, OPT_MODERATE },
		{ NULL, 0, NULL, 0 },
	};
	static char sets[5][512];
	struct run_opts o;
	struct ig_err err = { 0 };
	int c, rc;
	long n;

	msg_init(argv[0]);
	argv[0] = (char *)msg_prog();	/* getopt's messages name the program */
	opt_init(&o, msg_prog());
	while ((c = getopt_long(argc, argv, OPT_COMMON_SHORT, longopts, NULL)) != -1) {
		static const char *const keys[] = {
			"words", "tone", "language", "audience", "format"
		};
		const char *key = c >= OPT_WORDS && c <= OPT_FORMAT ?
			keys[c - OPT_WORDS] : NULL;

		switch (c) {
		case OPT_QUEUED: o.all = 1; continue;
		case OPT_TASK: rc = opt_add_id(&o, optarg, "task", &err); break;
		case OPT_MODERATE: o.flags |= RUN_MODERATE; continue;
		case OPT_WORDS:
			rc = opt_long(optarg, "words", 50, 50000, &n, &err);
			if (rc == 0)
				rc = setting(&o, sets[0], sizeof sets[0], key, optarg, &err);
			break;
		case OPT_TONE: case OPT_LANGUAGE: case OPT_AUDIENCE: case OPT_FORMAT:
			rc = setting(&o, sets[c - OPT_WORDS], sizeof sets[0], key, optarg, &err);
			break;
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
	rc = engine_main(&fn_write, &o);
	opt_release(&o);
	return rc;
}

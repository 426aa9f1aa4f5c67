/* igny8-write: idea or task records in, article (content) records out. */
#include "compat.h"

#include "fn.h"
#include "opt.h"
#include "task.h"

static const char usage[] =
	"usage: igny8-write [options] [FILE...]\n"
	"       igny8-write [options] --all | --task ID...\n"
	"  -a, --all              every queued, failed or abandoned task (or --queued)\n"
	"      --task ID          this task (repeatable)\n"
	"      --title TEXT       write an article with this title (repeatable)\n"
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
	OPT_AUDIENCE, OPT_FORMAT, OPT_MODERATE, OPT_TITLE
};

static int
option(struct run_opts *o, int c, const char *arg, struct ig_err *err)
{
	long n;

	switch (c) {
	case 'a':
	case OPT_QUEUED: o->all = 1; return 0;
	case OPT_MODERATE: o->flags |= RUN_MODERATE; return 0;
	case OPT_BATCH: o->batch = 1; return 0;
	case OPT_TASK: return opt_add_id(o, arg, "task", err);
	case OPT_TITLE: return opt_add_record(o, "task", "title", arg, err);
	case OPT_WORDS:
		if (opt_long(arg, "words", TASK_WORDS_MIN, TASK_WORDS_MAX, &n, err) < 0)
			return -1;
		return opt_setting(o, "--words", "write.words", arg, err);
	case OPT_TONE: return opt_setting(o, "--tone", "write.tone", arg, err);
	case OPT_LANGUAGE: return opt_setting(o, "--language", "write.language", arg, err);
	case OPT_AUDIENCE: return opt_setting(o, "--audience", "write.audience", arg, err);
	case OPT_FORMAT: return opt_setting(o, "--format", "write.format", arg, err);
	default: return 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "all", no_argument, NULL, 'a' },
		{ "queued", no_argument, NULL, OPT_QUEUED },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "words", required_argument, NULL, OPT_WORDS },
		{ "tone", required_argument, NULL, OPT_TONE },
		{ "language", required_argument, NULL, OPT_LANGUAGE },
		{ "audience", required_argument, NULL, OPT_AUDIENCE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "moderate", no_argument, NULL, OPT_MODERATE },
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ NULL, 0, NULL, 0 },
	};
	static const struct opt_cmd cmd = { usage, "a", longopts, option, &fn_write };

	return opt_main(argc, argv, &cmd);
}

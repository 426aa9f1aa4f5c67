/*
 * task.h: the task lifecycle: queued, running, then done, failed or
 * flagged.  A task left 'running' by a process that died is reclaimed by
 * the next run (ws_run_dead), so nothing stays stuck after a crash.
 */
#ifndef IG_TASK_H
#define IG_TASK_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "err.h"
#include "workspace.h"

enum task_claim { TASK_ERROR = -1, TASK_READY, TASK_DONE, TASK_BUSY };

/* Article length asked for, by --words or a task's "words" option. */
#define TASK_WORDS_MIN 50
#define TASK_WORDS_MAX 50000

/*
 * Checks a task record's "options" (NULL = none) by the rules of the
 * igny8-write flags they stand for (--words, --tone, --language,
 * --audience, --format): 0, or -1 with IG_EDATA naming the option.
 */
int task_check_options(const cJSON *opts, struct ig_err *err);

/* The task of an idea, created (queued) when it has none.  -1 on error. */
long task_from_idea(struct ws *ws, long idea_id, long run_id, struct ig_err *err);
/* The task a task record names, or a new one from its title, options and
 * prompt_override when it has no id. */
long task_from_record(struct ws *ws, const cJSON *rec, struct ig_err *err);
enum task_claim task_claimable(struct ws *ws, long task_id, struct ig_err *err);
int task_start(struct ws *ws, long task_id, long run_id, struct ig_err *err);
void task_fail(struct ws *ws, long task_id, const char *error);
void task_requeue(struct ws *ws, long task_id);
/*
 * After a failed rewrite of a finished task: 'done' again ('flagged' when
 * its article was), with the error kept, since the article it had stays.
 */
void task_restore_done(struct ws *ws, long task_id, const char *error);

struct task_content {
	const char *title, *meta_title, *meta_description, *slug, *html, *format;
	const char *primary_keyword;
	const cJSON *secondary_keywords, *tags, *categories, *moderation;
	const cJSON *verify, *checks;	/* arrays of strings; NULL or []: none */
	long word_count;
	int flagged;
};

/* Saves the article and closes the task, in one transaction. */
int task_save_content(struct ws *ws, long task_id, const struct task_content *c,
		      long run_id, struct ig_err *err);

#endif

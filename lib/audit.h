/*
 * audit.h: `igny8 audit`, igny8-write's checks run again on the articles
 * as the workspace holds them (after any edit), one report per article:
 * aligned text for a person, or one JSON record per line for CI.
 */
#ifndef IG_AUDIT_H
#define IG_AUDIT_H

#include <stddef.h>
#include <stdio.h>

#include "compat.h"
#include "config.h"
#include "err.h"
#include "workspace.h"

enum audit_fmt { AUDIT_TEXT, AUDIT_JSON };

/*
 * Audits the articles of the n tasks in task_ids (n == 0: every article of
 * the workspace, by task id), writing the reports to out.  cfg gives
 * write.words and site.url.  Returns how many articles fail a check (0:
 * all pass), or -1 with err (a task without an article is IG_ENOINPUT).
 */
int audit_articles(struct ws *ws, const struct config *cfg, const long *task_ids,
		   size_t n, enum audit_fmt fmt, FILE *out, struct ig_err *err);

#endif

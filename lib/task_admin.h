/*
 * task_admin.h: `igny8 tasks`: listing tasks, putting them back in the
 * queue and deleting the ones that should never run.
 */
#ifndef IG_TASK_ADMIN_H
#define IG_TASK_ADMIN_H

#include <stdio.h>

#include "compat.h"
#include "err.h"
#include "workspace.h"

/* Tasks (of one status, or all when NULL) as a table, oldest first. */
int task_admin_list(struct ws *ws, const char *status, FILE *out, struct ig_err *err);

/*
 * Requeues (queued, error cleared) or deletes each task of ids, all or
 * none: a task that a live run is writing is refused, and so is deleting
 * one that has an article (its article and images would go with it).
 * With n == 0, every task of `status` instead.  Returns how many, or -1
 * (IG_EDATA for a refused task, IG_ENOINPUT for a missing one).
 */
long task_admin_requeue(struct ws *ws, const long *ids, size_t n, const char *status,
			struct ig_err *err);
long task_admin_delete(struct ws *ws, const long *ids, size_t n, const char *status,
		       struct ig_err *err);

#endif

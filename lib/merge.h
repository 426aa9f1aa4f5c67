/*
 * merge.h: merging another workspace (a shard) into this one.
 *
 * Everything happens in one transaction on this workspace with the other
 * attached read-only in spirit (it is only read).  Rows are matched by
 * natural keys so that merging twice adds nothing: keywords by norm,
 * clusters by name_norm, ideas by (cluster, title), tasks by idea (or by
 * title and creation time when they have none), content by task, images
 * by (task, kind, position, device), runs by (program, start, pid, host),
 * AI calls by (run, function, record, time, outcome), cache entries by key,
 * prompts by function (this workspace's prompt wins).  Ids are remapped.
 * Batches are not merged: their items refer to rows by id, so collect them
 * in the shard first.  Image files stay where the other workspace put them.
 */
#ifndef IG_MERGE_H
#define IG_MERGE_H

#include "compat.h"
#include "err.h"
#include "workspace.h"

struct merge_stats {
	long keywords, clusters, ideas, tasks, content, images;
	long runs, calls, cache, prompts;	/* rows added, per table */
};

/* Merges the workspace at `other` into ws.  Returns 0 or -1 with err. */
int merge_workspace(struct ws *ws, const char *other, struct merge_stats *st,
		    struct ig_err *err);

#endif

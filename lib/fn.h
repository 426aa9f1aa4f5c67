/*
 * fn.h: the four AI functions, each a struct fn_ops run by the engine, and
 * the helpers they share.
 */
#ifndef IG_FN_H
#define IG_FN_H

#include "engine.h"

extern const struct fn_ops fn_cluster;
extern const struct fn_ops fn_ideas;
extern const struct fn_ops fn_write;
extern const struct fn_ops fn_image;
extern const struct fn_ops fn_publish;

/* Context variables every prompt gets: site_name, audience, context, sector, language. */
struct prompt_vars;
void fn_common_vars(struct run *run, struct prompt_vars *v, const char *sector);

/*
 * INIT of a function taking one record per job: sets the job's ref (a
 * printf format, e.g. "task:%ld") and returns 0 the first time this run
 * sees that ref, 1 (after a warning naming where the first copy was read)
 * when it is a duplicate, to be skipped with INIT_DONE; -1 on out of
 * memory.  It keeps its set in run_data(): not for fn_cluster.
 */
int fn_take_ref(struct run *run, struct job *job, struct ig_err *err,
		const char *fmt, ...) IG_PRINTF(4, 5);

/*
 * A slot for the function's own per-run state, beside fn_take_ref()'s set
 * (which holds run_data()): free_fn frees what it holds at the run's end.
 * NULL on out of memory.
 */
void **fn_aux(struct run *run, void (*free_fn)(void *));

/* Runs a SELECT of one text column into a JSON array (caller frees). */
cJSON *fn_column_array(struct ws *ws, const char *sql, long id);

#endif

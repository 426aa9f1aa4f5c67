/*
 * fn_once.c: each record once per run.  An input that names the same
 * cluster, idea or task more than once (a file concatenated twice, ids
 * given again) would otherwise start one job per copy: with --jobs they
 * run side by side and each pays for its request, and the later copies of
 * a task see it claimed by this very run.  The functions that take one
 * record per job call fn_take_ref() in INIT before anything else looks at
 * the record's state; the set lives in the run's data, which those
 * functions do not otherwise use.
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn.h"
#include "msg.h"
#include "strmap.h"

/*
 * The refs taken, each with where it was first read; and one slot the
 * function may keep its own per-run state in (fn_aux()).
 */
struct once {
	struct strmap *refs;	/* ref -> where (a string) */
	void *aux;
	void (*aux_free)(void *);
};

static void
once_free(void *p)
{
	struct once *o = p;

	if (o) {
		strmap_free(o->refs, free);
		if (o->aux_free)
			o->aux_free(o->aux);
	}
	free(o);
}

static struct once *
once_of(struct run *run)
{
	struct once *o = run_data(run);

	if (!o && (o = calloc(1, sizeof *o))) {
		if (!(o->refs = strmap_new())) {
			free(o);
			return NULL;
		}
		run_set_data(run, o);
		run_set_data_free(run, once_free);
	}
	return o;
}

void **
fn_aux(struct run *run, void (*free_fn)(void *))
{
	struct once *o = once_of(run);

	if (!o)
		return NULL;
	o->aux_free = free_fn;
	return &o->aux;
}

int
fn_take_ref(struct run *run, struct job *job, struct ig_err *err,
	    const char *fmt, ...)
{
	struct once *o = once_of(run);
	char where[128], ref[128];
	void **first;
	va_list ap;
	int added;

	va_start(ap, fmt);
	vsnprintf(ref, sizeof ref, fmt, ap);
	va_end(ap);
	snprintf(where, sizeof where, "%s", job_ref(job));
	job_set_ref(job, "%s", ref);
	if (!o || !(first = strmap_put(o->refs, ref, &added)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (!added) {
		if (!strcmp(where, ref))
			ig_warnf("%s: given more than once; done once", ref);
		else
			ig_warnf("%s: %s: duplicate of %s; done once", where, ref,
				 (const char *)*first);
		return 1;
	}
	if (!(*first = strdup(where)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return 0;
}

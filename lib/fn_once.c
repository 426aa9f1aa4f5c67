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

/*
 * An open-addressing set of refs, each with where it was first read; and
 * one slot the function may keep its own per-run state in (fn_aux()).
 */
struct once {
	struct {
		char *ref, *where;
	} *slot;
	size_t n, cap;		/* cap a power of two, at most half full */
	void *aux;
	void (*aux_free)(void *);
};

static void
once_free(void *p)
{
	struct once *o = p;

	for (size_t i = 0; o && i < o->cap; i++) {
		free(o->slot[i].ref);
		free(o->slot[i].where);
	}
	if (o) {
		free(o->slot);
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

/* FNV-1a: short keys, no adversary to fear (the input is the user's own). */
static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static size_t
find(const struct once *o, const char *ref)
{
	size_t i = hash(ref) & (o->cap - 1);

	while (o->slot[i].ref && strcmp(o->slot[i].ref, ref))
		i = (i + 1) & (o->cap - 1);
	return i;
}

static int
grow(struct once *o)
{
	struct once big = { NULL, o->n, o->cap ? o->cap * 2 : 64 };

	if (!(big.slot = calloc(big.cap, sizeof *big.slot)))
		return -1;
	for (size_t i = 0; i < o->cap; i++)
		if (o->slot[i].ref)
			big.slot[find(&big, o->slot[i].ref)] = o->slot[i];
	free(o->slot);
	*o = big;
	return 0;
}

int
fn_take_ref(struct run *run, struct job *job, struct ig_err *err,
	    const char *fmt, ...)
{
	struct once *o = once_of(run);
	char where[128], ref[128];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(ref, sizeof ref, fmt, ap);
	va_end(ap);
	snprintf(where, sizeof where, "%s", job_ref(job));
	job_set_ref(job, "%s", ref);
	if (!o)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if ((o->n + 1) * 2 > o->cap && grow(o) < 0)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	i = find(o, ref);
	if (o->slot[i].ref) {
		if (!strcmp(where, ref))
			ig_warnf("%s: given more than once; done once", ref);
		else
			ig_warnf("%s: %s: duplicate of %s; done once", where, ref,
				 o->slot[i].where);
		return 1;
	}
	o->slot[i].ref = strdup(ref);
	o->slot[i].where = strdup(where);
	if (!o->slot[i].ref || !o->slot[i].where)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	o->n++;
	return 0;
}

/*
 * par.h: a minimal parallel-for over an index range, on POSIX threads.
 *
 * Work is handed out in chunks from a shared counter, so the split between
 * threads varies from run to run; callers keep results independent of it by
 * writing each index's result to its own slot.  Nothing here allocates on
 * the caller's behalf or reports errors: if a thread cannot be started, the
 * calling thread does its share, so par_for() always completes the range.
 */
#ifndef IG_PAR_H
#define IG_PAR_H

#include "compat.h"

#include <stddef.h>

/* Called with a half-open range [lo, hi) and the worker number (< nthreads). */
typedef void par_fn(void *ctx, unsigned worker, size_t lo, size_t hi);

/* Runs fn over [0, n) in chunks of `chunk` indices on up to nthreads threads. */
void par_for(unsigned nthreads, size_t n, size_t chunk, par_fn *fn, void *ctx);

/* Online CPUs, at least 1, at most cap. */
unsigned par_ncpu(unsigned cap);

#endif

/* par.c: parallel-for with dynamic chunking over a shared atomic counter. */
#include "compat.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "par.h"

#define PAR_MAX 64

struct par_job {
	par_fn *fn;
	void *ctx;
	size_t n, chunk;
	atomic_size_t next;	/* first index not yet handed out */
};

struct par_arg {
	struct par_job *job;
	unsigned worker;
};

static void
drain(struct par_job *job, unsigned worker)
{
	size_t lo, hi;

	for (;;) {
		lo = atomic_fetch_add(&job->next, job->chunk);
		if (lo >= job->n)
			return;
		hi = job->n - lo < job->chunk ? job->n : lo + job->chunk;
		job->fn(job->ctx, worker, lo, hi);
	}
}

static void *
worker_main(void *p)
{
	struct par_arg *a = p;

	drain(a->job, a->worker);
	return NULL;
}

void
par_for(unsigned nthreads, size_t n, size_t chunk, par_fn *fn, void *ctx)
{
	pthread_t tid[PAR_MAX];
	struct par_arg arg[PAR_MAX];
	struct par_job job;
	unsigned i, started = 0;

	if (n == 0)
		return;
	job.fn = fn;
	job.ctx = ctx;
	job.n = n;
	job.chunk = chunk ? chunk : 1;
	atomic_init(&job.next, 0);
	if (nthreads > PAR_MAX)
		nthreads = PAR_MAX;
	/* No threads for a range that fits in one chunk: not worth the start-up. */
	for (i = 1; i < nthreads && n > job.chunk; i++) {
		arg[i].job = &job;
		arg[i].worker = i;
		if (pthread_create(&tid[i], NULL, worker_main, &arg[i]) != 0)
			break;
		started = i;
	}
	drain(&job, 0);
	for (i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
}

unsigned
par_ncpu(unsigned cap)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (cap && (unsigned long)n > cap)
		n = cap;
	return (unsigned)n;
}

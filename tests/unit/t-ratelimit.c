/* t-ratelimit.c: the shared limiter under threads: rates, ceiling, cancel. */
#include "compat.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ratelimit.h"
#include "tap.h"

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (long)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static const struct http_limits no_limits = { -1, -1, -1, -1, -1, -1 };

struct worker {
	struct ratelimit *rl;
	int n;			/* acquisitions to make */
	long tokens;
	atomic_int *cancel;
	atomic_int got;		/* acquisitions made (read while it runs) */
	int rc;			/* last rl_acquire result */
	double hold;		/* seconds to keep each slot */
};

static void *
work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->n; i++) {
		w->rc = rl_acquire(w->rl, w->tokens, w->cancel, NULL);
		if (w->rc < 0)
			break;
		w->got++;
		if (w->hold > 0)
			nap(w->hold);
		rl_release(w->rl, 200, &no_limits, NULL);
	}
	return NULL;
}

/* Runs nthreads workers of n acquisitions each; returns elapsed seconds. */
static double
run_workers(struct ratelimit *rl, int nthreads, int n, long tokens)
{
	pthread_t t[8];
	struct worker w[8] = { 0 };
	double t0 = mono();

	for (int i = 0; i < nthreads; i++) {
		w[i].rl = rl;
		w[i].n = n;
		w[i].tokens = tokens;
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return mono() - t0;
}

static void
test_rates(void)
{
	struct ratelimit *rl = rl_new(1200, 0, 8);
	double el;

	/* 20 per second, a one-second burst: 48 takes about (48-20)/20 s. */
	el = run_workers(rl, 4, 12, 0);
	ok(el >= 1.2 && el < 3.0, "rpm 1200: 48 requests in %.2f s (~1.4)", el);
	rl_free(rl);

	/* 100 tokens per second, bucket 100: 5 x 50 takes about 1.5 s. */
	rl = rl_new(0, 6000, 8);
	el = run_workers(rl, 1, 5, 50);
	ok(el >= 1.3 && el < 2.5, "tpm 6000: 250 tokens in %.2f s (~1.5)", el);
	rl_free(rl);

	/*
	 * A request larger than the bucket (100) goes once it is full, and
	 * its debt delays the next: 2 x 150 takes about 1.5 s.
	 */
	rl = rl_new(0, 6000, 8);
	el = run_workers(rl, 1, 2, 150);
	ok(el >= 1.3 && el < 2.5, "oversized request admitted (%.2f s)", el);
	rl_free(rl);

	rl = rl_new(0, 0, 8);
	el = run_workers(rl, 4, 100, 1000);
	ok(el < 0.5, "unlimited: 400 acquisitions in %.3f s", el);
	rl_free(rl);
	ok(rl_acquire(NULL, 10, NULL, NULL) == 0, "NULL limiter never blocks");
}

/* One answer ends the first request's probe (see ratelimit.c). */
static void
answered(struct ratelimit *rl)
{
	rl_acquire(rl, 0, NULL, NULL);
	rl_release(rl, 200, &no_limits, NULL);
}

static void
test_probe(void)
{
	struct ratelimit *rl = rl_new(0, 0, 4);
	struct worker w = { 0 };
	pthread_t t;
	double t0;

	rl_acquire(rl, 0, NULL, NULL);
	w.rl = rl;
	w.n = 1;
	pthread_create(&t, NULL, work, &w);
	nap(0.2);
	is_int(w.got, 0, "no limit known: the first request goes alone");
	rl_release(rl, 200, &no_limits, NULL);
	pthread_join(t, NULL);
	is_int(w.got, 1, "its answer opens the gate");
	ok(rl_acquire(rl, 0, NULL, NULL) == 0 && rl_acquire(rl, 0, NULL, NULL) == 0,
	   "then requests go together");
	rl_free(rl);
	rl = rl_new(0, 600000, 4);
	t0 = mono();
	rl_acquire(rl, 0, NULL, NULL);
	rl_acquire(rl, 0, NULL, NULL);
	ok(mono() - t0 < 0.1, "a set limit needs no probe");
	rl_free(rl);
}

static void
test_ceiling_blocks(void)
{
	struct ratelimit *rl = rl_new(0, 0, 2);
	struct worker w = { 0 };
	pthread_t t;

	answered(rl);
	ok(rl_acquire(rl, 0, NULL, NULL) == 0 && rl_acquire(rl, 0, NULL, NULL) == 0,
	   "two slots taken");
	w.rl = rl;
	w.n = 1;
	pthread_create(&t, NULL, work, &w);
	nap(0.2);
	is_int(w.got, 0, "third acquisition waits for a slot");
	rl_release(rl, 200, &no_limits, NULL);
	nap(0.3);
	is_int(w.got, 1, "a release lets it through");
	pthread_join(t, NULL);
	rl_release(rl, 200, &no_limits, NULL);
	rl_free(rl);
}

static void
test_cancel(void)
{
	struct ratelimit *rl = rl_new(0, 0, 1);
	atomic_int cancel = 0;
	struct worker w = { 0 };
	pthread_t t;
	double t0;

	rl_acquire(rl, 0, NULL, NULL);
	w.rl = rl;
	w.n = 1;
	w.cancel = &cancel;
	pthread_create(&t, NULL, work, &w);
	nap(0.1);
	t0 = mono();
	cancel = 1;
	pthread_join(t, NULL);
	ok(w.rc == -1 && w.got == 0, "cancel makes rl_acquire return -1");
	ok(mono() - t0 < 0.3, "and promptly (%.3f s)", mono() - t0);
	rl_release(rl, 200, &no_limits, NULL);
	ok(rl_acquire(rl, 0, &cancel, NULL) == -1, "set cancel fails at once");
	rl_free(rl);
}

static void
test_halving(void)
{
	struct ratelimit *rl = rl_new(0, 0, 8);

	rl_set_cooldown(rl, 0.2);
	is_int(rl_ceiling(rl), 8, "ceiling starts at max_inflight");
	rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 8, "a lone 429 is waited out, not cut for");
	for (int i = 0; i < 14; i++)
		rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 8, "15 429s, under two rounds of answers: no verdict yet");
	rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 4, "two rounds of nothing but 429s halve it");
	rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 4, "a burst of 429s halves once");
	rl_release(rl, 200, &no_limits, NULL);
	is_int(rl_ceiling(rl), 4, "no growth during the cool-down");
	nap(0.25);
	rl_release(rl, 200, &no_limits, NULL);
	is_int(rl_ceiling(rl), 5, "one step back after the cool-down");
	rl_release(rl, 500, &no_limits, NULL);
	is_int(rl_ceiling(rl), 5, "failures do not grow it");
	rl_release(rl, 200, &no_limits, NULL);
	is_int(rl_ceiling(rl), 6, "each success after the cool-down grows it by one");
	for (int i = 0; i < 10; i++)
		rl_release(rl, 200, &no_limits, NULL);
	is_int(rl_ceiling(rl), 8, "back to max_inflight, no further");
	rl_free(rl);

	/* A server refusing a share of requests at random is not throttling. */
	rl = rl_new(0, 0, 8);
	for (int i = 0; i < 16; i++)
		rl_release(rl, i % 4 == 3 ? 429 : 200, &no_limits, NULL);
	is_int(rl_ceiling(rl), 8, "a quarter of two rounds refused does not cut it");
	rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 8, "nor five in seventeen");
	rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 4, "429s a third of the recent answers halve it");
	rl_free(rl);

	/*
	 * "Recent" is a window of a few rounds: after 129 answers, 20 429s in
	 * a row are judged against the last rounds (counted over the whole
	 * run they would be 29 in 149, not enough).
	 */
	rl = rl_new(0, 0, 8);
	for (int i = 0; i < 129; i++)
		rl_release(rl, i >= 20 && i < 29 ? 429 : 200, &no_limits, NULL);
	is_int(rl_ceiling(rl), 8, "9 429s in 29 answers, then 100 successes: no cut");
	for (int i = 0; i < 20; i++)
		rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 4, "a burst after them is judged on recent answers");
	rl_free(rl);

	rl = rl_new(0, 0, 1);
	rl_release(rl, 429, &no_limits, NULL);
	rl_release(rl, 429, &no_limits, NULL);
	is_int(rl_ceiling(rl), 1, "the ceiling never drops below 1");
	rl_free(rl);
}

static void
test_holds(void)
{
	struct ratelimit *rl = rl_new(0, 0, 4);
	struct http_limits l = no_limits;
	double t0;

	l.remaining_requests = 0;
	l.reset_requests = 0.3;
	rl_release(rl, 200, &l, NULL);
	t0 = mono();
	rl_acquire(rl, 0, NULL, NULL);
	ok(mono() - t0 >= 0.28, "remaining-requests 0 holds until reset");
	rl_release(rl, 200, &no_limits, NULL);
	l = no_limits;
	l.remaining_tokens = 0;
	l.reset_tokens = 0.2;
	rl_release(rl, 200, &l, NULL);
	t0 = mono();
	rl_acquire(rl, 0, NULL, NULL);
	ok(mono() - t0 >= 0.18, "remaining-tokens 0 holds until reset");
	rl_release(rl, 200, &no_limits, NULL);
	l.remaining_tokens = 5;
	rl_release(rl, 200, &l, NULL);
	t0 = mono();
	rl_acquire(rl, 0, NULL, NULL);
	ok(mono() - t0 < 0.1, "remaining > 0 does not hold");
	rl_release(rl, 200, &no_limits, NULL);
	rl_hold(rl, 0.3);
	t0 = mono();
	rl_acquire(rl, 0, NULL, NULL);
	ok(mono() - t0 >= 0.28, "rl_hold holds new acquisitions");
	rl_release(rl, 200, &no_limits, NULL);
	rl_free(rl);
}

/* An answer's headers: limit per minute, remaining now, reset = until full. */
static struct http_limits
said(long lim_req, long rem_req, long lim_tok, long rem_tok)
{
	struct http_limits l = no_limits;

	l.limit_requests = lim_req;
	l.remaining_requests = rem_req;
	l.limit_tokens = lim_tok;
	l.remaining_tokens = rem_tok;
	if (lim_req > 0)
		l.reset_requests = (double)(lim_req - rem_req) * 60 / (double)lim_req;
	if (lim_tok > 0)
		l.reset_tokens = (double)(lim_tok - rem_tok) * 60 / (double)lim_tok;
	return l;
}

/* Seconds n acquisitions of `tokens` take, each released at once. */
static double
timed_acquires(struct ratelimit *rl, int n, long tokens)
{
	double t0 = mono();

	for (int i = 0; i < n; i++) {
		rl_acquire(rl, tokens, NULL, NULL);
		rl_release(rl, 200, NULL, NULL);
	}
	return mono() - t0;
}

static void
test_learned(void)
{
	struct ratelimit *rl = rl_new(0, 0, 8);
	struct rl_ticket tk;
	struct http_limits l;
	long rpm, tpm;
	double t, t2;

	/* 600 a minute, nothing left: the reset says 60 s (a full bucket),
	 * but the next request fits after a tenth of a second. */
	rl_acquire(rl, 0, NULL, &tk);
	l = said(600, 0, -1, -1);
	rl_release(rl, 200, &l, &tk);
	rl_limits(rl, &rpm, &tpm);
	ok(rpm == 600 && tpm == 0, "limits learned from the headers alone");
	t = timed_acquires(rl, 3, 0);
	ok(t >= 0.25 && t < 1.5, "paced at the refill rate, not held until "
	   "the reset (3 requests in %.2f s)", t);

	/* Remaining 5 of 600: five at once, then the refill rate. */
	rl_acquire(rl, 0, NULL, &tk);
	l = said(600, 5, -1, -1);
	rl_release(rl, 200, &l, &tk);
	t = timed_acquires(rl, 5, 0);
	/* Pacing them would take 0.5 s; a loaded machine adds far less. */
	ok(t < 0.3, "the remaining budget is spent without waiting (%.2f s)", t);
	t = timed_acquires(rl, 2, 0);
	ok(t >= 0.15 && t < 1.2, "then the refill rate (%.2f s)", t);
	rl_free(rl);

	/* What was admitted after the answered request is not the server's
	 * to count yet: remaining 3, but 2 admitted since, leaves 1. */
	rl = rl_new(0, 0, 8);
	answered(rl);
	rl_acquire(rl, 0, NULL, &tk);
	rl_acquire(rl, 0, NULL, NULL);
	rl_acquire(rl, 0, NULL, NULL);
	l = said(60, 3, -1, -1);
	rl_release(rl, 200, &l, &tk);
	t = timed_acquires(rl, 2, 0);
	ok(t >= 0.9 && t < 2.5, "requests admitted since the answer are "
	   "subtracted (%.2f s for 2 with 1 left at 1/s)", t);
	rl_free(rl);

	/* Tokens: 6,000 a minute (100/s), none left: 50 tokens wait 0.5 s. */
	rl = rl_new(0, 0, 8);
	rl_acquire(rl, 0, NULL, &tk);
	l = said(100000, 99999, 6000, 0);
	rl_release(rl, 200, &l, &tk);
	t = timed_acquires(rl, 1, 50);
	ok(t >= 0.45 && t < 1.5, "a request waits for its token cost "
	   "(%.2f s for 50 tokens at 100/s)", t);
	/* Upper bounds here only tell a wait from the minute-long reset: a
	 * sanitizer build on a busy machine oversleeps by tenths. */
	t2 = timed_acquires(rl, 1, 10);
	ok(t2 >= 0.08 && t2 < t, "a smaller one for less (%.2f s)", t2);

	/* 429s under a known limit are pacing, not throttling: no cut. */
	for (int i = 0; i < 40; i++) {
		l = said(100000, 99999, 6000, 0);
		rl_release(rl, 429, &l, NULL);
	}
	is_int(rl_ceiling(rl), 8, "429s the headers explain do not cut the ceiling");
	ok(rl_stalled(rl) >= 0 && rl_stalled(rl) < 2, "progress is tracked");
	rl_free(rl);

	/* A setting overrides what the server says. */
	rl = rl_new(60, 0, 8);
	rl_acquire(rl, 0, NULL, &tk);
	l = said(60000, 59999, -1, -1);
	rl_release(rl, 200, &l, &tk);
	rl_limits(rl, &rpm, &tpm);
	is_int(rpm, 60, "rpm setting wins over x-ratelimit-limit-requests");
	t = timed_acquires(rl, 1, 0);
	ok(t >= 0.9, "and paces at its rate (%.2f s)", t);
	rl_free(rl);
}

int
main(void)
{
	test_rates();
	test_probe();
	test_ceiling_blocks();
	test_cancel();
	test_halving();
	test_holds();
	test_learned();
	return done_testing();
}

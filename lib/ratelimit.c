/*
 * ratelimit.c: requests/tokens per minute and adaptive concurrency.
 *
 * Design note.  Requests and tokens are token buckets refilled continuously
 * at rpm/60 and tpm/60 per second, as OpenAI describes its own limits
 * (api-contracts.md 1.2, from OpenAI's rate-limit guide: reset is the time
 * until the window is back to full).  The limits come from the server:
 * every answer, 429s included, carries x-ratelimit-limit-* (per minute) and
 * x-ratelimit-remaining-*, so the first answers teach the limiter and each
 * later one resynchronises it.  A remaining figure is the server's bucket
 * when it counted that request; what the limiter admitted after it is
 * subtracted, so the local bucket tracks the server's without waiting for
 * it to run dry.  A reset time is when
 * the bucket is full again, not when the next request fits, so it is never
 * waited for when the limit is known: the next request waits only for its
 * own refill.  rpm/tpm settings override the learned rates; their buckets
 * hold one second's worth (at least 1), since a provider that was not
 * asked may enforce per-minute limits in short windows and punish bursts,
 * and the server's figures may then only lower them.  The token bucket may
 * go into debt, so one request larger than the bucket is admitted once it
 * is full rather than never.
 * Until the first answer, with no limit set, one request goes alone: the
 * rest of the first wave would otherwise meet a limit nobody knows yet.
 * The concurrency ceiling starts at max_inflight and halves on a 429 that
 * no limit explains (one without x-ratelimit-* figures) when such 429s are
 * at least a third of the recent answers, counted over two rounds of
 * max_inflight answers at least (and at most once per second, so one burst
 * counts once): a server that throttles gets fewer requests, while an
 * occasional 429 is only waited out by its own request.  "Recent" is a
 * window of a few rounds of answers, kept by halving both counts when they
 * grow past it.  After a cool-down the ceiling grows back one slot per
 * success: additive increase after multiplicative decrease, as TCP does.
 * Waiters poll in short slices so that a cancel flag set by a signal
 * handler is noticed without anyone signalling the condition variable.
 */
#include "compat.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "ratelimit.h"

#define DEF_COOLDOWN 3.0
#define MAX_COOLDOWN 60.0
#define CUT_DEBOUNCE 1.0	/* seconds: simultaneous 429s halve once */
#define WAIT_SLICE 0.05		/* seconds between cancel checks */

/* One budget: requests or tokens. */
struct bucket {
	long set;			/* rpm/tpm setting, 0 = none */
	long learned;			/* x-ratelimit-limit-*, 0 = not seen */
	double avail, cap;		/* contents and size */
	double debit;			/* running total admitted */
};

struct ratelimit {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* signalled when a slot frees */
	struct bucket req, tok;
	double refilled;		/* when the buckets were last topped up */
	int max_inflight, ceiling, inflight;
	double cooldown;		/* seconds */
	double grow_after;		/* ceiling may grow from this time on */
	double last_cut;		/* time of the last halving */
	long since_ok, since_429;	/* recent answers, see the note above */
	double hold_until;		/* server said: nothing before this */
	double last_ok;			/* time of the last success */
	int probing;			/* no answer yet: one request at a time */
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Per minute in force: the setting wins over what the server said. */
static long
rate(const struct bucket *b)
{
	return b->set ? b->set : b->learned;
}

static void
bucket_init(struct bucket *b, long set)
{
	b->set = set > 0 ? set : 0;
	b->cap = b->set / 60.0 < 1 ? 1 : b->set / 60.0;
	b->avail = b->cap;
}

struct ratelimit *
rl_new(long rpm, long tpm, int max_inflight)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);
	pthread_condattr_t ca;

	if (!rl)
		return NULL;
	pthread_mutex_init(&rl->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rl->cv, &ca);
	pthread_condattr_destroy(&ca);
	bucket_init(&rl->req, rpm);
	bucket_init(&rl->tok, tpm);
	rl->refilled = rl->last_ok = mono();
	rl->max_inflight = max_inflight > 0 ? max_inflight : 1;
	rl->ceiling = rl->max_inflight;
	rl->cooldown = DEF_COOLDOWN;
	rl->last_cut = -1e9;
	rl->probing = !rl->req.set && !rl->tok.set;
	return rl;
}

void
rl_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_cond_destroy(&rl->cv);
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

static void
bucket_refill(struct bucket *b, double dt)
{
	b->avail += dt * (double)rate(b) / 60;
	if (b->avail > b->cap)
		b->avail = b->cap;
}

static void
refill(struct ratelimit *rl, double now)
{
	double dt = now - rl->refilled;

	rl->refilled = now;
	bucket_refill(&rl->req, dt);
	bucket_refill(&rl->tok, dt);
}

/* Seconds until `need` fits; a need past the bucket waits for a full one. */
static double
bucket_wait(const struct bucket *b, double need)
{
	long r = rate(b);

	if (!r || need <= 0)
		return 0;
	if (need > b->cap)
		need = b->cap;
	return b->avail >= need ? 0 : (need - b->avail) * 60 / (double)r;
}

/* Seconds until this request may start: 0 now, < 0 when a slot is needed. */
static double
time_to_admit(struct ratelimit *rl, long tokens, double now)
{
	double w = 0, t;

	if (now < rl->hold_until)
		w = rl->hold_until - now;
	if ((t = bucket_wait(&rl->req, 1)) > w)
		w = t;
	if ((t = bucket_wait(&rl->tok, (double)tokens)) > w)
		w = t;
	if (w == 0 && (rl->inflight >= rl->ceiling ||
		       (rl->probing && rl->inflight > 0)))
		return -1;
	return w;
}

static void
timed_wait(struct ratelimit *rl, double s)
{
	struct timespec ts;
	double until;

	if (s <= 0 || s > WAIT_SLICE)
		s = WAIT_SLICE;
	until = mono() + s;
	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	pthread_cond_timedwait(&rl->cv, &rl->mu, &ts);
}

static void
bucket_take(struct bucket *b, double n)
{
	if (n <= 0)
		return;
	b->debit += n;
	if (rate(b))
		b->avail -= n;
}

int
rl_acquire(struct ratelimit *rl, long est_tokens, atomic_int *cancel,
	   struct rl_ticket *tk)
{
	double w;

	if (!rl)
		return 0;
	pthread_mutex_lock(&rl->mu);
	for (;;) {
		if (cancel && *cancel) {
			pthread_mutex_unlock(&rl->mu);
			return -1;
		}
		refill(rl, mono());
		w = time_to_admit(rl, est_tokens, rl->refilled);
		if (w == 0)
			break;
		timed_wait(rl, w);
	}
	bucket_take(&rl->req, 1);
	bucket_take(&rl->tok, (double)est_tokens);
	rl->inflight++;
	if (tk) {
		tk->t = rl->refilled;
		tk->req_debit = rl->req.debit;
		tk->tok_debit = rl->tok.debit;
	}
	pthread_mutex_unlock(&rl->mu);
	return 0;
}

static double
clamp_cooldown(double s, double def)
{
	if (s < def)
		s = def;
	return s > MAX_COOLDOWN ? MAX_COOLDOWN : s;
}

/*
 * Throttled, not unlucky: 429s are a third or more of at least two rounds
 * of answers.  A smaller sample misjudges a server that refuses a fifth of
 * requests at random: 11 of the first 32 answers happen 3% of the time,
 * and every cut costs a cool-down at half speed.  A server that refuses
 * everything is still noticed within two rounds.
 */
static int
throttling(const struct ratelimit *rl)
{
	long n = rl->since_ok + rl->since_429;

	return rl->since_429 >= 2 && n >= 2L * rl->max_inflight &&
	       rl->since_429 * 3 >= n;
}

/* A 429 no limit explains: fewer workers for a while. */
static void
on_throttled(struct ratelimit *rl, const struct http_limits *l, double now)
{
	double cd = rl->cooldown;

	if (l) {
		if (l->reset_requests > cd)
			cd = l->reset_requests;
		if (l->reset_tokens > cd)
			cd = l->reset_tokens;
	}
	cd = clamp_cooldown(cd, rl->cooldown);
	rl->since_429++;
	if (!throttling(rl))
		return; /* sporadic: the request waits out its own retry-after */
	if (now - rl->last_cut >= CUT_DEBOUNCE && rl->ceiling > 1) {
		rl->ceiling /= 2;
		rl->last_cut = now;
		/* Forget half: the cut has answered what was counted so far. */
		rl->since_ok /= 2;
		rl->since_429 /= 2;
	}
	if (now + cd > rl->grow_after)
		rl->grow_after = now + cd;
}

/*
 * One budget's figures from an answer.  The server's remaining, minus what
 * was admitted after the request, is the server's bucket now, short of
 * what refilled since the server counted it: when that was is unknown, so
 * none is assumed.  The shortfall is a constant offset (the bucket is
 * then drained a little later), not a slower rate, while assuming too
 * much would cost 429s.  A learned limit follows it both ways;
 * a set one only downwards (the setting is the user's ceiling).  Without
 * a limit, remaining 0 can only be waited out until the reset; with one,
 * the reset (a full bucket) is never waited for.  Returns 1 when the
 * answer carried a limit.
 */
static int
bucket_learn(struct ratelimit *rl, struct bucket *b, long limit,
	     long remaining, double reset, double admitted, double debit,
	     double now)
{
	double est;
	int first = !b->learned;

	if (limit > 0) {
		b->learned = limit;
		if (!b->set)
			b->cap = (double)limit;
	}
	if (!rate(b)) {
		if (remaining == 0 && reset > 0 && now + reset > rl->hold_until)
			rl->hold_until = now + clamp_cooldown(reset, 0);
		return 0;
	}
	if (remaining < 0 || admitted < 0) {
		if (first && !b->set)
			b->avail = b->cap;
		return limit > 0;
	}
	est = (double)remaining - (b->debit - debit);
	if (est > b->cap)
		est = b->cap;
	if (!b->set || est < b->avail)
		b->avail = est;
	return limit > 0;
}

static int
apply_limits(struct ratelimit *rl, const struct http_limits *l,
	     const struct rl_ticket *tk, double now)
{
	int known = 0;

	if (!l)
		return 0;
	known |= bucket_learn(rl, &rl->req, l->limit_requests,
			      l->remaining_requests, l->reset_requests,
			      tk ? tk->t : -1, tk ? tk->req_debit : 0, now);
	known |= bucket_learn(rl, &rl->tok, l->limit_tokens,
			      l->remaining_tokens, l->reset_tokens,
			      tk ? tk->t : -1, tk ? tk->tok_debit : 0, now);
	return known;
}

void
rl_release(struct ratelimit *rl, long status, const struct http_limits *limits,
	   const struct rl_ticket *tk)
{
	double now = mono();
	int known;

	if (!rl)
		return;
	pthread_mutex_lock(&rl->mu);
	if (rl->inflight > 0)
		rl->inflight--;
	rl->probing = 0;
	refill(rl, now);
	known = apply_limits(rl, limits, tk, now);
	if (status == 429 && !known) {
		on_throttled(rl, limits, now);
	} else if (status > 0 && status < 400) {
		rl->since_ok++;
		rl->last_ok = now;
		if (now >= rl->grow_after && rl->ceiling < rl->max_inflight)
			rl->ceiling++;
	}
	/* Keep the counts to roughly the last few rounds of answers. */
	if (rl->since_ok + rl->since_429 > 4L * rl->max_inflight + 8) {
		rl->since_ok /= 2;
		rl->since_429 /= 2;
	}
	pthread_cond_broadcast(&rl->cv);
	pthread_mutex_unlock(&rl->mu);
}

int
rl_ceiling(struct ratelimit *rl)
{
	int n;

	if (!rl)
		return 0;
	pthread_mutex_lock(&rl->mu);
	n = rl->ceiling;
	pthread_mutex_unlock(&rl->mu);
	return n;
}

void
rl_limits(struct ratelimit *rl, long *rpm, long *tpm)
{
	*rpm = *tpm = 0;
	if (!rl)
		return;
	pthread_mutex_lock(&rl->mu);
	*rpm = rate(&rl->req);
	*tpm = rate(&rl->tok);
	pthread_mutex_unlock(&rl->mu);
}

double
rl_stalled(struct ratelimit *rl)
{
	double s;

	if (!rl)
		return 0;
	pthread_mutex_lock(&rl->mu);
	s = mono() - rl->last_ok;
	pthread_mutex_unlock(&rl->mu);
	return s;
}

void
rl_hold(struct ratelimit *rl, double seconds)
{
	double now = mono();

	if (!rl || !(seconds > 0))
		return;
	pthread_mutex_lock(&rl->mu);
	if (seconds > MAX_COOLDOWN * 2)
		seconds = MAX_COOLDOWN * 2;
	if (now + seconds > rl->hold_until)
		rl->hold_until = now + seconds;
	pthread_mutex_unlock(&rl->mu);
}

void
rl_set_cooldown(struct ratelimit *rl, double seconds)
{
	if (!rl || !(seconds >= 0))
		return;
	pthread_mutex_lock(&rl->mu);
	rl->cooldown = seconds;
	pthread_mutex_unlock(&rl->mu);
}

/*
 * ratelimit.c: requests/tokens per minute and adaptive concurrency.
 *
 * Design note.  Requests and tokens are token buckets refilled continuously
 * at rpm/60 and tpm/60 per second.  The request bucket holds one second's
 * worth (at least 1), because providers enforce per-minute limits in short
 * windows and punish bursts; the token bucket may go into debt, so one
 * large request is admitted once the bucket is full rather than never.
 * The concurrency ceiling starts at max_inflight and halves on a 429 when
 * 429s are at least a third of the recent answers, counted over two rounds
 * of max_inflight answers at least (and at most once per second, so one
 * burst counts once): a server that throttles
 * gets fewer requests, while an occasional 429 is only waited out by its
 * own request.  "Recent" is a window of a few rounds of answers, kept by
 * halving both counts when they grow past it.  After a cool-down the
 * ceiling grows back one slot per success: additive increase after
 * multiplicative decrease, as TCP does.
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

struct ratelimit {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* signalled when a slot frees */
	long rpm, tpm;			/* 0 = unlimited */
	double req_avail, tok_avail;	/* bucket contents */
	double req_cap, tok_cap;	/* bucket sizes */
	double refilled;		/* when the buckets were last topped up */
	int max_inflight, ceiling, inflight;
	double cooldown;		/* seconds */
	double grow_after;		/* ceiling may grow from this time on */
	double last_cut;		/* time of the last halving */
	long since_ok, since_429;	/* recent answers, see the note above */
	double hold_until;		/* server said: nothing before this */
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	rl->rpm = rpm > 0 ? rpm : 0;
	rl->tpm = tpm > 0 ? tpm : 0;
	rl->req_cap = rl->rpm / 60.0 < 1 ? 1 : rl->rpm / 60.0;
	rl->tok_cap = rl->tpm / 60.0 < 1 ? 1 : rl->tpm / 60.0;
	rl->req_avail = rl->req_cap;
	rl->tok_avail = rl->tok_cap;
	rl->refilled = mono();
	rl->max_inflight = max_inflight > 0 ? max_inflight : 1;
	rl->ceiling = rl->max_inflight;
	rl->cooldown = DEF_COOLDOWN;
	rl->last_cut = -1e9;
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
refill(struct ratelimit *rl, double now)
{
	double dt = now - rl->refilled;

	rl->refilled = now;
	rl->req_avail += dt * (double)rl->rpm / 60;
	if (rl->req_avail > rl->req_cap)
		rl->req_avail = rl->req_cap;
	rl->tok_avail += dt * (double)rl->tpm / 60;
	if (rl->tok_avail > rl->tok_cap)
		rl->tok_avail = rl->tok_cap;
}

/* Seconds until this request may start: 0 now, < 0 when a slot is needed. */
static double
time_to_admit(struct ratelimit *rl, long tokens, double now)
{
	double need, w = 0, t;

	if (now < rl->hold_until)
		w = rl->hold_until - now;
	if (rl->rpm && rl->req_avail < 1) {
		t = (1 - rl->req_avail) * 60 / (double)rl->rpm;
		if (t > w)
			w = t;
	}
	if (rl->tpm && tokens > 0) {
		need = (double)tokens < rl->tok_cap ? (double)tokens : rl->tok_cap;
		if (rl->tok_avail < need) {
			t = (need - rl->tok_avail) * 60 / (double)rl->tpm;
			if (t > w)
				w = t;
		}
	}
	if (w == 0 && rl->inflight >= rl->ceiling)
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

int
rl_acquire(struct ratelimit *rl, long est_tokens, atomic_int *cancel)
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
	if (rl->rpm)
		rl->req_avail -= 1;
	if (rl->tpm && est_tokens > 0)
		rl->tok_avail -= (double)est_tokens;
	rl->inflight++;
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

/* A 429: fewer workers for a while, and respect an announced reset. */
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

/* remaining == 0 with a reset time: nobody starts before the reset. */
static void
apply_limits(struct ratelimit *rl, const struct http_limits *l, double now)
{
	if (!l)
		return;
	if (l->remaining_requests == 0 && l->reset_requests > 0 &&
	    now + l->reset_requests > rl->hold_until)
		rl->hold_until = now + clamp_cooldown(l->reset_requests, 0);
	if (l->remaining_tokens == 0 && l->reset_tokens > 0 &&
	    now + l->reset_tokens > rl->hold_until)
		rl->hold_until = now + clamp_cooldown(l->reset_tokens, 0);
}

void
rl_release(struct ratelimit *rl, long status, const struct http_limits *limits)
{
	double now = mono();

	if (!rl)
		return;
	pthread_mutex_lock(&rl->mu);
	if (rl->inflight > 0)
		rl->inflight--;
	apply_limits(rl, limits, now);
	if (status == 429) {
		on_throttled(rl, limits, now);
	} else if (status > 0 && status < 400) {
		rl->since_ok++;
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

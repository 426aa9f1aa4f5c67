/* progress.c: status line and JSON progress events on stderr. */
#include "compat.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "msg.h"
#include "progress.h"

struct progress {
	enum progress_mode mode;
	char program[64];
	pthread_mutex_t lock;
	long total, done, failed, skipped;
	long tokens_in, tokens_out;
	double cost;
	double start, last_draw;
	int drawn;		/* a status line is on screen */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
progress_mode_parse(const char *s)
{
	static const char *const names[] = { "auto", "tty", "json", "none" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

struct progress *
progress_new(enum progress_mode mode, const char *program)
{
	struct progress *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	if (mode == PROGRESS_AUTO)
		mode = isatty(STDERR_FILENO) ? PROGRESS_TTY : PROGRESS_NONE;
	p->mode = mode;
	snprintf(p->program, sizeof p->program, "%s", program);
	pthread_mutex_init(&p->lock, NULL);
	p->start = now_s();
	return p;
}

void
progress_free(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Writes one JSON event line; caller holds the lock. */
static void
event(struct progress *p, cJSON *ev)
{
	char *s;

	cJSON_AddStringToObject(ev, "program", p->program);
	cJSON_AddNumberToObject(ev, "t", (double)(long)((now_s() - p->start) * 1000) / 1000);
	s = cJSON_PrintUnformatted(ev);
	if (s) {
		fprintf(stderr, "%s\n", s);
		fflush(stderr);
	}
	free(s);
	cJSON_Delete(ev);
}

static void
fmt_eta(char *out, size_t n, double secs)
{
	if (secs < 0)
		snprintf(out, n, "--");
	else if (secs < 60)
		snprintf(out, n, "%.0fs", secs);
	else if (secs < 3600)
		snprintf(out, n, "%dm%02ds", (int)secs / 60, (int)secs % 60);
	else
		snprintf(out, n, "%dh%02dm", (int)secs / 3600, (int)secs % 3600 / 60);
}

/* Redraws the status line at most ten times a second; caller holds the lock. */
static void
draw(struct progress *p, int force)
{
	double t = now_s(), el = t - p->start, eta = -1;
	long fin = p->done + p->failed + p->skipped;
	char etas[32];

	if (p->mode != PROGRESS_TTY || (!force && t - p->last_draw < 0.1))
		return;
	p->last_draw = t;
	if (p->total > 0 && fin > 0 && fin <= p->total)
		eta = el / (double)fin * (double)(p->total - fin);
	fmt_eta(etas, sizeof etas, eta);
	fprintf(stderr, "\r\033[K%s: %ld/%ld done, %ld failed, %ld skipped, %ld tokens, $%.4f, ETA %s",
		p->program, p->done, p->total > fin ? p->total : fin, p->failed,
		p->skipped, p->tokens_in + p->tokens_out, p->cost, etas);
	fflush(stderr);
	p->drawn = 1;
}

void
progress_set_total(struct progress *p, long total)
{
	pthread_mutex_lock(&p->lock);
	p->total = total;
	draw(p, 0);
	pthread_mutex_unlock(&p->lock);
}

void
progress_add_total(struct progress *p, long n)
{
	pthread_mutex_lock(&p->lock);
	p->total += n;
	draw(p, 0);
	pthread_mutex_unlock(&p->lock);
}

void
progress_phase(struct progress *p, const char *ref, const char *phase)
{
	pthread_mutex_lock(&p->lock);
	if (p->mode == PROGRESS_JSON) {
		cJSON *ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", "phase");
		cJSON_AddStringToObject(ev, "record", ref);
		cJSON_AddStringToObject(ev, "phase", phase);
		event(p, ev);
	}
	draw(p, 0);
	pthread_mutex_unlock(&p->lock);
}

void
progress_retry(struct progress *p, const char *ref, int attempt, double wait,
	       const char *why)
{
	pthread_mutex_lock(&p->lock);
	if (p->mode == PROGRESS_JSON) {
		cJSON *ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", "retry");
		cJSON_AddStringToObject(ev, "record", ref);
		cJSON_AddNumberToObject(ev, "attempt", attempt);
		cJSON_AddNumberToObject(ev, "wait", wait);
		cJSON_AddStringToObject(ev, "why", why);
		event(p, ev);
	}
	pthread_mutex_unlock(&p->lock);
}

void
progress_usage(struct progress *p, long tokens_in, long tokens_out, double cost)
{
	pthread_mutex_lock(&p->lock);
	p->tokens_in += tokens_in;
	p->tokens_out += tokens_out;
	p->cost += cost;
	draw(p, 0);
	pthread_mutex_unlock(&p->lock);
}

void
progress_record(struct progress *p, const char *ref, const char *outcome,
		const char *error)
{
	pthread_mutex_lock(&p->lock);
	if (!strcmp(outcome, "done"))
		p->done++;
	else if (!strcmp(outcome, "failed"))
		p->failed++;
	else
		p->skipped++;
	if (p->mode == PROGRESS_JSON) {
		cJSON *ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", "record");
		cJSON_AddStringToObject(ev, "record", ref);
		cJSON_AddStringToObject(ev, "outcome", outcome);
		if (error)
			cJSON_AddStringToObject(ev, "error", error);
		cJSON_AddNumberToObject(ev, "done", (double)p->done);
		cJSON_AddNumberToObject(ev, "failed", (double)p->failed);
		cJSON_AddNumberToObject(ev, "total", (double)p->total);
		event(p, ev);
	}
	draw(p, 1);
	pthread_mutex_unlock(&p->lock);
}

void
progress_event(struct progress *p, const char *name, cJSON *fields)
{
	cJSON *ev, *f;

	pthread_mutex_lock(&p->lock);
	if (p->mode == PROGRESS_JSON && (ev = cJSON_CreateObject())) {
		/* "event" first, as in the other events */
		cJSON_AddStringToObject(ev, "event", name);
		while (fields && (f = fields->child)) {
			cJSON_DetachItemViaPointer(fields, f);
			cJSON_AddItemToObject(ev, f->string, f);
		}
		event(p, ev);
	}
	pthread_mutex_unlock(&p->lock);
	cJSON_Delete(fields);
}

void
progress_clear(struct progress *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->drawn) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		p->drawn = 0;
	}
	pthread_mutex_unlock(&p->lock);
}

void
progress_summary(struct progress *p, const char *line)
{
	progress_clear(p);
	pthread_mutex_lock(&p->lock);
	if (p->mode == PROGRESS_JSON) {
		cJSON *ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "event", "summary");
		cJSON_AddNumberToObject(ev, "done", (double)p->done);
		cJSON_AddNumberToObject(ev, "failed", (double)p->failed);
		cJSON_AddNumberToObject(ev, "skipped", (double)p->skipped);
		cJSON_AddNumberToObject(ev, "tokens_in", (double)p->tokens_in);
		cJSON_AddNumberToObject(ev, "tokens_out", (double)p->tokens_out);
		cJSON_AddNumberToObject(ev, "cost", p->cost);
		event(p, ev);
	}
	pthread_mutex_unlock(&p->lock);
	(void)line;
}

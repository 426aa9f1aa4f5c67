/* progress.c: the status line, JSON events and summary on stderr (see progress.h). */
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
	snprintf(p->program, sizeof p->program, "%s", program);
	pthread_mutex_init(&p->lock, NULL);
	p->start = now_s();
	progress_set_mode(p, mode);
	return p;
}

void
progress_set_mode(struct progress *p, enum progress_mode mode)
{
	if (mode == PROGRESS_AUTO)
		mode = isatty(STDERR_FILENO) ? PROGRESS_TTY : PROGRESS_NONE;
	pthread_mutex_lock(&p->lock);
	p->mode = mode;
	pthread_mutex_unlock(&p->lock);
}

void
progress_free(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Writes one JSON event line and frees ev; caller holds the lock. */
static void
emit_json(struct progress *p, cJSON *ev)
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

static cJSON *
json_event(const char *name, const char *ref)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "event", name);
	if (ref)
		cJSON_AddStringToObject(ev, "record", ref);
	return ev;
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

/* Takes the status line off the screen; caller holds the lock. */
static void
clear(struct progress *p)
{
	if (p->drawn) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		p->drawn = 0;
	}
}

static void
on_message(struct progress *p, const struct ev *ev)
{
	cJSON *j;

	if (p->mode != PROGRESS_JSON) {
		clear(p);
		msg_print(ev->level, ev->text);
		return;
	}
	j = json_event("message", NULL);
	cJSON_AddStringToObject(j, "level", ev_level_name(ev->level));
	cJSON_AddStringToObject(j, "text", ev->text);
	emit_json(p, j);
}

static void
on_record(struct progress *p, const struct ev *ev)
{
	cJSON *j;

	if (!strcmp(ev->what, "done"))
		p->done++;
	else if (!strcmp(ev->what, "failed"))
		p->failed++;
	else
		p->skipped++;
	if (p->mode == PROGRESS_JSON) {
		j = json_event("record", ev->ref);
		cJSON_AddStringToObject(j, "outcome", ev->what);
		if (ev->text)
			cJSON_AddStringToObject(j, "error", ev->text);
		cJSON_AddNumberToObject(j, "done", (double)p->done);
		cJSON_AddNumberToObject(j, "failed", (double)p->failed);
		cJSON_AddNumberToObject(j, "total", (double)p->total);
		emit_json(p, j);
	}
	draw(p, 1);
}

/* The text summary: a note, so --quiet leaves it out. */
static void
summary_line(const struct ev_summary *s)
{
	char cost[64], sub[48] = "", line[512];

	if (msg_level() < MSG_NORMAL)
		return;
	if (s->dry_run)
		snprintf(cost, sizeof cost, "estimated $%.4f", s->est_cost);
	else if (s->cost_unknown)
		snprintf(cost, sizeof cost, "$%.4f + %ld calls of unknown cost", s->cost,
			 s->cost_unknown);
	else
		snprintf(cost, sizeof cost, "$%.4f", s->cost);
	if (s->submitted)
		snprintf(sub, sizeof sub, ", %ld in batches", s->submitted);
	snprintf(line, sizeof line,
		 "%ld done, %ld failed, %ld skipped%s, %ld records written, "
		 "%ld tokens in, %ld out, %s, %.1f s",
		 s->done, s->failed, s->skipped, sub, s->written, s->tokens_in,
		 s->tokens_out, cost, s->seconds);
	msg_print(EV_NOTE, line);
}

static void
on_summary(struct progress *p, const struct ev_summary *s)
{
	cJSON *j;

	clear(p);
	if (p->mode != PROGRESS_JSON) {
		summary_line(s);
		return;
	}
	j = json_event("summary", NULL);
	cJSON_AddNumberToObject(j, "done", (double)s->done);
	cJSON_AddNumberToObject(j, "failed", (double)s->failed);
	cJSON_AddNumberToObject(j, "skipped", (double)s->skipped);
	cJSON_AddNumberToObject(j, "submitted", (double)s->submitted);
	cJSON_AddNumberToObject(j, "written", (double)s->written);
	cJSON_AddNumberToObject(j, "tokens_in", (double)s->tokens_in);
	cJSON_AddNumberToObject(j, "tokens_out", (double)s->tokens_out);
	cJSON_AddNumberToObject(j, "cost", s->cost);
	cJSON_AddNumberToObject(j, "cost_unknown", (double)s->cost_unknown);
	if (s->dry_run)
		cJSON_AddNumberToObject(j, "est_cost", s->est_cost);
	cJSON_AddNumberToObject(j, "seconds", (double)(long)(s->seconds * 1000) / 1000);
	cJSON_AddNumberToObject(j, "status", s->status);
	emit_json(p, j);
}

/* An event named by the caller, its fields from a JSON object's text. */
static void
on_notice(struct progress *p, const struct ev *ev)
{
	cJSON *j = json_event(ev->what, ev->ref);
	cJSON *f = ev->text ? cJSON_Parse(ev->text) : NULL, *c;

	while (j && f && (c = f->child)) {
		cJSON_DetachItemViaPointer(f, c);
		cJSON_AddItemToObject(j, c->string, c);
	}
	cJSON_Delete(f);
	emit_json(p, j);
}

void
progress_event(void *ctx, const struct ev *ev)
{
	struct progress *p = ctx;
	cJSON *j;

	pthread_mutex_lock(&p->lock);
	switch (ev->type) {
	case EV_MESSAGE:
		on_message(p, ev);
		break;
	case EV_TOTAL:
		p->total += ev->n;
		draw(p, 0);
		break;
	case EV_PHASE:
		if (p->mode == PROGRESS_JSON) {
			j = json_event("phase", ev->ref);
			cJSON_AddStringToObject(j, "phase", ev->what);
			emit_json(p, j);
		}
		draw(p, 0);
		break;
	case EV_RETRY:
		if (p->mode == PROGRESS_JSON) {
			j = json_event("retry", ev->ref);
			cJSON_AddNumberToObject(j, "attempt", ev->attempt);
			cJSON_AddNumberToObject(j, "wait", ev->wait);
			cJSON_AddStringToObject(j, "why", ev->text);
			emit_json(p, j);
		}
		break;
	case EV_USAGE:
		p->tokens_in += ev->tokens_in;
		p->tokens_out += ev->tokens_out;
		p->cost += ev->cost;
		draw(p, 0);
		break;
	case EV_RECORD:
		on_record(p, ev);
		break;
	case EV_OUTPUT:
		clear(p);
		break;
	case EV_SUMMARY:
		on_summary(p, ev->summary);
		break;
	case EV_NOTICE:
		if (p->mode == PROGRESS_JSON)
			on_notice(p, ev);
		break;
	}
	pthread_mutex_unlock(&p->lock);
}

/*
 * progress.c: the live display, JSON events and summary on stderr (see
 * progress.h).
 *
 * The events only update counters; a ticker thread, four times a second,
 * publishes this stage's line on the board beside the workspace (board.h)
 * and, when this stage is the one that draws for its pipeline, draws every
 * line of the pipeline (display.h).  So a stage waiting on a slow answer
 * still shows the others moving, and a busy one never redraws more often.
 */
#include "compat.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "board.h"
#include "buf.h"
#include "display.h"
#include "msg.h"
#include "progress.h"

/* A record between INIT and its end, and the phase it is in. */
struct inflight {
	char ref[128];
	int phase;		/* index in board_phase_names */
	unsigned long seq;	/* when it entered it: the newest is the item */
};

struct progress {
	enum progress_mode mode;
	char program[64];
	pthread_mutex_t lock;
	long total, done, failed, skipped;
	long tokens_in, tokens_out;
	double cost;
	double start;
	struct inflight *fl;	/* the records in flight */
	size_t nfl, capfl;
	unsigned long seq;
	int err_tty, out_tty;	/* stderr, stdout are terminals to draw on */
	long tty_dev;		/* stderr's terminal (st_rdev), 0 none */
	int drawn;		/* this process drew the display last */
	double out_at;		/* when records last went to this terminal */
	/* The ticker: publishes this stage's line, and draws the display. */
	char *ws_path;
	struct board *board;	/* NULL: no board, this stage's line only */
	pthread_t ticker;
	pthread_cond_t tick_cv;
	int ticking, stop;
};

/* How often the display is redrawn and the line published: 4 times a second. */
#define TICK_NS (250 * 1000 * 1000L)

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
	struct stat sb;

	if (!p)
		return NULL;
	snprintf(p->program, sizeof p->program, "%s", program);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->tick_cv, NULL);
	p->start = now_s();
	p->err_tty = display_can_draw(STDERR_FILENO);
	p->out_tty = isatty(STDOUT_FILENO);
	if (p->err_tty && fstat(STDERR_FILENO, &sb) == 0)
		p->tty_dev = (long)sb.st_rdev;
	progress_set_mode(p, mode);
	return p;
}

void
progress_set_mode(struct progress *p, enum progress_mode mode)
{
	if (mode == PROGRESS_AUTO)
		mode = p->err_tty ? PROGRESS_TTY : PROGRESS_NONE;
	pthread_mutex_lock(&p->lock);
	p->mode = mode;
	pthread_mutex_unlock(&p->lock);
}

/* True when a line printed now must first erase a display (caller holds the lock). */
static int
erases(const struct progress *p)
{
	return p->mode == PROGRESS_TTY || (p->err_tty && p->mode != PROGRESS_JSON);
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

/*
 * Prints one message line; on a terminal a display may be drawn there, so
 * the line erases it first, in the same write (another stage's redraw
 * can then come before or after it, never inside).  Caller holds the lock.
 */
static void
say(struct progress *p, enum ev_level level, const char *text)
{
	struct buf b = BUF_INIT(0);
	const char *tag = level == EV_WARNING ? "warning: " : level == EV_DEBUG ? "debug: " : "";

	if (!erases(p)) {
		msg_print(level, text);
		return;
	}
	buf_printf(&b, "%s%s: %s%s\n", DISPLAY_ERASE, p->program, tag, text);
	fflush(stderr);
	display_write(STDERR_FILENO, &b);
	buf_release(&b);
	p->drawn = 0;
}

/* ---- records in flight ---- */

static int
phase_index(const char *name)
{
	for (int i = 0; i < BOARD_PHASES; i++)
		if (!strcmp(name, board_phase_names[i]))
			return i;
	return -1;	/* DONE: it has left the phases */
}

static void
fl_remove(struct progress *p, size_t i)
{
	p->fl[i] = p->fl[--p->nfl];
}

static struct inflight *
fl_find(struct progress *p, const char *ref)
{
	for (size_t i = 0; i < p->nfl; i++)
		if (!strcmp(p->fl[i].ref, ref))
			return &p->fl[i];
	return NULL;
}

static void
on_phase(struct progress *p, const struct ev *ev)
{
	int ph = phase_index(ev->what);
	struct inflight *f;

	if (!ev->ref)
		return;
	/*
	 * INIT runs one record at a time, and a record dropped there (bad, or
	 * taken by another process) reports no end: the next INIT ends it.
	 */
	if (ph == 0)
		for (size_t i = p->nfl; i-- > 0;)
			if (p->fl[i].phase == 0)
				fl_remove(p, i);
	f = fl_find(p, ev->ref);
	if (ph < 0) {
		if (f)
			fl_remove(p, (size_t)(f - p->fl));
		return;
	}
	if (!f) {
		if (p->nfl == p->capfl) {
			size_t cap = p->capfl ? p->capfl * 2 : 16;
			struct inflight *n = realloc(p->fl, cap * sizeof *n);

			if (!n)
				return;
			p->fl = n;
			p->capfl = cap;
		}
		f = &p->fl[p->nfl++];
		snprintf(f->ref, sizeof f->ref, "%s", ev->ref);
	}
	f->phase = ph;
	f->seq = ++p->seq;
}

/* ---- the ticker: this stage's line on the board, and the display ---- */

/* This stage's line as it is now; caller holds the lock. */
static void
snapshot(struct progress *p, struct board_row *r)
{
	long fin = p->done + p->failed + p->skipped;
	double el = now_s() - p->start;
	const struct inflight *newest = NULL;

	memset(r, 0, sizeof *r);
	r->pid = (long)getpid();
	r->pgid = (long)getpgrp();
	r->tty = p->tty_dev;
	r->draws = p->mode == PROGRESS_TTY;
	snprintf(r->program, sizeof r->program, "%s", p->program);
	r->total = p->total;
	r->done = p->done;
	r->failed = p->failed;
	r->skipped = p->skipped;
	for (size_t i = 0; i < p->nfl; i++) {
		r->phases[p->fl[i].phase]++;
		if (!newest || p->fl[i].seq > newest->seq)
			newest = &p->fl[i];
	}
	if (newest)
		snprintf(r->item, sizeof r->item, "%s", newest->ref);
	r->cost = p->cost;
	r->eta = fin > 0 && p->total > fin ? el / (double)fin * (double)(p->total - fin) : -1;
}

/*
 * The lines this stage shows when it is the one that draws for its
 * pipeline (the first stage of its process group, in pipeline order,
 * that may draw on this terminal); 0 when another one draws.
 */
static size_t
my_display(struct progress *p, const struct board_row *me, struct board_row **rows_out)
{
	struct board_row *all = NULL;
	size_t n = p->board ? board_read(p->ws_path, &all) : 0, k = 0;
	int mine = -1;

	for (size_t i = 0; i < n; i++) {
		if (all[i].pgid != me->pgid)
			continue;
		if (mine < 0 && all[i].draws && all[i].tty == me->tty)
			mine = all[i].pid == me->pid;
		/* Its own line as it is now, not as last published. */
		all[k++] = all[i].pid == me->pid ? *me : all[i];
	}
	if (mine == 0) {
		free(all);
		return 0;
	}
	if (mine < 0) {	/* no board, or not on it: its own line only */
		free(all);
		if (!(all = malloc(sizeof *all)))
			return 0;
		all[0] = *me;
		k = 1;
	}
	*rows_out = all;
	return k;
}

static void
tick(struct progress *p)
{
	struct board_row me, *rows = NULL;
	struct buf b = BUF_INIT(0);
	size_t n;

	pthread_mutex_lock(&p->lock);
	snapshot(p, &me);
	pthread_mutex_unlock(&p->lock);
	if (p->board)
		board_publish(p->board, &me);
	if (!me.draws)
		return;
	n = my_display(p, &me, &rows);
	pthread_mutex_lock(&p->lock);
	/*
	 * Records on their way to this terminal: the erase before them and
	 * their write are not one step, so no redraw comes close after it.
	 */
	if (n > 0 && !p->stop && now_s() - p->out_at > 0.1) {
		display_block(&b, rows, n, display_columns(STDERR_FILENO),
			      display_lines(STDERR_FILENO));
		fflush(stderr);
		display_write(STDERR_FILENO, &b);
		p->drawn = 1;
	} else {
		p->drawn = 0;	/* another stage draws over it now */
	}
	pthread_mutex_unlock(&p->lock);
	buf_release(&b);
	free(rows);
}

static void *
ticker_main(void *arg)
{
	struct progress *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		pthread_mutex_unlock(&p->lock);
		tick(p);
		pthread_mutex_lock(&p->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!p->stop && pthread_cond_timedwait(&p->tick_cv, &p->lock, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void
progress_set_workspace(struct progress *p, const char *ws_path)
{
	if (!p || p->ticking || !(p->ws_path = strdup(ws_path)))
		return;
	p->board = board_open(ws_path);
	p->ticking = pthread_create(&p->ticker, NULL, ticker_main, p) == 0;
}

/* Stops the ticker and takes this stage's line off the board. */
static void
stop_ticker(struct progress *p)
{
	if (!p->ticking)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_signal(&p->tick_cv);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->ticker, NULL);
	p->ticking = 0;
	board_close(p->board);
	p->board = NULL;
}

void
progress_free(struct progress *p)
{
	if (!p)
		return;
	stop_ticker(p);
	if (p->drawn) {
		fputs(DISPLAY_ERASE, stderr);
		fflush(stderr);
	}
	pthread_cond_destroy(&p->tick_cv);
	pthread_mutex_destroy(&p->lock);
	free(p->fl);
	free(p->ws_path);
	free(p);
}

/* ---- the events ---- */

static void
on_message(struct progress *p, const struct ev *ev)
{
	cJSON *j;

	if (p->mode != PROGRESS_JSON) {
		say(p, ev->level, ev->text);
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
	struct inflight *f = ev->ref ? fl_find(p, ev->ref) : NULL;
	cJSON *j;

	if (f)
		fl_remove(p, (size_t)(f - p->fl));
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
}

/* The text summary: a note, so --quiet leaves it out. */
static void
summary_line(struct progress *p, const struct ev_summary *s)
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
	say(p, EV_NOTE, line);
}

static void
on_summary(struct progress *p, const struct ev_summary *s)
{
	cJSON *j;

	if (p->drawn) {
		fputs(DISPLAY_ERASE, stderr);
		fflush(stderr);
		p->drawn = 0;
	}
	if (p->mode != PROGRESS_JSON) {
		summary_line(p, s);
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

	/* The last event: no redraw after it, and this stage leaves the board. */
	if (ev->type == EV_SUMMARY)
		stop_ticker(p);
	pthread_mutex_lock(&p->lock);
	switch (ev->type) {
	case EV_MESSAGE:
		on_message(p, ev);
		break;
	case EV_TOTAL:
		/* Out of INIT, and queued: in no phase until a worker takes it. */
		for (size_t i = p->nfl; i-- > 0;)
			if (p->fl[i].phase == 0)
				fl_remove(p, i);
		p->total += ev->n;
		break;
	case EV_PHASE:
		on_phase(p, ev);
		if (p->mode == PROGRESS_JSON) {
			j = json_event("phase", ev->ref);
			cJSON_AddStringToObject(j, "phase", ev->what);
			emit_json(p, j);
		}
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
		break;
	case EV_RECORD:
		on_record(p, ev);
		break;
	case EV_OUTPUT:
		/* Records for this terminal: no display under them. */
		if (p->out_tty && erases(p)) {
			fputs(DISPLAY_ERASE, stderr);	/* whoever drew it */
			fflush(stderr);
			p->drawn = 0;
			p->out_at = now_s();
		}
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

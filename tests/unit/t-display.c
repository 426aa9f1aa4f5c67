/*
 * t-display.c: the live display's lines (clipped to the width in display
 * columns, fields left out whole, controls made harmless), its block, and
 * the board beside the workspace (publish, read in pipeline order, dead
 * processes' lines removed, the directory gone with the last line).
 */
#include "compat.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "board.h"
#include "display.h"
#include "tap.h"

static struct board_row
row(const char *program, long done, long total)
{
	struct board_row r;

	memset(&r, 0, sizeof r);
	r.pid = (long)getpid();
	snprintf(r.program, sizeof r.program, "%s", program);
	r.done = done;
	r.total = total;
	r.eta = -1;
	return r;
}

/* The line of r at width w, as a string (static). */
static const char *
line(const struct board_row *r, int w)
{
	static char out[1024];
	struct buf b = BUF_INIT(0);

	display_line(&b, r, w);
	snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_release(&b);
	return out;
}

static void
test_width(void)
{
	is_int(display_width("abc"), 3, "ASCII: a column each");
	is_int(display_width("caf\xc3\xa9"), 4, "é is one column, two bytes");
	is_int(display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4, "CJK: two columns each");
	is_int(display_width("e\xcc\x81"), 1, "a combining accent takes none");
	is_int(display_width("a\x1b[2Jb"), 6, "a control counts as one (shown as ?)");
	is_int(display_width("\xff"), 1, "a bad byte counts as one");
}

static void
test_line(void)
{
	struct board_row r = row("igny8-write", 8, 10);
	const char *s;

	r.failed = 1;
	r.phases[2] = 3;	/* AI_CALL */
	r.phases[4] = 1;	/* SAVE */
	r.cost = 0.0123;
	r.eta = 75;
	snprintf(r.item, sizeof r.item, "task:7");
	is_str(line(&r, 120),
	       "write   8/10 done, 1 failed  AI_CALL 3 SAVE 1  $0.0123  ETA 1m15s  task:7",
	       "every field at 120 columns");
	s = line(&r, 50);
	ok(display_width(s) <= 49, "at 50 columns: at most 49 (%d: '%s')", display_width(s), s);
	is_str(s, "write   8/10 done, 1 failed  AI_CALL 3 SAVE 1", "fields that do not fit are left out whole");
	s = line(&r, 20);
	is_int(display_width(s), 19, "at 20 columns the head is cut to 19");
	ok(strstr(s, "\xe2\x80\xa6") != NULL, "and ends in an ellipsis ('%s')", s);
	s = line(&r, 1);
	ok(display_width(s) <= 1, "even at 1 column ('%s')", s);

	r = row("igny8-ideas", 0, 0);
	is_str(line(&r, 80), "ideas   waiting for input", "before the first record: waiting, not 0/0");
	r = row("igny8-cluster", 2, 5);
	r.skipped = 3;
	is_str(line(&r, 80), "cluster 5/5 done, 0 failed (3 already)  $0.0000",
	       "records done already count as done, and say so");
}

static void
test_item(void)
{
	struct board_row r = row("igny8-write", 1, 4);
	const char *s;

	/* A wide item is cut on a character, never inside one or past the edge. */
	snprintf(r.item, sizeof r.item, "%s",
		 "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe8\xa8\x98\xe4\xba\x8b"
		 "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe8\xa8\x98\xe4\xba\x8b");
	for (int w = 30; w <= 60; w++) {
		s = line(&r, w);
		if (display_width(s) > w - 1) {
			ok(0, "at %d columns: '%s' is %d wide", w, s, display_width(s));
			return;
		}
	}
	ok(1, "a CJK item stays inside every width from 30 to 60");
	snprintf(r.item, sizeof r.item, "evil\x1b]0;title\x07\x1b[2J");
	s = line(&r, 120);
	ok(!strchr(s, '\x1b') && !strchr(s, '\x07'), "controls in an item are not sent ('%s')", s);
}

static void
test_block(void)
{
	struct board_row rows[4] = {
		row("igny8-cluster", 1, 1), row("igny8-ideas", 2, 9),
		row("igny8-write", 0, 2), row("igny8-image", 0, 0)
	};
	struct buf b = BUF_INIT(0);
	const char *s;

	display_block(&b, rows, 4, 50, 24);
	s = buf_str(&b);
	ok(!strncmp(s, DISPLAY_ERASE, strlen(DISPLAY_ERASE)), "a block starts by erasing");
	ok(strstr(s, "\r\n") && !strstr(s, "\r\n\r\n"), "four lines, one per stage");
	is_str(s + b.len - 5, "\r\033[3A", "and goes back to the first line");
	buf_reset(&b);
	display_block(&b, rows, 4, 50, 3);
	ok(strstr(buf_str(&b), "... and 3 more") != NULL,
	   "a terminal too short for them all says how many are left out");
	is_str(buf_str(&b) + b.len - 5, "\r\033[1A", "in two lines");
	buf_reset(&b);
	display_block(&b, rows, 1, 50, 24);
	is_str(buf_str(&b) + b.len - 1, "\r", "one line: back to its start, no move up");
	buf_release(&b);
}

static void
test_board(void)
{
	char dir[] = "/tmp/t-display.XXXXXX", ws[256], *bdir;
	struct board_row me = row("igny8-write", 1, 2);
	struct board_row *rows = NULL;
	struct board *b;
	struct stat sb;
	pid_t kid;
	size_t n;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(ws, sizeof ws, "%s/ws.db", dir);
	bdir = board_dir(ws);
	is_int(board_read(ws, &rows), 0, "no board: no lines");
	b = board_open(ws);
	ok(b != NULL, "the board opens beside the workspace");
	ok(stat(bdir, &sb) == 0 && S_ISDIR(sb.st_mode), "as <workspace>-progress/");
	is_int(board_publish(b, &me), 0, "a line is published");
	me.done = 2;
	is_int(board_publish(b, &me), 0, "and replaced");
	/* Another process's line: a child that is still alive. */
	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	{
		char path[512];
		FILE *f;

		snprintf(path, sizeof path, "%s/%ld", bdir, (long)kid);
		f = fopen(path, "w");
		fprintf(f, "{\"pid\":%ld,\"program\":\"igny8-cluster\",\"done\":3,\"total\":3,"
			"\"phases\":[0,0,1,0,0],\"item\":\"stdin:3\",\"eta\":-1}", (long)kid);
		fclose(f);
	}
	n = board_read(ws, &rows);
	is_int(n, 2, "both lines are read");
	if (n == 2) {
		is_str(rows[0].program, "igny8-cluster", "in pipeline order: cluster first");
		is_int(rows[0].phases[2], 1, "with its phases");
		is_str(rows[0].item, "stdin:3", "and its item");
		is_int(rows[1].done, 2, "this process's line as last published");
	}
	free(rows);
	board_close(b);
	ok(stat(bdir, &sb) == 0, "the directory stays while another line is on it");
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	n = board_read(ws, &rows);
	is_int(n, 0, "a dead process's line is dropped");
	free(rows);
	board_close(board_open(ws));
	ok(stat(bdir, &sb) < 0 && errno == ENOENT, "the directory goes with the last line");
	/* A killed process's line, and the one it was writing. */
	kid = fork();
	if (kid == 0)
		_exit(0);
	waitpid(kid, NULL, 0);
	{
		char path[512];
		FILE *f;

		mkdir(bdir, 0777);
		snprintf(path, sizeof path, "%s/%ld", bdir, (long)kid);
		f = fopen(path, "w");
		fprintf(f, "{\"pid\":%ld,\"program\":\"igny8-ideas\"}", (long)kid);
		fclose(f);
		snprintf(path, sizeof path, "%s/.%ld.tmp", bdir, (long)kid);
		fclose(fopen(path, "w"));
	}
	board_close(board_open(ws));
	ok(stat(bdir, &sb) < 0 && errno == ENOENT,
	   "a killed process's files are dropped when the next one opens the board");
	b = board_open(ws);
	rmdir(bdir);	/* as the last one out of another process would */
	is_int(board_publish(b, &me), 0, "a publish makes the directory again");
	board_close(b);
	free(bdir);
	rmdir(dir);
}

int
main(void)
{
	test_width();
	test_line();
	test_item();
	test_block();
	test_board();
	return done_testing();
}

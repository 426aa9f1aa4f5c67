/*
 * display.h: the live display's lines: one per running stage (board.h),
 * each clipped to the terminal's width in display columns, so that a
 * narrow pane never wraps (a wrapped line would scroll the display up one
 * line per redraw).
 *
 * A drawn block leaves the cursor at the start of its first line.  That
 * is the whole protocol between the processes sharing a terminal: the
 * one that draws starts each redraw by erasing from the cursor down, and
 * any other that prints a line does the same first (display_erase), so
 * that the block never lingers above a message nor is printed into.
 */
#ifndef IG_DISPLAY_H
#define IG_DISPLAY_H

#include "compat.h"

#include <stddef.h>

#include "board.h"
#include "buf.h"

/*
 * What erases a drawn block: clear the line, then to the end of the screen,
 * then back to column 0.  The clear to the end is asked from column 1, not
 * 0: tmux takes an erase from the top left corner for a clear screen and
 * pushes the screen into the scrollback, one copy per redraw.
 */
#define DISPLAY_ERASE "\r\033[K\033[C\033[J\r"

/* The width and height of the terminal on fd, else $COLUMNS/$LINES, else 80x24. */
int display_columns(int fd);
int display_lines(int fd);

/* True when drawing on fd makes sense: a terminal, and TERM is not "dumb". */
int display_can_draw(int fd);

/* The display width of UTF-8 text s (a control or bad byte counts as 1). */
int display_width(const char *s);

/*
 * Appends r's line to out: stage, done/total and failed, the phases with
 * records in them, spend, ETA and the current item, at most width - 1
 * columns (the last column is left alone: writing there wraps on some
 * terminals).  Fields that do not fit are left out, the item is cut.
 */
void display_line(struct buf *out, const struct board_row *r, int width);

/*
 * Appends the block of n rows (at most height - 1 of them, the last saying
 * how many more there are): erase, the lines, back to the first.
 */
void display_block(struct buf *out, const struct board_row *rows, size_t n,
		   int width, int height);

/* Writes all of out's bytes to fd in one write where it can (so that
 * another process's line never lands inside a block); -1 on error. */
int display_write(int fd, const struct buf *out);

#endif

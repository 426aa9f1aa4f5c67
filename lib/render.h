/*
 * render.h: records as text for a person at a terminal.
 *
 * A filter whose standard output is a terminal (and that was not given
 * --json) writes each record through render_record() instead of as a JSON
 * line (see jsonl_set_render): an article as Markdown, clusters, ideas and
 * keywords as lists, the other records as one line each.  Pipes and files
 * always get JSON lines, so nothing downstream ever sees this text.
 * Every record is rendered into memory first, then written through
 * render_puts(), which keeps control characters off the terminal.
 */
#ifndef IG_RENDER_H
#define IG_RENDER_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "compat.h"

/*
 * Writes rec to out as text: a block ending with a blank line, or for a
 * keyword one line of a list; a record of a type it does not know goes out
 * as its JSON line.  Returns 0, or -1 when a
 * write failed (errno as the write left it).
 */
int render_record(FILE *out, const cJSON *rec);

/*
 * Writes s to out with every control character a terminal would act on
 * (C0 but tab and newline, DEL, C1) as '?': text from a model or a server
 * never moves the cursor, retitles the window or sends the terminal a
 * command.  Returns 0, or -1 when the write failed.
 */
int render_puts(FILE *out, const char *s);

#endif

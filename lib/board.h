/*
 * board.h: the progress board, where the stages running on one workspace
 * publish how far they are, so that one of them (or `igny8 status
 * --watch`) can show them all, a line each.
 *
 * Why files and not a table: the stages of a pipeline already contend for
 * the workspace's write lock, and a row rewritten several times a second
 * by each would contend with the records themselves.  So the board is a
 * directory beside the workspace, "<workspace>-progress/", as SQLite keeps
 * "-wal" and "-shm" beside it: one small JSON file per running process,
 * named by its pid, replaced whole (written aside, then renamed) so that a
 * reader never sees half of one.  A process removes its file when it ends
 * and the last one out removes the directory; the file of a process that
 * died (kill -9) is removed by the next reader.
 *
 * Stages of one shell pipeline share a process group: that is how a
 * display tells its own pipeline's lines from another's on the same
 * workspace.  Thread-safety: a struct board is used by one thread.
 */
#ifndef IG_BOARD_H
#define IG_BOARD_H

#include "compat.h"

#include <stddef.h>

/* The phases a record can be seen in (engine.h's, less DONE). */
enum { BOARD_PHASES = 5 };
extern const char *const board_phase_names[BOARD_PHASES];

/* One running stage: what its line shows. */
struct board_row {
	long pid;
	long pgid;		/* its pipeline: the shell's process group */
	long tty;		/* its stderr's terminal (st_rdev), 0 none */
	int draws;		/* it may draw the display on that terminal */
	char program[64];	/* "igny8-write" */
	long total, done, failed, skipped;
	long phases[BOARD_PHASES];	/* records in INIT ... SAVE now */
	char item[160];		/* the record it last started on */
	double cost;		/* spend so far, USD */
	double eta;		/* seconds left, < 0 when unknown */
};

struct board;

/* The board's directory for a workspace path; the caller frees it. */
char *board_dir(const char *ws_path);

/*
 * Opens the board beside ws_path for this process, making the directory
 * when there is none; NULL when it cannot be made (a read-only directory):
 * the caller then shows its own line only.
 */
struct board *board_open(const char *ws_path);

/* Replaces this process's line; -1 (errno set) when it could not. */
int board_publish(struct board *b, const struct board_row *row);

/* Removes this process's line (and the directory when it was the last). */
void board_close(struct board *b);

/*
 * The lines of the processes running on ws_path, in pipeline order
 * (cluster, ideas, write, image, publish, then others, then by pid), into
 * *rows_out (the caller frees it).  Lines of dead processes are removed.
 * Returns their number, 0 when there is no board.
 */
size_t board_read(const char *ws_path, struct board_row **rows_out);

#endif

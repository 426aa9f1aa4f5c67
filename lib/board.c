/* board.c: the progress board's files beside the workspace (see board.h). */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "board.h"

const char *const board_phase_names[BOARD_PHASES] = {
	"INIT", "PREP", "AI_CALL", "PARSE", "SAVE"
};

struct board {
	char *dir;
	char path[4096];	/* this process's file */
	char tmp[4096];		/* where it is written first */
};

char *
board_dir(const char *ws_path)
{
	size_t n = strlen(ws_path) + sizeof "-progress";
	char *d = malloc(n);

	if (d)
		snprintf(d, n, "%s-progress", ws_path);
	return d;
}

struct board *
board_open(const char *ws_path)
{
	struct board *b = calloc(1, sizeof *b);
	struct board_row *rows = NULL;
	long pid = (long)getpid();

	if (!b || !(b->dir = board_dir(ws_path)) ||
	    (mkdir(b->dir, 0777) < 0 && errno != EEXIST) ||
	    access(b->dir, W_OK) < 0) {
		if (b)
			free(b->dir);
		free(b);
		return NULL;
	}
	snprintf(b->path, sizeof b->path, "%s/%ld", b->dir, pid);
	snprintf(b->tmp, sizeof b->tmp, "%s/.%ld.tmp", b->dir, pid);
	/* Lines left by killed processes go now, so the last one out can
	 * remove the directory even where nobody draws. */
	board_read(ws_path, &rows);
	free(rows);
	return b;
}

static cJSON *
row_json(const struct board_row *r)
{
	cJSON *j = cJSON_CreateObject(), *ph = cJSON_AddArrayToObject(j, "phases");

	cJSON_AddNumberToObject(j, "pid", (double)r->pid);
	cJSON_AddNumberToObject(j, "pgid", (double)r->pgid);
	cJSON_AddNumberToObject(j, "tty", (double)r->tty);
	cJSON_AddBoolToObject(j, "draws", r->draws);
	cJSON_AddStringToObject(j, "program", r->program);
	cJSON_AddNumberToObject(j, "total", (double)r->total);
	cJSON_AddNumberToObject(j, "done", (double)r->done);
	cJSON_AddNumberToObject(j, "failed", (double)r->failed);
	cJSON_AddNumberToObject(j, "skipped", (double)r->skipped);
	for (int i = 0; i < BOARD_PHASES; i++)
		cJSON_AddItemToArray(ph, cJSON_CreateNumber((double)r->phases[i]));
	cJSON_AddStringToObject(j, "item", r->item);
	cJSON_AddNumberToObject(j, "cost", r->cost);
	cJSON_AddNumberToObject(j, "eta", r->eta);
	return j;
}

/* Writes all of s to a new file at path; -1 with errno on failure. */
static int
write_file(const char *path, const char *s)
{
	size_t len = strlen(s), off = 0;
	ssize_t w;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666), e;

	if (fd < 0)
		return -1;
	while (off < len) {
		w = write(fd, s + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

int
board_publish(struct board *b, const struct board_row *row)
{
	cJSON *j = row_json(row);
	char *s = cJSON_PrintUnformatted(j);
	int rc = -1;

	cJSON_Delete(j);
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	/* The last one out may have just removed the directory: make it again. */
	for (int again = 0; again < 2 && rc < 0; again++) {
		if (write_file(b->tmp, s) == 0 && rename(b->tmp, b->path) == 0)
			rc = 0;
		else if (errno != ENOENT || (mkdir(b->dir, 0777) < 0 && errno != EEXIST))
			break;
	}
	free(s);
	return rc;
}

void
board_close(struct board *b)
{
	if (!b)
		return;
	unlink(b->path);
	unlink(b->tmp);
	rmdir(b->dir);		/* fails while another process is on it */
	free(b->dir);
	free(b);
}

static void
copy_str(char *dst, size_t n, const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static double
num(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Reads one process's file; 0 when it is a live process's line. */
static int
read_row(const char *path, struct board_row *r)
{
	char text[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	cJSON *j, *ph;

	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (!(j = cJSON_Parse(text)))
		return -1;
	memset(r, 0, sizeof *r);
	r->pid = (long)num(j, "pid");
	r->pgid = (long)num(j, "pgid");
	r->tty = (long)num(j, "tty");
	r->draws = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "draws"));
	copy_str(r->program, sizeof r->program, j, "program");
	r->total = (long)num(j, "total");
	r->done = (long)num(j, "done");
	r->failed = (long)num(j, "failed");
	r->skipped = (long)num(j, "skipped");
	ph = cJSON_GetObjectItemCaseSensitive(j, "phases");
	for (int i = 0; i < BOARD_PHASES && cJSON_IsArray(ph); i++) {
		const cJSON *v = cJSON_GetArrayItem(ph, i);

		r->phases[i] = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
	}
	copy_str(r->item, sizeof r->item, j, "item");
	r->cost = num(j, "cost");
	r->eta = num(j, "eta");
	cJSON_Delete(j);
	return r->pid > 0 ? 0 : -1;
}

/* Pipeline order: a stage's place in the README's pipeline. */
static int
stage_rank(const char *program)
{
	static const char *const order[] = {
		"igny8-cluster", "igny8-ideas", "igny8-write", "igny8-image", "igny8-publish"
	};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (!strcmp(program, order[i]))
			return (int)i;
	return (int)ARRAY_SIZE(order);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct board_row *x = a, *y = b;
	int rx = stage_rank(x->program), ry = stage_rank(y->program);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int
is_pid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* ".<pid>.tmp": a line being written when its process was killed. */
static void
drop_dead_tmp(const char *path, const char *name)
{
	char *end;
	long pid;

	if (name[0] != '.' || name[1] < '0' || name[1] > '9')
		return;
	pid = strtol(name + 1, &end, 10);
	if (!strcmp(end, ".tmp") && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		unlink(path);
}

size_t
board_read(const char *ws_path, struct board_row **rows_out)
{
	char *dir = board_dir(ws_path), path[4096];
	struct board_row *rows = NULL, *n;
	size_t len = 0, cap = 0;
	struct dirent *de;
	DIR *d = dir ? opendir(dir) : NULL;

	*rows_out = NULL;
	while (d && (de = readdir(d))) {
		struct board_row r;

		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (!is_pid_name(de->d_name)) {
			drop_dead_tmp(path, de->d_name);
			continue;
		}
		if (read_row(path, &r) < 0)
			continue;
		/* A process killed outright left its line: take it down. */
		if (kill((pid_t)r.pid, 0) < 0 && errno == ESRCH) {
			unlink(path);
			continue;
		}
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			if (!(n = realloc(rows, cap * sizeof *rows)))
				break;
			rows = n;
		}
		rows[len++] = r;
	}
	if (d)
		closedir(d);
	free(dir);
	if (len)
		qsort(rows, len, sizeof *rows, row_cmp);
	*rows_out = rows;
	return len;
}

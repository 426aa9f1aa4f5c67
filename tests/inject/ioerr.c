/*
 * ioerr.c: LD_PRELOAD shim that makes writes to one file descriptor fail,
 * so the tests can drive the "output failed" paths (exit 74, nothing
 * half-written).  IGNY8_FAIL_FD names the descriptor (default 1) and
 * IGNY8_FAIL_AFTER how many bytes succeed first (default 0); the failure
 * is ENOSPC, as from a full disk.
 *
 * glibc's stdio calls its internal __write, which no preload can replace,
 * so the shim also wraps the stdio calls the programs use on that stream.
 * It lets through exactly the allowance, flushes it, then points the
 * descriptor at /dev/full: from then on every write fails with ENOSPC,
 * whichever path it takes.
 *
 * With IGNY8_FAIL_PATH=SUFFIX the shim watches instead the files opened
 * under a name ending in SUFFIX (say "-wal", the workspace's write-ahead
 * log): once IGNY8_FAIL_AFTER bytes have been written to them,
 * every further pwrite fails with ENOSPC, as when the disk fills mid-run;
 * with IGNY8_FAIL_TIMES=N only the next N writes fail, then room is back.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long long passed;	/* bytes let through to the descriptor */
static int tripped;		/* the descriptor now points at /dev/full */

static int
fail_fd(void)
{
	const char *s = getenv("IGNY8_FAIL_FD");

	if (!s && (getenv("IGNY8_FAIL_PATH") || getenv("IGNY8_SQL_MATCH")))
		return -1;	/* watching a file or a statement instead */
	return s ? (int)strtol(s, NULL, 10) : 1;
}

static long long
fail_after(void)
{
	const char *s = getenv("IGNY8_FAIL_AFTER");

	return s ? strtoll(s, NULL, 10) : 0;
}

static void *
real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static int
watched(FILE *f)
{
	return f && !tripped && fileno(f) == fail_fd();
}

static void
trip(FILE *f)
{
	int (*rflush)(FILE *) = (int (*)(FILE *))real("fflush");
	int fd;

	if (f)
		rflush(f);
	fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, fail_fd());
		close(fd);
	}
	tripped = 1;
}

/* Hands n bytes to stdio, splitting them at the allowance. */
static size_t
put(const char *p, size_t n, FILE *f)
{
	size_t (*rwrite)(const void *, size_t, size_t, FILE *) =
		(size_t (*)(const void *, size_t, size_t, FILE *))real("fwrite");
	size_t k, r;

	if (!watched(f))
		return rwrite(p, 1, n, f);
	if (passed + (long long)n <= fail_after()) {
		passed += (long long)n;
		return rwrite(p, 1, n, f);
	}
	k = (size_t)(fail_after() - passed);
	r = k ? rwrite(p, 1, k, f) : 0;
	passed += (long long)r;
	trip(f);
	return r + rwrite(p + k, 1, n - k, f);
}

size_t
fwrite(const void *p, size_t size, size_t nmemb, FILE *f)
{
	if (size == 0 || nmemb == 0)
		return 0;
	return put(p, size * nmemb, f) / size;
}

int
fputs(const char *s, FILE *f)
{
	size_t n = strlen(s);

	return put(s, n, f) == n ? 1 : EOF;
}

int
fputc(int c, FILE *f)
{
	char ch = (char)c;

	return put(&ch, 1, f) == 1 ? (unsigned char)c : EOF;
}

int
putc(int c, FILE *f)
{
	return fputc(c, f);
}

int
puts(const char *s)
{
	return fputs(s, stdout) == EOF ? EOF : fputc('\n', stdout);
}

int
vfprintf(FILE *f, const char *fmt, va_list ap)
{
	int (*rvf)(FILE *, const char *, va_list) =
		(int (*)(FILE *, const char *, va_list))real("vfprintf");
	char *s;
	int n;

	if (!watched(f))
		return rvf(f, fmt, ap);
	n = vasprintf(&s, fmt, ap);
	if (n < 0)
		return n;
	if (put(s, (size_t)n, f) != (size_t)n)
		n = -1;
	free(s);
	return n;
}

int
fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

/* Direct writes (not through stdio) are cut at the allowance too. */
ssize_t
write(int fd, const void *buf, size_t n)
{
	ssize_t (*rw)(int, const void *, size_t) =
		(ssize_t (*)(int, const void *, size_t))real("write");

	if (fd == fail_fd() && !tripped) {
		if (passed >= fail_after()) {
			trip(NULL);
		} else {
			if ((long long)n > fail_after() - passed)
				n = (size_t)(fail_after() - passed);
			passed += (long long)n;
		}
	}
	return rw(fd, buf, n);
}

/* ---- a file by name: IGNY8_FAIL_PATH ---------------------------------------- */

/*
 * Every descriptor open on such a file: each connection of the process
 * (a reader's too) opens the log, and any of them may be the one that
 * writes.  Bytes are counted across them.
 */
#define PATH_FDS 4096
static unsigned char path_fd[PATH_FDS];
static long long path_passed;

static void
note_open(const char *path, int fd)
{
	const char *suffix = getenv("IGNY8_FAIL_PATH");
	size_t n, m;

	if (fd < 0 || !suffix || !*suffix)
		return;
	n = strlen(path);
	m = strlen(suffix);
	if (n >= m && !strcmp(path + n - m, suffix) && fd < PATH_FDS)
		path_fd[fd] = 1;
}

/* The real NAME (open or open64), the mode read from ap when O_CREAT asks. */
static int
opened(const char *name, const char *path, int flags, va_list ap)
{
	int (*ro)(const char *, int, ...) = (int (*)(const char *, int, ...))real(name);
	mode_t mode = flags & O_CREAT ? (mode_t)va_arg(ap, int) : 0;
	int fd = ro(path, flags, mode);

	note_open(path, fd);
	return fd;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = opened("open", path, flags, ap);
	va_end(ap);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = opened("open64", path, flags, ap);
	va_end(ap);
	return fd;
}

int
close(int fd)
{
	int (*rc)(int) = (int (*)(int))real("close");

	if (fd >= 0 && fd < PATH_FDS)
		path_fd[fd] = 0;
	return rc(fd);
}

/* 0 when n more bytes may go to fd, else -1 with errno ENOSPC. */
static int
path_allows(int fd, size_t n)
{
	static long long failures;
	const char *times = getenv("IGNY8_FAIL_TIMES");

	if (fd < 0 || fd >= PATH_FDS || !path_fd[fd])
		return 0;
	if (path_passed + (long long)n > fail_after() &&
	    (!times || failures < strtoll(times, NULL, 10))) {
		failures++;
		errno = ENOSPC;
		return -1;
	}
	path_passed += (long long)n;
	return 0;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t (*rp)(int, const void *, size_t, off_t) =
		(ssize_t (*)(int, const void *, size_t, off_t))real("pwrite");

	return path_allows(fd, n) < 0 ? -1 : rp(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	ssize_t (*rp)(int, const void *, size_t, off64_t) =
		(ssize_t (*)(int, const void *, size_t, off64_t))real("pwrite64");

	return path_allows(fd, n) < 0 ? -1 : rp(fd, buf, n, off);
}

/* ---- one SQL statement: IGNY8_SQL_MATCH ------------------------------------- */

/*
 * With IGNY8_SQL_MATCH=PREFIX the shim wraps sqlite3_step() and acts on
 * the IGNY8_SQL_NTH'th (default first) step of a statement whose SQL
 * starts with PREFIX; with IGNY8_SQL_AFTER=PREFIX2 only steps that follow
 * a successful step of a PREFIX2 statement on the same connection count
 * (say BEGIN IMMEDIATE right after COMMIT).  IGNY8_SQL_ACT says what
 * happens, imitating another process or a failing disk at that moment:
 *
 *   busy      the step answers SQLITE_BUSY at once, as when another
 *             connection held the write lock past the busy timeout;
 *   full      the connection's transaction is rolled back and the step
 *             answers SQLITE_FULL, as SQLite's automatic rollback does;
 *   hold:MS   a second connection takes the write lock and keeps it MS
 *             milliseconds, then the step runs for real and waits; the
 *             file IGNY8_SQL_HOLD_FILE (if set) is created once it holds.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

static pthread_mutex_t sql_mu = PTHREAD_MUTEX_INITIALIZER;
static long sql_seen;
static int sql_done;
static _Thread_local int sql_inside;
static struct {
	sqlite3 *db;
	int after;	/* the last step on db was a successful IGNY8_SQL_AFTER */
} sql_conns[16];

static int
starts(const char *s, const char *prefix)
{
	return s && prefix && !strncmp(s, prefix, strlen(prefix));
}

static int *
after_flag(sqlite3 *db)
{
	for (size_t i = 0; i < sizeof sql_conns / sizeof *sql_conns; i++) {
		if (sql_conns[i].db == db || !sql_conns[i].db) {
			sql_conns[i].db = db;
			return &sql_conns[i].after;
		}
	}
	return &sql_conns[0].after;
}

struct holder {
	sqlite3 *db;
	long ms;
};

static void *
hold_main(void *arg)
{
	struct holder *h = arg;
	struct timespec ts = { h->ms / 1000, (h->ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h->db);
	free(h);
	return NULL;
}

/* A second connection takes the write lock of db's file for ms. */
static void
hold_lock(sqlite3 *db, long ms)
{
	struct holder *h = calloc(1, sizeof *h);
	const char *file = getenv("IGNY8_SQL_HOLD_FILE");
	pthread_t t;
	FILE *f;

	if (!h || sqlite3_open_v2(sqlite3_db_filename(db, "main"), &h->db,
				  SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		abort();
	sqlite3_busy_timeout(h->db, 10000);
	if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	h->ms = ms;
	if (pthread_create(&t, NULL, hold_main, h) != 0)
		abort();
	pthread_detach(t);
	if (file && (f = fopen(file, "w")))
		fclose(f);
}

int
sqlite3_step(sqlite3_stmt *st)
{
	int (*rs)(sqlite3_stmt *) = (int (*)(sqlite3_stmt *))real("sqlite3_step");
	const char *match = getenv("IGNY8_SQL_MATCH"), *after = getenv("IGNY8_SQL_AFTER");
	const char *act = getenv("IGNY8_SQL_ACT"), *nth = getenv("IGNY8_SQL_NTH");
	const char *sql = sqlite3_sql(st);
	sqlite3 *db = sqlite3_db_handle(st);
	int fire = 0, rc, *af;

	if (!match || sql_inside)
		return rs(st);
	pthread_mutex_lock(&sql_mu);
	af = after_flag(db);
	if (!sql_done && starts(sql, match) && (!after || *af) &&
	    ++sql_seen == (nth ? strtol(nth, NULL, 10) : 1)) {
		fire = 1;
		sql_done = 1;
	}
	pthread_mutex_unlock(&sql_mu);
	if (fire && act && !strcmp(act, "busy")) {
		rc = SQLITE_BUSY;
	} else if (fire && act && !strcmp(act, "full")) {
		sql_inside = 1;
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sql_inside = 0;
		rc = SQLITE_FULL;
	} else {
		if (fire && starts(act, "hold:")) {
			sql_inside = 1;
			hold_lock(db, strtol(act + 5, NULL, 10));
			sql_inside = 0;
		}
		rc = rs(st);
	}
	pthread_mutex_lock(&sql_mu);
	*after_flag(db) = after && starts(sql, after) && (rc == SQLITE_DONE || rc == SQLITE_ROW);
	pthread_mutex_unlock(&sql_mu);
	return rc;
}

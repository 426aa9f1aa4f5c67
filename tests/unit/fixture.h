/*
 * fixture.h: what the unit tests that touch files share (header-only):
 * the source tree's path and writing a small file.
 */
#ifndef IG_FIXTURE_H
#define IG_FIXTURE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The source tree: this file's path minus tests/unit/ (make runs from the
 * top, so __FILE__ is relative to the cwd or absolute). */
static void
fixture_srcdir(char out[PATH_MAX])
{
	const char *f = __FILE__, *t = strstr(f, "tests/unit/");
	char rel[PATH_MAX];

	snprintf(rel, sizeof rel, "%.*s.", t ? (int)(t - f) : 0, f);
	if (!realpath(rel, out))
		snprintf(out, PATH_MAX, ".");
}

/* Writes text to path with the given mode; a failure ends the test. */
static void
fixture_put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

#endif

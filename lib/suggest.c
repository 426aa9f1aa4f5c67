/* suggest.c: the nearest name to a mistyped one, by edit distance. */
#include "compat.h"

#include <string.h>

#include "suggest.h"

size_t
suggest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), row[256];

	if (n >= ARRAY_SIZE(row) || m >= ARRAY_SIZE(row))
		return (size_t)-1;
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[m];
}

const char *
suggest_nearest(const char *word, const char *const *cands, size_t n)
{
	size_t bestd = 3 + strlen(word) / 10, d;
	const char *best = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(word, cands[i]))
			return NULL;
		if ((d = suggest_distance(word, cands[i])) < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}

/* strmap.c: strings to pointers, open addressing (see strmap.h). */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct entry {
	char *key;		/* NULL = empty */
	void *value;
};

struct strmap {
	struct entry *slot;
	size_t n, cap;		/* cap a power of two, at most half full */
};

uint64_t
ig_fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* the FNV offset basis */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

struct strmap *
strmap_new(void)
{
	return calloc(1, sizeof(struct strmap));
}

void
strmap_free(struct strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; m && i < m->cap; i++) {
		if (m->slot[i].key && free_value)
			free_value(m->slot[i].value);
		free(m->slot[i].key);
	}
	if (m)
		free(m->slot);
	free(m);
}

size_t
strmap_count(const struct strmap *m)
{
	return m->n;
}

/* The slot holding key, or the empty one where it would go (cap > 0). */
static size_t
find(const struct strmap *m, const char *key)
{
	size_t i = (size_t)ig_fnv1a(key) & (m->cap - 1);

	while (m->slot[i].key && strcmp(m->slot[i].key, key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int
grow(struct strmap *m)
{
	struct strmap big = { NULL, m->n, m->cap ? m->cap * 2 : 64 };

	if (!(big.slot = calloc(big.cap, sizeof *big.slot)))
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].key)
			big.slot[find(&big, m->slot[i].key)] = m->slot[i];
	free(m->slot);
	*m = big;
	return 0;
}

void **
strmap_get(const struct strmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = find(m, key);
	return m->slot[i].key ? &m->slot[i].value : NULL;
}

void **
strmap_put(struct strmap *m, const char *key, int *added)
{
	size_t i;

	*added = 0;
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return NULL;
	i = find(m, key);
	if (!m->slot[i].key) {
		if (!(m->slot[i].key = strdup(key)))
			return NULL;
		m->slot[i].value = NULL;
		m->n++;
		*added = 1;
	}
	return &m->slot[i].value;
}

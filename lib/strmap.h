/*
 * strmap.h: a map from strings to pointers, for the sets a run keeps (the
 * records it has taken, the ideas already saved).  Open addressing over
 * FNV-1a, grown at half full, so that a run of a million keys stays
 * linear.
 *
 * Ownership: the map copies each key; values are the caller's, freed by
 * the function given to strmap_free() (NULL: not at all).
 */
#ifndef IG_STRMAP_H
#define IG_STRMAP_H

#include "compat.h"

#include <stddef.h>
#include <stdint.h>

struct strmap;

/* An empty map, or NULL when out of memory. */
struct strmap *strmap_new(void);
void strmap_free(struct strmap *m, void (*free_value)(void *));
size_t strmap_count(const struct strmap *m);

/* The value slot of key, or NULL when key is absent. */
void **strmap_get(const struct strmap *m, const char *key);
/*
 * The value slot of key, which is added with a NULL value when absent
 * (*added then 1, else 0).  NULL when out of memory.
 */
void **strmap_put(struct strmap *m, const char *key, int *added);

/* FNV-1a of s: short keys, and no adversary to fear (the input is the user's own). */
uint64_t ig_fnv1a(const char *s);

#endif

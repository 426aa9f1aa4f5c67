/*
 * suggest.h: "did you mean" for mistyped names (setting keys, subcommands).
 */
#ifndef IG_SUGGEST_H
#define IG_SUGGEST_H

#include <stddef.h>

/* Edit distance (insert, delete, substitute); (size_t)-1 past 255 bytes. */
size_t suggest_distance(const char *a, const char *b);

/*
 * The candidate nearest to word, or NULL when none is within the limit
 * (2 edits, one more per 10 bytes of word) or word is one of them.
 */
const char *suggest_nearest(const char *word, const char *const *cands, size_t n);

#endif

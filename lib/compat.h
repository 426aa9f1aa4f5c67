/* compat.h: first include of every igny8 source: feature macros and attributes. */
#ifndef IG_COMPAT_H
#define IG_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* getline, strndup, mkstemps, timegm, pthread_setname */
#endif

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define IG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define IG_NORETURN __attribute__((noreturn))
#define IG_UNUSED __attribute__((unused))
#define IG_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define IG_PRINTF(f, a)
#define IG_NORETURN
#define IG_UNUSED
#define IG_WARN_UNUSED
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

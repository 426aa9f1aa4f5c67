/*
 * lang.h: language names for prompts, so that a model reads "articles in
 * English", not "articles in en".
 */
#ifndef IG_LANG_H
#define IG_LANG_H

/*
 * The English name of an ISO 639-1 code ("en", "pt-BR" and "de_AT" by
 * their first two letters), or `lang` itself when it is not one of the
 * codes listed ("German", "Klingon").  The result is static or `lang`.
 */
const char *lang_name(const char *lang);

#endif

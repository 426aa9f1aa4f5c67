/*
 * base64.h: decoding the standard base64 alphabet (RFC 4648 section 4), as
 * OpenAI's b64_json image answers and Runware's imageBase64Data use it.
 *
 * Ownership: base64_decode() hands a malloc'd buffer to the caller.
 */
#ifndef IG_BASE64_H
#define IG_BASE64_H

#include "compat.h"

#include <stddef.h>

/*
 * Decodes len bytes of text.  White space (CR, LF, tab, space) is skipped;
 * '=' padding is optional but only at the end; any other byte outside the
 * alphabet, or a lone trailing sextet, is an error.  Returns 0 with
 * *out (malloc'd, NUL-terminated for convenience) and *outlen, or -1 when
 * the text is not base64 or memory ran out (*out is then NULL).  Output
 * past max bytes (0 = no cap) is refused as -1 before decoding.
 */
int base64_decode(const char *text, size_t len, size_t max,
		  unsigned char **out, size_t *outlen);

/* Bytes the decoded form of len characters of base64 can take at most. */
size_t base64_decoded_max(size_t len);

#endif

/* base64.c: a strict, bounded base64 decoder (see base64.h). */
#include "compat.h"

#include <stdlib.h>

#include "base64.h"

/* Sextet value of c, -1 for white space, -2 for '=', -3 for anything else. */
static int
sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return -1;
	return c == '=' ? -2 : -3;
}

size_t
base64_decoded_max(size_t len)
{
	return len / 4 * 3 + 3;
}

/* After the first '=': only more '=' (two at most) and white space. */
static int
padding_ok(const char *text, size_t i, size_t len, int have)
{
	int pads = 0;

	for (; i < len; i++) {
		int s = sextet((unsigned char)text[i]);

		if (s == -2)
			pads++;
		else if (s != -1)
			return 0;
	}
	/* "xx==" or "xxx=": the pads complete the quantum, never more. */
	return have >= 2 && have + pads <= 4;
}

int
base64_decode(const char *text, size_t len, size_t max, unsigned char **out,
	      size_t *outlen)
{
	unsigned char *o;
	unsigned long acc = 0;
	size_t n = 0;
	int have = 0;

	*out = NULL;
	*outlen = 0;
	if (max && base64_decoded_max(len) > max + 3)
		return -1;
	if (!(o = malloc(base64_decoded_max(len) + 1)))
		return -1;
	for (size_t i = 0; i < len; i++) {
		int s = sextet((unsigned char)text[i]);

		if (s == -1)
			continue;
		if (s == -2) {
			if (!padding_ok(text, i, len, have))
				goto bad;
			break;
		}
		if (s < 0)
			goto bad;
		acc = acc << 6 | (unsigned long)s;
		if (++have == 4) {
			o[n++] = (unsigned char)(acc >> 16);
			o[n++] = (unsigned char)(acc >> 8);
			o[n++] = (unsigned char)acc;
			acc = 0;
			have = 0;
		}
	}
	/* A partial quantum: 2 sextets give one byte, 3 give two, 1 is invalid. */
	if (have == 1)
		goto bad;
	if (have >= 2)
		o[n++] = (unsigned char)(acc >> (have == 2 ? 4 : 10));
	if (have == 3)
		o[n++] = (unsigned char)(acc >> 2);
	if (max && n > max)
		goto bad;
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	return -1;
}

/*
 * fuzz-batch-line.c: libFuzzer harness for batch_line_custom_id(), which
 * reads a Batch API output line (outside data) without a JSON parser.
 * Checked: what it returns is in the input and is a plain string; and on
 * input cJSON accepts as one object (no backslash, no NUL, so no escaped
 * keys to tell apart), it agrees with cJSON's top-level "custom_id" when
 * that is a string it would return, and finds nothing when there is none.
 * It is also run on every prefix-sized cut, as a long line's kept start.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOM 64

static void
check_plain(const char *in, size_t len, const char *got)
{
	size_t n = strlen(got);

	if (n == 0 || n >= ROOM)
		abort();
	for (size_t i = 0; i < n; i++)
		if (got[i] == '"' || got[i] == '\\' || (unsigned char)got[i] < 0x20)
			abort();
	if (!memmem(in, len, got, n))
		abort();
}

/* cJSON's answer where the scanner must give the same, else -1. */
static int
expected(const char *in, size_t len, char *want)
{
	cJSON *v, *id;
	char *z;
	int rc = -1;

	if (memchr(in, '\\', len) || memchr(in, '\0', len) || !(z = malloc(len + 1)))
		return -1;
	memcpy(z, in, len);
	z[len] = '\0';
	v = cJSON_ParseWithOpts(z, NULL, 1);
	if (cJSON_IsObject(v)) {
		id = cJSON_GetObjectItemCaseSensitive(v, "custom_id");
		if (!id) {
			rc = 0;
		} else if (cJSON_IsString(id) && *id->valuestring &&
			   strlen(id->valuestring) < ROOM) {
			rc = 1;
			for (const char *p = id->valuestring; *p; p++)
				if ((unsigned char)*p < 0x20)
					rc = -1;
			strcpy(want, id->valuestring);
		}
	}
	cJSON_Delete(v);
	free(z);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char out[ROOM], want[ROOM];
	const char *got = batch_line_custom_id(in, size, out, sizeof out);
	int exp;

	if (got)
		check_plain(in, size, got);
	exp = expected(in, size, want);
	if (exp == 1 && (!got || strcmp(got, want)))
		abort();
	if (exp == 0 && got)
		abort();
	for (size_t cut = 0; cut < size; cut += 1 + cut / 4)
		if ((got = batch_line_custom_id(in, cut, out, sizeof out)))
			check_plain(in, cut, got);
	return 0;
}

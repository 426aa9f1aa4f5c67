/* html_md.c: safe HTML to Markdown (stub, filled in below). */
#include "compat.h"

#include <string.h>

#include "html.h"

char *
html_to_markdown(const char *html)
{
	return strdup(html);
}

/* t-buf.c: the bounded buffer: growth, the cap, reserve, printf and detach. */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

static void
test_grow(void)
{
	struct buf b = BUF_INIT(0);
	char big[5000];

	ok(b.data == NULL, "no allocation before the first append");
	is_str(buf_str(&b), "", "buf_str of an empty buffer");
	is_int(buf_puts(&b, "ab"), 0, "puts");
	is_int(buf_putc(&b, 'c'), 0, "putc");
	is_int(buf_append(&b, "d\0e", 3), 0, "append with a NUL byte");
	is_int(b.len, 6, "length counts the NUL byte");
	ok(!memcmp(b.data, "abcd\0e", 7), "bytes kept, NUL-terminated");
	is_int(buf_append(&b, NULL, 0), 0, "empty append");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_reset(&b);
	is_str(buf_str(&b), "", "reset empties");
	ok(b.data != NULL, "and keeps the allocation");
	is_int(buf_printf(&b, "%s|%d", big, 42), 0, "printf past the allocation");
	is_int(b.len, sizeof big - 1 + 3, "printf length");
	ok(b.cap > b.len && !strcmp(b.data + sizeof big - 1, "|42"), "printf text");
	is_int(buf_printf(&b, "%s", ""), 0, "printf of nothing");
	is_int(b.len, sizeof big + 2, "changes nothing");
	ok(!b.toobig, "no cap, never too big");
	is_int(buf_append(&b, "x", SIZE_MAX - 2), -1, "a size that would overflow");
	ok(b.toobig, "is too big");
	is_int(b.len, sizeof big + 2, "and leaves the buffer alone");
	buf_release(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "release frees");
}

static void
test_cap(void)
{
	struct buf b = BUF_INIT(8);

	is_int(buf_puts(&b, "12345678"), 0, "exactly the cap");
	is_int(buf_putc(&b, '9'), -1, "one more byte fails");
	ok(b.toobig, "toobig set");
	is_str(buf_str(&b), "12345678", "content unchanged");
	buf_reset(&b);
	ok(!b.toobig, "reset clears toobig");
	is_int(buf_printf(&b, "%d-%s", 1234, "567"), 0, "printf to the cap");
	is_int(buf_printf(&b, "%c", 'x'), -1, "printf past the cap");
	is_str(buf_str(&b), "1234-567", "printf left the text whole");
	buf_reset(&b);
	is_int(buf_printf(&b, "%s", "123456789"), -1, "printf over the cap at once");
	is_int(b.len, 0, "writes nothing");
	is_str(buf_str(&b), "", "still empty");
	is_int(buf_append(&b, "abcdefghi", 9), -1, "append over the cap");
	is_int(b.len, 0, "writes nothing either");
	buf_release(&b);
	is_int(b.max, 8, "release keeps the cap");
	buf_init(&b, 3);
	is_int(buf_puts(&b, "abcd"), -1, "buf_init sets the cap");
	buf_release(&b);
}

static void
test_detach(void)
{
	struct buf b = BUF_INIT(16);
	char *s;

	buf_puts(&b, "hello");
	s = buf_detach(&b);
	is_str(s, "hello", "detach hands over the text");
	ok(b.data == NULL && b.len == 0 && b.cap == 0 && b.max == 16,
	   "and leaves an empty buffer with its cap");
	free(s);
	s = buf_detach(&b);
	ok(s != NULL, "detach of an empty buffer is not NULL");
	is_str(s, "", "but \"\"");
	free(s);
	is_int(buf_puts(&b, "again"), 0, "the buffer is usable after detach");
	buf_release(&b);
}

static void
test_reserve(void)
{
	struct buf b = BUF_INIT(0);
	const char *data;
	int fits = 1;

	is_int(buf_reserve(&b, 100), 0, "reserve on an empty buffer");
	ok(b.data && b.cap >= 101 && b.len == 0, "allocates, writes nothing");
	is_str(buf_str(&b), "", "and is NUL-terminated");
	data = b.data;
	for (int i = 0; i < 100; i++)
		fits &= buf_putc(&b, 'a' + i % 26) == 0;
	ok(fits && b.data == data, "100 bytes then go in without a reallocation");
	is_int(b.len, 100, "all of them");
	ok(b.data[100] == '\0' && b.data[99] == 'v', "the last one and a NUL");
	buf_release(&b);

	b = (struct buf)BUF_INIT(10);
	is_int(buf_reserve(&b, 10), 0, "reserve up to the cap");
	is_int(buf_reserve(&b, 11), -1, "past it fails");
	ok(b.toobig, "as too big");
	buf_reset(&b);
	for (int i = 0; i < 10; i++)
		buf_putc(&b, 'x');
	is_int(buf_putc(&b, 'y'), -1, "putc stops at the cap with room to spare");
	is_str(buf_str(&b), "xxxxxxxxxx", "leaving the text whole");
	buf_release(&b);
}

int
main(void)
{
	test_grow();
	test_cap();
	test_reserve();
	test_detach();
	return done_testing();
}

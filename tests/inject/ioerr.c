/*
 * ioerr.c: LD_PRELOAD shim that makes writes to one file descriptor fail,
 * so the tests can drive the "output failed" paths (exit 74, nothing
 * half-written).  IGNY8_FAIL_FD names the descriptor (default 1) and
 * IGNY8_FAIL_AFTER how many bytes succeed first (default 0); the failure
 * is ENOSPC.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void *, size_t);
static long long written;

ssize_t
write(int fd, const void *buf, size_t n)
{
	const char *fds = getenv("IGNY8_FAIL_FD");
	const char *after = getenv("IGNY8_FAIL_AFTER");
	int failfd = fds ? (int)strtol(fds, NULL, 10) : 1;
	long long limit = after ? strtoll(after, NULL, 10) : 0;

	if (!real_write)
		real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (fd == failfd) {
		if (written >= limit) {
			errno = ENOSPC;
			return -1;
		}
		if ((long long)n > limit - written)
			n = (size_t)(limit - written);
		written += (long long)n;
	}
	return real_write(fd, buf, n);
}

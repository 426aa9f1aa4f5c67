/* t-netaddr.c: which addresses a URL from an answer may reach. */
#include "compat.h"

#include <string.h>

#include "netaddr.h"
#include "tap.h"

static const struct {
	const char *ip;
	const char *why;	/* with loopback refused; NULL = public */
} cases[] = {
	{ "8.8.8.8", NULL },
	{ "93.184.216.34", NULL },
	{ "172.15.255.255", NULL },
	{ "172.32.0.0", NULL },
	{ "100.63.255.255", NULL },
	{ "169.253.255.255", NULL },
	{ "2606:4700::1111", NULL },
	{ "127.0.0.1", "loopback" },
	{ "127.255.0.9", "loopback" },
	{ "::1", "loopback" },
	{ "::ffff:127.0.0.1", "loopback" },
	{ "169.254.169.254", "link-local" },
	{ "::ffff:169.254.169.254", "link-local" },
	{ "64:ff9b::a9fe:a9fe", "link-local" },
	{ "fe80::1", "link-local" },
	{ "10.0.0.1", "private" },
	{ "172.16.0.1", "private" },
	{ "172.31.255.255", "private" },
	{ "192.168.1.1", "private" },
	{ "fd00::1", "private" },
	{ "fc00::1", "private" },
	{ "100.64.0.1", "shared (carrier NAT)" },
	{ "0.0.0.0", "unspecified" },
	{ "::", "unspecified" },
	{ "224.0.0.1", "multicast" },
	{ "ff02::1", "multicast" },
	{ "255.255.255.255", "reserved" },
	{ "::10.0.0.1", "reserved" },
	{ "fec0::1", "site-local" },
	{ "192.0.2.7", "documentation" },
	{ "2001:db8::1", "documentation" },
	{ "198.18.0.1", "benchmarking" },
};

int
main(void)
{
	size_t i;
	int all = 1;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = netaddr_refusal_text(cases[i].ip, 0);
		const char *want = cases[i].why;

		if (got == want || (got && want && !strcmp(got, want)))
			continue;
		all = 0;
		diag("%s: got %s, want %s", cases[i].ip, got ? got : "public",
		     want ? want : "public");
	}
	ok(all, "%zu addresses classified", ARRAY_SIZE(cases));
	ok(!netaddr_refusal_text("127.0.0.1", 1) &&
	   !netaddr_refusal_text("::1", 1) &&
	   !netaddr_refusal_text("::ffff:127.0.0.2", 1),
	   "loopback passes when allowed");
	is_str(netaddr_refusal_text("10.0.0.1", 1), "private",
	       "allowing loopback allows nothing else");
	is_str(netaddr_refusal_text("169.254.169.254", 1), "link-local",
	       "nor link-local");
	is_str(netaddr_refusal_text("localhost", 1), "not an IP",
	       "a name is not judged, only an address");
	is_str(netaddr_refusal(NULL, 0, 1), "not an IP", "no address");
	return done_testing();
}

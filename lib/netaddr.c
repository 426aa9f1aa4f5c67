/*
 * netaddr.c: the public-address test for URLs chosen by a server.
 *
 * Ranges are those of the IANA special-purpose address registries (RFC
 * 6890 and its updates: iana.org/assignments/iana-ipv4-special-registry
 * and iana-ipv6-special-registry), minus the few that are globally
 * reachable on purpose.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "netaddr.h"

struct range4 {
	uint32_t net;
	int bits;
	const char *what;
};

static const struct range4 v4[] = {
	{ 0x00000000, 8, "unspecified" },	/* 0.0.0.0/8 "this network" */
	{ 0x0a000000, 8, "private" },		/* 10.0.0.0/8 */
	{ 0x64400000, 10, "shared (carrier NAT)" },	/* 100.64.0.0/10 */
	{ 0x7f000000, 8, "loopback" },		/* 127.0.0.0/8 */
	{ 0xa9fe0000, 16, "link-local" },	/* 169.254.0.0/16 */
	{ 0xac100000, 12, "private" },		/* 172.16.0.0/12 */
	{ 0xc0000000, 24, "reserved" },		/* 192.0.0.0/24 IETF protocols */
	{ 0xc0000200, 24, "documentation" },	/* 192.0.2.0/24 */
	{ 0xc0a80000, 16, "private" },		/* 192.168.0.0/16 */
	{ 0xc6120000, 15, "benchmarking" },	/* 198.18.0.0/15 */
	{ 0xc6336400, 24, "documentation" },	/* 198.51.100.0/24 */
	{ 0xcb007100, 24, "documentation" },	/* 203.0.113.0/24 */
	{ 0xe0000000, 4, "multicast" },		/* 224.0.0.0/4 */
	{ 0xf0000000, 4, "reserved" },		/* 240.0.0.0/4, broadcast */
};

static const char *
refusal4(uint32_t a, int allow_loopback)
{
	for (size_t i = 0; i < ARRAY_SIZE(v4); i++) {
		uint32_t mask = 0xffffffffu << (32 - v4[i].bits);

		if ((a & mask) != v4[i].net)
			continue;
		if (allow_loopback && strcmp(v4[i].what, "loopback") == 0)
			return NULL;
		return v4[i].what;
	}
	return NULL;
}

static uint32_t
load32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static const char *
refusal6(const unsigned char *a, int allow_loopback)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char zero[15];

	/* ::ffff:a.b.c.d and 64:ff9b::a.b.c.d reach an IPv4 address. */
	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
		return refusal4(load32(a + 12), allow_loopback);
	if (!memcmp(a, zero, 15))
		return a[15] == 1 ? (allow_loopback ? NULL : "loopback")
				  : "unspecified";
	if ((a[0] & 0xfe) == 0xfc)
		return "private";			/* fc00::/7 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";			/* fe80::/10 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return "site-local";			/* fec0::/10 */
	if (a[0] == 0xff)
		return "multicast";			/* ff00::/8 */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return "documentation";			/* 2001:db8::/32 */
	if (!memcmp(a, zero, 12))
		return "reserved";	/* ::a.b.c.d, deprecated IPv4-compatible */
	return NULL;
}

const char *
netaddr_refusal(const struct sockaddr *sa, socklen_t len, int allow_loopback)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa && sa->sa_family == AF_INET && len >= sizeof *s4)
		return refusal4(ntohl(s4->sin_addr.s_addr), allow_loopback);
	if (sa && sa->sa_family == AF_INET6 && len >= sizeof *s6)
		return refusal6(s6->sin6_addr.s6_addr, allow_loopback);
	return "not an IP";
}

const char *
netaddr_refusal_text(const char *ip, int allow_loopback)
{
	struct sockaddr_in s4 = { 0 };
	struct sockaddr_in6 s6 = { 0 };

	if (ip && inet_pton(AF_INET, ip, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return netaddr_refusal((struct sockaddr *)&s4, sizeof s4,
				       allow_loopback);
	}
	if (ip && inet_pton(AF_INET6, ip, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return netaddr_refusal((struct sockaddr *)&s6, sizeof s6,
				       allow_loopback);
	}
	return "not an IP";
}

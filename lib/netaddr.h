/*
 * netaddr.h: which network addresses a URL from an API answer may reach.
 *
 * An image URL comes from the server's answer, so whoever controls that
 * answer chooses where igny8 connects.  Only public unicast addresses are
 * fit for that: not the loopback, private, link-local (the cloud metadata
 * service at 169.254.169.254), shared, multicast or reserved ranges.
 */
#ifndef IG_NETADDR_H
#define IG_NETADDR_H

#include "compat.h"

#include <sys/socket.h>

/*
 * Why the address sa (AF_INET or AF_INET6; IPv4-mapped and NAT64 IPv6 are
 * judged by their IPv4 address) must not be reached: a static phrase such
 * as "link-local", or NULL when it is a public address.  Loopback passes
 * when allow_loopback is set; any other family is refused.
 */
const char *netaddr_refusal(const struct sockaddr *sa, socklen_t len,
			    int allow_loopback);

/* netaddr_refusal() for a numeric address text ("10.0.0.1", "::1"). */
const char *netaddr_refusal_text(const char *ip, int allow_loopback);

#endif

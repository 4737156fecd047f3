/*
 * bpf_maps.h - the map layout shared by the BPF programs (bpf/jail.bpf.c),
 * the privileged loader (loader.c) and the unprivileged policy builder.
 *
 * A destination is looked up in an LPM trie (IPv4 or IPv6).  No entry:
 * allowed.  An entry: allowed if its port is one of ports[0..nports),
 * otherwise the entry's action decides.  Ports are in host byte order.
 * This header must compile both for the host and for clang -target bpf,
 * so it uses only <linux/types.h>.
 */
#ifndef JAIL_BPF_MAPS_H
#define JAIL_BPF_MAPS_H

#include <linux/types.h>

#define JAIL_MAX_PORTS	8

enum {
	JAIL_DENY = 0,
	JAIL_ALLOW = 1,
};

/* Map identities, as the generator names them in bpf_insns.h relocations. */
enum {
	JAIL_MAP_V4 = 0,	/* symbol jail_v4 */
	JAIL_MAP_V6 = 1,	/* symbol jail_v6 */
	JAIL_MAP_EV = 2,	/* symbol jail_ev: the denial ring buffer */
	JAIL_MAP_CNT = 3,	/* symbol jail_cnt: counters, see below */
	JAIL_MAP_DNS4 = 4,	/* symbol jail_dns4: --allow-domain, below */
	JAIL_MAP_DNS6 = 5,	/* symbol jail_dns6 */
	JAIL_MAP_DSK = 6,	/* symbol jail_dsk: redirected sockets */
	JAIL_MAP_DCFG = 7,	/* symbol jail_dcfg: the forwarder's port */
	JAIL_NMAPS = 8,
};

struct jail_key4 {
	__u32 prefixlen;
	__u8 addr[4];		/* network byte order */
};

struct jail_key6 {
	__u32 prefixlen;
	__u8 addr[16];		/* network byte order */
};

/*
 * flags: JAIL_V_HOST marks an entry inside a host or loopback prefix (not
 * a --deny of the user's).  Only such an entry, where an allow opens it,
 * lets a packet leave through the loopback device (jail_egress).
 */
#define JAIL_V_HOST	0x01
#define JAIL_V_FLAGS	JAIL_V_HOST	/* every flag the loader accepts */

/*
 * kind: why the entry denies, for denial events (the program copies it and
 * entry into the event; it never decides by them).  JAIL_KIND_NONE on an
 * entry that denies nothing.  The kinds past JAIL_KIND_MAP_MAX are never
 * in a map: the programs report them for denials no entry made.
 */
enum {
	JAIL_KIND_NONE = 0,
	JAIL_KIND_FIXED = 1,	/* a fixed range: loopback, 0.0.0.0/8, ... */
	JAIL_KIND_HOST4 = 2,	/* a host address from /proc/net/fib_trie */
	JAIL_KIND_HOST6 = 3,	/* from /proc/net/if_inet6 */
	JAIL_KIND_ROUTE6 = 4,	/* a local/anycast route, /proc/net/ipv6_route */
	JAIL_KIND_NETLINK = 5,	/* a host address rtnetlink announced (refresh) */
	JAIL_KIND_DENY = 6,	/* --deny, --deny-file */
	JAIL_KIND_DENY_ALL = 7,	/* --deny-all */
	JAIL_KIND_PRIVATE = 8,	/* --block-private */
	JAIL_KIND_MAP_MAX = 8,	/* the last a map value may hold */
	JAIL_KIND_SOCKET = 9,	/* sock_create: a socket type not allowed */
	JAIL_KIND_SOCKOPT = 10,	/* setsockopt: a re-routing option */
	JAIL_KIND_LOOPBACK = 11,	/* egress: lo, no host entry opens it */
};

/*
 * The value: 24 bytes, the layout the programs, the loader's checks
 * (loader.c check_rule), the request and tests/unit_layout share.
 * entry: the entry's number in the policy that wrote it (policy.c: 1 + its
 * index among its family's sorted rules; 0 for refresh's fast denies), so
 * that an event names its entry; the loader accepts any value.
 */
struct jail_verdict {
	__u8 action;		/* JAIL_ALLOW or JAIL_DENY for unlisted ports */
	__u8 nports;		/* 0..JAIL_MAX_PORTS */
	__u8 flags;		/* JAIL_V_* */
	__u8 kind;		/* JAIL_KIND_*, at most JAIL_KIND_MAP_MAX */
	__u16 ports[JAIL_MAX_PORTS];	/* always allowed; unused slots zero */
	__u32 entry;		/* see above */
};

/*
 * Denial events (`run --events`): one record per denied operation in the
 * ring buffer jail_ev, written only on a deny path.  jail_cnt, an array of
 * JAIL_NCOUNTERS __u64: slot JAIL_HOOK_* counts that hook's denials, slot
 * JAIL_CNT_DROPPED the events the full ring refused.  pid only where the
 * hook may call bpf_get_current_pid_tgid on 5.8 (the sock_addr hooks:
 * connect and sendmsg); 0 elsewhere.  No comm: bpf_get_current_comm is
 * refused in sock_addr programs (6.18 too); events.c reads /proc/PID/comm.
 */
enum {
	JAIL_HOOK_CONNECT4 = 0,
	JAIL_HOOK_CONNECT6 = 1,
	JAIL_HOOK_SENDMSG4 = 2,
	JAIL_HOOK_SENDMSG6 = 3,
	JAIL_HOOK_SOCK_CREATE = 4,
	JAIL_HOOK_SETSOCKOPT = 5,
	JAIL_HOOK_EGRESS = 6,
	JAIL_NHOOKS = 7,
	JAIL_CNT_DROPPED = 7,
	JAIL_NCOUNTERS = 8,
};

struct jail_event {
	__u64 time_ns;		/* bpf_ktime_get_boot_ns */
	__u32 pid;		/* thread group id; 0: not known here */
	__u32 entry;		/* the denying entry's jail_verdict.entry */
	__u8 addr[16];		/* destination, network order (IPv4: 4 bytes) */
	__u32 detail;		/* setsockopt: level << 16 | optname */
	__u16 port;		/* destination port, host order */
	__u16 proto;		/* IPPROTO_* (MPTCP is 262) */
	__u8 hook;		/* JAIL_HOOK_* */
	__u8 kind;		/* JAIL_KIND_* */
	__u8 family;		/* AF_INET, AF_INET6 (as the socket's) */
	__u8 type;		/* SOCK_STREAM, SOCK_DGRAM, ... */
	__u8 pad[4];		/* zero: 48 bytes in all */
};

/*
 * --allow-domain (issue 10).  jail_dns4 / jail_dns6: hash maps, key the
 * address (4 / 16 bytes, network order), value a __u64 expiry in
 * bpf_ktime_get_boot_ns time (CLOCK_BOOTTIME).  The programs consult them
 * only when the trie's entry denies with JAIL_KIND_DENY_ALL, and allow
 * while now < expiry: an address a host, fixed, private or --deny entry
 * covers is never opened by a DNS answer.  Written by the capability-free
 * parent (dns.c's answers), swept by it; the expiry is checked here, so an
 * allow lapses even when nobody sweeps.
 *
 * jail_dcfg: an array of one __u32, the forwarder's port in host order
 * (0: the jail has no domains; nothing is redirected).  jail_dsk: an LRU
 * hash keyed by socket cookie, the original destination of a socket whose
 * port-53 traffic was redirected, so that recvmsg and getpeername can put
 * it back (a full map forgets the oldest: its answers then look as if
 * from the forwarder and the resolver drops them: fail closed).
 */
#define JAIL_DNS_ENTRIES	8192	/* per family */
#define JAIL_DSK_ENTRIES	1024	/* sockets with a redirected query */

struct jail_dns_orig {
	__u32 addr[4];		/* network order; IPv4 in addr[0] */
	__u32 port;		/* as the context's user_port */
	__u32 family;		/* AF_INET or AF_INET6: the socket's */
};

_Static_assert(sizeof(struct jail_dns_orig) == 24, "jail_dns_orig: 24 bytes");
_Static_assert(sizeof(struct jail_verdict) == 24, "jail_verdict: 24 bytes");
_Static_assert(sizeof(struct jail_event) == 48, "jail_event: 48 bytes");

#endif

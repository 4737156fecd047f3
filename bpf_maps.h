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
	JAIL_NMAPS = 2,
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

struct jail_verdict {
	__u8 action;		/* JAIL_ALLOW or JAIL_DENY for unlisted ports */
	__u8 nports;		/* 0..JAIL_MAX_PORTS */
	__u8 flags;		/* JAIL_V_* */
	__u8 pad;		/* zero */
	__u16 ports[JAIL_MAX_PORTS];	/* always allowed; unused slots zero */
};

#endif

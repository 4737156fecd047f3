/*
 * request.h - the one request the privileged child (loader.c) accepts and
 * the one reply it gives.  Fixed layout: no pointers, no size_t, explicit
 * widths, versioned.  The request arrives on fd JAIL_REQ_FD (a sealed
 * memfd), the reply leaves on fd JAIL_REPLY_FD (a pipe; with
 * JAIL_REQ_F_MAPFDS a SOCK_SEQPACKET socket, see below).
 */
#ifndef JAIL_REQUEST_H
#define JAIL_REQUEST_H

#include <stddef.h>
#include <linux/types.h>
#include "bpf_maps.h"

#define JAIL_REQ_MAGIC		0x4c49414aU	/* "JAIL" little-endian */
#define JAIL_REQ_VERSION	4	/* 4: dns_port, F_DOMAINS, 11 programs */
#define JAIL_REPLY_MAGIC	0x5941524aU
#define JAIL_CHILD_ARG		"--jail-ai-privileged-child-v1"
#define JAIL_REQ_FD		3
#define JAIL_REPLY_FD		4

#define JAIL_CGROUP_PATH_MAX	512	/* relative to the cgroup2 mount */
#define JAIL_MAX_RULES4		131072
#define JAIL_MAX_RULES6		131072
#define JAIL_REPLY_LOG		16384

enum jail_op {
	JAIL_OP_ATTACH = 1,	/* maps + programs onto one cgroup */
	JAIL_OP_QUERY = 2,	/* how many programs each of our hooks has */
	JAIL_OP_QUERY_EFFECTIVE = 3,	/* QUERY, counting what ancestors
					 * attached (BPF_F_QUERY_EFFECTIVE) */
};

struct jail_req_hdr {
	__u32 magic;
	__u16 version;
	__u16 op;
	__u32 n4;		/* rules that follow, IPv4 first */
	__u32 n6;
	__u32 flags;		/* JAIL_REQ_F_*; 0 for the QUERYs */
	__u16 dns_port;		/* JAIL_REQ_F_DOMAINS: the forwarder's, else 0 */
	__u16 reserved;		/* 0 */
	char cgroup[JAIL_CGROUP_PATH_MAX];	/* NUL-terminated, NUL-padded */
};

/*
 * The jail shares the host's network namespace (run, podman --network
 * host): attach jail_egress too, the last program, which judges packets
 * leaving through the loopback device.  A private namespace's lo is the
 * jail's own and gets no such program.
 */
#define JAIL_REQ_F_HOSTNET	0x1
/*
 * ATTACH only, for `run`'s address refresh (refresh.c): the maps get room
 * for JAIL_MAX_RULES4/6 entries, JAIL_REPLY_FD is a SOCK_SEQPACKET socket,
 * and a successful reply carries exactly JAIL_NMAPS fds (SCM_RIGHTS):
 * jail_v4, jail_v6, jail_ev, jail_cnt, sent only once every program is
 * attached and confirmed.  A failed one is the plain reply, without fds.
 */
#define JAIL_REQ_F_MAPFDS	0x2
/*
 * ATTACH with MAPFDS only, for `run --events` (events.c): jail_ev is a ring
 * of JAIL_EVENTS_RING bytes.  Without it jail_ev is the smallest ring the
 * kernel makes (one page), which no one reads: the programs are the same
 * either way, and a full ring only counts a drop.
 */
#define JAIL_REQ_F_EVENTS	0x4
/*
 * ATTACH with MAPFDS and HOSTNET only, for `run --allow-domain` (dns.h):
 * jail_dns4/6 and jail_dsk get their room, jail_dcfg holds dns_port (the
 * forwarder the parent opened on 127.0.0.1 and ::1, in the jail's network
 * namespace), and the recvmsg4/6 and getpeername4/6 programs are attached
 * too.  Without it those maps hold one entry each, dcfg 0, and those four
 * hooks get nothing.
 */
#define JAIL_REQ_F_DOMAINS	0x8
#define JAIL_REQ_FLAGS		(JAIL_REQ_F_HOSTNET | JAIL_REQ_F_MAPFDS | \
	JAIL_REQ_F_EVENTS | JAIL_REQ_F_DOMAINS)
#define JAIL_EVENTS_RING	(256 << 10)	/* 4,681 events of 48+8 bytes */

struct jail_rule4 {
	struct jail_key4 key;
	struct jail_verdict v;
};

struct jail_rule6 {
	struct jail_key6 key;
	struct jail_verdict v;
};

#define JAIL_REQ_MAX (sizeof(struct jail_req_hdr) + \
	JAIL_MAX_RULES4 * sizeof(struct jail_rule4) + \
	JAIL_MAX_RULES6 * sizeof(struct jail_rule6))

/* Steps, so that the parent can say which one failed. */
enum jail_step {
	JAIL_STEP_REQUEST = 1,	/* reading or checking the request */
	JAIL_STEP_CGROUP,	/* resolving the cgroup */
	JAIL_STEP_CAPS,		/* raising capabilities */
	JAIL_STEP_MAP,		/* creating or filling a map */
	JAIL_STEP_LOAD,		/* loading a program (log in the reply) */
	JAIL_STEP_ATTACH,	/* attaching and confirming by query */
	JAIL_STEP_QUERY,	/* counting programs (QUERY) */
	JAIL_STEP_DONE = 9,	/* as before: 8 was a step never reported */
	JAIL_STEP_LOCKDOWN,	/* the child's own seccomp filters */
};

#define JAIL_NPROG_SLOTS 11
/* Their order (tools/bpf2c's specs; loader.c checks egress's place):
 * connect4/6, sendmsg4/6, sock_create, setsockopt, then recvmsg4/6 and
 * getpeername4/6 (DOMAINS only), then egress (HOSTNET only). */
#define JAIL_PROG_DNS_FIRST	6
#define JAIL_PROG_DNS_LAST	9
#define JAIL_PROG_EGRESS	10

struct jail_reply {
	__u32 magic;
	__u16 version;
	__u16 step;		/* enum jail_step reached; DONE on success */
	__s32 err;		/* 0 or a positive errno */
	__u32 prog;		/* index of the program a LOAD/ATTACH error is about */
	__u32 prog_ids[JAIL_NPROG_SLOTS];	/* ours (ATTACH), latest (QUERY) */
	__u32 attached[JAIL_NPROG_SLOTS];	/* programs at each hook, anyone's */
	char what[256];		/* short detail, NUL-terminated */
	__u32 confined;		/* JAIL_CONFINED_* bits (lockdown.h) */
	char log[JAIL_REPLY_LOG];	/* verifier log on a LOAD failure */
};

/* loader.c: the privileged child's entry (never returns), its checker. */
void loader_main(void) __attribute__((noreturn));
/* 0, or -errno; *why (if why) names the failed check. */
int loader_check_request(const void *buf, size_t len, const char **why);

#endif

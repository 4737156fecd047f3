/*
 * dns.h - dns.c: the DNS side of `--allow-domain` (issue 10).
 *
 * With --deny-all and --allow-domain NAME..., the jail's DNS (UDP and TCP
 * port 53, IPv4 and IPv6, to any resolver) is redirected by the programs
 * (connect4/6, sendmsg4/6 rewrite; recvmsg4/6 and getpeername4/6 put the
 * original resolver back) to this forwarder, run by the capability-free
 * process that holds the jail's maps (the `run` parent).  It answers
 * names not allowed with REFUSED, forwards queries for allowed names to
 * the real resolver (from resolv.conf, sent from outside the jail), and
 * for every A/AAAA address in an answer to an allowed name calls the
 * caller's dns_allow_fn, which lets that address through for its TTL.
 *
 * Untrusted input: every query (from the jail) and every answer (from
 * the network).  The parsers are pure (no fds, no allocation) and fuzzed
 * (fuzz/fuzz_dns.c).
 *
 * This header is the contract between the forwarder (dns.c) and its users
 * (the run parent's poll loop, a podman jail's keeper on listeners root
 * made in the container's namespace, the BPF redirect); change it in all.
 */
#ifndef JAIL_DNS_H
#define JAIL_DNS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DNS_MAX_NAMES	64	/* --allow-domain arguments */
#define DNS_NAME_MAX	253	/* presentation form, no trailing dot */
#define DNS_MAX_UPSTREAM 3	/* nameserver lines read, as glibc */
#define DNS_MAX_PENDING	64	/* UDP queries waiting for an answer */
#define DNS_MAX_TCP	8	/* TCP clients at once */
#define DNS_TIMEOUT_MS	5000	/* an upstream answer, a TCP client */
#define DNS_GRACE_S	5	/* added to an answer's TTL */
#define DNS_TTL_MAX	3600	/* longer TTLs are cut to this */

/* The --allow-domain names, lowercase, no trailing dot. */
struct dns_names {
	size_t n;
	struct {
		char name[DNS_NAME_MAX + 1];
		int wildcard;	/* "*.example.com": names below it, not it */
	} v[DNS_MAX_NAMES];
};

/* One --allow-domain argument: "example.com" (that name only) or
 * "*.example.com".  0, or -1 with err saying why (empty, too long, a bad
 * label, a '*' anywhere else, a duplicate, too many). */
int dns_names_add(struct dns_names *nm, const char *arg, char *err,
    size_t errlen);
/* 1 when qname (presentation form, any case, with or without the final
 * dot) is allowed by nm, else 0. */
int dns_names_match(const struct dns_names *nm, const char *qname);

/* A parsed query: header id, the one question, and where it ends. */
struct dns_question {
	uint16_t id;
	uint16_t qtype, qclass;
	size_t end;		/* bytes of header + question */
	char name[DNS_NAME_MAX + 2];	/* lowercase, no final dot; "" root */
};

/*
 * Called for each address an answer to an allowed name gives it: family
 * AF_INET (addr 4 bytes) or AF_INET6 (16), network order; ttl in seconds
 * as answered (the user adds DNS_GRACE_S and cuts at DNS_TTL_MAX).  A
 * negative return fails the answer: the client gets SERVFAIL instead.
 */
typedef int (*dns_allow_fn)(void *arg, int family, const void *addr,
    uint32_t ttl);

/* Pure.  A query: QR clear, opcode QUERY, exactly one question, no
 * compression in it.  0, or -1 when malformed. */
int dns_parse_query(const uint8_t *m, size_t len, struct dns_question *q);
/* Pure.  The reply to query m (q its parse) with rcode (REFUSED 5,
 * SERVFAIL 2, FORMERR 1): header + question, no records.  Its length,
 * or 0 when it does not fit cap. */
size_t dns_reply_rcode(const uint8_t *m, const struct dns_question *q,
    int rcode, uint8_t *out, size_t cap);
/*
 * Pure.  Whether q may go upstream: class IN and a type a connecting
 * client needs (A, CNAME, AAAA, SVCB, HTTPS).  1 yes, 0 no (REFUSED): any
 * other field of a query would be a channel to the resolver.
 */
int dns_query_forwarded(const struct dns_question *q);
/*
 * Pure.  The query that goes upstream for q: only what the parse kept
 * (header with id and RD, one question: q's lowercase name, type, class
 * IN), none of the client's other bits, sections or trailing bytes.  Its
 * length (q->end: the client's question has the same wire length), or 0
 * when it does not fit cap.
 */
size_t dns_build_query(const struct dns_question *q, uint16_t id,
    uint8_t *out, size_t cap);
/*
 * Pure.  An answer m[0..len) to the query dns_build_query made for q with
 * up_id, made the client's: its id, and its question as it asked it (qmsg,
 * the client's header and question, q->end bytes) in place of ours.  0, or
 * -1 when the answer's question is not exactly the one we sent.
 */
int dns_answer_for_client(uint8_t *m, size_t len,
    const struct dns_question *q, const uint8_t *qmsg, uint16_t up_id);
/*
 * Pure.  An answer to q (same id, QR set, the same one question): each A
 * and AAAA record of the answer section whose owner is q's name or a
 * name q's name leads to by CNAME records of that section is passed to
 * fn (the TTL passed is the lowest along that chain).  0; -1 malformed or
 * not an answer to q; fn's negative return.
 */
int dns_parse_answer(const uint8_t *m, size_t len,
    const struct dns_question *q, dns_allow_fn fn, void *arg);

/* The forwarder.  The fields are dns.c's.  About 600 KiB (a 64 KiB
 * buffer per TCP client): keep it static, not on a stack. */
#define DNS_QMAX	(12 + 255 + 4)	/* a header and one question */
/* Enough pollfds for every fd dns_fwd_pollfds may give: the listeners,
 * one socket per pending UDP query, a client and its upstream per TCP. */
#define DNS_POLLFDS	(4 + DNS_MAX_PENDING + 2 * DNS_MAX_TCP)
struct dns_fwd {
	int udp4, udp6, tcp4, tcp6;	/* listeners, 127.0.0.1 and ::1 */
	uint16_t port;		/* the same for all four, host order */
	struct sockaddr_storage up[DNS_MAX_UPSTREAM];	/* port 53 */
	socklen_t uplen[DNS_MAX_UPSTREAM];
	int nup, cur;		/* cur: the nameserver asked next */
	int timeout_ms;		/* DNS_TIMEOUT_MS; a test may shorten it */
	const struct dns_names *names;
	dns_allow_fn allow;
	void *arg;
	int cb_failed;		/* allow failed during this answer */
	struct dns_pending {
		int fd;		/* its own socket, connected to up[upi]; -1 free */
		int upi;
		uint16_t up_id;
		struct sockaddr_storage from;	/* the client */
		socklen_t fromlen;
		int lfd;		/* the listener it came on */
		uint64_t deadline_ms;	/* CLOCK_MONOTONIC */
		struct dns_question q;	/* q.id: the client's */
		uint8_t qmsg[DNS_QMAX];	/* its header and question */
	} pend[DNS_MAX_PENDING];
	struct dns_tcp {
		int fd;			/* the client; -1 free */
		int up;			/* its upstream TCP connection, or -1 */
		int state, upi;
		uint64_t deadline_ms;
		size_t have, want, off;
		uint16_t up_id;
		struct dns_question q;
		uint8_t qmsg[DNS_QMAX];
		uint8_t buf[2 + 65535];
	} tcp[DNS_MAX_TCP];
	uint8_t scratch[65536];
	unsigned long queries, refused, forwarded, answered, failed, malformed;
};

/*
 * Opens the listeners on one free port of 127.0.0.1 and ::1 (::1 may be
 * missing: then udp6/tcp6 are -1) and reads the upstream nameservers from
 * resolv_conf (NULL: /etc/resolv.conf).  names and fn stay the caller's.
 * 0, or -errno with err naming the step; nothing left open on failure.
 */
int dns_fwd_open(struct dns_fwd *f, const struct dns_names *names,
    const char *resolv_conf, dns_allow_fn fn, void *arg, char *err,
    size_t errlen);
/*
 * The same four listeners, made apart from the forwarder: for a jail in
 * its own network namespace, root makes them there (setns, this, setns
 * back: a socket keeps the namespace it was made in) and hands them to
 * the process that forwards from the host's namespace.  lfd: udp4, udp6,
 * tcp4, tcp6 (the ::1 pair -1 where there is no ::1); port: theirs.  0,
 * or -errno with none left open.
 */
int dns_fwd_listeners(int lfd[4], uint16_t *port);
/*
 * dns_fwd_open on listeners made by dns_fwd_listeners (in any network
 * namespace).  Each is checked: family, type, bound to 127.0.0.1 / ::1,
 * one port for all, TCP listening; they become non-blocking and
 * close-on-exec.  The fds are f's from the call on: closed on failure.
 */
int dns_fwd_open_fds(struct dns_fwd *f, const int lfd[4],
    const struct dns_names *names, const char *resolv_conf,
    dns_allow_fn fn, void *arg, char *err, size_t errlen);
/* The fds to poll, with the events dns.c wants (POLLIN, or POLLOUT
 * while it writes), into pf, at most max (DNS_POLLFDS is enough; with
 * fewer, queries beyond fail at their deadline); returns how many. */
int dns_fwd_pollfds(const struct dns_fwd *f, struct pollfd *pf, int max);
/* After poll: serves every fd of pf[0..n) that is ready, and drops
 * queries and clients past their deadline.  0, or -errno when the
 * forwarder can serve no more (err says why); one bad client or answer is
 * never an error. */
int dns_fwd_handle(struct dns_fwd *f, const struct pollfd *pf, int n,
    char *err, size_t errlen);
/* ms until the next deadline (for poll), -1 when nothing waits. */
int dns_fwd_timeout_ms(const struct dns_fwd *f);
void dns_fwd_close(struct dns_fwd *f);

#endif

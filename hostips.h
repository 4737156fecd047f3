/*
 * hostips.h - what --block-host blocks: the host's own addresses (from
 * /proc/net/fib_trie and /proc/net/if_inet6) and fixed ranges.
 */
#ifndef JAIL_HOSTIPS_H
#define JAIL_HOSTIPS_H

#include <stddef.h>
#include <stdint.h>

enum hostip_source {
	HOSTIP_FIXED = 0,
	HOSTIP_FIB_TRIE = 1,
	HOSTIP_IF_INET6 = 2,
};

struct hostip {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;	/* 0..32 or 0..128; host bits are zero */
	uint8_t source;		/* enum hostip_source */
	uint8_t addr[16];	/* network byte order; IPv4 uses addr[0..3] */
	const char *why;	/* fixed ranges: a short reason, else NULL */
};

/*
 * Parsers: pure functions over (buf, len).  They append to out[*n..max)
 * and return 0, -EINVAL for malformed input (*errline = 1-based line), or
 * -E2BIG when more than max entries would be needed.
 */
int hostips_parse_fib_trie(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline);
int hostips_parse_if_inet6(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline);
/* Appends the fixed ranges (DESIGN.md) to out. */
int hostips_fixed(struct hostip *out, size_t max, size_t *n);
/*
 * Reads the two /proc files, adds the fixed ranges, sorts and removes
 * duplicates.  *out is malloc'd; on error, errbuf says what failed.
 */
int hostips_discover(struct hostip **out, size_t *n, char *errbuf,
    size_t errlen);
/* "a.b.c.d/len" or "x::y/len" into buf; returns 0 or -ENOSPC. */
int hostip_format(const struct hostip *h, char *buf, size_t len);
const char *hostip_source_name(uint8_t source);

/*
 * Additions (keep the declarations above as they are).
 *
 * hostip.source for a resolv.conf nameserver; a separate constant so that
 * enum hostip_source keeps its values and switches over it stay complete.
 */
#define HOSTIP_RESOLV_CONF 3
#define HOSTIP_IPV6_ROUTE 4	/* local and anycast routes, every table */
#define HOSTIP_USER 5	/* --deny, --deny-file (as policy.h says) */
/* These three are blocked ranges, not
 * host addresses: an allow inside one never opens the loopback device. */
#define HOSTIP_DENY_ALL 6	/* --deny-all: 0.0.0.0/0 and ::/0 */
#define HOSTIP_PRIVATE 7	/* --block-private: the SSRF ranges */

/*
 * Appends what --deny-all (everything, both families) or --block-private
 * (RFC 1918, CGNAT, link-local, ULA: the private ranges) adds to the host
 * list; their IPv4-mapped forms need no entries of their own (policy.c
 * and the programs judge ::ffff:a.b.c.d by the IPv4 entries).  0 or -E2BIG.
 */
int hostips_deny_all(struct hostip *out, size_t max, size_t *n);
int hostips_private(struct hostip *out, size_t max, size_t *n);
/* 1: a host address or fixed range (an allow inside it may open lo). */
int hostip_is_host(uint8_t source);

/*
 * The nameserver addresses of a resolv.conf (buf, len): IPv4 and IPv6
 * literals, an IPv6 %scope dropped, as /32 or /128.  Malformed nameserver
 * lines are skipped (the file is user-editable, and the C library skips
 * them too).  Returns 0 or -E2BIG when more than max would be needed.
 */
int hostips_parse_resolv_conf(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n);
/*
 * Zeroes host bits, sorts by (family, addr, prefixlen, source) and removes
 * exact duplicates (same family, addr, prefixlen), keeping the entry with
 * the lowest source: fixed, then fib_trie, then if_inet6, then resolv.conf.
 * Returns 0, or -EINVAL (nothing changed) for a bad family or prefixlen.
 */
int hostips_normalize(struct hostip *v, size_t *n);
/* hostips_discover with other paths (tests); if_inet6 may be missing. */
int hostips_parse_ipv6_route(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline);
/* ipv6_route_path may be NULL: not read. */
int hostips_discover_from(const char *fib_trie_path,
    const char *if_inet6_path, const char *ipv6_route_path,
    struct hostip **out, size_t *n, char *errbuf,
    size_t errlen);

/*
 * Incremental parsing of the two /proc files, so that discovery reads
 * them through a fixed buffer: init, feed the text in pieces of any size
 * (a line may be split anywhere), finish.  The result, the return value
 * and *errline are exactly those of the whole-buffer parser above, which
 * is init, one feed and finish.  Between pieces the parser keeps the
 * format's state and the unfinished last line, at most HOSTIPS_LINE_MAX
 * bytes: a longer line is malformed wherever the pieces split it.
 * Entries are appended to out[*n..max) as above.  After an error, feed
 * and finish return the same error again.  The fields are private.
 */
#define HOSTIPS_LINE_MAX 512

struct hostips_parser {
	int kind;		/* HOSTIP_FIB_TRIE or HOSTIP_IF_INET6 */
	int err;		/* the first error; sticky */
	unsigned int line;	/* lines begun so far */
	int grow;		/* discovery: realloc out instead of -E2BIG */
	struct hostip *out;
	size_t max;
	size_t *n;
	/* fib_trie: the table and the leaf the next lines belong to */
	int in_table;
	int have_leaf;
	size_t leaf_indent;
	uint8_t leaf[4];
	size_t part_len;	/* the unfinished line so far */
	char part[HOSTIPS_LINE_MAX];
};

void hostips_fib_trie_init(struct hostips_parser *p, struct hostip *out,
    size_t max, size_t *n);
void hostips_if_inet6_init(struct hostips_parser *p, struct hostip *out,
    size_t max, size_t *n);
void hostips_ipv6_route_init(struct hostips_parser *p, struct hostip *out,
    size_t max, size_t *n);
int hostips_feed(struct hostips_parser *p, const char *buf, size_t len,
    unsigned int *errline);
int hostips_finish(struct hostips_parser *p, unsigned int *errline);

#endif

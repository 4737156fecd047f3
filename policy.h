/*
 * policy.h - policy.c: the --allow and --deny rules, the limits on them, and
 * the policy they make (the request for the privileged child).  The map
 * layout shared with the BPF program is bpf_maps.h.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hostips.h"
#include "request.h"

#define JAIL_MAX_ALLOW	64	/* --allow, --deny: each at most */
#define JAIL_MAX_RULE_LEN	127	/* one --allow or --deny value */
#define JAIL_MAX_DENY_FILES	8
#define JAIL_MAX_DENY_FILE_SIZE	(16 << 20)	/* bytes, each */

/* hostip.source of a --deny or --deny-file prefix: blocked, not a host
 * address (so an allow inside it does not open the loopback device). */
#define HOSTIP_USER	5

struct allow_rule {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	uint16_t port;		/* 0: every port */
	uint8_t addr[16];
};

/* ADDR[/LEN][:PORT], [V6ADDR[/LEN]]:PORT; 0, -EINVAL, or -EDOM for an
 * unbracketed IPv6 rule that reads as ADDR:PORT too ("::1:8080"). */
int policy_parse_allow(const char *s, struct allow_rule *out);
/* 2: a covers all of h; 1: a opens part of h; 0: they do not meet. */
int policy_allow_meets(const struct allow_rule *a, const struct hostip *h);
int policy_format_allow(const struct allow_rule *a, char *buf, size_t len);
/* --proxy http[s]://ADDR:PORT[/] as the allow of ADDR on PORT; 0 or a
 * negative errno saying why not (policy.c). */
int policy_parse_proxy(const char *url, struct allow_rule *out);
/* --deny-file: ADDR[/LEN] per line, '#' comments; 0, -EINVAL, -E2BIG. */
int policy_parse_deny_file(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline);

struct policy {
	struct jail_req_hdr *req;	/* header + rules, malloc'd */
	size_t req_len;
	struct jail_rule4 *r4;		/* inside req */
	struct jail_rule6 *r6;
	uint32_t n4, n6;
};

/*
 * Deny every hostip, allow what the allow rules name (an allow wins over
 * a deny; a port-less allow opens every port).  The result is the request
 * for the privileged child, with op and cgroup still to fill in.
 */
int policy_build(const struct hostip *deny, size_t ndeny,
    const struct allow_rule *allow, size_t nallow, struct policy *out);
void policy_free(struct policy *p);
struct prot_opts;
/* --deny-all, --block-private: their prefixes appended to *h (realloc'd);
 * in a netns of its own, --deny-all leaves the jail its loopback. */
int policy_add_modes(struct prot_opts *o, struct hostip **h, size_t *n,
    int hostnet);
/* "block-host", "deny-all", "block-private", "deny-all+block-private";
 * policy_mode_parse: the word back to 1..4, or -EINVAL. */
const char *policy_mode_word(const struct prot_opts *o);
int policy_mode_parse(const char *word);
/* The userspace twin of the BPF lookup: JAIL_ALLOW or JAIL_DENY. */
int policy_verdict(const struct policy *p, int family, const uint8_t *addr,
    uint16_t port);
/* The twin of jail_egress for a packet leaving through lo. */
int policy_lo_verdict(const struct policy *p, int family, const uint8_t *addr,
    uint16_t port);

/* slirp4netns' DNS forwarder, 10.0.2.3. */
extern const uint8_t policy_slirp_dns[4];
/* A jail in a network namespace of its own: h[0..n) without its own
 * loopback, 0.0.0.0/8, :: and ::1, plus slirp4netns' 10.0.2.3 (h has room
 * for n + 1); the new count.  prot_build's, and the refresh's rebuild (keeper). */
size_t policy_own_netns_hosts(struct hostip *h, size_t n);

#endif

/*
 * refresh.c - `run --block-host`: addresses the host gains or loses while
 * CMD runs (a VPN coming up, IPv6 temporary addresses, `ip route add
 * local`) reach the jail's deny maps within milliseconds, not at restart.
 *
 * Runs in the `run` parent, with no capability.  It holds the jail's
 * jail_v4 and jail_v6 fds, which the privileged child handed over after
 * the attach (JAIL_REQ_F_MAPFDS; BPF_MAP_UPDATE_ELEM by fd needs no
 * capability, tests/39-mapfd.t), and a NETLINK_ROUTE socket joined to the
 * address and route groups (which needs none either).  Untrusted input:
 * the netlink messages (from the kernel only: others are dropped) and the
 * /proc files hostips.c reads.
 *
 * On an event, two steps:
 *   fast     the new address (or local/broadcast/anycast route) is denied
 *            at once: one atomic update, before anything is read;
 *   rebuild  the host list read again as hostips_discover reads it, with
 *            the jail's own denies and allows as they were at start, run
 *            through policy_build; the maps brought to the result by
 *            writing every new or changed entry, longest prefix first,
 *            then deleting the entries no longer in it, shortest first
 *            (refresh_plan): no intermediate state allows what neither
 *            the old nor the new policy allows.  `jail-ai policy`'s live
 *            rules (control.c) go through the same step.
 * Lost events (ENOBUFS) mean a rebuild too.  Any failure is returned, and
 * the caller stops the jail: a jail that cannot keep up is not kept.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <arpa/inet.h>

#include "domains.h"
#include "hostips.h"
#include "refresh.h"
#include "util.h"

#define WATCH_FDS	4	/* rtnetlink, CMD's pidfd, control, ring */
#define DNS_FDS		DNS_POLLFDS	/* dns.c's listeners, pending queries and
				 * DNS_MAX_TCP clients with their upstreams */

static void init(struct refresh *rf)
{
	int i;

	memset(rf, 0, sizeof(*rf));
	rf->nl = -1;
	rf->ctl = -1;
	for (i = 0; i < JAIL_NMAPS; i++)
		rf->maps[i] = -1;
}

int refresh_open(struct refresh *rf)
{
	struct sockaddr_nl sa;
	int buf = 4 << 20;

	init(rf);
	rf->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_ROUTE);
	if (rf->nl < 0)
		return -errno;
	/* Bounded by net.core.rmem_max; an overrun is ENOBUFS: a rebuild. */
	setsockopt(rf->nl, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
	    RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	if (bind(rf->nl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		buf = -errno;
		refresh_close(rf);
		return buf;
	}
	return 0;
}

/* ---- the maps, by fd ---- */


/*
 * One family's view: the rules as the map holds them, sorted by key (the
 * key is the rule's first ksz bytes, the verdict follows).
 */
struct fam {
	int fd;
	size_t rsz, ksz;
	void **cur;
	size_t *n, *cap;
};

static size_t g_ksz;	/* for qsort and bsearch */

static int keycmp(const void *a, const void *b)
{
	return memcmp(a, b, g_ksz);
}

static struct fam fam(struct refresh *rf, int v6)
{
	struct fam f;

	f.fd = rf->maps[v6 ? JAIL_MAP_V6 : JAIL_MAP_V4];
	f.rsz = v6 ? sizeof(struct jail_rule6) : sizeof(struct jail_rule4);
	f.ksz = v6 ? sizeof(struct jail_key6) : sizeof(struct jail_key4);
	f.cur = v6 ? (void **)&rf->r6 : (void **)&rf->r4;
	f.n = v6 ? &rf->n6 : &rf->n4;
	f.cap = v6 ? &rf->cap6 : &rf->cap4;
	return f;
}

/* f's view becomes a sorted copy of rules[0..n). */
static int set_view(struct fam *f, const void *rules, size_t n)
{
	void *c = malloc((n + 16) * f->rsz);

	if (!c)
		return -ENOMEM;
	memcpy(c, rules, n * f->rsz);
	g_ksz = f->ksz;
	qsort(c, n, f->rsz, keycmp);
	free(*f->cur);
	*f->cur = c;
	*f->n = n;
	*f->cap = n + 16;
	return 0;
}

int refresh_start(struct refresh *rf, struct prot_opts *o,
    const struct policy *p, const int maps[JAIL_NMAPS])
{
	struct fam f4, f6;
	int i, r;

	for (i = 0; i < JAIL_NMAPS; i++)
		rf->maps[i] = maps[i];
	rf->o = o;
	f4 = fam(rf, 0);
	f6 = fam(rf, 1);
	if ((r = set_view(&f4, p->r4, p->n4)) < 0)
		return r;
	if ((r = set_view(&f6, p->r6, p->n6)) < 0)
		return r;
	/* Prove now that an update by fd works here, without a capability
	 * (5.19+, or unprivileged_bpf_disabled=0): one entry rewritten with
	 * its own value.  Else the first address change would kill CMD. */
	if (p->n4)
		return bpf_map_op(BPF_MAP_UPDATE_ELEM, f4.fd, &p->r4[0].key,
		    &p->r4[0].v);
	if (p->n6)
		return bpf_map_op(BPF_MAP_UPDATE_ELEM, f6.fd, &p->r6[0].key,
		    &p->r6[0].v);
	return 0;
}

/* The view after an update of one rule: replaced, or inserted in order. */
static int view_put(struct fam *f, const void *rule)
{
	char *c = *f->cur, *nc;
	size_t lo = 0, hi = *f->n, mid;
	int d;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		d = memcmp(c + mid * f->rsz, rule, f->ksz);
		if (d == 0) {
			memcpy(c + mid * f->rsz, rule, f->rsz);
			return 0;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (*f->n == *f->cap) {
		if (!(nc = realloc(c, (*f->cap * 2 + 16) * f->rsz)))
			return -ENOMEM;
		*f->cur = c = nc;
		*f->cap = *f->cap * 2 + 16;
	}
	memmove(c + (lo + 1) * f->rsz, c + lo * f->rsz, (*f->n - lo) * f->rsz);
	memcpy(c + lo * f->rsz, rule, f->rsz);
	(*f->n)++;
	return 0;
}

/* ---- fast: deny what an event names, before anything is read ---- */

static int fast_deny(struct refresh *rf, int family, const void *addr,
    unsigned int plen)
{
	struct jail_rule6 rule;	/* room for either family */
	struct jail_verdict v;
	struct fam f = fam(rf, family == AF_INET6);
	unsigned int bytes = family == AF_INET6 ? 16 : 4, i;
	__u8 *a;
	int r;

	if (plen > bytes * 8)
		return 0;	/* not an address we know: the rebuild decides */
#ifdef JAIL_FAULT_INJECTION
	/* Only in jail-ai-fault: a full map, for the fail-closed test. */
	if (getenv("JAIL_AI_FAULT") && !strcmp(getenv("JAIL_AI_FAULT"),
	    "mapfull"))
		return -E2BIG;
#endif
	memset(&rule, 0, sizeof(rule));
	memset(&v, 0, sizeof(v));
	v.action = JAIL_DENY;
	v.flags = JAIL_V_HOST;
	v.kind = JAIL_KIND_NETLINK;	/* entry 0: no policy numbered it */
	memcpy(&rule, &plen, sizeof(__u32));
	a = (__u8 *)&rule + sizeof(__u32);
	memcpy(a, addr, bytes);
	for (i = plen / 8; i < bytes; i++)	/* host bits zero, as the loader */
		a[i] &= (__u8)~(i == plen / 8 ? 0xff >> plen % 8 : 0xff);
	memcpy((char *)&rule + f.ksz, &v, sizeof(v));
	if ((r = bpf_map_op(BPF_MAP_UPDATE_ELEM, f.fd, &rule,
	    (char *)&rule + f.ksz)) < 0)
		return r;
	rf->fast++;
	return view_put(&f, &rule);
}

/* 1: a rebuild is needed; < 0: the fast deny failed. */
static int on_addr(struct refresh *rf, struct nlmsghdr *nh)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	struct rtattr *rta;
	int len, r;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return 1;
	if (nh->nlmsg_type == RTM_DELADDR)
		return 1;
	len = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		/* IPv4's IFA_ADDRESS is a point-to-point peer's: not ours. */
		if (!(rta->rta_type == IFA_LOCAL ||
		    rta->rta_type == IFA_BROADCAST ||
		    (rta->rta_type == IFA_ADDRESS && ifa->ifa_family ==
		    AF_INET6)))
			continue;
		if (RTA_PAYLOAD(rta) != (ifa->ifa_family == AF_INET6 ? 16U : 4U))
			continue;
		r = fast_deny(rf, ifa->ifa_family, RTA_DATA(rta),
		    ifa->ifa_family == AF_INET6 ? 128 : 32);
		if (r < 0)
			return r;
	}
	return 1;
}

/* Local, broadcast and anycast routes are host addresses too. */
static int on_route(struct refresh *rf, struct nlmsghdr *nh)
{
	static const __u8 zero[16];
	struct rtmsg *rt = NLMSG_DATA(nh);
	struct rtattr *rta;
	const void *dst = zero;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
		return 1;
	if (rt->rtm_type != RTN_LOCAL && rt->rtm_type != RTN_BROADCAST &&
	    rt->rtm_type != RTN_ANYCAST)
		return 0;	/* a unicast route changes no host address */
	if (nh->nlmsg_type == RTM_DELROUTE)
		return 1;
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rt); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == RTA_DST && RTA_PAYLOAD(rta) ==
		    (rt->rtm_family == AF_INET6 ? 16U : 4U))
			dst = RTA_DATA(rta);
	if (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6)
		return 0;
	len = fast_deny(rf, rt->rtm_family, dst, rt->rtm_dst_len);
	return len < 0 ? len : 1;
}

/*
 * Everything queued: the fast denies done; 1 when a rebuild is due, 0
 * when not, -errno when the socket failed.
 */
static int drain(struct refresh *rf)
{
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	struct nlmsghdr *nh;
	socklen_t fl;
	ssize_t n;
	int want = 0, r;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(rf->nl, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			want = 1;	/* events lost: read everything again */
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return want;
		if (n < 0)
			return -errno;
		if (fl != sizeof(from) || from.nl_pid != 0)
			continue;	/* only the kernel speaks here */
		for (nh = (void *)buf; NLMSG_OK(nh, (size_t)n);
		    nh = NLMSG_NEXT(nh, n)) {
			rf->events++;
			r = 0;
			if (nh->nlmsg_type == RTM_NEWADDR ||
			    nh->nlmsg_type == RTM_DELADDR)
				r = on_addr(rf, nh);
			else if (nh->nlmsg_type == RTM_NEWROUTE ||
			    nh->nlmsg_type == RTM_DELROUTE)
				r = on_route(rf, nh);
			if (r < 0)
				return r;
			want |= r;
		}
	}
}

/* ---- rebuild: the whole policy again, and the maps brought to it ---- */

static size_t g_rsz;	/* for the plan's sorts */
static const char *g_base;

/* The prefix length of op's rule (the key starts with it). */
static unsigned int plen_of(const void *op)
{
	__u32 p;

	memcpy(&p, g_base + ((const struct refresh_op *)op)->idx * g_rsz,
	    sizeof(p));
	return p;
}

static int longest_first(const void *a, const void *b)
{
	unsigned int x = plen_of(a), y = plen_of(b);

	return x > y ? -1 : x < y;
}

static int shortest_first(const void *a, const void *b)
{
	return -longest_first(a, b);
}

/*
 * The order that keeps every moment safe in an LPM trie, where an
 * address's verdict is its longest matching entry's: every new or
 * changed entry written, longest prefix first; then every entry that is
 * gone deleted, shortest prefix first.  While writing, an address's
 * longest match is either a written entry (then no longer new entry
 * covers it that is not in the map already: the new verdict) or an old
 * one (then every old entry is still there: the old verdict); while
 * deleting, likewise with old and new swapped.  So no intermediate state
 * allows what neither policy allows (tests/unit_mapsync model-checks it).
 * cur and nw are sorted by key; ops gets ncur + nnew slots at most.
 */
size_t refresh_plan(const void *cur, size_t ncur, const void *nw,
    size_t nnew, size_t rsz, size_t ksz, struct refresh_op *ops)
{
	const char *c = cur, *w = nw;
	size_t i = 0, j = 0, n = 0, nwr;
	int d;

	while (j < nnew) {	/* writes */
		d = i < ncur ? memcmp(c + i * rsz, w + j * rsz, ksz) : 1;
		if (d < 0) {
			i++;
			continue;
		}
		if (d > 0 || memcmp(c + i * rsz, w + j * rsz, rsz))
			ops[n++] = (struct refresh_op){ .idx = j, .del = 0 };
		i += d == 0;
		j++;
	}
	g_rsz = rsz;
	g_base = nw;
	qsort(ops, n, sizeof(*ops), longest_first);	/* idx only */
	nwr = n;
	for (i = j = 0; i < ncur; i++) {	/* deletes */
		d = 1;
		while (j < nnew && (d = memcmp(w + j * rsz, c + i * rsz,
		    ksz)) < 0)
			j++;
		if (!(j < nnew && d == 0))
			ops[n++] = (struct refresh_op){ .idx = i, .del = 1 };
	}
	g_base = cur;
	qsort(ops + nwr, n - nwr, sizeof(*ops), shortest_first);
	return n;
}

static int sync_fam(struct fam *f, void *rules, size_t n)
{
	struct refresh_op *ops;
	const char *src;
	size_t nops, k;
	int r = 0;

	g_ksz = f->ksz;
	qsort(rules, n, f->rsz, keycmp);
	if (!(ops = malloc((*f->n + n + 1) * sizeof(*ops))))
		return -ENOMEM;
	nops = refresh_plan(*f->cur, *f->n, rules, n, f->rsz, f->ksz, ops);
	for (k = 0; k < nops && r == 0; k++) {
		src = ops[k].del ? (const char *)*f->cur : rules;
		src += ops[k].idx * f->rsz;
		r = bpf_map_op(ops[k].del ? BPF_MAP_DELETE_ELEM :
		    BPF_MAP_UPDATE_ELEM, f->fd, src, ops[k].del ? NULL :
		    src + f->ksz);
		if (r == -ENOENT && ops[k].del)
			r = 0;
	}
	free(ops);
	return r < 0 ? r : set_view(f, rules, n);
}

/* The host list as at start: discovered again, plus what was kept. */
int refresh_apply(struct refresh *rf, char *err, size_t errlen)
{
	struct prot_opts *o = rf->o;
	struct hostip *h, *nh;
	struct policy np;
	struct fam f4 = fam(rf, 0), f6 = fam(rf, 1);
	size_t n;
	int r;

	if ((r = hostips_discover(&h, &n, err, errlen)) < 0)
		return r;
	nh = realloc(h, (n + o->nkept + 2) * sizeof(*h));
	if (!nh) {
		free(h);
		return -ENOMEM;
	}
	h = nh;
	if (rf->own_netns)	/* as prot_build: not the jail's own loopback */
		n = policy_own_netns_hosts(h, n);
	if (o->nkept)
		memcpy(h + n, o->kept, o->nkept * sizeof(*h));
	r = policy_build(h, n + o->nkept, o->allow, o->nallow, &np);
	free(h);
	if (r < 0) {
		snprintf(err, errlen, "policy");
		return r;
	}
	/* Nothing written yet: a caller may still undo its change. */
	rf->writing = 1;
	r = sync_fam(&f4, np.r4, np.n4);
	if (r == 0)
		r = sync_fam(&f6, np.r6, np.n6);
	policy_free(&np);
	if (r < 0)
		snprintf(err, errlen, "update the jail's maps");
	rf->writing = r < 0;	/* maps and view may differ: fatal */
	rf->rebuilds += r == 0;
	return r;
}

/* ---- denial events: which entry an id names (events.h) ---- */

/* The view's rule whose verdict carries entry, if it still covers dst:
 * after a rebuild an id may name another entry, which is not reported. */
static int entry_name(void *arg, int v4, __u32 entry, const __u8 *dst,
    char *buf, size_t len)
{
	struct refresh *rf = arg;
	struct fam f = fam(rf, !v4);
	const char *c = *f.cur;
	const __u8 *addr;
	char a[INET6_ADDRSTRLEN];
	size_t i, bytes = v4 ? 4 : 16;
	__u32 plen;
	struct jail_verdict v;

	for (i = 0; i < *f.n; i++) {
		memcpy(&v, c + i * f.rsz + f.ksz, sizeof(v));
		if (v.entry == entry)
			break;
	}
	if (i == *f.n)
		return -ENOENT;
	memcpy(&plen, c + i * f.rsz, sizeof(plen));
	addr = (const __u8 *)c + i * f.rsz + sizeof(plen);
	if (plen > bytes * 8 || memcmp(addr, dst, plen / 8) != 0 ||
	    (plen % 8 && (addr[plen / 8] ^ dst[plen / 8]) &
	    (__u8)(0xff00 >> plen % 8)))
		return -ENOENT;
	if (!inet_ntop(v4 ? AF_INET : AF_INET6, addr, a, sizeof(a)))
		return -EINVAL;
	return snprintf(buf, len, "%s/%u", a, plen) < (int)len ? 0 : -ENOSPC;
}

int refresh_events(struct refresh *rf, struct events *ev, int out,
    const char *jail, char *err, size_t errlen)
{
	int r;

	r = events_open(ev, rf->maps[JAIL_MAP_EV], rf->maps[JAIL_MAP_CNT], out,
	    jail, err, errlen);
	rf->maps[JAIL_MAP_EV] = rf->maps[JAIL_MAP_CNT] = -1;	/* ev's now */
	if (r < 0)
		return r;
	ev->entry_name = entry_name;
	ev->arg = rf;
	rf->ev = ev;
	if ((r = events_skip(ev)) < 0)	/* the canary's, not CMD's */
		snprintf(err, errlen, "read the counters");
	return r;
}

/* poll's timeout: the forwarder's deadlines and sweeps, else none. */
static int watch_timeout(const struct refresh *rf)
{
	return rf->dom ? domains_timeout_ms(rf->dom) : -1;
}

int refresh_watch(struct refresh *rf, pid_t pid, char *err, size_t errlen)
{
	struct pollfd pf[WATCH_FDS + DNS_FDS];
	int pidfd, k, r = 0, nd = 0;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		snprintf(err, errlen, "pidfd_open");
		return -errno;
	}
	pf[0].fd = rf->nl;
	pf[0].events = POLLIN;
	pf[1].fd = pidfd;
	pf[1].events = POLLIN;
	pf[2].fd = rf->on_ctl ? rf->ctl : -1;	/* `jail-ai policy` */
	pf[2].events = POLLIN;
	pf[3].fd = rf->ev ? events_fd(rf->ev) : -1;	/* -1: poll skips it */
	pf[3].events = POLLIN;
	for (;;) {
		if (rf->dom)	/* the forwarder's set changes as clients come */
			nd = domains_pollfds(rf->dom, pf + WATCH_FDS, DNS_FDS);
		if (poll(pf, (nfds_t)(WATCH_FDS + nd), watch_timeout(rf)) < 0) {
			if (errno == EINTR)
				continue;	/* a signal forwarded to CMD */
			r = -errno;
			snprintf(err, errlen, "poll");
			break;
		}
		if (pf[0].revents & (POLLERR | POLLNVAL)) {
			r = -EIO;
			snprintf(err, errlen, "the rtnetlink socket failed");
			break;
		}
		if (pf[0].revents & POLLIN) {
			r = drain(rf);
			if (r < 0) {
				snprintf(err, errlen, "read rtnetlink, or "
				    "deny a new address at once");
				break;
			}
			if (r > 0 && (r = refresh_apply(rf, err, errlen)) < 0)
				break;
		}
		if ((pf[2].revents | pf[3].revents) & POLLNVAL) {
			r = -EBADF;	/* not to spin on a closed fd */
			snprintf(err, errlen, "the control socket or the "
			    "event ring was closed");
			break;
		}
		if ((pf[2].revents & POLLIN) &&
		    (r = rf->on_ctl(rf, rf->ctl, err, errlen)) < 0)
			break;
		if (pf[3].revents & POLLIN)
			events_drain(rf->ev);
		if (rf->dom && (r = domains_handle(rf->dom, pf + WATCH_FDS, nd,
		    err, errlen)) < 0)
			break;
		if (pf[1].revents)
			break;	/* CMD ended */
	}
	/* What CMD's last denials wrote; bounded, since what CMD left
	 * behind in the cgroup may still be denied (until its removal). */
	for (k = 0; rf->ev && k < 4 && events_drain(rf->ev) > 0;
	    k++)
		;
	close(pidfd);
	return r;
}

void refresh_close(struct refresh *rf)
{
	int i;

	if (rf->nl >= 0)
		close(rf->nl);
	for (i = 0; i < JAIL_NMAPS; i++)
		if (rf->maps[i] >= 0)
			close(rf->maps[i]);
	free(rf->r4);
	free(rf->r6);
	init(rf);
}

/* ---- for the podman jails' keeper (keeper.c) ---- */

int refresh_step(struct refresh *rf, char *err, size_t errlen)
{
	int r = drain(rf);

	if (r < 0) {
		snprintf(err, errlen, "read rtnetlink, or deny a new address "
		    "at once");
		return r;
	}
	return r > 0 ? refresh_apply(rf, err, errlen) : 0;
}

int refresh_prove(struct refresh *rf)
{
	struct fam f4 = fam(rf, 0), f6 = fam(rf, 1);

	if (*f4.n)
		return bpf_map_op(BPF_MAP_UPDATE_ELEM, f4.fd, rf->r4,
		    (const char *)rf->r4 + f4.ksz);
	if (*f6.n)
		return bpf_map_op(BPF_MAP_UPDATE_ELEM, f6.fd, rf->r6,
		    (const char *)rf->r6 + f6.ksz);
	return 0;
}

/* One rule denying every port: key as given, flags kept. */
static int deny_rule(struct fam *f, const char *rule)
{
	struct jail_rule6 d;	/* room for either family */
	struct jail_verdict v;

	memcpy(&d, rule, f->rsz);
	memcpy(&v, (char *)&d + f->ksz, sizeof(v));
	v.action = JAIL_DENY;
	v.nports = 0;
	memset(v.ports, 0, sizeof(v.ports));
	memcpy((char *)&d + f->ksz, &v, sizeof(v));
	return bpf_map_op(BPF_MAP_UPDATE_ELEM, f->fd, &d,
	    (char *)&d + f->ksz);
}

int refresh_deny_all(struct refresh *rf)
{
	struct jail_rule6 all;
	struct fam f;
	size_t i;
	int v6, r, first = 0;

	for (v6 = 0; v6 < 2; v6++) {
		f = fam(rf, v6);
		/* 0.0.0.0/0 or ::/0 first: whatever no entry names.  It may
		 * not fit a full map; rewriting an entry always does. */
		memset(&all, 0, sizeof(all));
		if ((r = deny_rule(&f, (const char *)&all)) < 0 && !first)
			first = r;
		for (i = 0; i < *f.n; i++)
			if ((r = deny_rule(&f, (const char *)*f.cur +
			    i * f.rsz)) < 0 && !first)
				first = r;
	}
	return first;
}

/*
 * domains.c - `run --deny-all --allow-domain NAME`: the run parent's side
 * of the DNS forwarder (dns.c): opens it before the attach (the programs
 * need its port), turns each address an allowed name's answer gives into
 * an entry of jail_dns4 / jail_dns6 with its expiry, and sweeps expired
 * entries so that the maps do not fill.
 *
 * Runs in the `run` parent, with no capability: it holds the two map fds
 * the privileged child handed over (BPF_MAP_UPDATE_ELEM by fd needs none).
 * Untrusted input: the addresses and TTLs of answers (dns.c parses them;
 * here they are only bounded and written).  The expiry is checked by the
 * programs themselves (bpf_ktime_get_boot_ns), so an allow lapses on time
 * even if this process stops sweeping; the sweep only frees room.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "domains.h"
#include "util.h"

#define SWEEP_MS	1000	/* at most this late in freeing a slot */

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}


/*
 * One map: every entry whose expiry has passed, deleted.  Keys are
 * gathered first (a hash map's walk restarts when its current key goes),
 * at most JAIL_DNS_ENTRIES of them, which is the map's size.
 */
static int sweep_map(int fd, size_t ksz, uint64_t now, uint64_t *earliest)
{
	static unsigned char keys[JAIL_DNS_ENTRIES][16];
	unsigned char k[16], nk[16];
	uint64_t exp;
	size_t n = 0, i;
	int r, first = 1;

	while (n < JAIL_DNS_ENTRIES &&
	    (r = bpf_map_op(BPF_MAP_GET_NEXT_KEY, fd, first ? NULL : k,
	    nk)) == 0) {
		first = 0;
		memcpy(k, nk, ksz);
		if (bpf_map_op(BPF_MAP_LOOKUP_ELEM, fd, k, &exp) != 0)
			continue;
		if (exp <= now)
			memcpy(keys[n++], k, ksz);
		else if (exp < *earliest)
			*earliest = exp;
	}
	if (n < JAIL_DNS_ENTRIES && r != -ENOENT)
		return r;
	for (i = 0; i < n; i++)
		if ((r = bpf_map_op(BPF_MAP_DELETE_ELEM, fd, keys[i],
		    NULL)) < 0 && r != -ENOENT)
			return r;
	return (int)n;
}

/*
 * Both maps walked; d->earliest becomes the first expiry of what stays.
 * A walk of 8,192 entries takes milliseconds to tens of them, in the loop
 * that also applies host-address refreshes and live policy: the callers
 * walk only when d->earliest says something can have expired.
 */
int domains_sweep(struct domains *d)
{
	uint64_t now = now_ns(CLOCK_BOOTTIME), earliest = UINT64_MAX;
	int a, b;

	if ((a = sweep_map(d->map4, 4, now, &earliest)) < 0)
		return a;
	if ((b = sweep_map(d->map6, 16, now, &earliest)) < 0)
		return b;
	d->earliest = earliest;
	d->swept += (unsigned long)a + (unsigned long)b;
	return 0;
}

/* An expired entry may be there: a walk can free something. */
static int sweep_due(const struct domains *d)
{
	return now_ns(CLOCK_BOOTTIME) >= d->earliest;
}

/*
 * A full map: one walk per SWEEP_MS at most, and only when an entry can
 * have expired; else the answer fails at once (SERVFAIL), so a jail that
 * keeps asking cannot make the parent walk 8,192 entries per answer.
 */
static int sweep_full(struct domains *d)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC) / 1000000;

	if (!sweep_due(d) || now < d->full_sweep_ms + SWEEP_MS)
		return -E2BIG;
	d->full_sweep_ms = now;
	return domains_sweep(d);
}

/*
 * dns.c's callback: addr may be reached until TTL (at most DNS_TTL_MAX)
 * plus DNS_GRACE_S from now.  An entry that lasts longer keeps its own
 * expiry.  A full map is swept when sweep_full allows; still full, the
 * answer fails (SERVFAIL): never an allow for something else instead.
 */
static int allow(void *arg, int family, const void *addr, uint32_t ttl)
{
	struct domains *d = arg;
	int fd = family == AF_INET6 ? d->map6 : d->map4, r;
	uint64_t exp, old;

	if (fd < 0 || (family != AF_INET && family != AF_INET6))
		return -1;
	if (ttl > DNS_TTL_MAX)
		ttl = DNS_TTL_MAX;
	exp = now_ns(CLOCK_BOOTTIME) +
	    ((uint64_t)ttl + DNS_GRACE_S) * 1000000000ULL;
	if (bpf_map_op(BPF_MAP_LOOKUP_ELEM, fd, addr, &old) == 0 && old > exp)
		return 0;
	r = bpf_map_op(BPF_MAP_UPDATE_ELEM, fd, addr, &exp);
	if (r == -E2BIG && sweep_full(d) == 0)
		r = bpf_map_op(BPF_MAP_UPDATE_ELEM, fd, addr, &exp);
	if (r == 0 && exp < d->earliest)
		d->earliest = exp;
	if (r < 0) {
		d->failed++;
		return -1;
	}
	d->allowed++;
	return 0;
}

/* No maps yet, nothing written: the maps start empty. */
static void domains_init(struct domains *d)
{
	d->map4 = d->map6 = -1;
	d->next_sweep_ms = 0;
	d->full_sweep_ms = 0;
	d->earliest = UINT64_MAX;
	d->allowed = d->failed = d->swept = 0;
}

int domains_open(struct domains *d, const struct dns_names *names,
    char *err, size_t errlen)
{
	domains_init(d);
	return dns_fwd_open(&d->fwd, names, NULL, allow, d, err, errlen);
}

int domains_open_fds(struct domains *d, const int lfd[4],
    const struct dns_names *names, char *err, size_t errlen)
{
	domains_init(d);
	return dns_fwd_open_fds(&d->fwd, lfd, names, NULL, allow, d, err,
	    errlen);
}

int domains_set_port(int dcfg, uint16_t port)
{
	uint32_t key = 0, v = port;

	return bpf_map_op(BPF_MAP_UPDATE_ELEM, dcfg, &key, &v);
}

int domains_revoke(struct domains *d)
{
	uint64_t none = UINT64_MAX;	/* every entry goes: nothing stays */
	int a = d->map4 >= 0 ? sweep_map(d->map4, 4, UINT64_MAX, &none) : 0;
	int b = d->map6 >= 0 ? sweep_map(d->map6, 16, UINT64_MAX, &none) : 0;

	d->earliest = UINT64_MAX;
	return a < 0 ? a : b < 0 ? b : 0;
}

void domains_start(struct domains *d, int map4, int map6)
{
	d->map4 = map4;
	d->map6 = map6;
	d->next_sweep_ms = now_ns(CLOCK_MONOTONIC) / 1000000 + SWEEP_MS;
}

int domains_pollfds(const struct domains *d, struct pollfd *pf, int max)
{
	return dns_fwd_pollfds(&d->fwd, pf, max);
}

/* ms until the forwarder's next deadline or the next sweep. */
int domains_timeout_ms(const struct domains *d)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC) / 1000000;
	int t = dns_fwd_timeout_ms(&d->fwd);
	int s = d->next_sweep_ms > now ? (int)(d->next_sweep_ms - now) : 0;

	return t < 0 || s < t ? s : t;
}

int domains_handle(struct domains *d, const struct pollfd *pf, int n,
    char *err, size_t errlen)
{
	uint64_t now;
	int r;

	if ((r = dns_fwd_handle(&d->fwd, pf, n, err, errlen)) < 0)
		return r;
	now = now_ns(CLOCK_MONOTONIC) / 1000000;
	if (now < d->next_sweep_ms)
		return 0;
	d->next_sweep_ms = now + SWEEP_MS;
	if (sweep_due(d) && (r = domains_sweep(d)) < 0)
		snprintf(err, errlen, "sweep the DNS allows");
	return r;
}

void domains_close(struct domains *d)
{
	dns_fwd_close(&d->fwd);
}

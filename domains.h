/*
 * domains.h - the run parent's side of --allow-domain (domains.c): the
 * forwarder (dns.h) and the jail_dns4 / jail_dns6 entries its answers
 * make.  See bpf_maps.h for the maps, dns.h for the forwarder.
 */
#ifndef JAIL_DOMAINS_H
#define JAIL_DOMAINS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf_maps.h"
#include "dns.h"

struct domains {
	struct dns_fwd fwd;
	int map4, map6;		/* jail_dns4, jail_dns6: refresh's fds */
	uint64_t next_sweep_ms;	/* CLOCK_MONOTONIC */
	uint64_t full_sweep_ms;	/* the last walk for a full map, the same */
	uint64_t earliest;	/* CLOCK_BOOTTIME ns: no entry expires sooner */
	unsigned long allowed, failed, swept;
};

/* Before the attach: the forwarder, its port in d->fwd.port.  0, or
 * -errno with err naming the step. */
int domains_open(struct domains *d, const struct dns_names *names,
    char *err, size_t errlen);
/* The same on listeners made elsewhere (dns_fwd_open_fds: a podman
 * jail's, made in its network namespace; they are d's from the call on). */
int domains_open_fds(struct domains *d, const int lfd[4],
    const struct dns_names *names, char *err, size_t errlen);
/* jail_dcfg (its fd): the programs redirect port 53 to port from now on
 * (0: not at all).  0 or -errno. */
int domains_set_port(int dcfg, uint16_t port);
/* Every entry of jail_dns4 / jail_dns6 deleted (failing closed). */
int domains_revoke(struct domains *d);
/* After the attach: the maps answers go to (fds stay the caller's). */
void domains_start(struct domains *d, int map4, int map6);
int domains_pollfds(const struct domains *d, struct pollfd *pf, int max);
int domains_timeout_ms(const struct domains *d);
/* After poll: the forwarder's fds, then a sweep when one is due.  0, or
 * -errno with err: the forwarder or the maps failed (the caller stops). */
int domains_handle(struct domains *d, const struct pollfd *pf, int n,
    char *err, size_t errlen);
/* Expired entries deleted now: 0 or -errno. */
int domains_sweep(struct domains *d);
void domains_close(struct domains *d);

#endif

/*
 * refresh.h - refresh.c: `run --block-host` keeps the jail's deny maps in
 * step with the host's addresses while CMD runs.
 */
#ifndef JAIL_REFRESH_H
#define JAIL_REFRESH_H

#include <stddef.h>
#include <sys/types.h>

#include "events.h"
#include "policy.h"
#include "protect.h"

/* The fields are refresh.c's. */
struct refresh {
	int nl;			/* NETLINK_ROUTE, address and route groups */
	int maps[JAIL_NMAPS];	/* jail_v4, jail_v6, jail_ev, jail_cnt */
	struct prot_opts *o;	/* its allows and kept denies */
	struct jail_rule4 *r4;	/* what jail_v4 holds, sorted by key */
	size_t n4, cap4;
	struct jail_rule6 *r6;	/* what jail_v6 holds */
	size_t n6, cap6;
	unsigned long events, fast, rebuilds;
	struct events *ev;	/* --events: read when its fd is readable */
};

/* The watch, opened before the addresses are read, so that no change
 * after the read is missed.  0 or -errno; rf->maps all -1. */
int refresh_open(struct refresh *rf);
/* The maps as the child filled them (p's rules); takes the fds. */
int refresh_start(struct refresh *rf, struct prot_opts *o,
    const struct policy *p, const int maps[JAIL_NMAPS]);
/* --events: ev reads the ring with the child's jail_ev and jail_cnt (taken
 * from rf), naming entries from rf's view; refresh_watch then drains it
 * whenever the ring has data, and once more when CMD has ended.  0 or
 * -errno with err naming the step. */
int refresh_events(struct refresh *rf, struct events *ev, int out,
    const char *jail, char *err, size_t errlen);
/*
 * Until pid's exit (a pidfd): every change applied, 0.  -errno, with err
 * naming the step, when a change could not be applied or watched: the
 * caller must then stop the jail (fail closed).
 */
int refresh_watch(struct refresh *rf, pid_t pid, char *err, size_t errlen);
/* Closes the fds and frees; also in CMD's process, before its exec. */
void refresh_close(struct refresh *rf);

#endif

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

struct domains;

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
	int own_netns;		/* a podman jail's own network namespace:
				 * rebuilds leave its loopback open */
	int writing;		/* an apply failed after its first write */
	/* The control socket (control.c) and its handler, called when a
	 * client waits; -1 and NULL: none.  A negative return is fatal. */
	int ctl;
	int (*on_ctl)(struct refresh *rf, int fd, char *err, size_t errlen);
	struct events *ev;	/* --events: read when its fd is readable */
	struct domains *dom;	/* --allow-domain: the forwarder's fds are
				 * polled too, its allows swept (domains.c) */
};

/* One step of bringing a map from cur to nw (refresh_plan). */
struct refresh_op {
	size_t idx;		/* into nw for a write, cur for a delete */
	int del;
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
/* The keeper's (keeper.c) step when rf->nl is readable, or in error:
 * what refresh_watch does then.  0, or -errno with err naming the step. */
int refresh_step(struct refresh *rf, char *err, size_t errlen);
/* refresh_start's proof again, from the process that will do the
 * updates: one entry rewritten with its own value.  0 or -errno. */
int refresh_prove(struct refresh *rf);
/* Fail closed with no way to stop the jail: every entry of both maps
 * rewritten to deny every port, plus 0.0.0.0/0 and ::/0 denied.  Tries
 * them all; 0, or the first -errno. */
int refresh_deny_all(struct refresh *rf);
/*
 * The policy again from the host's addresses now and rf->o (its allows
 * and kept denies, which a live update may have changed), and the maps
 * brought to it in refresh_plan's order.  -errno with err naming the
 * step; rf->writing then says whether a map was touched (if not, the
 * caller may undo its change to rf->o; if so, the jail must stop).
 */
int refresh_apply(struct refresh *rf, char *err, size_t errlen);
/*
 * Pure: the writes and deletes that bring one map (rules of rsz bytes,
 * the key their first ksz, both lists sorted by key) from cur to nw, in
 * the order that never allows what neither allows; into ops (room for
 * ncur + nnew); returns how many.
 */
size_t refresh_plan(const void *cur, size_t ncur, const void *nw,
    size_t nnew, size_t rsz, size_t ksz, struct refresh_op *ops);
/* Closes the fds and frees; also in CMD's process, before its exec. */
void refresh_close(struct refresh *rf);

#endif

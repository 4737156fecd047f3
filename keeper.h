/*
 * keeper.h - keeper.c: the address refresh of protected rootful podman
 * jails, one capability-free keeper process per jail's parent cgroup.
 */
#ifndef JAIL_KEEPER_H
#define JAIL_KEEPER_H

#include <sys/types.h>

#include "cgroup.h"
#include "refresh.h"

struct dns_names;

/*
 * The keeper of NAME's parent cgroup par, holding rf's fds (refresh_start
 * done); rf stays the caller's to close.  With --allow-domain, names and
 * dns_lfd: the forwarder's listeners (dns_fwd_listeners, made in the
 * container's network namespace; the caller's to close after), which the
 * keeper serves and whose port it writes into jail_dcfg.  0 once the
 * keeper runs without capabilities, or -errno after saying why.
 * par_ino: the parent's inode when the programs were attached: the
 * keeper watches that one, never one made again in its place.
 */
int keeper_start(const char *who, const char *name,
    const struct jail_cgroup *par, ino_t par_ino, struct refresh *rf,
    const int *dns_lfd, const struct dns_names *names);
/* Stops NAME's keeper (1 s, then SIGKILL) and removes its files. */
void keeper_stop(const char *name);
/* NAME's saved live rules (keeper-NAME.live) removed: rm and clean. */
void keeper_forget(const char *name);
/* NAME's saved live rules read (path: the file's): 1 with *buf malloc'd,
 * 0 when there are none, -errno when unreadable or not root's 0600
 * (-EFBIG: longer than CONTROL_LIVE_MAX). */
int keeper_live_read(const char *name, char **buf, size_t *len, char *path,
    size_t plen);
/* NAME's keeper's pid; 0 when none runs, with why (when given) the
 * reason its last one recorded, or "not running". */
pid_t keeper_pid(const char *name, char *why, size_t len);

/* fn for each keeper, running or not, of this podman storage (as the environment
 * selects it: keeper_of_store), by jail name;
 * jail-ai list and clean look for those whose container is gone. */
int keeper_each(void (*fn)(const char *name, void *arg), void *arg);
/* 1: keeper-NAME.pid is of this podman storage (the environment's
 * CONTAINERS_STORAGE_CONF, CONTAINERS_CONF, CONTAINERS_CONF_OVERRIDE). */
int keeper_of_store(const char *name);
/* main's argv (its strings are one area): the keeper writes its own
 * name there for ps.  Called first thing in main. */
void keeper_title_area(int argc, char **argv);

#endif

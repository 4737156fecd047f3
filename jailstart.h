/*
 * jailstart.h - jailstart.c: the protected start of a podman jail, and
 * the check that a running one has its programs.
 */
#ifndef JAIL_JAILSTART_H
#define JAIL_JAILSTART_H

#include "protect.h"
#include "request.h"

/*
 * Every start of a jail: for a protected one init, attach, canary, start.
 * given: the options (create knows them), else read from the labels.
 * 0, or < 0 with the reason said; the exit undo stops the container.
 */
int protected_start(const char *who, const char *name,
    const struct prot_opts *given);
/* Rootful (the fast path applies): 1. */
int pod_fast(void);
/* 1: NAME is protected on the fast path (rootful, its cgroup parent
 * <cgroup2>/jail-ai/pod-NAME): it has an address-refresh keeper. */
int pod_on_fast_path(const char *name);
/* Dies, saying why, when podman's cgroup manager is systemd's. */
void need_cgroupfs(const char *who, const char *name);
/* <cgroup2>/jail-ai/pod-NAME in cg (nothing opened); 0 or -errno. */
int pod_parent(const char *name, struct jail_cgroup *cg);
/* <cgroup2>/jail-ai locked as create and start lock it: an fd to close
 * (the lock's end), or -errno. */
int pod_lock(const char *name);
/* rm: that cgroup, and podman's cgroup v1 ones of the same name. */
void pod_parent_remove(const char *name);
/* create's fast path: the parent protected, then podman ARGS (run -d);
 * gateways: the network's, space-separated.  0, or < 0 said. */
int fast_create(const char *name, const struct prot_opts *given,
    const char *network, const char *gateways, const char *const *args);
/* An exit from now on removes (created) or stops the container NAME. */
void undo_arm(const char *name, int created);
/* Started and protected: nothing to undo. */
void undo_disarm(void);
/* Running and, when the jail asks for it, protected; else refuse (< 0). */
int ensure_running(const char *who, const char *name);
/* podman's state of NAME, malloc'd ("unknown" when podman says nothing). */
char *state_of(const char *name);

/* What is attached now, whatever the label asks for. */
enum { PS_OFF, PS_ATTACHED, PS_MISSING, PS_ON_START, PS_UNKNOWN };
/* From the state and the block-host label; queries the child if running. */
int prot_state(const char *who, const char *name, const char *state,
    const char *bh_label, struct jail_reply *rep);
/* status: "programs: attached at CGROUP (ids: ...); ..." into out. */
/* The cgroup holding a running jail's programs; cgp its own. -ESRCH. */
int prot_holder(const char *name, char *holder, size_t len, char *cgp,
    size_t cgplen);
void prot_where(const char *who, const char *name, char *out, size_t len);
int prot_state_of(const char *who, const char *name,
    struct jail_reply *rep);

#endif

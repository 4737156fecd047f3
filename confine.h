/*
 * confine.h - confine.c: what `run`'s CMD keeps (capabilities, mounts,
 * seccomp, its own session behind a pty), and the start-up capability drop.
 */
#ifndef JAIL_CONFINE_H
#define JAIL_CONFINE_H

#include <sys/types.h>
#include <linux/types.h>

#include "cgroup.h"

struct fs_plan;		/* fsjail.h: CMD's file rules */
int caps_all(__u64 *prm, __u64 *eff, __u64 *inh, int set);
/* All capabilities but keep's (a mask of 1 << CAP_*) dropped from every
 * set, bounding and ambient included.  0 or -errno. */
int caps_drop_except(__u64 keep);
/* A directory CMD must not see in any --fs mode (control.c's sockets):
 * an empty read-only tmpfs over it in CMD's mount namespace.  NULL: none.
 * Set before confine_exec; dir is kept, not copied. */
void confine_hide(const char *dir);
void confine_exec(const struct jail_cgroup *cg, char **cmd, int keep_privs,
    const struct fs_plan *fs, pid_t parent) __attribute__((noreturn));

#endif

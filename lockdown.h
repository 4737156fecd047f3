/*
 * lockdown.h - the privileged child's confinement of itself (lockdown.c):
 * stacked seccomp allow-lists that tighten as it goes, and a Landlock
 * domain with no filesystem access.  Called only from loader.c, except
 * lockdown_ruleset, which the keeper's read-only domain shares (fsjail.c).
 */
#ifndef JAIL_LOCKDOWN_H
#define JAIL_LOCKDOWN_H

#include <stddef.h>
#include <linux/types.h>

/* Bits of jail_reply.confined: what the child managed to put on itself. */
#define JAIL_CONFINED_SECCOMP	1U	/* the allow-lists are in force */
#define JAIL_CONFINED_LANDLOCK	2U	/* no filesystem access at all */

/* no_new_privs and the first allow-list, before any input is read. */
int lockdown_start(void);
/* The maps are filled and the programs loaded: no more loads or opens. */
int lockdown_loaded(void);
/* Attached and confirmed (or detached again): no bpf() at all. */
int lockdown_attached(void);
/* No filesystem access; 0, or -errno (-ENOSYS, -EOPNOTSUPP: no Landlock). */
int lockdown_landlock(void);

/* <linux/landlock.h> of the build (Debian 12: 6.1) lacks the later
 * fields; the layout is the kernel's, fixed by its ABI. */
struct ll_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;	/* ABI 4 */
	__u64 scoped;			/* ABI 6 */
};
/* A ruleset handling the first SIZE bytes of ATTR, with no rule, enforced
 * on the calling thread: 0, or -errno. */
int lockdown_ruleset(const struct ll_ruleset_attr *attr, size_t size);

/* This build's allow-list, one name a line (for the tests). */
const char *lockdown_syscalls(void);

#endif

/*
 * jailenv.h - what a podman jail takes from its caller at each exec
 * (terminal, locale, timezone) and the git mounts of its workspace
 * (jailenv.c).
 */
#ifndef JAIL_JAILENV_H
#define JAIL_JAILENV_H

#include <stddef.h>

/*
 * "--env=K=V" arguments for podman exec: TERM, COLORTERM, LANG, LANGUAGE,
 * LC_* as the caller has them, and TZ (the caller's, else the rule of the
 * host's /etc/localtime).  NULL-terminated; the same list every call.
 */
const char *const *caller_env(void);

/*
 * The POSIX TZ rule at the end of a TZif (version 2+) file: 0 with the
 * rule in out, -EINVAL when there is none.  Pure, for tests.
 */
int tzif_rule(const char *buf, size_t len, char *out, size_t outlen);

/*
 * The "gitdir: PATH" line of a .git file: 0 with PATH in out, -EINVAL.
 * Pure, for tests.
 */
int gitfile_parse(const char *buf, size_t len, char *out, size_t outlen);

/*
 * "--volume=..." arguments for podman create so that git works in the
 * workspace WS and cannot plant what the host's git runs later: the
 * repository (a worktree's common dir at its own path), then its hooks/
 * and config (and a worktree's config.worktree and .git file) read-only.
 * NULL-terminated; an empty list when WS is not a git checkout.  0, or
 * -errno with what failed in why (a path, or a reason).
 */
int git_mounts(const char *ws, const char *const **out, char *why,
    size_t whylen);

/*
 * create's workspace: "" with --no-workspace (NO_WS), else workspace()'s
 * (policy.h) for ARG.  OUT holds PATH_MAX.  Dies when both are given.
 */
void no_workspace(int no_ws, const char *arg, char *out);

#endif

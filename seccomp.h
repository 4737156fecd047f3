/* seccomp.h - the syscall ABIs a jailed process may use (seccomp.c). */
#ifndef JAIL_SECCOMP_H
#define JAIL_SECCOMP_H

#include <stddef.h>
#include <linux/filter.h>

/* `run`'s CMD filter for this architecture and its length. */
size_t seccomp_cmd_filter(const struct sock_filter **f);

/* Installs it on the calling thread (no_new_privs first); 0 or -errno. */
int seccomp_confine_cmd(void);

/*
 * The keeper's filter (keeper.c), built into f[0..max): its length, 0 if
 * max is too small.  EPERM for socket(AF_UNIX), socketpair, exec, ptrace,
 * signals and links; KILL for a foreign ABI.
 */
size_t seccomp_keeper_filter(struct sock_filter *f, size_t max);

/* Installs it (no_new_privs first); 0 or -errno. */
int seccomp_confine_keeper(void);

/* The seccomp architecture name podman's profiles use for this build. */
extern const char seccomp_native_arch[];

/*
 * Pure: copies the podman profile in[0..n) to out with the value of every
 * top-level "archMap" and "architectures" key replaced by the native ABI
 * alone.  0, -EINVAL (not a JSON object, or neither key), -E2BIG.
 */
int seccomp_narrow_profile(const char *in, size_t n, char *out,
    size_t outmax, size_t *outlen);

/*
 * Writes podman's default profile narrowed to the native ABI to a file in a
 * directory only this user can write and puts its path in path.  0, or
 * -errno with *what naming the file or directory that failed.
 */
int seccomp_podman_profile(char *path, size_t len, const char **what);
/*
 * jail-ai's own directory: root /run/jail-ai; others $XDG_RUNTIME_DIR/
 * jail-ai, else $HOME/.cache/jail-ai; made 0700 if missing, then checked
 * (owner, mode).  An fd of it, its path in dir.  The podman profile lives
 * there, and control.c's sockets below it.
 */
int seccomp_state_dir(char *dir, size_t len);

#endif

/*
 * util.h - util.c: what every module uses: exit codes, messages, reading
 * a whole small file.  A leaf: includes nothing of ours.
 */
#ifndef JAIL_UTIL_H
#define JAIL_UTIL_H

#include <stddef.h>

/* As podman run, env and chroot: jail-ai's own failure is 125 (usage
 * errors included); CMD found but not executable 126, not found 127. */
#define EXIT_USAGE	125	/* bad usage or input */
#define EXIT_SYSFAIL	125	/* a system call or a protection step failed */

/* "jail-ai: MESSAGE" on stderr; die() then exits with code. */
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(int code, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* One bpf() map command by fd (BPF_MAP_LOOKUP_ELEM, _UPDATE_ELEM with
 * BPF_ANY, _DELETE_ELEM, _GET_NEXT_KEY): value is the value, or the next
 * key for GET_NEXT_KEY (one field of the kernel's union); NULL where the
 * command takes none.  0 or -errno.  No capability needed (by fd). */
int bpf_map_op(int cmd, int fd, const void *key, const void *value);

/* A whole file (for /proc) into *buf, NUL-terminated, malloc'd; 0 or
 * -errno. */
int read_file(const char *path, char **buf, size_t *len);

#endif

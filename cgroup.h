/*
 * cgroup.h - cgroup.c: the cgroup v2 of a jail, and the mountinfo parsers
 * (cgroup2 mount, kernel-knob mounts) the jails' checks use.
 */
#ifndef JAIL_CGROUP_H
#define JAIL_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

#include "request.h"

/* idx-th cgroup2 mount point in a mountinfo buffer; 0, -ENOENT, -EINVAL. */
int cgroup_parse_mountinfo(const char *buf, size_t len, unsigned int idx,
    char *out, size_t outlen);
/* The "0::" path from a /proc/PID/cgroup buffer; 0, -ENOENT, -EINVAL. */
int cgroup_parse_proc(const char *buf, size_t len, char *out, size_t outlen);
int cgroup2_mount(char *out, size_t outlen);
int cgroup_of_pid(pid_t pid, char *out, size_t outlen);
int cgroup_remount_ro_all(void);
int mountinfo_point(const char *buf, size_t len, unsigned int idx,
    const char *fstype, char *out, size_t outlen);
/* A mount of a kernel-knob filesystem (proc, sysfs, debugfs, ...). */
struct knob_mount {
	unsigned long id, parent;
	dev_t dev;
	int knob;		/* 0: not a knob fs, 1: one, 2: proc or sysfs */
	int ro;			/* per-mount read-only */
	int fsroot;		/* the filesystem's root is mounted */
	int covered;		/* a mount on the same place hides it */
	char point[512];
};

/* The idx-th knob mount in a mountinfo buffer; 0, -ENOENT, -EINVAL. */
int mountinfo_knob(const char *buf, size_t len, unsigned int idx,
    struct knob_mount *k);
/* 1 (point in out): a proc/sysfs mount that lets a nested namespace mount
 * a writable one, or is writable; 0: none; own_proc is exempt if it holds
 * a read-only <own_proc>/sys. */
int knobs_exposed(const char *buf, size_t len, const char *own_proc,
    char *out, size_t outlen);
/* 1 (point in out): a knob mount at, below or above dir; 0: none. */
int knobs_within(const char *buf, size_t len, const char *dir, char *out,
    size_t outlen);
int knobs_under(const char *path, char *out, size_t outlen);
/* The knob mounts of this process's namespace, mountinfo read and parsed
 * once (fsjail.c detaches those below each covered directory); free m. */
struct knob_list {
	struct knob_mount *m;
	size_t n;
};
int knob_list_read(struct knob_list *l);
/* For a root CMD: every knob read-only; -errno with the path in bad. */
int kernel_knobs_ro(char *bad, size_t badlen);

struct jail_cgroup {
	char mount[256];	/* the cgroup2 mount point */
	char rel[JAIL_CGROUP_PATH_MAX];	/* below it, no leading '/' */
	char path[1024];	/* mount/rel */
	int dirfd;		/* O_RDONLY|O_DIRECTORY, -1 when closed */
	int procs_fd;		/* cgroup.procs, O_WRONLY, -1 when closed */
};

/* A user whose cgroup is not its own: re-exec in a systemd scope (no
 * return), or -EACCES with what to set up in err.  0: go on. */
int jail_cgroup_preflight(char *err, size_t errlen);
/* A new run-* cgroup, locked (flock) until closed; stale ones removed. */
int jail_cgroup_create(struct jail_cgroup *cg, const char *mode, char *err,
    size_t errlen);
/* fn for each live `run` jail below this caller's parent; 0 or -errno. */
int jail_run_list(void (*fn)(const char *name, const char *path, void *arg),
    void *arg);
int jail_cgroup_join(const struct jail_cgroup *cg);
int jail_cgroup_remove(struct jail_cgroup *cg);
int jail_cgroup_open(struct jail_cgroup *cg, const char *path, char *err,
    size_t errlen);
void jail_cgroup_close(struct jail_cgroup *cg);

#endif

/*
 * jail.h - declarations shared by the unprivileged parts of jail-ai
 * (jail.c, policy.c, cgroup.c, spawn.c) and the entry point of the
 * privileged child (loader.c).
 */
#ifndef JAIL_H
#define JAIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hostips.h"
#include "request.h"

/* As podman run, env and chroot: jail-ai's own failure is 125 (usage
 * errors included); CMD found but not executable 126, not found 127. */
#define EXIT_USAGE	125	/* bad usage or input */
#define EXIT_SYSFAIL	125	/* a system call or a protection step failed */
#define JAIL_MAX_ALLOW	64	/* --allow, --deny: each at most */
#define JAIL_MAX_RULE_LEN	127	/* one --allow or --deny value */
#define JAIL_MAX_DENY_FILES	8
#define JAIL_MAX_DENY_FILE_SIZE	(16 << 20)	/* bytes, each */

/* ---- policy.c ---- */
/* hostip.source of a --deny or --deny-file prefix: blocked, not a host
 * address (so an allow inside it does not open the loopback device). */
#define HOSTIP_USER	5

struct allow_rule {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	uint16_t port;		/* 0: every port */
	uint8_t addr[16];
};

/* ADDR[/LEN][:PORT], [V6ADDR[/LEN]]:PORT; 0, -EINVAL, or -EDOM for an
 * unbracketed IPv6 rule that reads as ADDR:PORT too ("::1:8080"). */
int policy_parse_allow(const char *s, struct allow_rule *out);
/* 2: a covers all of h; 1: a opens part of h; 0: they do not meet. */
int policy_allow_meets(const struct allow_rule *a, const struct hostip *h);
int policy_format_allow(const struct allow_rule *a, char *buf, size_t len);
/* --deny-file: ADDR[/LEN] per line, '#' comments; 0, -EINVAL, -E2BIG. */
int policy_parse_deny_file(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline);

struct policy {
	struct jail_req_hdr *req;	/* header + rules, malloc'd */
	size_t req_len;
	struct jail_rule4 *r4;		/* inside req */
	struct jail_rule6 *r6;
	uint32_t n4, n6;
};

/*
 * Deny every hostip, allow what the allow rules name (an allow wins over
 * a deny; a port-less allow opens every port).  The result is the request
 * for the privileged child, with op and cgroup still to fill in.
 */
int policy_build(const struct hostip *deny, size_t ndeny,
    const struct allow_rule *allow, size_t nallow, struct policy *out);
void policy_free(struct policy *p);
/* The userspace twin of the BPF lookup: JAIL_ALLOW or JAIL_DENY. */
int policy_verdict(const struct policy *p, int family, const uint8_t *addr,
    uint16_t port);
/* The twin of jail_egress for a packet leaving through lo. */
int policy_lo_verdict(const struct policy *p, int family, const uint8_t *addr,
    uint16_t port);

/* ---- cgroup.c ---- */
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
int jail_cgroup_create(struct jail_cgroup *cg, int block_host, char *err,
    size_t errlen);
/* fn for each live `run` jail below this caller's parent; 0 or -errno. */
int jail_run_list(void (*fn)(const char *name, const char *path, void *arg),
    void *arg);
int jail_cgroup_join(const struct jail_cgroup *cg);
int jail_cgroup_remove(struct jail_cgroup *cg);
int jail_cgroup_open(struct jail_cgroup *cg, const char *path, char *err,
    size_t errlen);
void jail_cgroup_close(struct jail_cgroup *cg);

/* ---- protect.c: --block-host, shared by run and the podman jails ---- */
struct prot_opts {
	const char *who;	/* "run", "create", ...: for messages */
	pid_t net_pid;		/* a podman jail's init; 0: the host's netns */
	int block_host, no_dns;
	struct allow_rule allow[JAIL_MAX_ALLOW];
	const char *allow_text[JAIL_MAX_ALLOW];	/* as given; DNS ones NULL */
	size_t nallow;
	const char *deny[JAIL_MAX_ALLOW];	/* --deny values, checked */
	size_t ndeny;
	const char *deny_file[JAIL_MAX_DENY_FILES];	/* in order given */
	size_t ndeny_file;
	int force;		/* --force: allows that open a whole range */
};

int prot_parse_opt(struct prot_opts *o, int argc, char **argv, int *i);
void prot_check(const struct prot_opts *o);
void prot_build(struct prot_opts *o, struct policy *p);
/* Dies with the setcap line when a non-root caller lacks file caps. */
void prot_need_caps(const char *who);
/* The child attaches p to cg, then the canary; 0, or < 0 after saying why. */
int protect(const char *who, const struct jail_cgroup *cg, struct policy *p);
/* 1: pid is in our network namespace, 0: another, < 0: cannot tell. */
int prot_same_netns(pid_t pid);

/* ---- jail.c: messages ---- */
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(int code, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* ---- confine.c: what CMD keeps ---- */
struct fs_plan;		/* fsjail.h: CMD's file rules */
int caps_all(__u64 *prm, __u64 *eff, __u64 *inh, int set);
void confine_exec(const struct jail_cgroup *cg, char **cmd, int keep_privs,
    const struct fs_plan *fs, pid_t parent) __attribute__((noreturn));

/* ---- podman.c ---- */
struct podman_status {
	int exited, code, signo;
};

int podman_init(void);
const char *podman_bin(void);
int podman_run(const char *const *args, struct podman_status *ps);
int podman_capture(const char *const *args, int quiet, char **out,
    struct podman_status *ps);
char *podman_inspect(const char *kind, const char *name, const char *fmt);

/* ---- container.c: podman jails ---- */
int cmd_container(int argc, char **argv);
void workspace(const char *arg, char *out);
int cmd_project_shell(int argc, char **argv);

/* ---- spawn.c: starting the privileged child ---- */
int privsep_init(void);
int privsep_call(const void *req, size_t len, struct jail_reply *rep);
const char *privsep_step_name(unsigned int step);

/* ---- reading whole small files, for /proc ---- */
int read_file(const char *path, char **buf, size_t *len);

#endif
